"""The storage budget of one join link: how much its changes may write over a sliding window.

The per-connection rate limit (events.py) starts full on every reconnect and counts one
socket only; this budget is kept per token in the database (``TokenUsage``), so reconnects,
several sockets and several server processes share it. changes._run charges each change
inside its transaction, after the meeting's sequence UPDATE has serialised the meeting's
writers, so two charges of one token never race.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from ..extensions import db
from ..models import ReportVersion, TokenUsage, utcnow
from ..rules import LIMITS, STORAGE_BUDGET
from .errors import ProtocolError
from .snapshot import aware


def written_bytes(payload: dict[str, Any], ack: dict[str, Any]) -> int:
    """About what one change adds to the database: its log row, and any new report version."""
    size = len(json.dumps(payload, ensure_ascii=False).encode()) + len(json.dumps(ack).encode())
    # a report version keeps the whole text: count it, or alternating names would be free
    return size + sum(len(o.text.encode()) for o in db.session.new if isinstance(o, ReportVersion))


def charge(token_id: int | None, role: str, size: int, now: datetime | None = None) -> None:
    """Count one change of ``size`` bytes against the token's budget, or refuse it (nothing is written)."""
    if token_id is None:  # the secretariat's curation: no link, no budget
        return
    max_events, max_bytes = STORAGE_BUDGET.get(role, (0, 0))
    if size > max_bytes:
        raise ProtocolError("too_large", "Deze wijziging is te groot om via deze link op te slaan.")
    now = now or utcnow()
    window = timedelta(seconds=LIMITS["budget_window"])
    usage = db.session.get(TokenUsage, token_id)
    if usage is None:
        usage = TokenUsage(token_id=token_id, window_start=now, events=0, bytes=0)
        usage.previous_events = usage.previous_bytes = 0
        db.session.add(usage)
    start = aware(usage.window_start)
    passed = int((now - start) / window) if now >= start else 0
    if passed:
        carried = passed == 1  # the window just ended becomes the previous one
        usage.previous_events = usage.events if carried else 0
        usage.previous_bytes = usage.bytes if carried else 0
        usage.events = usage.bytes = 0
        start = start + passed * window
        usage.window_start = start
    # the previous window counts for the part of it that still lies within the sliding window
    weight = max(0.0, 1 - (now - start) / window)
    events = usage.previous_events * weight + usage.events + 1
    stored = usage.previous_bytes * weight + usage.bytes + size
    if events > max_events or stored > max_bytes:
        minutes = LIMITS["budget_window"] // 60
        raise ProtocolError(
            "rate_limited",
            f"Via deze link is de afgelopen {minutes} minuten zoveel opgeslagen dat het even moet "
            "wachten; uw wijziging wordt straks vanzelf opnieuw verstuurd.",
        )
    usage.events += 1
    usage.bytes += size
