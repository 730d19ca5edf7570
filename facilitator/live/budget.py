"""The storage budget of one join link: how much its changes may write over a sliding window.

The per-connection rate limit (connections.py) starts full on every reconnect and counts one
socket only; this budget is kept per token in the database (``TokenUsage``), so reconnects,
several sockets and several server processes share it. A change is checked before it is
written and its bytes are counted in the same transaction (executor.py: ``charge``; the
batched hot path, batch.py: ``check`` per change, ``spend`` once the batch's rows are known,
so one batch can overshoot by at most its own size).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import ReportVersion, TokenUsage, utcnow
from ..rules import LIMITS, STORAGE_BUDGET
from . import statements as sql
from .errors import ProtocolError
from .snapshot import aware


def written_bytes(payload: dict[str, Any], ack: dict[str, Any], version_text: str = "") -> int:
    """About what one change adds to the database: its log row, and any new report version.

    A report version keeps the whole text: it is counted, or alternating display names
    (each starts a new version) would store the report again for free.
    """
    new = sum(len(o.text.encode()) for o in db.session.new if isinstance(o, ReportVersion))
    return logged_bytes(payload, ack) + new + len(version_text.encode())


def logged_bytes(payload: dict[str, Any], ack: dict[str, Any]) -> int:
    """The bytes of one change-log row: the change and its acknowledgement, as JSON."""
    return len(json.dumps(payload, ensure_ascii=False).encode()) + len(json.dumps(ack).encode())


def estimate(command: Any, logged: dict[str, Any] | None = None) -> int:
    """What a change will write before it is checked against the state: its log row, twice
    (the acknowledgement repeats an entry); a report version is counted when it is written.
    ``logged`` is ``command.logged()`` when the caller has it already."""
    logged = command.logged() if logged is None else logged
    return 2 * len(json.dumps(logged, ensure_ascii=False).encode())


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
    _roll(usage, now)
    return usage


def _roll(usage: Any, now: datetime) -> bool:
    """Move a token's counters (a TokenUsage or a batch's Usage) on to the window ``now`` falls in."""
    start, window = aware(usage.window_start), _window()
    passed = int((now - start) / window) if now >= start else 0
    if passed:
        carried = passed == 1  # the window just ended becomes the previous one
        usage.previous_events = usage.events if carried else 0
        usage.previous_bytes = usage.bytes if carried else 0
        usage.events = usage.bytes = 0
        usage.window_start = start + passed * window
    return bool(passed)


def _refuse_over(usage: Any, role: str, size: int, pending: tuple[int, int], now: datetime) -> None:
    """Refuse a change of ``size`` bytes that would take the token past its budget."""
    factor = current_app.config.get("STORAGE_BUDGET_FACTOR", 1)
    max_events, max_bytes = (int(n * factor) for n in STORAGE_BUDGET.get(role, (0, 0)))
    if size > max_bytes:
        raise ProtocolError("too_large", _l("Deze wijziging is te groot om via deze link op te slaan."))
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


def check(token_id: int | None, role: str, size: int, pending: tuple[int, int] = (0, 0)) -> None:
    """Refuse a change of ``size`` bytes the token's budget cannot take (``pending``: this batch's)."""
    if token_id is None:  # the secretariat's curation: no link, no budget
        return
    now = utcnow()
    _refuse_over(_usage(token_id, now), role, size, pending, now)


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


# -- the batched hot path (batch.py): every token of a batch read at once, written at once ------

COUNTERS = ("window_start", "events", "bytes", "previous_events", "previous_bytes")


@dataclass
class Usage:
    """One token's counters within a batch (the TokenUsage row's columns, no ORM object)."""

    window_start: datetime
    events: int = 0
    bytes: int = 0
    previous_events: int = 0
    previous_bytes: int = 0
    stored: bool = True  # the row exists (else it is inserted)
    rolled: bool = False  # the window moved on: write the counters whole, not as increments
    spent: tuple[int, int] = (0, 0)  # what this batch adds: changes, bytes
    pending: tuple[int, int] = (0, 0)  # what this batch's checks have let through so far


class BatchBudget:
    """The storage budgets of a batch's tokens: one query to read, checks in memory, one write.

    The same arithmetic as ``check``/``spend``; counters that stay in their window are
    written as increments, so two processes that count the same link at once add up.
    """

    def __init__(self, conn: Any, token_ids: set[int | None], rows: Any = None) -> None:
        """Read the tokens' counters (``rows``: their TokenUsage rows, when the caller read them
        with its own query already — batch.py joins them to the token check)."""
        self.now = utcnow()
        ids = sorted(i for i in token_ids if i is not None)
        self.usage: dict[int, Usage] = {}
        if not ids:
            return
        if rows is None:
            rows = conn.execute(sql.BUDGETS, {"ids": ids}).mappings()
        for row in rows:
            usage = Usage(**{name: row[name] for name in COUNTERS})
            usage.rolled = _roll(usage, self.now)
            self.usage[row["token_id"]] = usage
        for token_id in ids:
            self.usage.setdefault(token_id, Usage(window_start=self.now, stored=False))

    def check(self, token_id: int | None, role: str, size: int) -> None:
        """Refuse a change the token's budget cannot take, counting this batch's earlier ones."""
        if token_id is None:
            return
        usage = self.usage[token_id]
        _refuse_over(usage, role, size, usage.pending, self.now)
        usage.pending = (usage.pending[0] + 1, usage.pending[1] + size)

    def spend(self, token_id: int | None, size: int) -> None:
        """Count one written change of ``size`` bytes."""
        if token_id is not None:
            usage = self.usage[token_id]
            usage.spent = (usage.spent[0] + 1, usage.spent[1] + size)

    def write(self, conn: Any) -> None:
        """Write what the batch spent (in the batch's transaction): one statement, usually.

        A counter that stays in its window, or a token's first, is written as an increment
        (insert, or add on conflict), so two processes that count the same link at once add
        up and neither fails on the other's new row; one whose window moved on is written whole.
        """
        spent = {i: u for i, u in self.usage.items() if u.spent != (0, 0)}
        whole = [i for i, u in spent.items() if u.stored and u.rolled]
        added = [i for i, u in spent.items() if not (u.stored and u.rolled)]
        if added:
            conn.execute(
                sql.add_to_budgets(conn.dialect.name),
                [
                    {
                        "token_id": i,
                        "window_start": spent[i].window_start,
                        "events": spent[i].spent[0],
                        "bytes": spent[i].spent[1],
                        "previous_events": spent[i].previous_events,
                        "previous_bytes": spent[i].previous_bytes,
                    }
                    for i in added
                ],
            )
        if whole:
            conn.execute(
                sql.WRITE_BUDGETS_WHOLE,
                [
                    {
                        "b_id": i,
                        **{name: getattr(spent[i], name) for name in COUNTERS},
                        "events": spent[i].events + spent[i].spent[0],
                        "bytes": spent[i].bytes + spent[i].spent[1],
                    }
                    for i in whole
                ],
            )
