"""The reports of rounds after the first: in a meeting held in rounds each table has a report per
round. Round 1 (and a meeting without [[rounds]]) keeps the table's own report
(``RoundTable.report`` and ``report_state``), so that nothing changes for a meeting of one round;
round 2 and later live here, one row per table and round, made when someone first writes it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .models import Model, RoundTable, utcnow


class RoundReport(Model):
    """A table's report of one round after the first, as text and as a CRDT document."""

    __tablename__ = "round_report"
    __table_args__ = (UniqueConstraint("table_id", "round_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("round_table.id", ondelete="CASCADE"), index=True)
    round_number: Mapped[int] = mapped_column(Integer)  # 2, 3, …
    report: Mapped[str] = mapped_column(Text, default="")
    # the report as a CRDT document (Yjs/Yrs update encoding); ``report`` is its text
    report_state: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


def table_round_reports(table: RoundTable) -> list[RoundReport]:
    """The table's reports of rounds after the first, by round."""
    rows = db.session.execute(
        select(RoundReport).where(RoundReport.table_id == table.id).order_by(RoundReport.round_number)
    ).scalars()
    return list(rows)


def round_report_row(table: RoundTable, number: int, create: bool = False) -> RoundReport | None:
    """The table's report row of round ``number`` (>= 2); made empty when ``create`` and missing."""
    row = db.session.execute(
        select(RoundReport).where(RoundReport.table_id == table.id, RoundReport.round_number == number)
    ).scalar_one_or_none()
    if row is None and create:
        row = RoundReport(table_id=table.id, round_number=number, report="")
        db.session.add(row)
        db.session.flush()
    return row


def report_texts(table: RoundTable) -> dict[int, str]:
    """{round: text} of the table's reports of rounds after the first that hold text."""
    return {r.round_number: r.report for r in table_round_reports(table) if r.report}


def tables_round_reports(table_ids: list[int]) -> dict[int, list[RoundReport]]:
    """{table id: its reports of rounds after the first, by round} (one query)."""
    out: dict[int, list[RoundReport]] = {}
    if not table_ids:
        return out
    rows = db.session.execute(
        select(RoundReport)
        .where(RoundReport.table_id.in_(table_ids))
        .order_by(RoundReport.table_id, RoundReport.round_number)
    ).scalars()
    for row in rows:
        out.setdefault(row.table_id, []).append(row)
    return out
