"""The chair's changes: the phase, the timer, what every screen shows, the report-back order.

Each changes the meeting's model (in the batch, on the locked meeting row), and every client
of the meeting follows it (the `meeting` event, and its replay for every client's `sync`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from ...models import Meeting, Operation, utcnow
from ...rules import LIMITS, PHASES
from .. import fields
from ..errors import ProtocolError
from ..protocol import SCREEN_MODES, TIMER_ACTIONS, Change, Template, change_fields
from ..registry import Action, Applied, Caller, Event, emits, register
from ..snapshot import aware, meeting_event, meeting_state


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
    filters: dict[str, Any] | None = None
    page: int | None = None  # the page of a long report or list (None: the first, or unchanged)


@dataclass(frozen=True, kw_only=True)
class SetFeedbackOrder(Change):
    """`chair:feedback-order`."""

    kind = "chair:feedback-order"
    order: list[int]


def parse_phase(payload: Any, template: Template) -> SetPhase:
    """Read `chair:phase`."""
    payload, common = change_fields(payload)
    return SetPhase(**common, phase=fields.choice(payload, "phase", PHASES))


def parse_timer(payload: Any, template: Template) -> SetTimer:
    """Read `chair:timer`."""
    payload, common = change_fields(payload)
    action = fields.choice(payload, "action", TIMER_ACTIONS)
    minutes = fields.whole_number(payload, "minutes", 1, LIMITS["timer_minutes"], required=action == "extend")
    return SetTimer(**common, action=action, minutes=minutes)


def parse_view(payload: Any, template: Template) -> SetView:
    """Read `chair:view`."""
    payload, common = change_fields(payload)
    mode = fields.choice(payload, "mode", SCREEN_MODES)
    current = payload.get("current")
    if current is not None:
        current = fields.table_numbers([current], "current", template.tables)[0]
    filters: dict[str, Any] | None = None
    if "filters" in payload:
        raw = fields.require_dict(payload["filters"])
        chosen: dict[str, Any] = {}
        if raw.get("tables") is not None:
            chosen["tables"] = sorted(fields.table_numbers(raw["tables"], "tables", template.tables))
        if raw.get("horizons") is not None:
            chosen["horizons"] = fields.keys(raw, "horizons", template.horizons, required=True, at_least=0)
        if raw.get("round") is not None and template.rounds:  # 0: every round; absent: the current one
            chosen["round"] = fields.whole_number(raw, "round", 0, len(template.rounds))
        filters = chosen
    page = fields.whole_number(payload, "page", 0, LIMITS["screen_page"], required=False)
    return SetView(
        **common, mode=mode, set_current="current" in payload, current=current, filters=filters, page=page
    )


def parse_feedback_order(payload: Any, template: Template) -> SetFeedbackOrder:
    """Read `chair:feedback-order`."""
    payload, common = change_fields(payload)
    return SetFeedbackOrder(
        **common, order=fields.table_numbers(payload.get("order"), "order", template.tables)
    )


def changed(meeting: Meeting, subject: str, then: Callable[[int], None] | None = None) -> Applied:
    """The change's subject, and its finish: the meeting's state once the change has its seq."""

    def finish(seq: int) -> tuple[dict[str, Any], list[Event]]:
        if then is not None:
            then(seq)
        state = meeting_state(meeting)
        return {"meeting": state}, [meeting_event(state, seq)]

    return subject, finish


def start_timer(meeting: Meeting, seconds: int) -> None:
    meeting.timer_total = seconds
    meeting.timer_ends_at = utcnow() + timedelta(seconds=seconds)
    meeting.timer_remaining = None


def apply_phase(caller: Caller, command: SetPhase, meeting: Meeting) -> Applied:
    """preparation → round (starts the timer) → feedback → closed, or back."""
    phase = command.phase
    closing = phase == "closed" and meeting.phase != "closed"
    if phase != "closed":
        meeting.closed_seq = None
    if phase == "round" and meeting.timer_total is None:
        start_timer(meeting, 60 * (meeting.round_minutes or 40))
    if phase == "feedback" and meeting.phase != "feedback":
        # entering the report-back: every screen shows it, at the first table if none yet
        order = meeting.effective_feedback_order()
        if meeting.feedback_current not in order:
            meeting.feedback_current = order[0] if order else None
        meeting.screen_mode = "feedback"
        meeting.screen_page = 0
    meeting.phase = phase

    def closed_at(seq: int) -> None:
        if closing:  # a change made before this seq still counts (registry.check_open)
            meeting.closed_seq = seq

    return changed(meeting, "phase", closed_at)


def apply_timer(caller: Caller, command: SetTimer, meeting: Meeting) -> Applied:
    """Start (minutes, default the meeting's round), pause, resume, extend, reset."""
    action, minutes = command.action, command.minutes
    now = utcnow()
    ends_at = aware(meeting.timer_ends_at)
    if action == "start":
        start_timer(meeting, 60 * (minutes or meeting.round_minutes or 40))
    elif action == "reset":
        meeting.timer_total = meeting.timer_ends_at = meeting.timer_remaining = None
    elif meeting.timer_total is None:
        raise ProtocolError("invalid", _l("De timer loopt nog niet."))
    elif action == "pause" and ends_at is not None:
        meeting.timer_remaining = max(0, int((ends_at - now).total_seconds()))
        meeting.timer_ends_at = None
    elif action == "resume" and ends_at is None:
        meeting.timer_ends_at = now + timedelta(seconds=meeting.timer_remaining or 0)
        meeting.timer_remaining = None
    elif action == "extend" and minutes is not None:  # (the parser requires them for extend)
        if ends_at is not None:
            # extending an expired timer counts from now
            meeting.timer_ends_at = max(ends_at, now) + timedelta(minutes=minutes)
        else:
            meeting.timer_remaining = (meeting.timer_remaining or 0) + 60 * minutes
        meeting.timer_total += 60 * minutes
    return changed(meeting, "timer")


def apply_view(caller: Caller, command: SetView, meeting: Meeting) -> Applied:
    """What every screen shows: mode, current report-back table, filters, page."""
    if command.set_current:
        meeting.feedback_current = command.current
    if command.filters is not None:
        meeting.screen_filters = command.filters
    meeting.screen_mode = command.mode
    meeting.screen_page = command.page or 0  # any other change of the view starts at its first page
    return changed(meeting, "view")


def apply_feedback_order(caller: Caller, command: SetFeedbackOrder, meeting: Meeting) -> Applied:
    """Reorder the report-back, leaving out tables to skip."""
    meeting.feedback_order = command.order
    if meeting.feedback_current is not None and meeting.feedback_current not in command.order:
        meeting.feedback_current = command.order[0] if command.order else None
        meeting.screen_page = 0
    return changed(meeting, "feedback_order")


def replay_meeting(row: Operation) -> list[Event]:
    """The meeting's state as the change left it."""
    return [meeting_event(row.result["meeting"], row.seq)]


emits("meeting", "meeting")
CHAIR_ACTION: dict[str, Any] = {
    "engine": "batch",
    "scope": "meeting",
    "replay": replay_meeting,
    "replay_to": "meeting",
}
register(
    Action("chair:phase", ("chair",), parse_phase, command=SetPhase, apply=apply_phase, **CHAIR_ACTION),
    Action("chair:timer", ("chair",), parse_timer, command=SetTimer, apply=apply_timer, **CHAIR_ACTION),
    Action("chair:view", ("chair",), parse_view, command=SetView, apply=apply_view, **CHAIR_ACTION),
    Action(
        "chair:feedback-order",
        ("chair",),
        parse_feedback_order,
        command=SetFeedbackOrder,
        apply=apply_feedback_order,
        **CHAIR_ACTION,
    ),
)
