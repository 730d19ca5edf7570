"""What a batch reads, meeting by meeting, before its changes are checked.

Each meeting's part of a batch needs the changes it resends (their stored answers), the
meeting's phase with the batch's tables, the batch's links that still work with their storage
budgets, and the entries and reports its changes touch, locked against concurrent writers.
``Plan.of`` names those reads, and last the meeting's row with its sequence number, locked to
the commit. The batch sends every meeting's plan in one round trip, in meeting order (batch.py),
so that every batch takes its locks in the same order: for each meeting in turn its entries and
reports in id order, then its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import statements as sql
from .registry import ACTIONS

if TYPE_CHECKING:
    from .batch import Job
    from .roundtrips import Query


@dataclass(frozen=True)
class Plan:
    """One meeting's part of a batch: its changes and the reads they need (in this order)."""

    meeting_id: int
    jobs: list[Job]
    queries: list[Query]
    tokens: list[str]  # the links of the batch's callers (the curation's has none)
    entry_ids: list[str]  # the entries its changes name
    wanted: list[int]  # the tables whose reports (and rows) it changes

    @classmethod
    def of(cls, meeting_id: int, jobs: list[Job]) -> Plan:
        """The reads of a meeting's changes: the resent ones; the phase and the tables; the links
        and their budgets; the entries, then the reports, locked in id order (PostgreSQL); the
        meeting's row and sequence number, locked."""
        tokens = sorted({job.caller.token for job in jobs if job.caller.token is not None})
        # the tables whose rows a change on models writes (attendance, the feedback): locked with
        # the reports, before the meeting's row, in the order every batch takes its locks
        on_models = {
            n for job in jobs if ACTIONS[job.command.kind].apply is not None and (n := model_table(job))
        }
        numbers = {n for job in jobs if (n := job.caller.table_number) is not None} | on_models
        locks = [(ACTIONS[job.command.kind].locks, job) for job in jobs]
        entry_ids = sorted({job.command.id for lock, job in locks if lock == "entry"})  # type: ignore[attr-defined]
        wanted = sorted(
            {n for lock, job in locks if lock == "report" and (n := job.caller.table_number)} | on_models
        )
        queries: list[Query] = [
            (sql.STORED_OPS, {"meeting": meeting_id, "ops": [job.command.op for job in jobs]}),
            (sql.PHASE_AND_TABLES, {"meeting": meeting_id, "numbers": sorted(numbers)}),
            *([(sql.TOKENS_AND_BUDGETS, {"tokens": tokens})] if tokens else []),
            *([(sql.LOCK_ENTRIES, {"ids": entry_ids})] if entry_ids else []),
            *([(sql.LOCK_REPORTS, {"meeting": meeting_id, "numbers": wanted})] if wanted else []),
            (sql.LOCK_SEQ, {"meeting": meeting_id}),
        ]
        return cls(meeting_id, jobs, queries, tokens, entry_ids, wanted)


def model_table(job: Job) -> int | None:
    """The table a change on models writes: the one it names (the minute-taker's), or the caller's."""
    return getattr(job.command, "table", None) or job.caller.table_number
