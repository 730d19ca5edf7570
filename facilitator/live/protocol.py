"""What every live action shares: the namespace, the meeting's template the parsers check
against, the base of every change command, and the fields every change carries.

Each client event is declared once, with its roles and its one parser, by its action in
live/actions/ (registry.py). Server events are declared in SERVER_EVENTS (shapes.py); the
tests check every event a client receives against it (tests/conftest.py). Error codes and
their sentences are in errors.py, the readers of single fields in fields.py, the limits in
facilitator/rules.py. docs/protocol.md describes the same for people.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l

from . import fields
from .errors import ProtocolError
from .shapes import SERVER_EVENTS, Shape  # noqa: F401 - the server events, declared in shapes.py

NAMESPACE = "/live"

SCREEN_MODES = ("overview", "combined", "topics", "coverage", "feedback", "groups", "priorities")
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

    @cached_property
    def rounds(self) -> tuple[str, ...]:
        """The template of each of the meeting's [[rounds]] ("bollen" or "none"); empty: one round."""
        return tuple(r.template for r in self._meeting.rounds)

    @cached_property
    def shared_rounds(self) -> frozenset[int]:
        """The rounds whose entries every table sees (visibility "all")."""
        return frozenset(r.number for r in self._meeting.rounds if r.visibility == "all")

    @classmethod
    def of(cls, bollen: Any, horizons: Any, tables: Any, rounds: Any) -> Template:
        """A template from rows as read (statements.TEMPLATE_READS), with no meeting object."""
        template = cls()
        template.bollen = tuple(r["key"] for r in bollen)
        template.horizons = tuple(r["key"] for r in horizons)
        template.tables = tuple(r["number"] for r in tables)
        template.rounds = tuple(r["template"] for r in rounds)
        template.shared_rounds = frozenset(r["number"] for r in rounds if r["visibility"] == "all")
        return template


# The template of each meeting, for the parsers: read at most every few seconds per process
# (the secretariat changes it before a meeting; broadcast.refresh forgets it at once here).
TEMPLATE_SECONDS = 2.0
_templates: dict[int, tuple[float, Template]] = {}


_loading: set[int] = set()


def template_of(meeting_id: int, load: Callable[[], Template]) -> Template:
    """The meeting's template as recently read (``load`` reads it when it is not: shared.template).

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
        template = load()
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


def change_fields(payload: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The payload as an object, and the fields every change carries (op, base)."""
    payload = fields.require_dict(payload)
    return payload, {"op": fields.op_id(payload), "base": fields.sequence(payload, "base", required=False)}


def nothing_to_change() -> ProtocolError:
    """The refusal of a change that names nothing to change."""
    return ProtocolError("invalid", _l("Er is niets om te wijzigen."))


def table_named(payload: dict[str, Any], template: Template) -> int:
    """The one existing table a meeting-level change names (``table``)."""
    return fields.table_numbers([payload.get("table")], "table", template.tables)[0]
