"""Groups of entries across tables (`group:set`, the chair's; curation uses the same action) and
the suggested groups (`groups:suggest`), computed from the entries' words.

`group:set` gives a group its name and its entries, in one change: create (a new id), rename,
add or remove entries, split (set two groups), merge (set one with both groups' entries and the
other with none), dissolve (no entries). An entry is in at most one group: setting it in one
takes it out of any other. Its acknowledgement carries the changed groups as they were before
(`previous`), so the page can undo it by setting them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ... import offloop
from ...entry_groups import EntryGroup, entry_tables, group_state, meeting_groups
from ...extensions import db
from ...models import Entry, Meeting, Operation, RoundTable
from ...rules import LIMITS, text_problem
from .. import fields
from ..errors import ProtocolError
from ..grouping import suggest_groups
from ..protocol import Change, Template, change_fields
from ..registry import Action, Applied, Caller, Event, emits, register
from ..topics import WORD_RE

GROUP_NAME_MAX = 120


@dataclass(frozen=True, kw_only=True)
class SetGroup(Change):
    """`group:set`: group ``id`` gets this name and these entries (none: it is dissolved)."""

    kind = "group:set"
    id: str
    name: str
    entries: list[str]


@dataclass(frozen=True)
class SuggestGroups:
    """`groups:suggest`: groups of alike entries not yet in a group, of a round (0: every round)."""

    round: int | None
    limit: int


def parse_set(payload: Any, template: Template) -> SetGroup:
    """Read `group:set` ({op, id, name, entries: [entry id…]})."""
    payload, common = change_fields(payload)
    group_id = fields.op_id(payload, "id")
    name = payload.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProtocolError("invalid", _l("Geef de groep een naam."))
    name = name.strip()
    if len(name) > GROUP_NAME_MAX:
        raise ProtocolError(
            "too_large", _l("Een groepsnaam is hoogstens %(limit)s tekens.", limit=GROUP_NAME_MAX)
        )
    if problem := text_problem(name):
        raise ProtocolError("invalid", _l("De groepsnaam %(problem)s.", problem=problem))
    entries = payload.get("entries")
    if not isinstance(entries, list) or len(entries) > LIMITS["entries"]:
        raise ProtocolError("invalid", _l("'entries' moet een lijst van inbreng-id's zijn."))
    ids: list[str] = []
    for item in entries:
        entry_id = fields.op_id({"entries": item}, "entries")
        if entry_id not in ids:
            ids.append(entry_id)
    return SetGroup(**common, id=group_id, name=name, entries=ids)


def parse_suggest(payload: Any, template: Template) -> SuggestGroups:
    """Read `groups:suggest` ({round?, limit?}; the payload may be left out)."""
    payload = fields.require_dict(payload if payload is not None else {})
    number = fields.whole_number(payload, "round", 0, max(1, len(template.rounds)), required=False)
    return SuggestGroups(
        round=number, limit=fields.whole_number(payload, "limit", 1, 50, required=False) or 20
    )


def group_event(state: dict[str, Any], seq: int) -> Event:
    """The `group` event: one group as it is now (no entries: it was dissolved)."""
    return ("group", {"group": state, "seq": seq})


def apply_set(caller: Caller, command: SetGroup, meeting: Meeting) -> Applied:
    """Set the group; take its entries out of every other group of the meeting."""
    wanted = set(command.entries)
    found = entry_tables(meeting.id, wanted)
    if missing := wanted - set(found):
        raise ProtocolError(
            "not_found", _l("%(count)s inbreng van deze groep bestaat niet (meer).", count=len(missing))
        )
    rows = {g.key: g for g in db.session.query(EntryGroup).filter_by(meeting_id=meeting.id)}
    row = rows.get(command.id)
    created = row is None
    if row is None:
        row = EntryGroup(meeting_id=meeting.id, key=command.id, name=command.name, entry_ids=[])
        db.session.add(row)
    changed = [row] + [g for g in rows.values() if g is not row and wanted & set(g.entry_ids)]
    tables = entry_tables(meeting.id, {e for g in changed for e in g.entry_ids} | wanted)
    previous = [group_state(g, tables) for g in changed if not (g is row and created)]
    for other in changed[1:]:
        other.entry_ids = [e for e in other.entry_ids if e not in wanted]
    row.name, row.entry_ids = command.name, list(command.entries)
    db.session.flush()

    def finish(seq: int) -> tuple[dict[str, Any], list[Event]]:
        if created:
            row.position = seq
        states = [group_state(g, tables) for g in changed]
        return {"groups": states, "previous": previous}, [group_event(s, seq) for s in states]

    return "group", finish


def replay_set(row: Operation) -> list[Event]:
    """The groups as the change left them."""
    return [group_event(state, row.seq) for state in row.result["groups"]]


def suggest_off_loop(entries: list[Any], language: str, **options: Any) -> list[Any]:
    """``suggest_groups`` off the server's event loop (offloop.py): the words' arithmetic (about
    0.2 s of CPU for 1,000 entries) does not hold up the server's other requests meanwhile."""
    return list(offloop.off_loop(suggest_groups, entries, language=language, **options))


def suggest(caller: Caller, command: SuggestGroups) -> dict[str, Any]:
    """Suggested groups of the round's visible entries that are in no group yet."""
    meeting = caller.meeting
    number = command.round if command.round is not None else (meeting.current_round if meeting.rounds else 0)
    grouped = {e for g in meeting_groups(meeting.id) for e in g.entry_ids}
    query = (
        select(Entry.id, RoundTable.number, Entry.text)
        .join(RoundTable, RoundTable.id == Entry.table_id)
        .where(RoundTable.meeting_id == meeting.id, Entry.deleted_at.is_(None), Entry.hidden.is_(False))
        .order_by(RoundTable.number, Entry.created_seq)
    )
    if number:
        query = query.where(Entry.round_number == number)
    rows = db.session.execute(query).all()
    entries = [(entry_id, table, text) for entry_id, table, text in rows if entry_id not in grouped]
    items = [*(b.label for b in meeting.bollen), *(h.label for h in meeting.horizons)]
    labels = {w for label in items for w in WORD_RE.findall(label)}
    language = meeting.language or "nl"
    found = suggest_off_loop(entries, language, max_groups=command.limit, ignore=labels)
    return {
        "ok": True,
        "round": number,
        "groups": [{"name": g.label, "entries": list(g.entry_ids), "tables": list(g.tables)} for g in found],
    }


emits("group", "meeting")
register(
    Action(
        "group:set",
        ("chair",),
        parse_set,
        "batch",
        command=SetGroup,
        apply=apply_set,
        scope="meeting",
        replay=replay_set,
        replay_to="meeting",
    ),
    Action("groups:suggest", ("chair",), parse_suggest, "read", command=SuggestGroups, handle=suggest),
)
