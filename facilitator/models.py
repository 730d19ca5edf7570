"""Storage: typed SQLAlchemy 2 models and their small domain methods.

Everything live lives here (never only in one process's memory): the meeting's
sequence counter, the change log keyed by the client's operation id, tokens.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import Base, db
from .rules import author_tag

if TYPE_CHECKING:
    # db.Model is made at run time from Base (Flask-SQLAlchemy's model_class), so a type checker
    # sees only Base; the models use nothing that db.Model adds (no Model.query).
    Model = Base
else:
    Model = db.Model

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def utcnow() -> datetime:
    """The current time in UTC (stored timezone-aware)."""
    return datetime.now(UTC)


def new_token() -> str:
    """An unguessable token: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


class Meeting(Model):
    """A meeting (vergadering) with its round of tables."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(200))
    date: Mapped[date] = mapped_column(Date)
    start: Mapped[str] = mapped_column(String(20), default="")
    place: Mapped[str] = mapped_column(String(500), default="")
    agenda_item: Mapped[str] = mapped_column(String(500), default="")
    reference: Mapped[str] = mapped_column(String(500), default="")
    annex_title: Mapped[str] = mapped_column(String(500), default="Bijlage: terugkoppeling tafels")
    # the language of its annex, minutes, table cards and screen: "nl" or "en" (rules.LANGUAGES)
    language: Mapped[str] = mapped_column(String(8), default="nl", server_default="nl")
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    round_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # None means: all tables in number order
    feedback_order: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    phase: Mapped[str] = mapped_column(String(20), default="preparation")
    # the seq at which input was closed: changes made before it still count when they arrive
    closed_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # the table-round timer: running until timer_ends_at, or paused with timer_remaining seconds
    timer_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    timer_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    timer_remaining: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # what every screen shows, set by the chair: mode, current report-back table, filters
    screen_mode: Mapped[str] = mapped_column(String(20), default="overview")
    feedback_current: Mapped[int | None] = mapped_column(Integer, nullable=True)
    screen_filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the page of a long report or list the chair's screen shows (screens opened apart follow it)
    screen_page: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # per-meeting sequence number of the last committed change
    seq: Mapped[int] = mapped_column(Integer, default=0)
    # the round the tables work in (1 … len(rounds); 1 when the meeting has no [[rounds]])
    current_round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # retention (AVG): days after the meeting's date until its personal data is erased, and
    # whether then only that ("anonymise": the texts stay) or the whole meeting goes ("delete");
    # None: the settings' RETENTION_DAYS / RETENTION_MODE
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    retention_mode: Mapped[str | None] = mapped_column(String(10), nullable=True)
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    bollen: Mapped[list[Bol]] = relationship(
        back_populates="meeting", order_by="Bol.position", cascade="all, delete-orphan"
    )
    horizons: Mapped[list[Horizon]] = relationship(
        back_populates="meeting", order_by="Horizon.position", cascade="all, delete-orphan"
    )
    tables: Mapped[list[RoundTable]] = relationship(
        back_populates="meeting", order_by="RoundTable.number", cascade="all, delete-orphan"
    )
    tokens: Mapped[list[AccessToken]] = relationship(back_populates="meeting", cascade="all, delete-orphan")
    rounds: Mapped[list[MeetingRound]] = relationship(
        back_populates="meeting", order_by="MeetingRound.number", cascade="all, delete-orphan"
    )

    def table(self, number: int) -> RoundTable | None:
        """The table with this number, or None."""
        return next((t for t in self.tables if t.number == number), None)

    def effective_feedback_order(self) -> list[int]:
        """Table numbers in report-back order (default: all tables by number)."""
        if self.feedback_order:
            return list(self.feedback_order)
        return [t.number for t in self.tables]

    def template_dict(self) -> dict[str, list[dict[str, str]]]:
        """The fill-in template as plain data."""
        return {
            "bollen": [{"key": b.key, "label": b.label} for b in self.bollen],
            "horizons": [{"key": h.key, "label": h.label} for h in self.horizons],
        }

    def next_seq(self) -> int:
        """Take the next sequence number inside the current transaction.

        The UPDATE serialises concurrent writers of one meeting on every database.
        """
        db.session.execute(update(Meeting).where(Meeting.id == self.id).values(seq=Meeting.seq + 1))
        value = db.session.execute(select(Meeting.seq).where(Meeting.id == self.id)).scalar_one()
        self.seq = value
        return value


class MeetingRound(Model):
    """One round of a meeting with several: its question, template, time, visibility, moderation."""

    __tablename__ = "meeting_round"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … in the order the rounds are held
    question: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[str] = mapped_column(String(10), default="bollen")  # rules.ROUND_TEMPLATES
    minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    visibility: Mapped[str] = mapped_column(String(10), default="own")  # rules.ROUND_VISIBILITY
    moderation: Mapped[str] = mapped_column(String(10), default="live")  # rules.ROUND_MODERATION
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    meeting: Mapped[Meeting] = relationship(back_populates="rounds")


class _TemplateItem:
    """Common columns of a template circle (bol) and a horizon."""

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(80))


class Bol(_TemplateItem, Model):
    """One circle of the meeting's brede-welvaart template."""

    __tablename__ = "bol"
    __table_args__ = (UniqueConstraint("meeting_id", "key"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    meeting: Mapped[Meeting] = relationship(back_populates="bollen")


class Horizon(_TemplateItem, Model):
    """One horizon of the template: hier en nu, later, elders."""

    __tablename__ = "horizon"
    __table_args__ = (UniqueConstraint("meeting_id", "key"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    meeting: Mapped[Meeting] = relationship(back_populates="horizons")


class RoundTable(Model):
    """One table (tafel) of the meeting, with its people and report."""

    __tablename__ = "round_table"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    leader: Mapped[str | None] = mapped_column(String(120), nullable=True)
    rapporteur: Mapped[str | None] = mapped_column(String(120), nullable=True)
    spokesperson: Mapped[str | None] = mapped_column(String(120), nullable=True)
    report: Mapped[str] = mapped_column(Text, default="")
    # the report as a CRDT document (Yjs/Yrs update encoding); ``report`` is its text
    report_state: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    feedback: Mapped[str] = mapped_column(Text, default="")
    # the plenary feedback as a CRDT document, co-edited by the minute-takers; ``feedback`` is its text
    feedback_state: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # since when the rapporteur says the report is ready for the report-back (None: not ready)
    ready_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="tables")
    participants: Mapped[list[Participant]] = relationship(
        back_populates="table", order_by="Participant.position", cascade="all, delete-orphan"
    )
    entries: Mapped[list[Entry]] = relationship(
        back_populates="table", order_by="Entry.created_seq", cascade="all, delete-orphan"
    )

    @property
    def participant_names(self) -> list[str]:
        """Participant names in print order."""
        return [p.name for p in self.participants]

    @property
    def live_entries(self) -> list[Entry]:
        """Entries not deleted, in the order they were added."""
        return [e for e in self.entries if e.deleted_at is None]


class Participant(Model):
    """A person at a table, in print order."""

    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("round_table.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))

    table: Mapped[RoundTable] = relationship(back_populates="participants")


class Entry(Model):
    """An entry (inbreng) in the template: text, the bollen it sits in, its horizons.

    The id is chosen by the client, so that a resent add is recognised.
    Deleting only marks it: nothing typed is ever removed outright.
    """

    __tablename__ = "entry"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("round_table.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    bollen: Mapped[list[str]] = mapped_column(JSON, default=list)
    horizons: Mapped[list[str]] = mapped_column(JSON, default=list)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_seq: Mapped[int] = mapped_column(Integer, default=0)
    # the meeting's round it was typed in (1 when the meeting has no [[rounds]])
    round_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # a participant's entry in a round with moderation, until the rapporteur approves it
    waiting: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # SHA-256 (hex) of the key of the device that added it: a participant may change only theirs
    author_key: Mapped[str | None] = mapped_column(String(64), nullable=True)

    table: Mapped[RoundTable] = relationship(back_populates="entries")

    def to_dict(self) -> dict[str, Any]:
        """The entry as the live protocol sends it."""
        return {
            "id": self.id,
            "text": self.text,
            "bollen": list(self.bollen),
            "horizons": list(self.horizons),
            "hidden": bool(self.hidden),
            "author": author_tag(self.author_key),
            "round": self.round_number,
            **({"waiting": True} if self.waiting else {}),
        }


class Operation(Model):
    """The append-only change log: one row per applied change.

    Keyed by the client's operation id per meeting, so that a resent change is
    answered with the stored result and applied only once; the rows are also
    the history (who, when, what) of every entry and report.
    """

    __tablename__ = "operation"
    __table_args__ = (
        UniqueConstraint("meeting_id", "op_id"),
        UniqueConstraint("meeting_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    op_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    table_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(40))
    # what the change was about, e.g. an entry id or "report"
    subject: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AccessToken(Model):
    """A join link's token: exactly one role on one table (or, for screen/chair/minutes, the meeting)."""

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    table_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    role: Mapped[str] = mapped_column(String(20))
    token: Mapped[str] = mapped_column(String(64), unique=True, index=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # a rotation can be undone for a short while: the token this one replaced, and whether
    # this one has opened a page since (then the undo is refused)
    replaces_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    meeting: Mapped[Meeting] = relationship(back_populates="tokens")

    @classmethod
    def lookup(cls, token: str | None) -> AccessToken | None:
        """The active token row for this string, or None (unknown, revoked or malformed)."""
        if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
            return None
        return db.session.execute(
            select(cls).where(cls.token == token, cls.revoked_at.is_(None))
        ).scalar_one_or_none()


USER_ROLES = ("administrator", "secretariat")


class User(Model):
    """A secretariat account: an administrator (accounts, house style, the audit trail) or a
    member of the secretariat (meetings)."""

    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_user_account_oidc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # "" for an account that signs in through the organisation (OIDC): no password works
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    role: Mapped[str] = mapped_column(String(20), default="secretariat")
    # switched off by an administrator: cannot sign in, and a session it had ends
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    @property
    def is_admin(self) -> bool:
        """Whether the account may manage accounts, the house style and read the audit trail."""
        return self.role == "administrator"

    # the organisation's identity provider and its stable subject for this person (auth/oidc.py)
    oidc_issuer: Mapped[str | None] = mapped_column(String(300), nullable=True)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # two-step login of a local account (auth/totp.py): the TOTP secret once confirmed, the last
    # 30-second step a code was accepted for (no code twice), SHA-256 of the unused recovery codes
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    totp_recovery: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password (never the password)."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether the password matches the stored hash (never for an organisation account)."""
        if self.oidc_subject is not None or not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)


class LoginFailure(Model):
    """Failed logins per key (account name and client address), for throttling."""

    __tablename__ = "login_failure"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Presence(Model):
    """Who is connected where, shared by every server process."""

    __tablename__ = "presence"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    table_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120), default="")
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportVersion(Model):
    """A saved version of a table's report: who, when, what.

    Keystrokes of one person within a couple of minutes form one version; a new
    person, a pause or a secretariat edit starts the next. Versions are never deleted.
    """

    __tablename__ = "report_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("round_table.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    round_number: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: round 1's report
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HouseStyle(Model):
    """The organisation's house style (meeting_id NULL: one row) or a meeting's own.

    A meeting gets its own row when its session file carries a [style] section; every
    other meeting's annex uses the organisation's row. The logo is stored sanitised
    (housestyle.logo), with a PNG rendition for the formats that cannot show SVG.
    """

    __tablename__ = "house_style"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), unique=True, nullable=True
    )
    name: Mapped[str] = mapped_column(String(200), default="")
    accent: Mapped[str] = mapped_column(String(7), default="")
    cover: Mapped[bool] = mapped_column(Boolean, default=False)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    logo_type: Mapped[str] = mapped_column(String(10), default="")
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class TokenUsage(Model):
    """What one join link has stored lately: the storage budget of live/budget.py.

    Counted per token in the database, so that neither a reconnect nor another server
    process starts it afresh. Two fixed windows (the current and the previous one) give a
    sliding estimate.
    """

    __tablename__ = "token_usage"

    token_id: Mapped[int] = mapped_column(ForeignKey("access_token.id", ondelete="CASCADE"), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    events: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    previous_events: Mapped[int] = mapped_column(Integer, default=0)
    previous_bytes: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(Model):
    """One secretariat action in the audit trail: who, when, what and from where.

    Append-only in the application (audit/trail.py refuses an update or delete through the
    ORM); the meeting is named by its slug and title as they were, so the row outlives it.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))  # the account's name, "" for the command line
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # no key: the account may go
    action: Mapped[str] = mapped_column(String(40), index=True)
    meeting_slug: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    meeting_title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    address: Mapped[str] = mapped_column(String(64), default="")  # "" for the command line


class SiteSetting(Model):
    """A setting an administrator changes in the app (not in the environment), by key."""

    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
