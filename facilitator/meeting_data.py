"""A meeting as plain data: what a session file holds, the secretariat's form makes, and the
annex is built from. No ORM objects, so it can be validated, compared, written and rendered
without a database session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from .housestyle.style import StyleData

if TYPE_CHECKING:
    from .models import Meeting

# A bol or horizon of the template: {"key": "economisch", "label": "Economisch"}
TemplateItem = dict[str, str]

DEFAULT_BOLLEN: list[TemplateItem] = [
    {"key": "economisch", "label": "Economisch"},
    {"key": "sociaal", "label": "Sociaal"},
    {"key": "ecologisch", "label": "Ecologisch"},
]
DEFAULT_HORIZONS: list[TemplateItem] = [
    {"key": "hier-en-nu", "label": "Hier en nu"},
    {"key": "later", "label": "Later"},
    {"key": "elders", "label": "Elders"},
]
DEFAULT_ANNEX_TITLE = "Bijlage: terugkoppeling tafels"

# the [meeting] fields in file order (the secretariat's form and the importer share them)
MEETING_FIELDS = (
    "title",
    "date",
    "start",
    "place",
    "agenda_item",
    "reference",
    "annex_title",
    "language",
    "questions",
    "round_minutes",
    "feedback_order",
)


@dataclass
class EntryData:
    """One entry of a table, validated."""

    text: str
    bollen: list[str]
    horizons: list[str] = field(default_factory=list)
    hidden: bool = False
    round: int = 1  # the meeting's round it was typed in
    waiting: bool = False  # a participant's entry waiting for the rapporteur's approval


@dataclass
class GroupData:
    """One of a meeting's [[groups]]: its name and its entries as (table number, place 1 …)."""

    name: str
    entries: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class RoundData:
    """One of a meeting's [[rounds]]: its question, template, time, visibility and moderation."""

    question: str
    template: str = "bollen"  # rules.ROUND_TEMPLATES
    minutes: int | None = None
    visibility: str = "own"  # rules.ROUND_VISIBILITY
    moderation: str = "live"  # rules.ROUND_MODERATION


@dataclass
class TableData:
    """One table, validated."""

    number: int
    participants: list[str] = field(default_factory=list)
    leader: str | None = None
    rapporteur: str | None = None
    spokesperson: str | None = None
    report: str = ""
    feedback: str = ""
    entries: list[EntryData] = field(default_factory=list)
    # a meeting held in rounds: the report of each round after the first ({round: text})
    reports: dict[int, str] = field(default_factory=dict)


@dataclass
class VoteResultData:
    """One entry of a closed vote, as ranked: its text, table, dots and rank (a tie shares it)."""

    text: str
    table: int
    count: int
    rank: int


@dataclass
class VoteData:
    """A closed vote's outcome: what was asked, over what, and the entries ranked by dots."""

    number: int
    title: str
    scope: str  # "table" or "plenary"
    table: int | None
    dots: int
    ballots: int
    results: list[VoteResultData] = field(default_factory=list)


@dataclass
class VoteRecord:
    """A vote as the session file keeps it ([[votes]]): its settings, its shortlist's entries as
    (table, place 1 … among the table's entries; 0: no longer there) with their text when it
    opened, and its ballots as dots per entry in the shortlist's order — never who cast one."""

    title: str
    scope: str  # "table" or "plenary"
    table: int | None
    entries: list[tuple[int, int]]
    texts: list[str]
    dots: int
    max_per_entry: int = 1
    allow_own: bool = True
    closed: bool = True
    ballots: list[list[int]] = field(default_factory=list)

    def results(self, number: int) -> VoteData:
        """The vote's outcome as the annex ranks it (counts only)."""
        from .votes import ranked

        items = [{"id": str(i)} for i in range(len(self.entries))]
        counts = {str(i): sum(b[i] for b in self.ballots) for i in range(len(self.entries))}
        results = [
            VoteResultData(self.texts[int(r["id"])], self.entries[int(r["id"])][0], r["count"], r["rank"])
            for r in ranked(items, counts)
        ]
        cast = sum(1 for b in self.ballots if any(b))
        return VoteData(number, self.title, self.scope, self.table, self.dots, cast, results)


def votes_data(meeting: Meeting) -> list[VoteData]:
    """The meeting's closed votes, ranked (their counts only: who voted what is never exported)."""
    from .votes import meeting_votes, ranked, tally

    out = []
    for vote in meeting_votes(meeting.id):
        if vote.closed_at is None:
            continue
        counts, ballots = tally(vote)
        items = {item["id"]: item for item in vote.items}
        results = [
            VoteResultData(items[r["id"]]["text"], items[r["id"]]["table"], r["count"], r["rank"])
            for r in ranked(vote.items, counts)
        ]
        out.append(
            VoteData(vote.number, vote.title, vote.scope, vote.table_number, vote.dots, ballots, results)
        )
    return out


@dataclass
class MeetingData:
    """A whole meeting as plain, validated data: what a session file holds."""

    title: str
    date: date
    start: str = ""
    place: str = ""
    agenda_item: str = ""
    reference: str = ""
    annex_title: str = DEFAULT_ANNEX_TITLE
    language: str = "nl"  # rules.LANGUAGES: the annex's, the minutes' and the screen's language
    questions: list[str] = field(default_factory=list)
    round_minutes: int | None = None
    feedback_order: list[int] | None = None
    bollen: list[TemplateItem] = field(default_factory=lambda: [dict(b) for b in DEFAULT_BOLLEN])
    horizons: list[TemplateItem] = field(default_factory=lambda: [dict(h) for h in DEFAULT_HORIZONS])
    tables: list[TableData] = field(default_factory=list)
    # [[rounds]]; empty: the meeting is one round (its questions and round_minutes)
    rounds: list[RoundData] = field(default_factory=list)
    groups: list[GroupData] = field(default_factory=list)  # [[groups]] of entries across tables
    style: StyleData | None = None  # the optional [style] section: the meeting's own house style
    # the closed votes' results (priorities): counts only, for the annex; [[votes]] is vote_records
    votes: list[VoteData] = field(default_factory=list)
    # [[votes]]: every vote with its settings and anonymous ballots (what the file round-trips)
    vote_records: list[VoteRecord] = field(default_factory=list)


def rounds_data(meeting: Meeting) -> list[RoundData]:
    """The meeting's [[rounds]] as plain data (empty: it is one round)."""
    return [
        RoundData(
            question=r.question,
            template=r.template,
            minutes=r.minutes,
            visibility=r.visibility,
            moderation=r.moderation,
        )
        for r in meeting.rounds
    ]


def meeting_to_data(meeting: Meeting) -> MeetingData:
    """A meeting with all content typed so far, as plain data (for export)."""
    from .housestyle.store import effective_style  # the database side of the house style
    from .round_reports import tables_round_reports  # the reports of rounds after the first

    later = tables_round_reports([t.id for t in meeting.tables]) if len(meeting.rounds) > 1 else {}
    data = MeetingData(
        title=meeting.title,
        date=meeting.date,
        start=meeting.start or "",
        place=meeting.place or "",
        agenda_item=meeting.agenda_item or "",
        reference=meeting.reference or "",
        annex_title=meeting.annex_title or DEFAULT_ANNEX_TITLE,
        language=meeting.language or "nl",
        questions=list(meeting.questions or []),
        round_minutes=meeting.round_minutes,
        feedback_order=list(meeting.feedback_order) if meeting.feedback_order else None,
        bollen=meeting.template_dict()["bollen"],
        horizons=meeting.template_dict()["horizons"],
        style=effective_style(meeting),
        rounds=rounds_data(meeting),
        votes=votes_data(meeting),
    )
    places: dict[str, tuple[int, int]] = {}
    for table in meeting.tables:
        for n, entry in enumerate(table.live_entries, start=1):
            places[entry.id] = (table.number, n)
        data.tables.append(
            TableData(
                number=table.number,
                participants=table.participant_names,
                leader=table.leader,
                rapporteur=table.rapporteur,
                spokesperson=table.spokesperson,
                report=table.report or "",
                reports={r.round_number: r.report for r in later.get(table.id, []) if r.report},
                feedback=table.feedback or "",
                entries=[
                    EntryData(
                        text=e.text,
                        bollen=list(e.bollen),
                        horizons=list(e.horizons),
                        hidden=e.hidden,
                        round=e.round_number,
                        waiting=e.waiting,
                    )
                    for e in table.live_entries
                ],
            )
        )
    data.groups = groups_data(meeting.id, places)
    data.vote_records = vote_records(meeting.id, places)
    return data


def groups_data(meeting_id: int, places: dict[str, tuple[int, int]]) -> list[GroupData]:
    """The meeting's groups as plain data: each entry by its table and place."""
    from .entry_groups import meeting_groups  # the database side of the groups

    out = []
    for group in meeting_groups(meeting_id):
        entries = [places[e] for e in group.entry_ids if e in places]
        if entries:
            out.append(GroupData(name=group.name, entries=entries))
    return out


def vote_records(meeting_id: int, places: dict[str, tuple[int, int]]) -> list[VoteRecord]:
    """The meeting's votes as the session file keeps them: each entry by its table and place (0
    when it is gone), the ballots as dots per entry, sorted, so their order tells nothing either."""
    from sqlalchemy import select

    from .extensions import db
    from .votes import Ballot, meeting_votes

    out = []
    for vote in meeting_votes(meeting_id):
        ids = vote.entry_ids
        ballots = sorted(
            (
                [int(dots.get(i, 0)) for i in ids]
                for dots in db.session.execute(select(Ballot.dots).where(Ballot.vote_id == vote.id)).scalars()
                if dots
            ),
            reverse=True,
        )
        out.append(
            VoteRecord(
                title=vote.title,
                scope=vote.scope,
                table=vote.table_number,
                entries=[places.get(item["id"], (item["table"], 0)) for item in vote.items],
                texts=[item["text"] for item in vote.items],
                dots=vote.dots,
                max_per_entry=vote.max_per_entry,
                allow_own=vote.allow_own,
                closed=vote.closed_at is not None,
                ballots=ballots,
            )
        )
    return out
