"""The live bench's summaries of app targets side by side (``live_load.py``): CPU per change
against one process, the same-rate bar and the medians over rounds, and whether the one-process
reference carried its load. No gevent here, so that tests can import it."""

from __future__ import annotations

import statistics
from typing import Any

P95_TARGET_MS = 100.0  # the product's latency target: a target above it has a backlog


def short(target: str) -> str:
    """A target's name without its description: "postgres", "cluster"."""
    return target.split(" (")[0]


def scaling(results: list[dict[str, Any]]) -> list[str]:
    """The app targets side by side: CPU per change against the first (one process on PostgreSQL),
    and the changes per second one core of app processes (and one of everything) would carry."""
    base = results[0]["main"]["server_cpu_ms_per_change"]
    lines = [
        f"per target, main phase (x = app CPU per change / {short(results[0]['target'])}'s):",
        "  target                                                     done/s   p95 ms  app CPU/change       "
        "+ services   changes/s per core: app, all   errors missing",
    ]
    for r in results:
        m = r["main"]
        app = m["server_cpu_ms_per_change"]
        services = m["services_cpu_s"] / max(1, m["changes_ok"]) * 1000
        lines.append(
            f"  {r['target']:<58} {m['changes_per_s']:6.1f} {m['entry_p95_ms']:8.1f}  "
            f"{app:5.2f} ms ({app / base:4.2f}x)   {services:5.2f} ms   {1000 / app:8.0f} "
            f"{1000 / (app + services):6.0f}   {sum(m['errors'].values()) + m['ack_timeouts']:6d} "
            f"{m['missing_on_screens'] + m['missing_at_tables']:7d}"
        )
    if reason := saturated(results[0]["main"]):
        lines.append(
            f"  note: {short(results[0]['target'])} is saturated ({reason}): it drains a backlog in "
            "large batches, so its CPU per change is below what it costs at a rate it carries, and the "
            "x column compares against that; for the ratio at a rate one process carries, lower the "
            "rate (e.g. half the meetings)"
        )
    # --same-rate: N processes against one process that carries what each of them carries
    for n, alone, cluster in same_rate(dict(enumerate(results))):
        own = results[alone]["main"]["server_cpu_ms_per_change"]
        theirs = results[cluster]["main"]["server_cpu_ms_per_change"]
        lines.append(
            f"  {n} processes against one process at the same rate per process: "
            f"{theirs:.2f} / {own:.2f} ms = {theirs / own:.2f}x"
        )
    return lines


def saturated(main: dict[str, Any]) -> str | None:
    """Why a target did not carry its load in the main phase (p95 above the latency target, or
    fewer changes acknowledged than were sent), or None when it carried it."""
    sent = (main["entries_sent"] + main["reports_sent"]) / max(1e-9, main["seconds"])
    if main["entry_p95_ms"] > P95_TARGET_MS:
        return f"p95 {main['entry_p95_ms']:.0f} ms > {P95_TARGET_MS:.0f} ms"
    if main["changes_per_s"] < 0.97 * sent:
        return f"{main['changes_per_s']:.1f} of {sent:.1f} changes/s acknowledged in time"
    return None


def same_rate(targets: dict[Any, dict[str, Any]]) -> list[tuple[int, Any, Any]]:
    """(N, alone, cluster) for --same-rate: the key of one process that carries 1/N of the
    meetings, and the key of the N processes that carry them all."""
    return [
        (alone["share"], a, c)
        for a, alone in targets.items()
        if alone.get("share", 1) > 1
        for c, cluster in targets.items()
        if cluster.get("processes") == alone["share"] and cluster.get("share", 1) == 1
    ]


def medians(rounds: list[dict[str, dict[str, Any]]], apps: list[str]) -> list[str]:
    """Each target's app CPU per change against the round's first target, as the median over the
    rounds of the ratios taken within each round (a machine that drifts between rounds moves both)."""
    first = apps[0]
    lines = [f"median over {len(rounds)} rounds (app CPU per change, each ratio within its round):"]
    if busy := [n for n, r in enumerate(rounds, 1) if saturated(r[first]["main"])]:
        lines.append(
            f"  note: {short(rounds[0][first]['target'])} was saturated in round(s) "
            f"{', '.join(map(str, busy))} of {len(rounds)} (see each round's note)"
        )
    for key in apps[1:]:
        each = [
            r[key]["main"]["server_cpu_ms_per_change"] / r[first]["main"]["server_cpu_ms_per_change"]
            for r in rounds
        ]
        spread = ", ".join(f"{x:.2f}" for x in each)
        lines.append(f"  {rounds[0][key]['target']:<58} {statistics.median(each):.2f}x ({spread})")
    for n, alone, cluster in same_rate({k: rounds[0][k] for k in apps}):
        each = [
            r[cluster]["main"]["server_cpu_ms_per_change"] / r[alone]["main"]["server_cpu_ms_per_change"]
            for r in rounds
        ]
        spread = ", ".join(f"{x:.2f}" for x in each)
        lines.append(
            f"  {n} processes against one process at the same rate per process: "
            f"{statistics.median(each):.2f}x ({spread})"
        )
    return lines
