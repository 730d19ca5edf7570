"""The voting line of `python -m benchmarks.live_load --voters-per-table N` (issue 18).

Before the main phase a chair client opens a plenary dot vote (`chair:vote`) over up to 40 of
the entries the bench added so far, three dots a device, one on an entry. During the main phase,
beside the entries and the report typing, N participants per table (not the entry adders), each
connected with its own device key, cast their whole ballot (`vote:cast`) every --vote-interval
seconds in an open loop: three dots on entries picked at random, each ballot replacing the
device's last. The line printed: ballots offered and acknowledged per second, ack p50/p95/p99
(emit -> acknowledgement: the ballot is committed), errors and timeouts. The bare server has no
votes: the line is for the app only. The entries' own figures are the same run's, with the
voting beside them.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

import gevent
from gevent.event import Event

NAMESPACE = "/live"
DOTS = 3


@dataclass
class Ballot:
    sent: float
    acked: float | None = None
    ok: bool | None = None
    error: str | None = None


@dataclass
class VoteLoad:
    """The vote of one run: opened by a chair client, cast by the voters during the main phase."""

    run: Any  # live_load.Run
    number: int | None = None
    items: list[str] = field(default_factory=list)
    ballots: list[Ballot] = field(default_factory=list)
    problem: str = ""
    rng: random.Random = field(default_factory=lambda: random.Random(18))

    @staticmethod
    def mark_voters(run: Any) -> None:
        """Give the voters (participants after the adders) a device key each: a ballot needs one."""
        per_table = run.args.clients_per_table
        for t in range(run.args.tables):
            group = run.members[t * per_table : (t + 1) * per_table]
            participants = [m for m in group if m.role == "participant"]
            start = run.args.adders_per_table
            for member in participants[start : start + run.args.voters_per_table]:
                member.author = uuid.uuid4().hex

    def voters(self) -> list[Any]:
        return [m for m in self.run.members if getattr(m, "author", None) and m.connected]

    def open(self, now: Any) -> bool:
        """Open the plenary vote over entries the bench added (acknowledged ones), as the chair."""
        run = self.run
        if not self.voters():
            self.problem = "no voter: every participant adds entries (raise --clients-per-table)"
            return False
        ids = [key for key, op in run.ops.items() if op.kind == "entry" and op.ok][:40]
        if len(ids) < 2:
            self.problem = "fewer than two entries to vote on (add a ramp step: --ramp-steps 1 or more)"
            return False
        chair = run.member_class("chair", None, run.target.links["chair"]["token"])
        run.connect(chair)
        if not chair.connected:
            self.problem = "the chair could not connect"
            return False
        answered, answer = Event(), {}

        def on_ack(ack: Any = None, *rest: Any) -> None:
            answer["ack"] = ack
            answered.set()

        payload = {"op": uuid.uuid4().hex, "action": "open", "scope": "plenary", "entries": ids, "dots": DOTS}
        chair.client.emit("chair:vote", payload, namespace=NAMESPACE, callback=on_ack)
        answered.wait(30)
        ack = answer.get("ack")
        gevent.spawn(chair.client.disconnect)
        if not (isinstance(ack, dict) and ack.get("ok")):
            self.problem = f"chair:vote was refused: {ack!r}"[:200]
            return False
        self.number = ack["vote"]["number"]
        self.items = ids
        return True

    def send(self, member: Any, phase: str) -> None:
        if not member.connected or self.number is None:
            return
        now = self.run.clock
        ballot = Ballot(now())
        self.ballots.append(ballot)
        dots = {entry: 1 for entry in self.rng.sample(self.items, min(DOTS, len(self.items)))}

        def on_ack(ack: Any = None, *rest: Any) -> None:
            ballot.acked = now()
            ballot.ok = isinstance(ack, dict) and bool(ack.get("ok"))
            if not ballot.ok:
                ballot.error = ack.get("error", "?") if isinstance(ack, dict) else repr(ack)

        payload = {"op": uuid.uuid4().hex, "vote": self.number, "dots": dots}
        member.client.emit("vote:cast", payload, namespace=NAMESPACE, callback=on_ack)

    def rate(self) -> float:
        return len(self.voters()) / self.run.args.vote_interval

    def drain(self, deadline: float) -> None:
        while self.run.clock() < deadline and any(b.ok is None for b in self.ballots):
            gevent.sleep(0.1)

    def summary(self, seconds: float, until: float) -> dict[str, Any]:
        acks = [b.acked - b.sent for b in self.ballots if b.acked is not None]
        errors: dict[str, int] = {}
        for b in self.ballots:
            if b.ok is False:
                errors[b.error or "?"] = errors.get(b.error or "?", 0) + 1

        def ms(p: float) -> float:
            if not acks:
                return float("nan")
            ordered = sorted(acks)
            return ordered[min(len(ordered) - 1, int(math.ceil(p / 100 * len(ordered))) - 1)] * 1000

        return {
            "voters": len(self.voters()),
            "offered_per_s": self.rate(),
            "sent": len(self.ballots),
            "ok": sum(1 for b in self.ballots if b.ok),
            "ok_per_s": sum(1 for b in self.ballots if b.ok and b.acked is not None and b.acked <= until)
            / max(1e-9, seconds),
            "ack_p50_ms": ms(50),
            "ack_p95_ms": ms(95),
            "ack_p99_ms": ms(99),
            "timeouts": sum(1 for b in self.ballots if b.ok is None),
            "errors": errors,
            "problem": self.problem,
        }


def describe(votes: dict[str, Any]) -> str:
    """The voting line of the report."""
    if votes.get("problem"):
        return f"  votes (vote:cast)      not run: {votes['problem']}"
    return (
        f"  votes (vote:cast)      {votes['voters']} voters offered {votes['offered_per_s']:.1f} ballots/s, "
        f"done {votes['ok_per_s']:.1f}/s ({votes['ok']}/{votes['sent']} acknowledged ok); "
        f"ack p50 {votes['ack_p50_ms']:.1f} ms, p95 {votes['ack_p95_ms']:.1f} ms, "
        f"p99 {votes['ack_p99_ms']:.1f} ms; "
        f"timeouts {votes['timeouts']}; errors {votes['errors'] or 0}"
    )
