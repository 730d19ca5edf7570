"""PostgreSQL: the batch's row locks never block another process's foreign-key checks.

Two processes' writers met in a deadlock (PostgreSQL detects it after a second): A held the
meeting's lock (the sequence UPDATE) and inserted an entry, whose foreign-key check takes
FOR KEY SHARE on the table's row; B had locked that row FOR UPDATE for its report and
waited for the meeting. The batch now locks FOR NO KEY UPDATE, which the check passes.
"""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text

from facilitator import operations
from facilitator.extensions import db
from facilitator.live import statements
from facilitator.models import Entry, RoundTable, utcnow

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(postgres):
    return postgres.create_database()


def test_a_locked_report_does_not_block_an_entry_insert_for_its_table(app, meeting_links):
    with app.app_context():
        meeting = operations.get_meeting(meeting_links["meeting"])
        table_id = db.session.execute(
            db.select(RoundTable.id).filter_by(meeting_id=meeting.id, number=1)
        ).scalar_one()
        entry_id = (
            db.session.execute(db.select(Entry.id).filter(Entry.table_id == table_id)).scalars().first()
        )
        db.session.remove()
        with db.engine.connect() as b, db.engine.connect() as a:
            b.begin()
            # process B: the report's row, locked for its update
            b.execute(statements.LOCK_REPORTS, {"meeting": meeting.id, "numbers": [1]})
            if entry_id is not None:
                b.execute(statements.LOCK_ENTRIES, {"ids": [entry_id]})  # an entry it changes
            a.begin()
            a.execute(text("SET LOCAL lock_timeout = '2s'"))
            now = utcnow()
            row = {
                "id": "lock-order-1",
                "table_id": table_id,
                "text": "Inbreng",
                "bollen": [],
                "horizons": [],
            }
            row |= {"hidden": False, "created_seq": 1, "created_at": now, "updated_at": now}
            a.execute(insert(Entry.__table__), row)  # process A: blocked here before (lock timeout)
            a.rollback()
            b.rollback()
