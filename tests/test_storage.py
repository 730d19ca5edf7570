"""Storage: the models and the import/update/rotate operations, on SQLite and PostgreSQL (the
migrations: test_storage_schema.py)."""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from facilitator import operations, sessionfile
from facilitator.extensions import db
from facilitator.meeting_data import EntryData, MeetingData, TableData, meeting_to_data
from facilitator.models import (
    AccessToken,
    Meeting,
    Operation,
    utcnow,
)
from facilitator.rules import LIMITS, MEETING_ROLES, TABLE_ROLES

from .storage_support import FOUR, SER, count, load, meeting_by_slug, table_counts


@pytest.fixture
def database_url(both_database_url):
    """Every test in this module runs on SQLite and on PostgreSQL."""
    return both_database_url


# --------------------------------------------------------------------------- import


def test_import_demo_stores_everything_in_order(ctx):
    data = load()
    meeting = operations.import_meeting(data)
    slug = meeting.slug
    assert slug == "raad-nr-746-2023-01-27"
    db.session.expire_all()  # read back from the database, not from the identity map
    meeting = meeting_by_slug(slug)

    assert meeting.title == "Raad, nr. 746"
    assert meeting.date == date(2023, 1, 27)
    assert meeting.start == "10:15"
    assert meeting.place == "SER-gebouw te Den Haag"
    assert meeting.reference == "R/3024"
    assert meeting.annex_title == "Bijlage: terugkoppeling tafels"
    assert meeting.questions == data.questions
    assert meeting.round_minutes == 40
    assert meeting.feedback_order == [1, 3, 4, 5, 6]
    assert meeting.effective_feedback_order() == [1, 3, 4, 5, 6]
    assert meeting.phase == "preparation"
    assert meeting.template_dict() == {"bollen": data.bollen, "horizons": data.horizons}

    assert [t.number for t in meeting.tables] == [t.number for t in data.tables] == [1, 2, 3, 4, 5, 6]
    total = 0
    for table, tdata in zip(meeting.tables, data.tables, strict=True):
        assert table.participant_names == tdata.participants
        assert [p.position for p in table.participants] == list(range(len(tdata.participants)))
        assert table.leader == tdata.leader
        assert table.rapporteur == tdata.rapporteur
        assert table.spokesperson == tdata.spokesperson
        assert table.report == tdata.report
        assert table.feedback == tdata.feedback
        assert [(e.text, e.bollen, e.horizons, e.hidden) for e in table.live_entries] == [
            (e.text, e.bollen, e.horizons, e.hidden) for e in tdata.entries
        ]
        total += len(tdata.entries)
    assert total > 0
    # every entry took a sequence number, in file order
    seqs = [e.created_seq for t in meeting.tables for e in t.entries]
    assert seqs == list(range(1, total + 1))
    assert meeting.seq == total
    # table 4 has a leader (gespreksleider) in the demo
    assert meeting.table(4).leader == "Van Weegberg"
    assert meeting.table(4).participant_names[0] == "Van Weegberg"


def test_import_gives_own_tokens_and_a_free_slug_each_time(ctx):
    meeting = operations.import_meeting(load(FOUR))
    tokens = [t for t in meeting.tokens if t.revoked_at is None]
    expected = {(role, None) for role in MEETING_ROLES} | {
        (role, t.number) for t in meeting.tables for role in TABLE_ROLES
    }
    assert sorted((t.role, t.table_number or 0) for t in tokens) == sorted((r, n or 0) for r, n in expected)
    values = [t.token for t in tokens]
    assert len(set(values)) == len(values)
    assert all(len(v) >= 22 for v in values)  # >= 128 bits in url-safe base64

    first = operations.import_meeting(load()).slug
    second = operations.import_meeting(load()).slug
    third = operations.import_meeting(load()).slug
    assert (first, second, third) == (
        "raad-nr-746-2023-01-27",
        "raad-nr-746-2023-01-27-2",
        "raad-nr-746-2023-01-27-3",
    )
    assert count(Meeting) == 4
    all_tokens = db.session.execute(select(AccessToken.token)).scalars().all()
    meeting_links = len(MEETING_ROLES)  # screen, chair, minutes
    assert len(all_tokens) == len(set(all_tokens)) == 3 * (meeting_links + 2 * 6) + meeting_links + 2 * 3


def test_slugify():
    assert operations.slugify("Raad, nr. 746", date(2023, 1, 27)) == "raad-nr-746-2023-01-27"
    assert operations.slugify("Één tafel: ‘Öztürk’!", date(2024, 3, 14)) == "een-tafel-ozturk-2024-03-14"
    assert operations.slugify("???", date(2024, 3, 14)) == "vergadering-2024-03-14"
    assert len(operations.slugify("x" * 300, date(2024, 3, 14))) == 80 + 11


def test_values_at_every_limit_fit_the_columns(ctx):
    """The validator's limits must fit the database (PostgreSQL refuses what is too long)."""
    name = "N" * LIMITS["name"]
    bollen = [
        {"key": f"{i}" + "k" * (LIMITS["key"] - 1), "label": "L" * LIMITS["label"]}
        for i in range(LIMITS["bollen_max"])
    ]
    horizons = [
        {"key": f"{i}" + "h" * (LIMITS["key"] - 1), "label": "H" * LIMITS["label"]}
        for i in range(LIMITS["horizons_max"])
    ]
    long = "é" * LIMITS["meeting_text"]
    data = MeetingData(
        title="T" * LIMITS["title"],
        date=date(2024, 1, 1),
        start="1" * LIMITS["start"],
        place=long,
        agenda_item=long,
        reference=long,
        annex_title=long,
        questions=["Q" * LIMITS["question"]] * LIMITS["questions"],
        round_minutes=LIMITS["round_minutes"],
        feedback_order=[LIMITS["table_number"]],
        bollen=bollen,
        horizons=horizons,
        tables=[
            TableData(
                number=LIMITS["table_number"],
                participants=[f"{i:03}" + name[3:] for i in range(LIMITS["participants"])],
                leader="000" + name[3:],
                rapporteur=name,
                spokesperson="001" + name[3:],
                report="r" * LIMITS["report"],
                feedback="f" * LIMITS["report"],
                entries=[
                    EntryData(
                        text="e" * LIMITS["entry_text"],
                        bollen=[b["key"] for b in bollen],
                        horizons=[h["key"] for h in horizons],
                        hidden=True,
                    )
                ],
            )
        ],
    )
    # the data is valid as a file too
    assert sessionfile.loads(sessionfile.dumps(data).encode()) == data
    slug = operations.import_meeting(data).slug
    db.session.expire_all()
    assert meeting_to_data(meeting_by_slug(slug)) == data


# --------------------------------------------------------------------------- all or nothing


def test_import_failing_halfway_leaves_nothing(ctx, monkeypatch):
    operations.import_meeting(load(FOUR))
    before = table_counts()

    def broken(meeting):
        raise RuntimeError("stroomstoring")

    monkeypatch.setattr(operations, "_ensure_tokens", broken)
    with pytest.raises(RuntimeError):
        operations.import_meeting(load())
    assert table_counts() == before
    assert operations.get_meeting("raad-nr-746-2023-01-27") is None


def test_import_failing_in_the_database_leaves_nothing(ctx, monkeypatch):
    """A constraint the database enforces at commit (duplicate token) rolls everything back."""
    operations.import_meeting(load(FOUR))
    before = table_counts()
    monkeypatch.setattr(operations, "new_token", lambda: "dezelfde-token-voor-iedereen-0123")
    with pytest.raises(IntegrityError):
        operations.import_meeting(load())
    db.session.rollback()
    assert table_counts() == before
    assert operations.get_meeting("raad-nr-746-2023-01-27") is None
    # and the session is usable again afterwards
    monkeypatch.undo()
    assert operations.import_meeting(load()).slug == "raad-nr-746-2023-01-27"


# --------------------------------------------------------------------------- sequence numbers


def test_next_seq_increments_per_meeting(ctx):
    a = operations.import_meeting(load(FOUR))
    b = operations.import_meeting(load())
    a_start, b_start = a.seq, b.seq
    assert a_start == 13
    assert [a.next_seq() for _ in range(3)] == [a_start + 1, a_start + 2, a_start + 3]
    db.session.commit()
    assert b.next_seq() == b_start + 1
    db.session.commit()
    db.session.expire_all()
    assert meeting_by_slug(a.slug).seq == a_start + 3
    assert meeting_by_slug(b.slug).seq == b_start + 1

    # a number taken in a transaction that is rolled back is taken again
    a = meeting_by_slug(a.slug)
    assert a.next_seq() == a_start + 4
    db.session.rollback()
    assert a.next_seq() == a_start + 4
    db.session.commit()


def test_next_seq_is_atomic_across_concurrent_writers(app):
    with app.app_context():
        meeting = operations.import_meeting(load(FOUR))
        meeting_id, start = meeting.id, meeting.seq
    threads_n, each = 4, 8
    taken: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads_n)

    def writer():
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(each):
                    m = db.session.get(Meeting, meeting_id)
                    value = m.next_seq()
                    db.session.commit()
                    with lock:
                        taken.append(value)
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(taken) == list(range(start + 1, start + threads_n * each + 1))
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).seq == start + threads_n * each


# --------------------------------------------------------------------------- operation log


def _operation(meeting_id: int, op_id: str, seq: int) -> Operation:
    return Operation(
        meeting_id=meeting_id,
        op_id=op_id,
        seq=seq,
        table_number=1,
        kind="entry:add",
        subject=str(uuid.uuid4()),
        actor="rapporteur",
        payload={"text": "x"},
        result={"ok": True},
    )


def test_operation_id_is_unique_per_meeting_in_the_database(ctx):
    a = operations.import_meeting(load(FOUR))
    b = operations.import_meeting(load())
    before = count(Operation)  # the import may log its own operations
    op_id = str(uuid.uuid4())
    db.session.add(_operation(a.id, op_id, 1001))
    db.session.commit()
    # the same op id in another meeting is fine
    db.session.add(_operation(b.id, op_id, 1001))
    db.session.commit()
    # twice in one meeting is refused by the database itself
    db.session.add(_operation(a.id, op_id, 1002))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert count(Operation) == before + 2

    # and a token string is unique across all meetings
    taken = operations.active_token(a, "chair").token
    db.session.add(AccessToken(meeting_id=b.id, role="screen", table_number=None, token=taken))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_operation_seq_is_unique_per_meeting_in_the_database(ctx):
    a = operations.import_meeting(load(FOUR))
    b = operations.import_meeting(load(FOUR))
    db.session.add(_operation(a.id, "op-1", 1007))
    db.session.add(_operation(b.id, "op-1", 1007))  # the same seq in another meeting is fine
    db.session.commit()
    db.session.add(_operation(a.id, "op-2", 1007))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    stored = db.session.execute(
        select(Operation).where(Operation.meeting_id == a.id, Operation.op_id == "op-1")
    ).scalar_one()
    assert stored.seq == 1007
    assert stored.payload == {"text": "x"} and stored.result == {"ok": True}


def test_deleting_a_meeting_cascades(ctx):
    meeting = operations.import_meeting(load(FOUR))
    db.session.add(_operation(meeting.id, "op-1", 1099))
    db.session.commit()
    db.session.delete(meeting)
    db.session.commit()
    assert all(n == 0 for n in table_counts().values()), table_counts()


# --------------------------------------------------------------------------- tokens


def test_lookup_finds_active_tokens_only_and_refuses_the_rest(ctx):
    meeting = operations.import_meeting(load(FOUR))
    token = operations.active_token(meeting, "rapporteur", 2)
    found = AccessToken.lookup(token.token)
    assert found is not None and found.id == token.id
    assert (found.role, found.table_number, found.meeting.slug) == ("rapporteur", 2, meeting.slug)

    token.revoked_at = utcnow()
    db.session.commit()
    assert AccessToken.lookup(token.token) is None

    # unknown and malformed
    for value in (
        None,
        "",
        "kort",
        12345,
        b"bytes-niet-tekst-0123456789",
        ["lijst"],
        "x" * 65,
        "onbekend-maar-welgevormd-0123456789",
        token.token.upper() if token.token.upper() != token.token else token.token.lower(),
    ):
        assert AccessToken.lookup(value) is None, value


def test_lookup_refuses_a_token_with_a_nul_character(ctx, request):
    operations.import_meeting(load(FOUR))
    assert AccessToken.lookup("a" * 20 + "\x00" + "b" * 11) is None


def test_rotate_token(ctx):
    meeting = operations.import_meeting(load(FOUR))
    old = operations.active_token(meeting, "participant", 3).token
    other = operations.active_token(meeting, "participant", 1).token
    fresh = operations.rotate_token(meeting, "participant", 3)
    assert fresh.token != old and len(fresh.token) >= 22
    db.session.expire_all()
    assert AccessToken.lookup(old) is None
    found = AccessToken.lookup(fresh.token)
    assert (found.role, found.table_number) == ("participant", 3)
    assert AccessToken.lookup(other) is not None  # other tables keep theirs
    meeting = meeting_by_slug(meeting.slug)
    links = operations.links(meeting, "http://x")
    assert links["tables"]["3"]["participant"]["token"] == fresh.token
    assert links["tables"]["1"]["participant"]["token"] == other
    # exactly one active token per role and table remains
    active = [
        t for t in meeting.tokens if t.role == "participant" and t.table_number == 3 and not t.revoked_at
    ]
    assert len(active) == 1

    # meeting-wide roles ignore a table number; unknown tables and roles are refused
    old = operations.active_token(meeting, "screen").token
    fresh = operations.rotate_token(meeting, "screen", 2)
    assert fresh.table_number is None
    assert AccessToken.lookup(old) is None
    with pytest.raises(LookupError):
        operations.rotate_token(meeting, "rapporteur", 42)
    with pytest.raises(LookupError):
        operations.rotate_token(meeting, "rapporteur", None)
    with pytest.raises(LookupError):
        operations.rotate_token(meeting, "secretaris")


# --------------------------------------------------------------------------- entries, export, update


def test_soft_deleted_entries_are_kept_but_not_live_or_exported(ctx):
    data = load(FOUR)
    data.tables[0].entries[0].hidden = True
    meeting = operations.import_meeting(data)
    table = meeting.table(1)
    gone = table.entries[1]
    gone_id, gone_text = gone.id, gone.text
    gone.deleted_at = utcnow()
    db.session.commit()
    db.session.expire_all()

    meeting = meeting_by_slug(meeting.slug)
    table = meeting.table(1)
    assert gone_id in [e.id for e in table.entries]  # nothing typed is removed outright
    assert gone_id not in [e.id for e in table.live_entries]
    assert len(table.live_entries) == len(table.entries) - 1
    exported = meeting_to_data(meeting)
    assert gone_text not in [e.text for e in exported.tables[0].entries]
    assert len(exported.tables[0].entries) == len(table.entries) - 1
    # the same text at another table is still there
    assert "Afhankelijkheid van import" in [e.text for e in exported.tables[2].entries]
    assert gone_text == "Afhankelijkheid van import"
    # a hidden entry is not deleted: it is exported, still hidden
    assert exported.tables[0].entries[0].hidden is True
    del data.tables[0].entries[1]
    assert exported == data


def test_export_gives_the_imported_data(ctx):
    for path in (SER, FOUR):
        data = load(path)
        slug = operations.import_meeting(data).slug
        db.session.expire_all()
        assert meeting_to_data(meeting_by_slug(slug)) == data


def test_update_meeting_keeps_entries(ctx):
    meeting = operations.import_meeting(load(FOUR))
    entry_ids = {t.number: [e.id for e in t.entries] for t in meeting.tables}
    tokens = {(t.role, t.table_number): t.token for t in meeting.tokens}

    data = load(FOUR)
    data.title = "Nieuwe titel"
    data.tables[0].participants = ["Nieuw", "De Vries"]
    data.tables[0].leader = "Nieuw"
    data.tables[0].spokesperson = None
    data.tables[0].entries = []  # the definition never replaces typed entries
    data.bollen[3]["label"] = "Veiligheid"
    data.tables.append(TableData(number=9, participants=["Laat"]))
    operations.update_meeting(meeting, data)
    db.session.expire_all()

    meeting = meeting_by_slug(meeting.slug)
    assert meeting.title == "Nieuwe titel"
    assert meeting.slug == "werkconferentie-regioraad-lingewaard-oost-weerbare-regio-2024-03-14"
    assert {t.number: [e.id for e in t.entries] for t in meeting.tables} == {**entry_ids, 9: []}
    assert meeting.table(1).participant_names == ["Nieuw", "De Vries"]
    assert meeting.table(1).leader == "Nieuw"
    assert meeting.bollen[3].label == "Veiligheid"
    # existing links keep working; the new table got its own
    for key, value in tokens.items():
        assert AccessToken.lookup(value) is not None, key
    assert operations.active_token(meeting, "rapporteur", 9)


def test_update_meeting_removes_empty_tables_and_revokes_their_links(ctx):
    data = load(FOUR)
    data.tables.append(TableData(number=4, participants=["Leeg"]))
    meeting = operations.import_meeting(data)
    token = operations.active_token(meeting, "participant", 4).token
    shorter = load(FOUR)
    assert operations.blocking_removals(meeting, shorter) == []
    operations.update_meeting(meeting, shorter)
    db.session.expire_all()
    meeting = meeting_by_slug(meeting.slug)
    assert [t.number for t in meeting.tables] == [1, 2, 3]
    assert AccessToken.lookup(token) is None
    # a table with entries would not be removed silently
    assert operations.blocking_removals(
        meeting, load(FOUR).__class__(title="x", date=date(2024, 1, 1), tables=[TableData(number=1)])
    ) == [2, 3]
    # bol keys that entries use cannot silently disappear from the template
    assert operations.template_keys_in_use(meeting, load()) == ["veiligheid"]
    assert operations.template_keys_in_use(meeting, load(FOUR)) == []


def test_create_user(ctx):
    user = operations.create_user("Secretaris", "lang-genoeg-wachtwoord")
    assert user.check_password("lang-genoeg-wachtwoord")
    assert "lang-genoeg" not in user.password_hash
    with pytest.raises(ValueError):
        operations.create_user("secretaris", "nog-een-wachtwoord")  # names are case-insensitive
    with pytest.raises(ValueError):
        operations.create_user("ander", "kort")
