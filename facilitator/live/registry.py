"""The registry of live actions (declared by the modules of live/actions/) and what they are made of.

An action is one client event (and, for a change, one kind in the change log). It declares,
once: the roles that may send it, its parser (payload → typed command), how the executor runs
it, the server events it emits (with who receives them: ``EMITS``), and how a logged change
replays for ``sync``. ``live/events.py``, ``broadcast.publish``, ``snapshot.events_since``,
the executor and the batch all read this registry; nothing repeats it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Meeting, RoundTable
from .errors import ProtocolError

if TYPE_CHECKING:
    from ..models import Operation
    from .protocol import Template

Event = tuple[str, dict[str, Any]]
# a change on models: (caller, command, target) -> (subject, finish); finish(seq) -> (ack fields, events)
Apply = Callable[[Any, Any, Any], tuple[str, Callable[[int], tuple[dict[str, Any], list[Event]]]]]


@dataclass(frozen=True)
class Caller:
    """Who sends an event or makes a change: the one caller type of the live side.

    Meeting, role and table come from the token (never from a payload); the secretariat's
    curation has no token (``token`` None: no link to check, no storage budget).
    """

    meeting_id: int
    role: str
    table_number: int | None
    token: str | None = None
    token_id: int | None = None  # the token's row: its storage budget (budget.py)
    author: str | None = None  # the hash of the device key sent at connect (table pages)
    name: str = ""  # the display name told with presence:hello (or the secretariat member's)

    @property
    def label(self) -> str:
        """Who, as the change log and the report's versions name them."""
        return f"{self.role}:{self.name or self.role}"[:120]

    @property
    def meeting(self) -> Meeting:
        """The caller's meeting, read now (refused ``not_found`` once it is gone)."""
        meeting = db.session.get(Meeting, self.meeting_id)
        if meeting is None:
            raise ProtocolError("not_found")
        return meeting


@dataclass
class Outcome:
    """What a change answers and what it broadcasts (nothing for a resend)."""

    ack: dict[str, Any]
    events: list[Event] = field(default_factory=list)


# a change made on models, once it has its seq: -> (ack fields, events)
Finish = Callable[[int], tuple[dict[str, Any], list[Event]]]
# what an action's ``apply`` returns: the change's subject for the log, and its finish
Applied = tuple[str, Finish]

Engine = Literal["batch", "read"]
# an event's copy for the screens: (data, ids hidden meanwhile) -> data (the same object: no change)
Screened = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Action:
    """One client event, declared once.

    ``engine``: ``batch`` — a change, applied by the batch (batch.py), many in one
    transaction: either staged against the rows the batch read and locked (``stage``, with
    ``locks`` naming them), or made on models (``apply``: the caller's table or, with ``scope``
    "meeting", the meeting, its row locked) and finished once it has its seq; ``read`` —
    answers without a change (``handle``). ``scope`` "table": the caller's own table, refused
    once the input is closed; "meeting": any table of the meeting, also after the close.
    ``replay`` rebuilds a logged change's events for ``sync``; kinds with the same
    ``replay_last`` replay only their newest row per table (the event carries the whole
    state); ``replay_roles`` limits who gets the replay.
    """

    name: str
    roles: tuple[str, ...]
    parse: Callable[[Any, Template], Any]
    engine: Engine
    live: bool = True  # a Socket.IO event (False: curation's own change, made only from its pages)
    command: type | None = None
    stage: Callable[..., Any] | None = None
    locks: Literal["entry", "report", None] = None
    apply: Apply | None = None
    scope: Literal["table", "meeting"] = "table"
    handle: Callable[..., dict[str, Any]] | None = None
    replay: Callable[[Operation], list[Event]] | None = None
    replay_last: str | None = None
    replay_roles: tuple[str, ...] | None = None
    replay_to: Literal["table", "meeting"] = "table"  # "meeting": every client's sync, whatever its table


@dataclass(frozen=True)
class Emit:
    """Who receives a server event: the table's room with the screens and chairs (``table``),
    every client of the meeting (``meeting``), the minute-takers (``minutes``) or the chairs
    (``chair``: a vote's results while it is open; replayed to chairs only); ``screened``
    gives the screens' copy when it differs (None: the same)."""

    audience: Literal["table", "meeting", "minutes", "chair"]
    screened: Screened | None = None
    # a "meeting" event about one table (a table vote): that table with the screens and chairs
    table_of: Callable[[dict[str, Any]], int | None] | None = None


ACTIONS: dict[str, Action] = {}  # every action by name (filled when live/actions/ is imported)
EMITS: dict[str, Emit] = {}


def register(*actions: Action) -> None:
    """Declare actions (each module of this package, on import)."""
    for action in actions:
        assert action.name not in ACTIONS, action.name
        if action.command is not None:
            assert getattr(action.command, "kind", action.name) == action.name, action.name
        ACTIONS[action.name] = action


def emits(
    name: str,
    audience: Literal["table", "meeting", "minutes", "chair"],
    screened: Screened | None = None,
    table_of: Callable[[dict[str, Any]], int | None] | None = None,
) -> None:
    """Declare a server event a change emits and who receives it."""
    EMITS[name] = Emit(audience, screened, table_of)


def client_events() -> dict[str, Action]:
    """The actions a client sends on the socket, by event name."""
    return {name: action for name, action in ACTIONS.items() if action.live}


# --- rules more than one engine applies -------------------------------------------------------


def check_open(phase: str, closed_seq: int | None, base: int | None, role: str) -> None:
    """Refuse ``closed`` a table's change once the input is closed.

    A change made before the close (its client had not seen it yet: ``base`` below the close's
    seq) still counts, and curation (the secretariat) goes on after the meeting.
    """
    made_before_close = base is not None and closed_seq is not None and base < closed_seq
    if phase == "closed" and not made_before_close and role != "secretariat":
        raise ProtocolError("closed")


def table_gone() -> ProtocolError:
    """The refusal of a change to a table that no longer exists."""
    return ProtocolError("not_found", _l("Deze tafel bestaat niet meer."))


def meeting_table(meeting: Meeting, number: int) -> RoundTable:
    """One table of the meeting a meeting-level change names (refused when it is gone)."""
    table = db.session.execute(
        select(RoundTable).where(RoundTable.meeting_id == meeting.id, RoundTable.number == number)
    ).scalar_one_or_none()
    if table is None:
        raise table_gone()
    return table
