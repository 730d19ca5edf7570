"""The storage budget of one join link: how much its changes may write over a sliding window.

The per-connection rate limit (events.py) starts full on every reconnect and counts one
socket only; this budget is kept per token in the database (``TokenUsage``), so reconnects,
several sockets and several server processes share it. A change is checked before it is
written and its bytes are counted in the same transaction (changes._run: ``charge``; the
batched hot path, batch.py: ``check`` per change, ``spend`` once the batch's rows are known,
so one batch can overshoot by at most its own size).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import ReportVersion, TokenUsage, utcnow
from ..rules import LIMITS, STORAGE_BUDGET
from .errors import ProtocolError
from .snapshot import aware


def written_bytes(payload: dict[str, Any], ack: dict[str, Any], version_text: str = "") -> int:
    """About what one change adds to the database: its log row, and any new report version.

    A report version keeps the whole text: it is counted, or alternating display names
    (each starts a new version) would store the report again for free.
    """
    size = len(json.dumps(payload, ensure_ascii=False).encode()) + len(json.dumps(ack).encode())
    new = sum(len(o.text.encode()) for o in db.session.new if isinstance(o, ReportVersion))
    return size + new + len(version_text.encode())


def estimate(command: Any) -> int:
    """What a change will write before it is checked against the state: its log row, twice
    (the acknowledgement repeats an entry); a report version is counted when it is written."""
    return 2 * len(json.dumps(command.logged(), ensure_ascii=False).encode())


def _window() -> timedelta:
    return timedelta(seconds=LIMITS["budget_window"])


def _usage(token_id: int, now: datetime) -> TokenUsage:
    """The token's counters, moved on to the window ``now`` falls in."""
    usage = db.session.get(TokenUsage, token_id)
    if usage is None:
        usage = TokenUsage(token_id=token_id, window_start=now, events=0, bytes=0)
        usage.previous_events = usage.previous_bytes = 0
        db.session.add(usage)
        return usage
    start, window = aware(usage.window_start), _window()
    passed = int((now - start) / window) if now >= start else 0
    if passed:
        carried = passed == 1  # the window just ended becomes the previous one
        usage.previous_events = usage.events if carried else 0
        usage.previous_bytes = usage.bytes if carried else 0
        usage.events = usage.bytes = 0
        usage.window_start = start + passed * window
    return usage


def check(token_id: int | None, role: str, size: int, pending: tuple[int, int] = (0, 0)) -> None:
    """Refuse a change of ``size`` bytes the token's budget cannot take (``pending``: this batch's)."""
    if token_id is None:  # the secretariat's curation: no link, no budget
        return
    factor = current_app.config.get("STORAGE_BUDGET_FACTOR", 1)
    max_events, max_bytes = (int(n * factor) for n in STORAGE_BUDGET.get(role, (0, 0)))
    if size > max_bytes:
        raise ProtocolError("too_large", _l("Deze wijziging is te groot om via deze link op te slaan."))
    now = utcnow()
    usage = _usage(token_id, now)
    # the previous window counts for the part of it that still lies within the sliding window
    weight = max(0.0, 1 - (now - aware(usage.window_start)) / _window())
    events = usage.previous_events * weight + usage.events + pending[0] + 1
    stored = usage.previous_bytes * weight + usage.bytes + pending[1] + size
    if events > max_events or stored > max_bytes:
        minutes = LIMITS["budget_window"] // 60
        raise ProtocolError(
            "rate_limited",
            _l(
                "Via deze link is de afgelopen %(minutes)s minuten zoveel opgeslagen dat het even moet "
                "wachten; uw wijziging wordt straks vanzelf opnieuw verstuurd.",
                minutes=minutes,
            ),
        )


def spend(token_id: int | None, size: int) -> None:
    """Count one written change of ``size`` bytes (in the caller's transaction)."""
    if token_id is not None:
        usage = _usage(token_id, utcnow())
        usage.events += 1
        usage.bytes += size


def charge(token_id: int | None, role: str, size: int) -> None:
    """Check and count one change whose size is known before it is written."""
    check(token_id, role, size)
    spend(token_id, size)
