"""State changes of meetings, tables, tokens and accounts.

Views, socket handlers and commands stay thin and call these functions; each
validates, writes, and commits once (the caller emits only after that).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, update

from .extensions import db
from .housestyle import store as housestyle_store
from .meeting_data import MEETING_FIELDS, MeetingData, TableData
from .models import (
    USER_ROLES,
    AccessToken,
    Bol,
    Entry,
    Horizon,
    Meeting,
    MeetingRound,
    Operation,
    Participant,
    ReportVersion,
    RoundTable,
    User,
    new_token,
    utcnow,
)
from .rules import MEETING_ROLES, PHASES, TABLE_ROLES


def slugify(title: str, when: date) -> str:
    """A readable URL slug from the title and date: "Raad, nr. 746" → raad-nr-746-2023-01-27."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80].strip("-")
    return f"{words or 'vergadering'}-{when.isoformat()}"


def unique_slug(base: str, exclude_id: int | None = None) -> str:
    """The base slug, or base-2, base-3 … if it is taken."""
    candidate, n = base, 1
    while True:
        query = select(Meeting.id).where(Meeting.slug == candidate)
        if exclude_id is not None:
            query = query.where(Meeting.id != exclude_id)
        if db.session.execute(query).first() is None:
            return candidate
        n += 1
        candidate = f"{base}-{n}"


def _apply_template(meeting: Meeting, data: MeetingData) -> None:
    """Set the bollen and horizons; existing keys keep their row, labels and order follow data."""
    for attr, cls, items in (("bollen", Bol, data.bollen), ("horizons", Horizon, data.horizons)):
        existing = {item.key: item for item in getattr(meeting, attr)}
        rows = []
        for position, item in enumerate(items):
            row = existing.pop(item["key"], None) or cls(key=item["key"])
            row.label = item["label"]
            row.position = position
            rows.append(row)
        setattr(meeting, attr, rows)


def _apply_rounds(meeting: Meeting, data: MeetingData) -> None:
    """Set the [[rounds]]; a round kept by number keeps its row (and when it was opened and closed)."""
    existing = {r.number: r for r in meeting.rounds}
    rows = []
    for number, rdata in enumerate(data.rounds, start=1):
        row = existing.pop(number, None) or MeetingRound(number=number)
        row.question, row.template, row.minutes = rdata.question, rdata.template, rdata.minutes
        row.visibility, row.moderation = rdata.visibility, rdata.moderation
        rows.append(row)
    meeting.rounds = rows
    meeting.current_round = min(meeting.current_round or 1, max(1, len(rows)))


def _apply_meeting_fields(meeting: Meeting, data: MeetingData) -> None:
    for key in MEETING_FIELDS:
        if key not in ("questions", "feedback_order"):  # lists: copied below
            setattr(meeting, key, getattr(data, key))
    meeting.questions = list(data.questions)
    meeting.feedback_order = list(data.feedback_order) if data.feedback_order else None


def set_participants(table: RoundTable, names: list[str]) -> None:
    """Replace the table's participants, in print order."""
    table.participants = [Participant(position=i, name=name) for i, name in enumerate(names)]


def _fill_table(table: RoundTable, data: TableData) -> None:
    set_participants(table, data.participants)
    table.leader = data.leader
    table.rapporteur = data.rapporteur
    table.spokesperson = data.spokesperson
    table.report = data.report
    if table.feedback != data.feedback:  # typed anew: its CRDT state is made from the text again
        table.feedback, table.feedback_state = data.feedback, None


def _ensure_tokens(meeting: Meeting) -> None:
    """Give the meeting and every table one active token per role."""
    active = {(t.role, t.table_number) for t in meeting.tokens if t.revoked_at is None}
    for role in MEETING_ROLES:
        if (role, None) not in active:
            meeting.tokens.append(AccessToken(role=role, table_number=None, token=new_token()))
    for table in meeting.tables:
        for role in TABLE_ROLES:
            if (role, table.number) not in active:
                meeting.tokens.append(AccessToken(role=role, table_number=table.number, token=new_token()))


def import_meeting(data: MeetingData) -> Meeting:
    """Create a new meeting from validated data, in one transaction."""
    try:
        meeting = Meeting(slug=unique_slug(slugify(data.title, data.date)), seq=0, phase=PHASES[0])
        _apply_meeting_fields(meeting, data)
        _apply_template(meeting, data)
        _apply_rounds(meeting, data)
        db.session.add(meeting)
        seq = 0
        for tdata in data.tables:
            table = RoundTable(number=tdata.number)
            _fill_table(table, tdata)
            for edata in tdata.entries:
                seq += 1
                table.entries.append(
                    Entry(
                        id=str(uuid.uuid4()),
                        text=edata.text,
                        bollen=list(edata.bollen),
                        horizons=list(edata.horizons),
                        hidden=edata.hidden,
                        created_seq=seq,
                        round_number=edata.round,
                        waiting=edata.waiting,
                    )
                )
            meeting.tables.append(table)
        meeting.seq = seq
        _ensure_tokens(meeting)
        db.session.flush()
        _import_round_reports(meeting, data)
        _import_groups(meeting, data)
        if data.vote_records:
            from .votes import import_votes

            import_votes(meeting.id, {t.number: list(t.entries) for t in meeting.tables}, data.vote_records)
        _log_import(meeting)
        if data.style is not None:
            housestyle_store.set_meeting_style(meeting, data.style)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return meeting


def _import_round_reports(meeting: Meeting, data: MeetingData) -> None:
    """The file's reports of rounds after the first, each its history's first version."""
    from .round_reports import RoundReport

    ids = {t.number: t.id for t in meeting.tables}
    for tdata in data.tables:
        for number, text in sorted(tdata.reports.items()):
            table_id = ids[tdata.number]
            db.session.add(RoundReport(table_id=table_id, round_number=number, report=text))
            db.session.add(
                ReportVersion(table_id=table_id, seq=0, actor="import", text=text, round_number=number)
            )


def _import_groups(meeting: Meeting, data: MeetingData) -> None:
    """The file's [[groups]]: each entry found by its table and place among the table's entries."""
    from .entry_groups import EntryGroup

    entries = {t.number: list(t.entries) for t in meeting.tables}
    for position, group in enumerate(data.groups, start=1):
        ids = [entries[table][n - 1].id for table, n in group.entries]
        db.session.add(
            EntryGroup(
                meeting_id=meeting.id,
                key=str(uuid.uuid4()),
                name=group.name,
                entry_ids=ids,
                position=position,
            )
        )


def _log_import(meeting: Meeting) -> None:
    """Start every entry's and report's history with its imported state."""
    for table in meeting.tables:
        for entry in table.entries:
            db.session.add(
                Operation(
                    meeting_id=meeting.id,
                    op_id=f"import-{entry.id}",
                    seq=entry.created_seq,
                    table_number=table.number,
                    kind="entry:import",
                    subject=entry.id,
                    actor="import",
                    payload={},
                    result={"ok": True, "seq": entry.created_seq, "entry": entry.to_dict()},
                )
            )
        if table.report:
            db.session.add(ReportVersion(table_id=table.id, seq=0, actor="import", text=table.report))


def update_meeting(meeting: Meeting, data: MeetingData) -> Meeting:
    """Replace a meeting's definition (not its entries) with validated data.

    Tables missing from ``data`` are removed only when they have no content;
    the caller validates that first (see ``removable_tables``).
    """
    try:
        _apply_meeting_fields(meeting, data)
        _apply_template(meeting, data)
        _apply_rounds(meeting, data)
        wanted = {t.number: t for t in data.tables}
        for gone in list(meeting.tables):
            if gone.number not in wanted:
                meeting.tables.remove(gone)
        for tdata in data.tables:
            table = meeting.table(tdata.number)
            if table is None:
                table = RoundTable(number=tdata.number, report="", feedback="")
                meeting.tables.append(table)
            _fill_table(table, tdata)
        for token in meeting.tokens:
            if token.table_number is not None and token.table_number not in wanted:
                token.revoked_at = token.revoked_at or utcnow()
        _ensure_tokens(meeting)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return meeting


def blocking_removals(meeting: Meeting, data: MeetingData) -> list[int]:
    """Tables that ``data`` would remove although they hold entries or a report (of any round)."""
    from .round_reports import tables_round_reports

    keep = {t.number for t in data.tables}
    gone = [t for t in meeting.tables if t.number not in keep]
    later = tables_round_reports([t.id for t in gone]) if gone else {}
    return [
        t.number
        for t in gone
        if t.live_entries or t.report.strip() or any(r.report.strip() for r in later.get(t.id, []))
    ]


def template_keys_in_use(meeting: Meeting, data: MeetingData) -> list[str]:
    """Bol and horizon keys that entries use but ``data``'s template drops."""
    bol_keys = {b["key"] for b in data.bollen}
    horizon_keys = {h["key"] for h in data.horizons}
    missing: set[str] = set()
    for table in meeting.tables:
        for entry in table.live_entries:
            missing.update(k for k in entry.bollen if k not in bol_keys)
            missing.update(k for k in entry.horizons if k not in horizon_keys)
    return sorted(missing)


def get_meeting(slug: str) -> Meeting | None:
    """The meeting with this slug, or None."""
    return db.session.execute(select(Meeting).where(Meeting.slug == slug)).scalar_one_or_none()


ActiveTokens = dict[tuple[str, int | None], AccessToken]


def active_tokens(meeting: Meeting) -> ActiveTokens:
    """Every current token by (role, table), in one walk over the meeting's tokens (the first,
    as ``active_token``): for looking up many links, each lookup is then not a walk of its own
    (100 tables: 16 of the cards' 35 ms on the server's loop)."""
    active: ActiveTokens = {}
    for token in meeting.tokens:
        if token.revoked_at is None:
            active.setdefault((token.role, token.table_number), token)
    return active


def active_token(
    meeting: Meeting, role: str, table_number: int | None = None, among: ActiveTokens | None = None
) -> AccessToken:
    """The current token for a role (and table); ``among``: ``active_tokens(meeting)``, made once
    by a caller that looks up many."""
    if among is not None:
        found = among.get((role, table_number))
    else:
        found = next(
            (
                token
                for token in meeting.tokens
                if token.role == role and token.table_number == table_number and token.revoked_at is None
            ),
            None,
        )
    if found is None:
        raise LookupError(f"no active {role} token for table {table_number}")
    return found


def rotate_token(meeting: Meeting, role: str, table_number: int | None = None) -> AccessToken:
    """Revoke the role's current token and issue a new one; the old link stops working at once."""
    if role in TABLE_ROLES:
        if table_number is None or meeting.table(table_number) is None:
            raise LookupError("unknown table")
    elif role in MEETING_ROLES:
        table_number = None
    else:
        raise LookupError("unknown role")
    now = utcnow()
    replaced = None
    for token in meeting.tokens:
        if token.role == role and token.table_number == table_number and token.revoked_at is None:
            token.revoked_at = now
            replaced = token
    fresh = AccessToken(
        role=role,
        table_number=table_number,
        token=new_token(),
        created_at=now,
        replaces_id=replaced.id if replaced is not None else None,
    )
    meeting.tokens.append(fresh)
    db.session.commit()
    return fresh


UNDO_WINDOW = timedelta(minutes=10)


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def undo_deadline(token: AccessToken) -> datetime | None:
    """Until when this token's rotation can be undone; None when it cannot (any more).

    Only a token made by a rotation, still active, not used to open a page since, within
    ten minutes, and whose predecessor is still revoked (not restored some other way).
    """
    if token.replaces_id is None or token.revoked_at is not None or token.used_at is not None:
        return None
    deadline = _aware(token.created_at) + UNDO_WINDOW
    if utcnow() >= deadline:
        return None
    previous = db.session.get(AccessToken, token.replaces_id)
    if previous is None or previous.meeting_id != token.meeting_id or previous.revoked_at is None:
        return None
    return deadline


def undo_rotation(meeting: Meeting, token_id: int) -> AccessToken:
    """Restore the token that ``token_id`` replaced and revoke ``token_id``, in one commit.

    Raises LookupError when the token is not this meeting's, and ValueError when the
    rotation can no longer be undone (too late, the new link was used, or rotated again).
    """
    token = db.session.get(AccessToken, token_id)
    if token is None or token.meeting_id != meeting.id:
        raise LookupError("unknown token")
    if undo_deadline(token) is None:
        raise ValueError("rotation can no longer be undone")
    previous = db.session.get(AccessToken, token.replaces_id)
    assert previous is not None  # undo_deadline found it
    try:
        token.revoked_at = utcnow()
        previous.revoked_at = None
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return previous


def mark_used(token: AccessToken) -> None:
    """Note the first time a token opens its page: from then on its rotation is not undone."""
    if token.used_at is not None:
        return
    db.session.execute(
        update(AccessToken)
        .where(AccessToken.id == token.id, AccessToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


ROLE_PATHS = {
    "rapporteur": "/verslag/",
    "participant": "/deelnemer/",
    "screen": "/scherm/",
    "chair": "/voorzitter/",
    "minutes": "/notulen/",
}


def role_url(public_url: str, token: AccessToken) -> str:
    """The no-login link that opens a token's page."""
    return f"{public_url}{ROLE_PATHS[token.role]}{token.token}"


def link_pair(
    meeting: Meeting, public_url: str, role: str, number: int | None = None, among: ActiveTokens | None = None
) -> dict[str, str]:
    """One role's current link: its URL and token (``among``: as for ``active_token``)."""
    token = active_token(meeting, role, number, among)
    return {"url": role_url(public_url, token), "token": token.token}


def links(meeting: Meeting, public_url: str, among: ActiveTokens | None = None) -> dict:
    """The links JSON (`session links`, README): every role's URL and token.

    The minute-taker's link is not in it (the JSON's keys are a contract): ``link_pair(…, "minutes")``.
    """
    among = active_tokens(meeting) if among is None else among

    def pair(role: str, number: int | None = None) -> dict[str, str]:
        return link_pair(meeting, public_url, role, number, among)

    return {
        "meeting": meeting.slug,
        "secretariat": f"{public_url}/secretariaat/vergaderingen/{meeting.slug}",
        "screen": pair("screen"),
        "chair": pair("chair"),
        "tables": {
            str(t.number): {
                "rapporteur": pair("rapporteur", t.number),
                "participant": pair("participant", t.number),
            }
            for t in meeting.tables
        },
    }


def create_user(name: str, password: str, role: str = "secretariat") -> User:
    """Create an account; raises ValueError for a taken name, a weak password or an unknown role.

    The first account of a database is always an administrator (someone must manage the rest).
    """
    name = name.strip()
    if not name or len(name) > 80:
        raise ValueError("De naam moet 1 tot 80 tekens hebben.")
    if len(password) < 10:
        raise ValueError("Het wachtwoord moet ten minste 10 tekens hebben.")
    if role not in USER_ROLES:
        raise ValueError(f"Onbekende rol {role}; kies uit: {', '.join(USER_ROLES)}.")
    taken = db.session.execute(select(User.id).where(func.lower(User.name) == name.lower())).first()
    if taken:
        raise ValueError(f"Er bestaat al een account met de naam {name}.")
    if db.session.execute(select(User.id).limit(1)).first() is None:
        role = "administrator"
    user = User(name=name, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user
