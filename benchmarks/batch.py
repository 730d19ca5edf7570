"""The database path of one change, without the server: CPU and wall time per batch.

    python -m benchmarks.batch [--batches 300] [--rounds 5]      (make bench-batch)

The live bench (``live_load.py``) measures a change end to end, where the database path is one
part beside the socket, the broadcast and the event loop, and its numbers move with the machine.
This measures that part alone, in this process: the demo meeting on a PostgreSQL of its own
(``deploy/cluster.py``), and one-change batches (an entry added, a report update) applied one
after the other, as the writer applies a change that came alone. Three connections side by side,
in turns, in the same run:

- ``writer``: the writer's (``roundtrips.own``): BEGIN with the reads, COMMIT with the writes;
- ``plain``: an ordinary connection: psycopg's BEGIN is a round trip of its own;
- ``rendered``: the writer's, with the reads' lists rendered by SQLAlchemy for every execution
  (as before ``roundtrips`` kept them per length);
- ``unpipelined``: ``roundtrips`` turned off, one round trip per statement (as before it).

It prints the median CPU and wall time per batch of each, and their ratios to ``writer``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from benchmarks.live_load import machine, meeting_file


@contextmanager
def unpipelined() -> Iterator[None]:
    """roundtrips without its pipelines: every statement waits for its answer."""
    from facilitator.live import roundtrips

    driver, own = roundtrips._driver, roundtrips.own

    def no_driver(conn: Any) -> None:
        return None

    roundtrips._driver = no_driver  # type: ignore[assignment]
    roundtrips.own = lambda conn: conn  # type: ignore[assignment]
    try:
        yield
    finally:
        roundtrips._driver, roundtrips.own = driver, own  # type: ignore[assignment]


@contextmanager
def rendered_each_time() -> Iterator[None]:
    """roundtrips' reads with their lists rendered by SQLAlchemy on every execution (as before
    they were kept per length)."""
    from facilitator.live import roundtrips

    kept = roundtrips._expanded
    roundtrips._expanded = roundtrips._rendered
    try:
        yield
    finally:
        roundtrips._expanded = kept  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.batch", description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=300, help="batches per round and kind")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (each connection in turn)")
    args = parser.parse_args(argv)

    from deploy.cluster import Cluster

    cluster = Cluster(processes=1, message_queue=False, keep=False)
    try:
        cluster.start_services()
        with tempfile.TemporaryDirectory() as work:
            links = json.loads(cluster.flask("session", "import", str(meeting_file(6, Path(work)))).stdout)
        os.environ.update(cluster.env(), STORAGE_BUDGET_FACTOR="1000")  # thousands of changes by one link
        print(f"$ python -m benchmarks.batch --batches {args.batches} --rounds {args.rounds}")
        print(f"machine: {machine()}")
        for line in measure(links, args.batches, args.rounds):
            print(line)
    finally:
        cluster.stop()
    return 0


def measure(links: dict[str, Any], batches: int, rounds: int) -> list[str]:
    """Each connection's CPU and wall time per one-change batch, in turns; the report lines."""
    from pycrdt import Doc, Text

    from facilitator import create_app, operations
    from facilitator.extensions import db
    from facilitator.live import batch, roundtrips
    from facilitator.live.actions.entries import AddEntry
    from facilitator.live.actions.report import UpdateReport
    from facilitator.live.registry import Caller, Outcome
    from facilitator.models import AccessToken

    app = create_app()
    doc = Doc()
    text = doc.get("report", type=Text)
    with app.app_context():
        meeting = operations.get_meeting(links["meeting"])
        token = links["tables"]["1"]["rapporteur"]["token"]
        token_id = db.session.execute(db.select(AccessToken.id).filter_by(token=token)).scalar_one()
        caller = Caller(meeting.id, "rapporteur", 1, token_id=token_id, name="bench", token=token)
        db.session.remove()

        def apply(conn: Any, command: Any) -> None:
            job = batch.Job(caller, command)
            batch.apply([job], conn)
            if not isinstance(job.result, Outcome):
                raise RuntimeError(f"refused or failed: {job.result!r}")

        def entry(conn: Any) -> None:
            new = AddEntry(
                op=uuid.uuid4().hex, id=uuid.uuid4().hex, text="Inbreng", bollen=["economisch"], horizons=[]
            )
            apply(conn, new)

        def report(conn: Any) -> None:
            before = doc.get_state()
            if len(text):  # one letter typed, then taken back: the report does not grow
                del text[0]
            else:
                text.insert(0, "a")
            apply(conn, UpdateReport(op=uuid.uuid4().hex, update=doc.get_update(before), base=0))

        sides: dict[str, Callable[[], Any]] = {
            "writer": lambda: roundtrips.own(db.engine.connect()),
            "rendered": lambda: roundtrips.own(db.engine.connect()),
            "plain": lambda: db.engine.connect(),
            "unpipelined": lambda: db.engine.connect(),
        }
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for round_number in range(rounds + 1):  # the first round warms up (prepared statements, caches)
            for side, connect in sides.items():
                patch = {"unpipelined": unpipelined, "rendered": rendered_each_time}.get(side, nullcontext)
                with patch(), connect() as conn:
                    for kind, change in (("entry", entry), ("report update", report)):
                        for _ in range(20):
                            change(conn)
                        cpu, wall = time.process_time(), time.perf_counter()
                        for _ in range(batches):
                            change(conn)
                        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                        if round_number:
                            times.setdefault((side, kind), []).append((cpu / batches, wall / batches))
    lines = [
        f"one-change batches on PostgreSQL, {batches} per round, median of {rounds} rounds (ms per batch):",
        f"  {'connection':<13} {'kind':<14} {'CPU':>7} {'wall':>7}   {'CPU, wall against writer'}",
    ]
    for (side, kind), values in times.items():
        cpu = statistics.median(c for c, _ in values) * 1000
        wall = statistics.median(w for _, w in values) * 1000
        base = times[("writer", kind)]
        cpu0 = statistics.median(c for c, _ in base) * 1000
        wall0 = statistics.median(w for _, w in base) * 1000
        ratios = f"{cpu / cpu0:.2f}x, {wall / wall0:.2f}x"
        lines.append(f"  {side:<13} {kind:<14} {cpu:7.3f} {wall:7.3f}   {ratios}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
