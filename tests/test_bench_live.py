"""`make bench-live` in miniature: it runs against the bare server and the app, and nothing goes missing.

Timing is not asserted (the machine is shared); the bench's bookkeeping is.
"""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import REPO


def bench(tmp_path, *options: str, timeout: int = 240) -> tuple[dict, str]:
    """Run `python -m benchmarks.live_load` with ``options``; its JSON results and what it printed."""
    out = tmp_path / "bench.json"
    command = [sys.executable, "-m", "benchmarks.live_load", *options, "--json", str(out)]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(out.read_text()), run.stdout


def test_bench_live_smoke_loses_nothing(tmp_path):
    plot = tmp_path / "p95.svg"
    results, stdout = bench(
        tmp_path,
        *("--tables", "2", "--clients-per-table", "3", "--screens", "2"),
        *("--duration", "2", "--ramp-steps", "2", "--step-seconds", "1", "--sat-steps", "1", "--warmup", "1"),
        *("--plot", str(plot)),
    )
    for target in ("bare", "app"):
        result = results[target]
        assert result["clients"] == result["clients_wanted"] == 8
        main = result["main"]
        assert main["entries_sent"] > 0 and main["reports_sent"] > 0
        assert main["changes_ok"] == main["entries_sent"] + main["reports_sent"]
        assert main["missing_on_screens"] == main["missing_at_tables"] == 0
        assert main["ack_timeouts"] == 0 and main["errors"] == {} and main["disconnects"] == 0
        assert result["ramp"][0]["clients"] == 5  # 1 table x 3 + 2 screens, then all 8
        assert len(result["saturation"]) == 1
        assert result["warmup"]["phase"] == "warm-up" and result["warmup"]["ack_timeouts"] == 0
    assert "app / bare:" in stdout
    assert plot.read_text().startswith("<svg")


def test_bench_live_many_meetings_keeps_each_meetings_books(tmp_path):
    """--meetings: each meeting's screen counts only its own tables' changes (nothing missing, nothing extra)."""
    results, stdout = bench(
        tmp_path,
        *("--meetings", "3", "--tables", "2", "--clients-per-table", "2", "--screens", "1"),
        *("--duration", "2", "--ramp-steps", "0", "--no-saturation"),
    )
    assert "bare" not in results  # the bare server has one meeting's rooms
    result = results["app"]
    assert result["clients"] == result["clients_wanted"] == 3 * (2 * 2 + 1)
    main = result["main"]
    assert main["changes_ok"] == main["entries_sent"] + main["reports_sent"] > 0
    assert main["missing_on_screens"] == main["missing_at_tables"] == 0
    assert main["ack_timeouts"] == 0 and main["errors"] == {} and main["foreign_events"] == 0
    assert "3 meetings x (2 tables x 2 clients + 1 screens)" in stdout


def test_bench_live_casts_ballots_in_an_open_vote_and_prints_their_line(tmp_path):
    """--voters-per-table: a chair opens a vote over the ramp's entries; the voters' ballots are
    all acknowledged and counted apart from the entries, in a line of their own."""
    results, stdout = bench(
        tmp_path,
        *("--tables", "2", "--clients-per-table", "4", "--adders-per-table", "2", "--screens", "1"),
        *("--no-bare", "--no-saturation"),
        *("--duration", "2", "--ramp-steps", "1", "--step-seconds", "2", "--voters-per-table", "1"),
        *("--vote-interval", "0.5"),
    )
    main = results["app"]["main"]
    votes = main["votes"]
    assert votes["voters"] == 2 and votes["sent"] >= 4 and votes["ok"] == votes["sent"]
    assert votes["errors"] == {} and votes["timeouts"] == 0 and not votes["problem"]
    assert main["changes_ok"] == main["entries_sent"] + main["reports_sent"]  # ballots apart
    assert "votes (vote:cast)      2 voters offered 4.0 ballots/s" in stdout


def test_bench_live_same_rate_sets_a_cluster_beside_one_process_at_its_rate(tmp_path):
    """--same-rate: for N processes, one process carrying 1/N of the meetings (the rate each of the
    N carries) runs too, and the line comparing them is printed (docs/performance.md, issue 20).
    --rounds 2: both run twice in turn, and the median of the two rounds' ratios is printed."""
    results, stdout = bench(
        tmp_path,
        *("--cluster", "--processes", "2", "--same-rate", "--no-bare", "--rounds", "2"),
        *("--meetings", "2", "--tables", "2", "--clients-per-table", "2", "--screens", "1"),
        *("--duration", "2", "--ramp-steps", "0", "--no-saturation"),
        timeout=400,
    )
    cluster, alone = results["app"], results["app-1of2"]
    assert (cluster["processes"], cluster["share"], alone["processes"], alone["share"]) == (2, 1, 1, 2)
    assert cluster["clients"] == 2 * (2 * 2 + 1) and alone["clients"] == 2 * 2 + 1  # one meeting of two
    assert alone["target"].startswith("postgres (1 process, 1 of 2 meetings")
    for result in (cluster, alone):
        main = result["main"]
        assert main["changes_ok"] > 0 and main["missing_on_screens"] == main["missing_at_tables"] == 0
    assert "2 processes against one process at the same rate per process:" in stdout
    assert [sorted(each) for each in results["rounds"]] == [["app", "app-1of2"]] * 2
    assert results["rounds"][0]["app"]["main"] == cluster["main"]
    second = results["rounds"][1]
    assert all(second[key]["main"]["changes_ok"] > 0 for key in second)
    ratios = [
        each["app"]["main"]["server_cpu_ms_per_change"] / each["app-1of2"]["main"]["server_cpu_ms_per_change"]
        for each in results["rounds"]
    ]
    assert "round 2 of 2:" in stdout and "median over 2 rounds" in stdout
    median_line = next(line for line in stdout.splitlines() if line.endswith(")") and "same rate" in line)
    assert median_line.endswith(f"{sum(ratios) / 2:.2f}x ({ratios[0]:.2f}, {ratios[1]:.2f})")


def test_bench_batch_prints_each_connection_against_the_writers(tmp_path):
    """`make bench-batch` in miniature: four connections, two kinds, each applied (a refusal fails it)."""
    command = [sys.executable, "-m", "benchmarks.batch", "--batches", "5", "--rounds", "1"]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    rows = [line.split() for line in run.stdout.splitlines() if line.startswith("  ") and "x," in line]
    assert [(row[0], " ".join(row[1:-4])) for row in rows] == [
        (side, kind)
        for side in ("writer", "rendered", "plain", "unpipelined")
        for kind in ("entry", "report update")
    ]
    assert all(row[-2] == "1.00x," and row[-1] == "1.00x" for row in rows[:2])  # the writer against itself


def _main(p95_ms: float, acknowledged_per_s: float, cpu_ms: float) -> dict:
    """A target's main phase as the bench summarises it: 20 s, 250 changes/s sent."""
    return {
        "seconds": 20.0,
        "entries_sent": 3000,
        "reports_sent": 2000,
        "changes_ok": 5000,
        "changes_per_s": acknowledged_per_s,
        "entry_p95_ms": p95_ms,
        "server_cpu_ms_per_change": cpu_ms,
        "services_cpu_s": 5.0,
        "errors": {},
        "ack_timeouts": 0,
        "missing_on_screens": 0,
        "missing_at_tables": 0,
    }


def test_bench_live_says_when_the_one_process_reference_is_saturated():
    """A reference with a backlog (p95 above 100 ms, or fewer changes acknowledged than sent) is
    cheaper per change than at a rate it carries: the scaling table says so, and the medians say in
    which rounds (docs/performance.md, issue 20 part 1)."""
    from benchmarks.live_summary import medians, saturated, scaling

    assert saturated(_main(62.7, 249.9, 3.4)) is None
    assert saturated(_main(454.3, 249.9, 3.2)) == "p95 454 ms > 100 ms"
    assert saturated(_main(80.0, 238.4, 3.2)) == "238.4 of 250.0 changes/s acknowledged in time"

    def targets(reference: dict) -> list[dict]:
        return [
            {"target": "postgres (1 process, PostgreSQL, nginx, no message queue)", "main": reference},
            {"target": "cluster (2 processes, PostgreSQL, Redis, nginx)", "main": _main(110.7, 248.9, 4.28)},
        ]

    busy = scaling(targets(_main(454.3, 244.9, 3.19)))
    assert busy[2].split()[-1] == "0" and "(1.00x)" in busy[2] and "(1.34x)" in busy[3]
    assert busy[4].startswith("  note: postgres is saturated (p95 454 ms > 100 ms): it drains a backlog")
    assert not [line for line in scaling(targets(_main(66.8, 249.8, 3.41))) if "note:" in line]

    rounds = [
        {
            "app": {"target": t["target"], "main": t["main"]},
            "app-2": {"target": c["target"], "main": c["main"]},
        }
        for t, c in (targets(_main(66.8, 249.8, 3.41)), targets(_main(454.3, 244.9, 3.19)))
    ]
    lines = medians(rounds, ["app", "app-2"])
    assert lines[1] == "  note: postgres was saturated in round(s) 2 of 2 (see each round's note)"
    assert lines[2].endswith(f"({4.28 / 3.41:.2f}, {4.28 / 3.19:.2f})")
