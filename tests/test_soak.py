"""The fault soak's short form: real clients, the server SIGKILLed and restarted, nothing lost or doubled.

benchmarks/soak.py (`make soak` runs the long form, also on the cluster) in a child process,
so that its gevent monkey-patching stays out of pytest: 3 tables (a rapporteur typing the
report and changing entries, a participant adding entries), at least 300 acknowledged
changes, 3 SIGKILLs at random moments on SQLite. The soak itself reads the database and
checks every acknowledged change (docs/reliability.md).
"""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import REPO


def test_acknowledged_changes_survive_random_sigkills_exactly_once(tmp_path):
    out = tmp_path / "soak.json"
    command = [
        sys.executable,
        "-m",
        "benchmarks.soak",
        *("--tables", "3", "--changes", "300", "--kills", "3", "--duration", "15"),
        *("--max-seconds", "170", "--json", str(out)),
    ]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=240)
    assert out.exists(), run.stdout + run.stderr
    result = json.loads(out.read_text())
    report = run.stdout[-4000:]
    assert result["faults"] == {"app": 3}, report
    assert result["changes_acked"] >= 300, report
    assert result["problems"] == [], report
    assert result["failures"] == [], report
    assert result["findings"] == {}, report
    assert result["duplicates"] == 0 and result["missing"] == 0, report
    assert result["reports_equal"] == "3/3", report
    # the faults hit changes in flight: some were resent with the same op id and answered once
    assert result["changes_across_fault"] > 0, report
    assert result["passed"] and run.returncode == 0, report
