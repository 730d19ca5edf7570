"""Everything a client reads: the snapshot on connect, missed events on `sync`, presence.

Read-only, apart from one thing: a table's CRDT state is made from its text the first
time anyone asks for it (report.ensure_report_state), so that every client starts alike.
The shapes here are the ones declared in shapes.SERVER_EVENTS; the actions (live/actions/)
build their events from the same functions, and replay a logged change (``sync``) as each
declares, so an event applied to a snapshot gives a fresh snapshot.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any, cast, overload

from sqlalchemy import or_, select

from ..entry_groups import groups_state
from ..extensions import db
from ..models import Entry, Meeting, MeetingRound, Operation, Presence, RoundTable, utcnow
from ..round_reports import RoundReport, tables_round_reports
from ..rules import LIMITS, author_tag
from ..votes import Ballot, Vote, meeting_votes, ranked, tally, voter_key
from .registry import ACTIONS, EMITS
from .report import FEEDBACK, ensure_report_state


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    """A stored moment in UTC (SQLite returns naive datetimes; they were stored in UTC)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def logged_table(row: Operation) -> int:
    """The table of a logged change to one table (every such row names it)."""
    if row.table_number is None:
        raise ValueError(f"change {row.op_id} of the log names no table")
    return row.table_number


def _iso(moment: datetime | None) -> str | None:
    moment = aware(moment)
    return moment.isoformat() if moment is not None else None


def meeting_state(meeting: Meeting) -> dict[str, Any]:
    """Phase, timer, screen view and report-back order: what every client of a meeting follows."""
    return {
        "phase": meeting.phase,
        "closed_seq": meeting.closed_seq,
        "timer": {
            "total": meeting.timer_total,
            "ends_at": _iso(meeting.timer_ends_at),
            "remaining": meeting.timer_remaining,
            "running": meeting.timer_ends_at is not None,
        },
        "view": {
            "mode": meeting.screen_mode or "overview",
            "current": meeting.feedback_current,
            "filters": dict(meeting.screen_filters or {}),
            "page": meeting.screen_page or 0,
        },
        "feedback_order": meeting.effective_feedback_order(),
        "round": meeting.current_round or 1,
        "rounds": [round_state(r) for r in meeting.rounds],
    }


def round_state(item: MeetingRound) -> dict[str, Any]:
    """One of the meeting's [[rounds]] as every client follows it: what it asks, and whether it is open."""
    return {
        "number": item.number,
        "question": item.question,
        "template": item.template,
        "minutes": item.minutes,
        "visibility": item.visibility,
        "moderation": item.moderation,
        "opened_at": _iso(item.opened_at),
        "closed_at": _iso(item.closed_at),
    }


def table_info(table: RoundTable) -> dict[str, Any]:
    """Who sits at the table, as sent in snapshots and `table` events."""
    return {
        "number": table.number,
        "participants": table.participant_names,
        "leader": table.leader,
        "rapporteur": table.rapporteur,
        "spokesperson": table.spokesperson,
    }


def ready_since(table: RoundTable) -> str | None:
    """Since when the table says its report is ready for the report-back (None: not ready)."""
    return _iso(table.ready_at)


def screen_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as a screen sees it: one the chair hid, or one waiting for the rapporteur's
    approval, keeps its place but not its content."""
    if not entry["hidden"] and not entry.get("waiting"):
        return entry
    empty = {"id": entry["id"], "text": "", "bollen": [], "horizons": [], "hidden": entry["hidden"]}
    return {**empty, "round": entry["round"], **({"waiting": True} if entry.get("waiting") else {})}


def round_report_snapshot(report: RoundReport, with_state: bool) -> dict[str, Any]:
    """A table's report of a round after the first, as the snapshot carries it."""
    data: dict[str, Any] = {"round": report.round_number, "text": report.report or ""}
    if with_state:
        data["state"] = base64.b64encode(ensure_report_state(report)).decode()
    return data


def table_snapshot(
    table: RoundTable,
    with_state: bool,
    for_screen: bool = False,
    with_feedback: bool = False,
    round_reports: list[RoundReport] | None = None,
) -> dict[str, Any]:
    """One table as the snapshot carries it (for a screen: hidden entries without content).

    ``with_feedback`` (the minute-taker): the plenary feedback and its CRDT state as well.
    """
    data = table_info(table)
    data["report"] = table.report or ""
    data["ready"] = ready_since(table)
    entries = [e.to_dict() for e in table.live_entries]
    data["entries"] = [screen_entry(e) for e in entries] if for_screen else entries
    if with_state:
        data["report_state"] = base64.b64encode(ensure_report_state(table)).decode()
    if round_reports:  # a report per round: those after the first
        data["round_reports"] = [round_report_snapshot(r, with_state) for r in round_reports]
    if with_feedback:
        data["feedback"] = table.feedback or ""
        data["feedback_state"] = base64.b64encode(ensure_report_state(table, FEEDBACK)).decode()
    return data


def shared_others(meeting: Meeting, table_number: int) -> list[dict[str, Any]]:
    """For a table page: the other tables' entries of the rounds every table sees (visibility
    "all"), as the screens see them; none hidden or waiting."""
    shared = {r.number for r in meeting.rounds if r.visibility == "all"}
    if not shared:
        return []
    out = []
    for table in meeting.tables:
        if table.number != table_number:
            entries = [screen_entry(e.to_dict()) for e in table.live_entries if e.round_number in shared]
            out.append({"table": table.number, "entries": [e for e in entries if e["text"]]})
    return out


def snapshot(
    meeting: Meeting, role: str, table_number: int | None, author: str | None = None
) -> dict[str, Any]:
    """What a client sees right after connecting: its table (or all tables) and the sequence.

    ``author``: the hash of the device's key; a table page gets its tag, to know its own entries.
    """
    db.session.commit()  # a fresh read
    db.session.refresh(meeting)
    if table_number is not None:
        tables = [t for t in meeting.tables if t.number == table_number]
    else:
        tables = list(meeting.tables)
    later = tables_round_reports([t.id for t in tables]) if len(meeting.rounds) > 1 else {}
    data = {
        "role": role,
        "table": table_number,
        "meeting": {
            "slug": meeting.slug,
            "title": meeting.title,
            "phase": meeting.phase,
            "template": meeting.template_dict(),
            "questions": list(meeting.questions or []),
            **meeting_state(meeting),
        },
        "tables": [
            table_snapshot(
                t,
                with_state=role == "rapporteur",
                for_screen=role in ("screen", "minutes"),
                with_feedback=role == "minutes",
                round_reports=later.get(t.id),
            )
            for t in tables
        ],
        "seq": meeting.seq,
        "server_time": utcnow().isoformat(),
    }
    if table_number is not None and (other := shared_others(meeting, table_number)):
        data["others"] = other  # a round every table sees: the other tables' entries
    if table_number is None:  # the screen, the chair, the minute-taker: the groups across tables
        data["meeting"] = {**cast(dict[str, Any], data["meeting"]), "groups": groups_state(meeting.id)}
    # a table page: the plenary votes and its own table's (another table's vote is not for it)
    votes = [
        v for v in meeting_votes(meeting.id) if table_number is None or v.table_number in (None, table_number)
    ]
    data["votes"] = [vote_state(v, with_results=role == "chair") for v in votes]
    if table_number is not None and author is not None:
        data["author"] = author_tag(author)
        data["ballots"] = own_ballots(votes, author)
    return data


# --- votes (priorities): what every client follows, and the results ---------------------------


def vote_state(vote: Vote, with_results: bool = False) -> dict[str, Any]:
    """A vote as the `vote` event and the snapshot carry it: its shortlist and rules; its
    results (ranked, with the number of ballots) once it is closed, or for the chair (``with_results``)."""
    state: dict[str, Any] = {
        "number": vote.number,
        "title": vote.title,
        "scope": vote.scope,
        "table": vote.table_number,
        "items": [dict(item) for item in vote.items],
        "dots": vote.dots,
        "max_per_entry": vote.max_per_entry,
        "allow_own": vote.allow_own,
        "opened_at": _iso(vote.opened_at),
        "closed_at": _iso(vote.closed_at),
        "results": None,
        "ballots": None,
    }
    if with_results or vote.closed_at is not None:
        state.update(vote_results(vote))
    return state


def vote_results(vote: Vote) -> dict[str, Any]:
    """The vote's results now: the shortlist ranked with its dots (ties share a rank), and ballots."""
    counts, ballots = tally(vote)
    return {"results": ranked(vote.items, counts), "ballots": ballots}


def tally_event(vote: Vote, seq: int) -> tuple[str, dict[str, Any]]:
    """`vote:tally`: the results while the vote is open, for the chairs only."""
    return ("vote:tally", {"vote": vote.number, **vote_results(vote), "seq": seq})


def vote_event(state: dict[str, Any], seq: int) -> tuple[str, dict[str, Any]]:
    """`vote`: a vote opened or closed (its results once closed), for every client of the meeting."""
    return ("vote", {"vote": state, "seq": seq})


def own_ballots(votes: list[Vote], author: str) -> dict[str, dict[str, int]]:
    """This device's ballot in each vote it voted in (by vote number): a reload shows its dots."""
    out: dict[str, dict[str, int]] = {}
    for vote in votes:
        ballot = db.session.execute(
            select(Ballot.dots).where(Ballot.vote_id == vote.id, Ballot.voter == voter_key(vote.id, author))
        ).scalar_one_or_none()
        if ballot is not None:
            out[str(vote.number)] = dict(ballot)
    return out


# --- the events of a change, as broadcast and as replayed ---------------------------------


def entry_event(table_number: int, entry: dict[str, Any], seq: int) -> tuple[str, dict[str, Any]]:
    """`entry`: an entry added, changed, restored or hidden."""
    return ("entry", {"table": table_number, "entry": entry, "seq": seq})


def entry_deleted_event(table_number: int, entry_id: str, seq: int) -> tuple[str, dict[str, Any]]:
    """`entry:deleted`."""
    return ("entry:deleted", {"table": table_number, "id": entry_id, "seq": seq})


def report_event(
    table_number: int, update: bytes, text: str, seq: int, round_number: int = 1
) -> tuple[str, dict[str, Any]]:
    """`report`: a CRDT update to merge and the text it results in (of a round after the first:
    ``round`` says which; absent, round 1's, the table's own report)."""
    data = {"table": table_number, "update": base64.b64encode(update).decode(), "text": text, "seq": seq}
    return ("report", data | ({"round": round_number} if round_number != 1 else {}))


def feedback_event(table_number: int, update: bytes, text: str, seq: int) -> tuple[str, dict[str, Any]]:
    """`feedback`: a CRDT update of a table's plenary feedback and the text it results in."""
    return (
        "feedback",
        {"table": table_number, "update": base64.b64encode(update).decode(), "text": text, "seq": seq},
    )


def table_event(info: dict[str, Any], seq: int) -> tuple[str, dict[str, Any]]:
    """`table`: who sits at the table now."""
    return ("table", {"table": info["number"], "info": info, "seq": seq})


def meeting_event(state: dict[str, Any], seq: int) -> tuple[str, dict[str, Any]]:
    """`meeting`: phase, timer, view and order after a chair's change."""
    return ("meeting", {"meeting": state, "seq": seq})


def events_since(
    meeting_id: int, since: int, table_number: int | None, role: str = ""
) -> list[dict[str, Any]] | None:
    """The broadcasts a client missed after ``since`` (None: too many, take a snapshot).

    Each logged change replays as its action declares (registry.py): kinds with the same
    ``replay_last`` only their newest row per table (the event carries the whole state), some
    to some roles only (the plenary feedback: minute-takers). A screen (and a minute-taker) gets
    no content of an entry that is hidden now or was hidden by that event.
    """
    query = select(Operation).where(Operation.meeting_id == meeting_id, Operation.seq > since)
    if table_number is not None:
        everyone = [name for name, action in ACTIONS.items() if action.replay_to == "meeting"]
        query = query.where(or_(Operation.table_number == table_number, Operation.kind.in_(everyone)))
    rows = db.session.execute(query.order_by(Operation.seq).limit(LIMITS["replay"] + 1)).scalars().all()
    if len(rows) > LIMITS["replay"]:
        return None
    last: dict[tuple[str, int | None, str | None], int] = {}
    for row in rows:
        if (action := ACTIONS.get(row.kind)) is not None and action.replay_last:
            last[action.replay_last, row.table_number, _replayed_part(action.replay_last, row)] = row.id
    hidden_now = _hidden_entry_ids(meeting_id) if role in ("screen", "minutes") else None
    out = []
    for row in rows:
        action = ACTIONS.get(row.kind)
        if action is None or action.replay is None:
            continue  # not a broadcast (an entry's imported state starts its history)
        part = _replayed_part(action.replay_last, row) if action.replay_last else None
        if action.replay_last and last[action.replay_last, row.table_number, part] != row.id:
            continue
        if action.replay_roles is not None and role not in action.replay_roles:
            continue
        for name, data in action.replay(row):
            if EMITS[name].audience == "chair" and role != "chair":
                continue  # an event for the chairs only (a vote's results while it is open)
            about = EMITS[name].table_of
            if table_number is not None and about is not None and about(data) not in (None, table_number):
                continue  # about another table (its table vote)
            screened = EMITS[name].screened
            if hidden_now is not None and screened is not None:
                data = screened(data, hidden_now)
            out.append({"event": name, "data": data})
    return out


def _replayed_part(replay_last: str, row: Operation) -> str | None:
    """Which of a table's documents a replayed-last row is of: the report of each round apart."""
    return row.subject if replay_last == "report" else None


def _hidden_entry_ids(meeting_id: int) -> set[str]:
    return set(
        db.session.execute(
            select(Entry.id)
            .join(RoundTable, Entry.table_id == RoundTable.id)
            .where(RoundTable.meeting_id == meeting_id, Entry.hidden.is_(True))
        ).scalars()
    )


# --- presence --------------------------------------------------------------------------------


def _person(row: Presence) -> dict[str, str]:
    return {"id": row.sid[:8], "role": row.role, "name": row.name}


def table_presence(meeting_id: int, number: int) -> list[dict[str, str]]:
    """Who is connected at one table, earliest first (the `presence` event's people)."""
    rows = db.session.execute(
        select(Presence)
        .where(Presence.meeting_id == meeting_id, Presence.table_number == number)
        .order_by(Presence.last_seen)
    ).scalars()
    return [_person(r) for r in rows]


def presence_by_table(meeting: Meeting) -> dict[str, list[dict[str, str]]]:
    """Who is connected at each table right now (the snapshot does not carry presence)."""
    rows = db.session.execute(
        select(Presence)
        .where(Presence.meeting_id == meeting.id, Presence.table_number.is_not(None))
        .order_by(Presence.last_seen)
    ).scalars()
    people: dict[str, list[dict[str, str]]] = {str(t.number): [] for t in meeting.tables}
    for row in rows:
        people.setdefault(str(row.table_number), []).append(_person(row))
    return people


def connected_sids(meeting_id: int, role: str, table_number: int | None) -> list[str]:
    """The sockets connected with one role's link (of one table), on any server process."""
    return list(
        db.session.execute(
            select(Presence.sid).where(
                Presence.meeting_id == meeting_id,
                Presence.role == role,
                Presence.table_number == table_number,
            )
        ).scalars()
    )
