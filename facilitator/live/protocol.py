"""The live protocol, declared once: every event, who may send it, its parser, every payload's shape.

A client event is read by exactly one parser here, which returns a small typed
command; `changes` receives only commands that are already valid. Server events
are declared in SERVER_EVENTS (shapes.py); the tests check every event a client receives
against it (tests/conftest.py). Error codes and their sentences are in errors.py,
the readers of single fields in fields.py, the limits in facilitator/rules.py.
docs/protocol.md describes the same for people.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any, ClassVar

from ..rules import LIMITS, MEETING_ROLES, PHASES, ROLES, TABLE_ROLES
from . import fields
from .errors import ProtocolError
from .shapes import SERVER_EVENTS, Shape  # noqa: F401 - the server events, declared in shapes.py

NAMESPACE = "/live"

SCREEN_MODES = ("overview", "combined", "topics", "coverage", "feedback")
TIMER_ACTIONS = ("start", "pause", "resume", "extend", "reset")


class Template:
    """What a payload is checked against: the meeting's bol and horizon keys and its table numbers.

    Read from the meeting on first use only (``load`` fetches it), so an event that needs
    none of it costs nothing.
    """

    def __init__(self, meeting: Any = None, load: Callable[[], Any] | None = None):
        self._load = load or (lambda: meeting)

    @cached_property
    def _meeting(self) -> Any:
        return self._load()

    @cached_property
    def bollen(self) -> tuple[str, ...]:
        """The bol keys in template order."""
        return tuple(b.key for b in self._meeting.bollen)

    @cached_property
    def horizons(self) -> tuple[str, ...]:
        """The horizon keys in template order."""
        return tuple(h.key for h in self._meeting.horizons)

    @cached_property
    def tables(self) -> tuple[int, ...]:
        """The meeting's table numbers."""
        return tuple(t.number for t in self._meeting.tables)


# The template of each meeting, for the parsers: read at most every few seconds per process
# (the secretariat changes it before a meeting; broadcast.refresh forgets it at once here).
TEMPLATE_SECONDS = 2.0
_templates: dict[int, tuple[float, Template]] = {}


_loading: set[int] = set()


def template_of(meeting_id: int, load: Callable[[], Any]) -> Template:
    """The meeting's template as recently read (``load`` fetches the meeting when it is not).

    One handler at a time reads it again when it is older than TEMPLATE_SECONDS; the others
    go on with the one they have meanwhile. (Under gevent the read yields: on PostgreSQL
    every handler arriving during it read it too, 10 % of a cluster process's CPU at 250
    changes/s.)
    """
    now = time.monotonic()
    hit = _templates.get(meeting_id)
    if hit is not None and (now - hit[0] < TEMPLATE_SECONDS or meeting_id in _loading):
        return hit[1]
    _loading.add(meeting_id)
    try:
        template = Template(load())
        template.bollen, template.horizons, template.tables  # noqa: B018 - read now, while the meeting is loaded
    finally:
        _loading.discard(meeting_id)
    _templates[meeting_id] = (now, template)
    return template


def forget_template(meeting_id: int) -> None:
    """The meeting's definition changed: read its template again on the next event."""
    _templates.pop(meeting_id, None)


# --- commands: what a parser returns ------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Change:
    """A change with a client-chosen operation id, and the meeting seq its client had seen (`base`)."""

    kind: ClassVar[str]
    op: str
    base: int | None = None

    def logged(self) -> dict[str, Any]:
        """The change as kept in the change log (JSON-safe)."""
        return {k: v for k, v in asdict(self).items() if k != "op"}


@dataclass(frozen=True, kw_only=True)
class AddEntry(Change):
    """`entry:add`: a new entry with the client's id."""

    kind = "entry:add"
    id: str
    text: str
    bollen: list[str]
    horizons: list[str]


@dataclass(frozen=True, kw_only=True)
class UpdateEntry(Change):
    """`entry:update`: new text, bollen or horizons (None: unchanged; at least one is set)."""

    kind = "entry:update"
    id: str
    text: str | None = None
    bollen: list[str] | None = None
    horizons: list[str] | None = None


@dataclass(frozen=True, kw_only=True)
class RevertEntry(UpdateEntry):
    """Curation: make an entry this earlier state again, restoring it if it was deleted."""

    kind = "entry:revert"


@dataclass(frozen=True, kw_only=True)
class DeleteEntry(Change):
    """`entry:delete`: mark an entry deleted."""

    kind = "entry:delete"
    id: str


@dataclass(frozen=True, kw_only=True)
class RestoreEntry(Change):
    """`entry:restore`: undo a delete."""

    kind = "entry:restore"
    id: str


@dataclass(frozen=True, kw_only=True)
class HideEntry(Change):
    """`entry:hide`: hide an entry from the screens, or show it again."""

    kind = "entry:hide"
    id: str
    hidden: bool


@dataclass(frozen=True, kw_only=True)
class UpdateReport(Change):
    """`report:update`: a decoded CRDT update of the report."""

    kind = "report:update"
    update: bytes

    def logged(self) -> dict[str, Any]:
        """The update as the client sent it (base64)."""
        return {"base": self.base, "update": base64.b64encode(self.update).decode()}


@dataclass(frozen=True, kw_only=True)
class SetReportText(Change):
    """Curation: the report's whole new text, merged as CRDT edits."""

    kind = "report:set"
    text: str

    def logged(self) -> dict[str, Any]:
        """Only the length: the text itself is kept in the report's versions."""
        return {"text_length": len(self.text)}


@dataclass(frozen=True, kw_only=True)
class UpdateTable(Change):
    """`table:update`: a new participant list (None: unchanged) and the roles that were sent."""

    kind = "table:update"
    participants: list[str] | None
    roles: dict[str, str | None]  # leader, rapporteur, spokesperson: a name, or None to clear


@dataclass(frozen=True, kw_only=True)
class SetPhase(Change):
    """`chair:phase`."""

    kind = "chair:phase"
    phase: str


@dataclass(frozen=True, kw_only=True)
class SetTimer(Change):
    """`chair:timer`: an action, with minutes for start (optional) and extend (required)."""

    kind = "chair:timer"
    action: str
    minutes: int | None


@dataclass(frozen=True, kw_only=True)
class SetView(Change):
    """`chair:view`: the mode, the report-back table (when `set_current`) and filters (None: unchanged)."""

    kind = "chair:view"
    mode: str
    set_current: bool = False
    current: int | None = None
    filters: dict[str, list[Any]] | None = None
    page: int | None = None  # the page of a long report or list (None: the first, or unchanged)


@dataclass(frozen=True, kw_only=True)
class SetFeedbackOrder(Change):
    """`chair:feedback-order`."""

    kind = "chair:feedback-order"
    order: list[int]


@dataclass(frozen=True, kw_only=True)
class UpdateFeedback(Change):
    """`feedback:update`: a decoded CRDT update of one table's plenary feedback (the minute-taker's)."""

    kind = "feedback:update"
    table: int
    update: bytes

    def logged(self) -> dict[str, Any]:
        """The update as the client sent it (base64), and its table."""
        return {"base": self.base, "table": self.table, "update": base64.b64encode(self.update).decode()}


@dataclass(frozen=True, kw_only=True)
class SetSpokesperson(Change):
    """`feedback:spokesperson`: who reported back for a table (None: nobody noted)."""

    kind = "feedback:spokesperson"
    table: int
    name: str | None


@dataclass(frozen=True)
class Hello:
    """`presence:hello`: the display name (may be empty)."""

    name: str


@dataclass(frozen=True)
class Sync:
    """`sync`: the last seq the client applied."""

    since: int


@dataclass(frozen=True)
class GetTopics:
    """`topics:get`: how many topics of each kind."""

    limit: int


# --- parsers: one per client event ---------------------------------------------------------


def _change(payload: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The payload as an object, and the fields every change carries (op, base)."""
    payload = fields.require_dict(payload)
    return payload, {"op": fields.op_id(payload), "base": fields.sequence(payload, "base", required=False)}


def parse_add_entry(payload: Any, template: Template) -> AddEntry:
    """Read `entry:add`."""
    payload, common = _change(payload)
    return AddEntry(
        **common,
        id=fields.op_id(payload, "id"),
        text=fields.entry_text(payload, required=True),
        bollen=fields.keys(payload, "bollen", template.bollen, required=True, at_least=1),
        horizons=fields.keys(payload, "horizons", template.horizons, required=False, at_least=0) or [],
    )


def parse_update_entry(payload: Any, template: Template, command: type[UpdateEntry] = UpdateEntry):
    """Read `entry:update` (and curation's revert to an earlier version)."""
    payload, common = _change(payload)
    entry_id = fields.op_id(payload, "id")
    text = fields.entry_text(payload, required=False)
    bollen = fields.keys(payload, "bollen", template.bollen, required=False, at_least=1)
    horizons = fields.keys(payload, "horizons", template.horizons, required=False, at_least=0)
    if text is None and bollen is None and horizons is None:
        raise ProtocolError("invalid", "Er is niets om te wijzigen.")
    return command(**common, id=entry_id, text=text, bollen=bollen, horizons=horizons)


def parse_revert_entry(payload: Any, template: Template) -> RevertEntry:
    """Read curation's revert of an entry to an earlier state."""
    return parse_update_entry(payload, template, RevertEntry)


def parse_delete_entry(payload: Any, template: Template) -> DeleteEntry:
    """Read `entry:delete`."""
    payload, common = _change(payload)
    return DeleteEntry(**common, id=fields.op_id(payload, "id"))


def parse_restore_entry(payload: Any, template: Template) -> RestoreEntry:
    """Read `entry:restore`."""
    payload, common = _change(payload)
    return RestoreEntry(**common, id=fields.op_id(payload, "id"))


def parse_hide_entry(payload: Any, template: Template) -> HideEntry:
    """Read `entry:hide`."""
    payload, common = _change(payload)
    return HideEntry(**common, id=fields.op_id(payload, "id"), hidden=fields.boolean(payload, "hidden"))


def parse_update_report(payload: Any, template: Template) -> UpdateReport:
    """Read `report:update`."""
    payload, common = _change(payload)
    return UpdateReport(**common, update=fields.crdt_update(payload))


def parse_set_report_text(payload: Any, template: Template) -> SetReportText:
    """Read curation's new report text."""
    payload, common = _change(payload)
    return SetReportText(**common, text=fields.report_text(payload))


ATTENDANCE_ROLES = ("leader", "rapporteur", "spokesperson")


def parse_update_table(payload: Any, template: Template) -> UpdateTable:
    """Read `table:update` (whether a leader sits at the table is checked against the stored list)."""
    payload, common = _change(payload)
    if not any(key in payload for key in ("participants", *ATTENDANCE_ROLES)):
        raise ProtocolError("invalid", "Er is niets om te wijzigen.")
    participants = (
        fields.names(payload["participants"], "participants") if "participants" in payload else None
    )
    roles = {role: fields.name(payload.get(role), role) for role in ATTENDANCE_ROLES if role in payload}
    return UpdateTable(**common, participants=participants, roles=roles)


def parse_set_phase(payload: Any, template: Template) -> SetPhase:
    """Read `chair:phase`."""
    payload, common = _change(payload)
    return SetPhase(**common, phase=fields.choice(payload, "phase", PHASES))


def parse_set_timer(payload: Any, template: Template) -> SetTimer:
    """Read `chair:timer`."""
    payload, common = _change(payload)
    action = fields.choice(payload, "action", TIMER_ACTIONS)
    minutes = fields.whole_number(payload, "minutes", 1, LIMITS["timer_minutes"], required=action == "extend")
    return SetTimer(**common, action=action, minutes=minutes)


def parse_set_view(payload: Any, template: Template) -> SetView:
    """Read `chair:view`."""
    payload, common = _change(payload)
    mode = fields.choice(payload, "mode", SCREEN_MODES)
    current = payload.get("current")
    if current is not None:
        current = fields.table_numbers([current], "current", template.tables)[0]
    filters = None
    if "filters" in payload:
        raw = fields.require_dict(payload["filters"])
        filters = {}
        if raw.get("tables") is not None:
            filters["tables"] = sorted(fields.table_numbers(raw["tables"], "tables", template.tables))
        if raw.get("horizons") is not None:
            filters["horizons"] = fields.keys(raw, "horizons", template.horizons, required=True, at_least=0)
    page = fields.whole_number(payload, "page", 0, LIMITS["screen_page"], required=False)
    return SetView(
        **common, mode=mode, set_current="current" in payload, current=current, filters=filters, page=page
    )


def parse_set_feedback_order(payload: Any, template: Template) -> SetFeedbackOrder:
    """Read `chair:feedback-order`."""
    payload, common = _change(payload)
    return SetFeedbackOrder(
        **common, order=fields.table_numbers(payload.get("order"), "order", template.tables)
    )


def _table(payload: dict[str, Any], template: Template) -> int:
    """The one existing table a meeting-level change names."""
    return fields.table_numbers([payload.get("table")], "table", template.tables)[0]


def parse_update_feedback(payload: Any, template: Template) -> UpdateFeedback:
    """Read `feedback:update`."""
    payload, common = _change(payload)
    return UpdateFeedback(**common, table=_table(payload, template), update=fields.crdt_update(payload))


def parse_set_spokesperson(payload: Any, template: Template) -> SetSpokesperson:
    """Read `feedback:spokesperson` (the name key is required; null or empty clears it)."""
    payload, common = _change(payload)
    if "name" not in payload:
        raise ProtocolError("invalid", "'name' ontbreekt.")
    number = _table(payload, template)
    return SetSpokesperson(**common, table=number, name=fields.name(payload["name"], "name"))


def parse_hello(payload: Any, template: Template) -> Hello:
    """Read `presence:hello`."""
    return Hello(name=fields.name(fields.require_dict(payload).get("name"), "name") or "")


def parse_sync(payload: Any, template: Template) -> Sync:
    """Read `sync`."""
    return Sync(since=fields.sequence(fields.require_dict(payload), "since", required=True))


def parse_get_topics(payload: Any, template: Template) -> GetTopics:
    """Read `topics:get` (the payload may be left out)."""
    payload = fields.require_dict(payload if payload is not None else {})
    return GetTopics(limit=fields.whole_number(payload, "limit", 1, 100, required=False) or 30)


# --- client events ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientEvent:
    """A client → server event: the roles that may send it and the one parser of its payload."""

    roles: tuple[str, ...]
    parse: Callable[[Any, Template], Any]


CLIENT_EVENTS: dict[str, ClientEvent] = {
    "entry:add": ClientEvent(TABLE_ROLES, parse_add_entry),
    # a participant only the entries added from their own device (rules.may_change_entry)
    "entry:update": ClientEvent(TABLE_ROLES, parse_update_entry),
    "entry:delete": ClientEvent(TABLE_ROLES, parse_delete_entry),
    "entry:restore": ClientEvent(TABLE_ROLES, parse_restore_entry),
    "report:update": ClientEvent(("rapporteur",), parse_update_report),
    "table:update": ClientEvent(("rapporteur",), parse_update_table),
    "presence:hello": ClientEvent(ROLES, parse_hello),
    "sync": ClientEvent(ROLES, parse_sync),
    "entry:hide": ClientEvent(("chair",), parse_hide_entry),
    "chair:phase": ClientEvent(("chair",), parse_set_phase),
    "chair:timer": ClientEvent(("chair",), parse_set_timer),
    "chair:view": ClientEvent(("chair",), parse_set_view),
    "chair:feedback-order": ClientEvent(("chair",), parse_set_feedback_order),
    "topics:get": ClientEvent(MEETING_ROLES, parse_get_topics),
    "feedback:update": ClientEvent(("minutes",), parse_update_feedback),
    "feedback:spokesperson": ClientEvent(("minutes",), parse_set_spokesperson),
}
