"""The shape of every server → client event's payload (SERVER_EVENTS), part of the protocol's declaration.

protocol.py re-exports SERVER_EVENTS; the tests check every event a client receives against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Shape:
    """The keys of a payload object, and the shapes of nested objects (or of a list's objects)."""

    keys: frozenset[str]
    optional: frozenset[str] = frozenset()
    nested: Mapping[str, Shape] = field(default_factory=dict)

    def problems(self, data: Any, where: str = "") -> list[str]:
        """What in ``data`` does not match this shape (empty when it matches)."""
        if not isinstance(data, dict):
            return [f"{where or 'payload'} is not an object"]
        found = set(data)
        out = []
        if missing := self.keys - found:
            out.append(f"{where or 'payload'} misses {sorted(missing)}")
        if unknown := found - self.keys - self.optional:
            out.append(f"{where or 'payload'} has undeclared {sorted(unknown)}")
        for key, shape in self.nested.items():
            value = data.get(key)
            items = value if isinstance(value, list) else [] if value is None else [value]
            for item in items:
                out.extend(shape.problems(item, f"{where}{key}."))
        return out


def _shape(*keys: str, optional: tuple[str, ...] = (), **nested: Shape) -> Shape:
    return Shape(frozenset(keys), frozenset(optional), nested)


# author: a tag of the hash of the adding device's key (rules.author_tag), or null
# waiting: a participant's entry in a round with moderation, until the rapporteur approves it
ENTRY = _shape("id", "text", "bollen", "horizons", "hidden", "round", optional=("author", "waiting"))
GROUP = _shape("id", "name", "entries", "tables")
TABLE_INFO = _shape("number", "participants", "leader", "rapporteur", "spokesperson")
MEETING_STATE = _shape(
    "phase",
    "closed_seq",
    "timer",
    "view",
    "feedback_order",
    "round",
    "rounds",
    timer=_shape("total", "ends_at", "remaining", "running"),
    rounds=_shape(
        "number", "question", "template", "minutes", "visibility", "moderation", "opened_at", "closed_at"
    ),
    view=_shape("mode", "current", "filters", "page"),
)
SNAPSHOT_MEETING = Shape(
    MEETING_STATE.keys | {"slug", "title", "template", "questions"},
    optional=frozenset({"groups"}),  # the screen's, the chair's and the minute-taker's
    nested={**MEETING_STATE.nested, "groups": GROUP},
)
SNAPSHOT_TABLE = Shape(
    TABLE_INFO.keys | {"report", "entries", "ready"},
    # report_state: rapporteurs only; feedback and its state: minute-takers only
    # round_reports: a meeting held in rounds, the reports of rounds after the first that exist
    optional=frozenset({"report_state", "feedback", "feedback_state", "round_reports"}),
    nested={"entries": ENTRY, "round_reports": _shape("round", "text", optional=("state",))},
)
PERSON = _shape("id", "role", "name")
# a vote (priorities): results and ballots are null until it is closed, except for the chairs
RESULT = _shape("id", "count", "rank")
VOTE = _shape(
    "number",
    "title",
    "scope",
    "table",
    "items",
    "dots",
    "max_per_entry",
    "allow_own",
    "opened_at",
    "closed_at",
    "results",
    "ballots",
    items=_shape("id", "table", "text"),
    results=RESULT,
)

# Server → client events and the shape of each payload.
SERVER_EVENTS: dict[str, Shape] = {
    "snapshot": _shape(
        "role",
        "table",
        "meeting",
        "tables",
        "seq",
        "server_time",
        "votes",
        # table roles: the tag of this device's key, to know its own entries, and its ballots by
        # vote; in a meeting with a round every table sees (visibility "all"), the other tables'
        # entries of such rounds
        optional=("author", "ballots", "others"),
        meeting=SNAPSHOT_MEETING,
        tables=SNAPSHOT_TABLE,
        votes=VOTE,
        others=_shape("table", "entries", entries=ENTRY),
    ),
    "entry": _shape("table", "entry", "seq", entry=ENTRY),
    "entry:deleted": _shape("table", "id", "seq"),
    "report": _shape("table", "update", "text", "seq", optional=("round",)),
    "feedback": _shape("table", "update", "text", "seq"),
    "table": _shape("table", "info", "seq", info=TABLE_INFO),
    "ready": _shape("table", "ready", "since", "seq"),
    "group": _shape("group", "seq", group=GROUP),
    "presence": _shape("table", "people", people=PERSON),
    "meeting": _shape("meeting", "seq", meeting=MEETING_STATE),
    "vote": _shape("vote", "seq", vote=VOTE),
    "vote:tally": _shape("vote", "results", "ballots", "seq", results=RESULT),
    "refresh": _shape("reason"),
    "revoked": _shape("message"),
}
