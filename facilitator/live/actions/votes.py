"""Priorities (issue 18): the chair's dot votes (`chair:vote`) and each device's ballot (`vote:cast`).

The chair opens a vote over a shortlist (one table's entries, or entries of several tables for
the plenary) with its rules — dots per device (1–10), at most so many on one entry, whether a
device may vote for what it added — and closes it. Every client of the meeting follows the vote
in the `vote` event; its results reach only the chairs while it is open (`vote:tally`), and
everyone once it is closed. A table device casts its whole ballot each time (`vote:cast`): the
newest replaces the one before, a resent op id changes nothing, and a ballot is kept under a
keyed hash of the device key (votes.voter_key), never with a name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ...extensions import db
from ...models import Entry, Meeting, Operation, RoundTable, utcnow
from ...votes import MAX_DOTS, MAX_ITEMS, MAX_VOTES, VOTE_ACTIONS, VOTE_SCOPES, Ballot, Vote, voter_key
from .. import fields
from ..errors import ProtocolError
from ..protocol import Change, Template, change_fields, table_named
from ..registry import Action, Applied, Caller, Event, emits, register
from ..snapshot import tally_event, vote_event, vote_state


@dataclass(frozen=True, kw_only=True)
class SetVote(Change):
    """`chair:vote`: open a vote (its shortlist and rules) or close vote ``vote``."""

    kind = "chair:vote"
    action: str
    vote: int | None = None
    title: str = ""
    scope: str = "plenary"
    table: int | None = None
    entries: list[str] = field(default_factory=list)  # empty for a table vote: the table's entries
    dots: int = 3
    max_per_entry: int = 1
    allow_own: bool = True


@dataclass(frozen=True, kw_only=True)
class CastBallot(Change):
    """`vote:cast`: this device's whole ballot in vote ``vote`` (entry id -> dots; none: withdrawn)."""

    kind = "vote:cast"
    vote: int
    dots: dict[str, int]

    def logged(self) -> dict[str, Any]:
        """The change log keeps which vote, never the dots: the log names who made each change,
        so a ballot kept there would tie a person to their dots (the ballot is in `ballot`)."""
        return {"vote": self.vote, "base": self.base}


def _entry_ids(payload: dict[str, Any], key: str, required: bool) -> list[str]:
    value = payload.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_ITEMS:
        raise ProtocolError(
            "invalid", _l("Kies 1 tot %(count)s inbrengen om over te stemmen.", count=MAX_ITEMS)
        )
    ids = [fields.op_id({"id": v}, "id") for v in value]
    if len(set(ids)) != len(ids):
        raise ProtocolError("invalid", _l("Een inbreng staat twee keer op de lijst."))
    return ids


def parse_vote(payload: Any, template: Template) -> SetVote:
    """Read `chair:vote` ({op, action: "open", scope, table?, entries?, dots, max_per_entry?,
    allow_own?, title?} or {op, action: "close", vote: n})."""
    payload, common = change_fields(payload)
    action = fields.choice(payload, "action", VOTE_ACTIONS)
    if action == "close":
        number = fields.whole_number(payload, "vote", 1, MAX_VOTES)
        return SetVote(**common, action=action, vote=number)
    scope = fields.choice(payload, "scope", VOTE_SCOPES)
    table = table_named(payload, template) if scope == "table" else None
    dots = fields.whole_number(payload, "dots", 1, MAX_DOTS)
    assert dots is not None  # required
    most = fields.whole_number(payload, "max_per_entry", 1, dots, required=False) or 1
    allow_own = fields.boolean(payload, "allow_own") if "allow_own" in payload else True
    title = payload.get("title", "")
    if not isinstance(title, str) or len(title.strip()) > 200:
        raise ProtocolError("invalid", _l("De titel van een stemming is hoogstens 200 tekens."))
    return SetVote(
        **common,
        action=action,
        title=" ".join(title.split()),
        scope=scope,
        table=table,
        entries=_entry_ids(payload, "entries", required=scope == "plenary"),
        dots=dots,
        max_per_entry=most,
        allow_own=allow_own,
    )


def parse_cast(payload: Any, template: Template) -> CastBallot:
    """Read `vote:cast` ({op, vote: n, dots: {entry id: n, …}}: the whole ballot)."""
    payload, common = change_fields(payload)
    number = fields.whole_number(payload, "vote", 1, MAX_VOTES)
    assert number is not None  # required
    raw = payload.get("dots")
    if not isinstance(raw, dict) or len(raw) > MAX_ITEMS:
        raise ProtocolError("invalid", _l("'dots' moet per inbreng een aantal stippen geven."))
    dots: dict[str, int] = {}
    for key, value in raw.items():
        entry_id = fields.op_id({"id": key}, "id")
        count = fields.whole_number({"dots": value}, "dots", 0, MAX_DOTS)
        if count:
            dots[entry_id] = count
    return CastBallot(**common, vote=number, dots=dict(sorted(dots.items())))


def _the_vote(meeting_id: int, number: int | None) -> Vote:
    vote = db.session.execute(
        select(Vote).where(Vote.meeting_id == meeting_id, Vote.number == number)
    ).scalar_one_or_none()
    if vote is None:
        raise ProtocolError("not_found", _l("Deze stemming bestaat niet."))
    return vote


def _shortlist(meeting: Meeting, command: SetVote) -> list[dict[str, Any]]:
    """The entries voted on, as they are now (id, table, text), in the chair's order."""
    query = (
        select(Entry.id, RoundTable.number, Entry.text)
        .join(RoundTable, Entry.table_id == RoundTable.id)
        .where(RoundTable.meeting_id == meeting.id, Entry.deleted_at.is_(None), Entry.hidden.is_(False))
    )
    if command.scope == "table":
        query = query.where(RoundTable.number == command.table)
    if command.entries:
        query = query.where(Entry.id.in_(command.entries))
    else:
        query = query.order_by(Entry.created_seq, Entry.id).limit(MAX_ITEMS)
    rows = db.session.execute(query)
    found = {row.id: {"id": row.id, "table": row.number, "text": row.text} for row in rows}
    if command.entries and len(found) != len(command.entries):
        raise ProtocolError("not_found", _l("Een gekozen inbreng bestaat niet (meer) of is verborgen."))
    if not found:
        raise ProtocolError("invalid", _l("Deze tafel heeft nog geen inbreng om over te stemmen."))
    return [found[i] for i in command.entries] if command.entries else list(found.values())


def apply_vote(caller: Caller, command: SetVote, meeting: Meeting) -> Applied:
    """Open a vote (the next number) or close one; every client follows, the chairs with its results."""
    if command.action == "close":
        vote = _the_vote(meeting.id, command.vote)
        vote.closed_at = vote.closed_at or utcnow()
        opened = False
    else:
        last = db.session.execute(select(func.max(Vote.number)).where(Vote.meeting_id == meeting.id)).scalar()
        if (last or 0) >= MAX_VOTES:
            raise ProtocolError("invalid", _l("Deze vergadering heeft al het hoogste aantal stemmingen."))
        vote = Vote(
            meeting_id=meeting.id,
            number=(last or 0) + 1,
            title=command.title,
            scope=command.scope,
            table_number=command.table,
            items=_shortlist(meeting, command),
            dots=command.dots,
            max_per_entry=command.max_per_entry,
            allow_own=command.allow_own,
            opened_at=utcnow(),
        )
        db.session.add(vote)
        opened = True
    db.session.flush()

    def finish(seq: int) -> tuple[dict[str, Any], list[Event]]:
        state = vote_state(vote)
        events = [vote_event(state, seq)]
        if opened:  # the chairs' results start at nought
            events.append(tally_event(vote, seq))
        return {"vote": state}, events

    return "vote", finish


def apply_cast(caller: Caller, command: CastBallot, table: RoundTable) -> Applied:
    """Keep this device's ballot (replacing its last), checked against the vote's rules."""
    vote = _the_vote(table.meeting_id, command.vote)
    if vote.closed_at is not None:
        # not "closed": a client takes that for the close of the whole meeting's input
        raise ProtocolError("invalid", _l("Deze stemming is gesloten; uw stippen zijn niet meer veranderd."))
    if vote.scope == "table" and vote.table_number != table.number:
        # not "forbidden": a client takes that for a revoked link
        raise ProtocolError("invalid", _l("Deze stemming is van een andere tafel."))
    if caller.author is None:
        raise ProtocolError("invalid", _l("Dit apparaat kan niet stemmen: herlaad de pagina."))
    unknown = set(command.dots) - set(vote.entry_ids)
    if unknown:
        raise ProtocolError("not_found", _l("Over deze inbreng wordt niet gestemd."))
    if sum(command.dots.values()) > vote.dots:
        raise ProtocolError(
            "invalid", _l("Dit zijn meer stippen dan de %(dots)s die u hebt.", dots=vote.dots)
        )
    if any(n > vote.max_per_entry for n in command.dots.values()):
        raise ProtocolError(
            "invalid", _l("Op één inbreng mogen hoogstens %(most)s stippen.", most=vote.max_per_entry)
        )
    if not vote.allow_own and command.dots:
        own = db.session.execute(
            select(Entry.id).where(Entry.id.in_(list(command.dots)), Entry.author_key == caller.author)
        ).first()
        if own is not None:
            raise ProtocolError("invalid", _l("In deze stemming stemt u niet op uw eigen inbreng."))
    voter = voter_key(vote.id, caller.author)
    ballot = db.session.execute(
        select(Ballot).where(Ballot.vote_id == vote.id, Ballot.voter == voter)
    ).scalar_one_or_none()
    if ballot is None:
        db.session.add(Ballot(vote_id=vote.id, voter=voter, dots=command.dots))
    else:
        ballot.dots = command.dots
    db.session.flush()

    def finish(seq: int) -> tuple[dict[str, Any], list[Event]]:
        return {"vote": vote.number}, [tally_event(vote, seq)]

    return "ballot", finish


def replay_vote(row: Operation) -> list[Event]:
    """A vote as the change left it (opened: also its results now, which reach the chairs only)."""
    state = row.result["vote"]
    events = [vote_event(state, row.seq)]
    if state["closed_at"] is None:
        events.extend(_tally_now(row.meeting_id, state["number"], row.seq))
    return events


def replay_cast(row: Operation) -> list[Event]:
    """The vote's results now, for the chairs (a ballot itself is never sent to anyone else)."""
    return _tally_now(row.meeting_id, row.result["vote"], row.seq)


def _tally_now(meeting_id: int, number: int, seq: int) -> list[Event]:
    vote = db.session.execute(
        select(Vote).where(Vote.meeting_id == meeting_id, Vote.number == number)
    ).scalar_one_or_none()
    return [tally_event(vote, seq)] if vote is not None else []


def _vote_table(data: dict[str, Any]) -> int | None:
    """A table vote's table (its `vote` event goes to that table, the screens and the chairs)."""
    vote = data.get("vote") or {}
    return vote.get("table") if vote.get("scope") == "table" else None


emits("vote", "meeting", table_of=_vote_table)
emits("vote:tally", "chair")
register(
    Action(
        "chair:vote",
        ("chair",),
        parse_vote,
        "batch",
        command=SetVote,
        apply=apply_vote,
        scope="meeting",
        replay=replay_vote,
        replay_to="meeting",
    ),
    Action(
        "vote:cast",
        ("participant", "rapporteur"),
        parse_cast,
        "batch",
        command=CastBallot,
        apply=apply_cast,
        replay=replay_cast,
    ),
)
