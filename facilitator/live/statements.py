"""The SQL of the batch (batch.py), built once when the module loads.

Building a statement (select(…).where(…)) costs more CPU than PostgreSQL spends running it:
about 100 µs of SQLAlchemy's expression and cache-key work per statement, per batch
(docs/performance.md, "The third pass"). Lists go in as expanding bind parameters, so each
statement is one object whatever the batch holds; the values are bound at execution.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..models import (
    AccessToken,
    Bol,
    Entry,
    Horizon,
    Meeting,
    MeetingRound,
    Operation,
    ReportVersion,
    RoundTable,
    TokenUsage,
)
from ..round_reports import RoundReport

entry_table = cast(Table, Entry.__table__)
table_table = cast(Table, RoundTable.__table__)
meeting_table = cast(Table, Meeting.__table__)
token_table = cast(Table, AccessToken.__table__)
usage_table = cast(Table, TokenUsage.__table__)
operation_table = cast(Table, Operation.__table__)
version_table = cast(Table, ReportVersion.__table__)
round_report_table = cast(Table, RoundReport.__table__)

# the batch's tokens that still work, joined to their storage budgets — :tokens
TOKENS_AND_BUDGETS = (
    select(token_table.c.token, usage_table)
    .select_from(token_table.outerjoin(usage_table, usage_table.c.token_id == token_table.c.id))
    .where(token_table.c.token.in_(bindparam("tokens", expanding=True)), token_table.c.revoked_at.is_(None))
)

# changes already applied (a resend is answered with its stored acknowledgement) — :meeting, :ops
STORED_OPS = select(operation_table.c.op_id, operation_table.c.result).where(
    operation_table.c.meeting_id == bindparam("meeting"),
    operation_table.c.op_id.in_(bindparam("ops", expanding=True)),
)

# the meeting's phase with the batch's tables — :meeting, :numbers
round_table = cast(Table, MeetingRound.__table__)
_CURRENT_ROUND = (
    round_table.c.meeting_id == meeting_table.c.id,
    round_table.c.number == meeting_table.c.current_round,
)
# the template and the moderation of the round the tables are in (None: no [[rounds]])
CURRENT_ROUND_TEMPLATE = (
    select(round_table.c.template).where(*_CURRENT_ROUND).scalar_subquery().label("round_template")
)
CURRENT_ROUND_MODERATION = (
    select(round_table.c.moderation).where(*_CURRENT_ROUND).scalar_subquery().label("round_moderation")
)
# the moderation of one round of the meeting — :meeting, :number
ROUND_MODERATION = select(round_table.c.moderation).where(
    round_table.c.meeting_id == bindparam("meeting"), round_table.c.number == bindparam("number")
)
PHASE_AND_TABLES = (
    select(
        meeting_table.c.phase,
        meeting_table.c.closed_seq,
        meeting_table.c.current_round,
        CURRENT_ROUND_TEMPLATE,
        CURRENT_ROUND_MODERATION,
        table_table.c.id,
        table_table.c.number,
    )
    .select_from(
        meeting_table.outerjoin(
            table_table,
            (table_table.c.meeting_id == meeting_table.c.id)
            & table_table.c.number.in_(bindparam("numbers", expanding=True)),
        )
    )
    .where(meeting_table.c.id == bindparam("meeting"))
)

# the entries the batch names, locked in id order — :ids. FOR NO KEY UPDATE: enough against
# the other writers (an UPDATE of these columns takes the same lock) without blocking a
# foreign-key check, as below.
LOCK_ENTRIES = (
    select(entry_table)
    .where(entry_table.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(entry_table.c.id)
    .with_for_update(key_share=True)
)

_newest = version_table.alias("newest")
_latest = (
    select(func.max(_newest.c.id))
    .where(_newest.c.table_id == table_table.c.id, _newest.c.round_number.is_(None))
    .correlate(table_table)
    .scalar_subquery()
)
# the reports the batch changes (by the tables' numbers), locked, each with its newest version
# — :meeting, :numbers
LOCK_REPORTS = (
    select(
        table_table.c.id,
        table_table.c.report,
        table_table.c.report_state,
        version_table.c.id.label("version_id"),
        version_table.c.actor,
        version_table.c.updated_at,
    )
    .select_from(table_table.outerjoin(version_table, version_table.c.id == _latest))
    .where(
        table_table.c.meeting_id == bindparam("meeting"),
        table_table.c.number.in_(bindparam("numbers", expanding=True)),
    )
    .order_by(table_table.c.id)
    # FOR NO KEY UPDATE, as the UPDATE of the report takes: a FOR UPDATE here would block the
    # foreign-key check (FOR KEY SHARE) of another process's entry insert for this table,
    # which holds the meeting's lock while this one waits for it — a deadlock (1 s each);
    # OF the table's row only (the version, on the nullable side of the join, is not locked)
    .with_for_update(key_share=True, of=table_table)
)

# a table's report of a round after the first (its table's row is locked already, by
# LOCK_REPORTS), with the round's newest version — :table, :number
_ROUND_REPORT_OF = (
    round_report_table.c.table_id == bindparam("table"),
    round_report_table.c.round_number == bindparam("number"),
)
ROUND_REPORT = select(
    round_report_table.c.id, round_report_table.c.report, round_report_table.c.report_state
).where(*_ROUND_REPORT_OF)
ROUND_LATEST_VERSION = (
    select(version_table.c.id, version_table.c.actor, version_table.c.updated_at)
    .where(version_table.c.table_id == bindparam("table"))
    .where(version_table.c.round_number == bindparam("number"))
    .order_by(version_table.c.id.desc())
    .limit(1)
)
INSERT_ROUND_REPORTS = insert(round_report_table).inline()
UPDATE_ROUND_REPORTS = update(round_report_table).where(round_report_table.c.id == bindparam("b_id"))

# the meeting's row locked to the commit, with its sequence number, read last of a meeting's reads
# (after the entries and reports it locks, plan.py) — :meeting. An UPDATE that changes nothing,
# not a SELECT … FOR UPDATE: on SQLite too it opens the transaction and takes the write lock, so
# that the savepoints of a change on the models stay inside it (pysqlite begins a transaction only
# before a write), and no other writer takes a number between this read and the commit.
LOCK_SEQ = (
    update(meeting_table)
    .where(meeting_table.c.id == bindparam("meeting"))
    .values(seq=meeting_table.c.seq, updated_at=meeting_table.c.updated_at)
    .returning(meeting_table.c.seq)
)
# a table of the meeting by its id (the table of an entry the chair hides) — :meeting, :id
TABLE_NUMBER = select(table_table.c.number).where(
    table_table.c.id == bindparam("id"), table_table.c.meeting_id == bindparam("meeting")
)

# the meeting's last sequence number, its changes written — :meeting, :last, :updated_at
SET_SEQ = (
    update(meeting_table).where(meeting_table.c.id == bindparam("meeting")).values(seq=bindparam("last"))
)

# executemany by :b_id, the columns from the rows' keys
UPDATE_ENTRIES = update(entry_table).where(entry_table.c.id == bindparam("b_id"))
UPDATE_REPORTS = update(table_table).where(table_table.c.id == bindparam("b_id"))
UPDATE_VERSIONS = update(version_table).where(version_table.c.id == bindparam("b_id"))

# inline(): without RETURNING the new ids (which nobody reads), so that they can be pipelined
INSERT_ENTRIES = insert(entry_table).inline()
INSERT_VERSIONS = insert(version_table).inline()
INSERT_OPS = insert(operation_table).inline()

# the storage budgets (budget.py): read by token ids (:ids; the batch reads them with
# TOKENS_AND_BUDGETS instead), written whole by :b_id when their window moved on
BUDGETS = select(usage_table).where(usage_table.c.token_id.in_(bindparam("ids", expanding=True)))
WRITE_BUDGETS_WHOLE = update(usage_table).where(usage_table.c.token_id == bindparam("b_id"))


@functools.cache
def add_to_budgets(dialect: str) -> Any:
    """INSERT a token's counters, or add them to its row when it exists (SQLite and PostgreSQL)."""
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(usage_table)
    return statement.on_conflict_do_update(
        index_elements=[usage_table.c.token_id],
        set_={
            "events": usage_table.c.events + statement.excluded.events,
            "bytes": usage_table.c.bytes + statement.excluded.bytes,
        },
    )


bol_table = cast(Table, Bol.__table__)
horizon_table = cast(Table, Horizon.__table__)

# the template the parsers check against (protocol.Template), its reads sent together — :meeting
TEMPLATE_READS = (
    select(bol_table.c.key)
    .where(bol_table.c.meeting_id == bindparam("meeting"))
    .order_by(bol_table.c.position),
    select(horizon_table.c.key)
    .where(horizon_table.c.meeting_id == bindparam("meeting"))
    .order_by(horizon_table.c.position),
    select(table_table.c.number)
    .where(table_table.c.meeting_id == bindparam("meeting"))
    .order_by(table_table.c.number),
    select(round_table.c.number, round_table.c.template, round_table.c.visibility)
    .where(round_table.c.meeting_id == bindparam("meeting"))
    .order_by(round_table.c.number),
)
