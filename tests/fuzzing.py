"""Shared by the fuzz tests: how many examples, JSON-like values, the checks every answer must pass."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from hypothesis import strategies as st
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import Entry, Meeting, Operation, RoundTable

# `make fuzz` (HYPOTHESIS_PROFILE=long) runs every fuzz test this many times longer
SCALE = 1 if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci" else 25


def examples(n: int) -> int:
    """The number of examples a fuzz test runs: ``n`` in CI, more in `make fuzz`."""
    return n * SCALE


# every character, lone surrogates and non-characters included
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=80)
tricky_text = st.one_of(
    any_text,
    st.sampled_from(["", " ", "\x00", "\ud800", "\ufffe", "a\nb", "<script>", "' OR 1=1 --", "ﬀ", "e\u0301"]),
    st.integers(0, 700).map(lambda n: "x" * n),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    tricky_text,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=6), st.dictionaries(any_text, children, max_size=6)
    ),
    max_leaves=20,
)


class ErrorLog(logging.Handler):
    """Collects the errors the app logs (an unexpected exception in a handler is logged, then answered)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        out = [f"{r.name}: {r.getMessage()}\n{r.exc_text or ''}" for r in self.records]
        self.records.clear()
        return out


@contextmanager
def log_errors():
    """An ErrorLog on the app's loggers while the block runs."""
    handler = ErrorLog()
    logger = logging.getLogger("facilitator")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def database_state(meeting_id: int) -> tuple[int, int]:
    """(the meeting's seq, how many change-log rows it has)."""
    seq = db.session.execute(select(Meeting.seq).where(Meeting.id == meeting_id)).scalar_one()
    count = db.session.execute(
        select(func.count()).select_from(Operation).where(Operation.meeting_id == meeting_id)
    ).scalar_one()
    return seq, count


def check_invariants(meeting_id: int) -> None:
    """What a change may never leave behind: a log row without its entry, a seq out of order."""
    db.session.commit()  # a fresh read
    rows = (
        db.session.execute(select(Operation).where(Operation.meeting_id == meeting_id).order_by(Operation.id))
        .scalars()
        .all()
    )
    seqs = [r.seq for r in rows]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "change-log seq not strictly increasing"
    meeting_seq = db.session.execute(select(Meeting.seq).where(Meeting.id == meeting_id)).scalar_one()
    assert not seqs or seqs[-1] <= meeting_seq
    entries = {
        e.id: e
        for e in db.session.execute(
            select(Entry).join(RoundTable).where(RoundTable.meeting_id == meeting_id)
        ).scalars()
    }
    for row in rows:
        if row.kind.startswith("entry:") and row.result.get("ok"):
            entry = entries.get(row.subject)
            assert entry is not None, f"{row.kind} {row.subject}: no entry"
            if row.table_number is not None:
                assert entry.table.number == row.table_number, f"{row.subject} in another table"
    db.session.rollback()


@contextmanager
def memory_database_url():
    """A SQLite file on a RAM disk (/dev/shm), when there is one: the fuzz tests commit thousands
    of times, and fsync on a shared disk would make CI wait for minutes."""
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    folder = Path(tempfile.mkdtemp(prefix="facilitator-fuzz-", dir=base))
    try:
        yield f"sqlite:///{folder / 'fuzz.db'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
