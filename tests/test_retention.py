"""Retention (AVG): past its period a meeting's personal data is erased — gone from the database
file's bytes too — or the whole meeting is deleted; an administrator sets the period and can
delete a meeting at once. Names are typed live, as people do, before retention runs."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from facilitator import operations
from facilitator.extensions import db
from facilitator.meeting_data import meeting_to_data
from facilitator.models import AccessToken, AuditEvent, LoginFailure, Meeting, Operation, utcnow
from facilitator.retention import erase

from .conftest import csrf_token

NS = "/live"
# names nobody else uses, so that finding them in the file's bytes means only this
NAMES = ("Quirijntje Zwavelzuur", "Xandrijn Oeverloos", "Wobbejaap Kwikstaart")
FAR = (date.today() + timedelta(days=40_000)).isoformat()  # past any retention period


def uid() -> str:
    return str(uuid.uuid4())


def send(client, event, payload):
    return client.emit(event, payload, namespace=NS, callback=True)


def type_names_live(connect) -> None:
    """A rapporteur corrects attendance and says who she is; a participant adds an entry."""
    rapporteur = connect("rapporteur", 2)
    rapporteur.emit("presence:hello", {"name": NAMES[2]}, namespace=NS)
    ack = send(
        rapporteur, "table:update", {"op": uid(), "participants": [NAMES[0], NAMES[1]], "leader": NAMES[0]}
    )
    assert ack["ok"], ack
    participant = connect("participant", 2, author="k" * 40)
    assert send(
        participant, "entry:add", {"op": uid(), "id": uid(), "text": "Woningbouw", "bollen": ["sociaal"]}
    )["ok"]
    assert send(rapporteur, "table:ready", {"op": uid(), "ready": True})["ok"]


def database_bytes(app) -> bytes:
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def test_names_typed_live_are_gone_from_the_database_file_after_retention(
    app, connect, meeting_links, runner
):
    type_names_live(connect)
    with app.app_context():
        db.session.remove()
    before = database_bytes(app)
    assert all(name.encode() in before for name in NAMES)  # so the check below can fail

    result = runner.invoke(args=["retention", "run", "--today", FAR])
    assert result.exit_code == 0, result.output
    assert f"{meeting_links['meeting']}: persoonsgegevens gewist" in result.output

    after = database_bytes(app)
    assert not [name for name in NAMES if name.encode() in after]
    assert b"k" * 40 not in after
    with app.app_context():
        meeting = operations.get_meeting(meeting_links["meeting"])
        data = meeting_to_data(meeting)
        table = next(t for t in data.tables if t.number == 2)
        # the texts stay, as the annex prints them; the people do not
        assert table.participants == [] and table.leader is None and table.spokesperson is None
        assert any(e.text == "Woningbouw" for e in table.entries) and table.report
        assert meeting.personal_data_erased_at is not None
        assert all(
            row.actor in ("rapporteur", "participant", "import", "secretariat", "chair")
            for row in db.session.execute(
                select(Operation).where(Operation.meeting_id == meeting.id)
            ).scalars()
        )
        # its links stop working
        assert AccessToken.lookup(meeting_links["tables"]["2"]["rapporteur"]["token"]) is None
        trail = db.session.execute(select(AuditEvent.action, AuditEvent.actor, AuditEvent.address)).all()
        assert ("personal_data_erased", "", "") in [tuple(r) for r in trail]
    # a second run has nothing left to do
    again = runner.invoke(args=["retention", "run", "--today", FAR])
    assert again.exit_code == 0 and "Niets te doen" in again.output


def test_before_its_period_ends_nothing_is_erased_and_a_dry_run_changes_nothing(
    app, connect, meeting_links, runner
):
    type_names_live(connect)
    with app.app_context():
        meeting = operations.get_meeting(meeting_links["meeting"])
        on_the_day = erase.erase_date(meeting)
        # RETENTION_DAYS (365 by default) counts from the import today: the meeting itself was in 2023
        assert meeting.date.year == 2023 and on_the_day == date.today() + timedelta(days=366)
        db.session.remove()
    assert (
        "Niets te doen"
        in runner.invoke(
            args=["retention", "run", "--today", (on_the_day - timedelta(days=1)).isoformat()]
        ).output
    )
    dry = runner.invoke(args=["retention", "run", "--dry-run", "--today", on_the_day.isoformat()])
    assert dry.exit_code == 0 and "persoonsgegevens zou gewist" in dry.output
    assert all(name.encode() in database_bytes(app) for name in NAMES)
    bad = runner.invoke(args=["retention", "run", "--today", "morgen"])
    assert bad.exit_code == 1 and "geen datum" in bad.output


def test_a_meeting_set_to_delete_goes_with_its_export_files(app, meeting_links, runner):
    slug = meeting_links["meeting"]
    jobs = Path(app.config["INSTANCE_DIR"]) / "annex-exports"
    jobs.mkdir(parents=True, exist_ok=True)
    (jobs / "job-1.json").write_text(json.dumps({"slug": slug, "format": "pdf"}))
    (jobs / "job-1.pdf").write_bytes(b"%PDF with " + NAMES[0].encode())
    (jobs / "job-2.json").write_text(json.dumps({"slug": "een-andere", "format": "pdf"}))
    with app.app_context():
        operations.get_meeting(slug).retention_mode = "delete"
        db.session.commit()
    result = runner.invoke(args=["retention", "run", "--today", FAR])
    assert result.exit_code == 0 and f"{slug}: vergadering verwijderd" in result.output
    assert sorted(p.name for p in jobs.iterdir()) == ["job-2.json"]
    with app.app_context():
        assert operations.get_meeting(slug) is None
        row = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "meeting_deleted")
        ).scalar_one()
        assert row.meeting_slug == slug and row.detail["reason"] == "retention"


def test_old_throttling_records_and_their_addresses_go(app, runner):
    with app.app_context():
        old = utcnow() - timedelta(days=2)
        db.session.add(LoginFailure(key="pair:203.0.113.9|iemand", count=3, last_at=old))
        db.session.add(LoginFailure(key="pair:198.51.100.7|iemand", count=1, last_at=utcnow()))
        db.session.commit()
    result = runner.invoke(args=["retention", "run"])
    assert "1 oude inlogpogingen verwijderd" in result.output
    with app.app_context():
        assert db.session.execute(select(LoginFailure.key)).scalars().all() == ["pair:198.51.100.7|iemand"]


def _post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/secretariaat/")})


def test_an_administrator_sets_the_period_and_deletes_a_meeting_now(app, logged_in, ser, make_user):
    base = f"/secretariaat/vergaderingen/{ser}"
    page = logged_in.get(f"{base}/bewaren").get_data(as_text=True)
    assert "worden op" in page and "365 dagen na de vergadering" in page
    assert _post(logged_in, f"{base}/bewaren", {"days": "30", "mode": "delete"}).status_code == 303
    with app.app_context():
        meeting = operations.get_meeting(ser)
        assert (meeting.retention_days, meeting.retention_mode) == (30, "delete")
    assert "helemaal verwijderd" in logged_in.get(f"{base}/bewaren").get_data(as_text=True)
    for bad in ({"days": "0"}, {"days": "veel"}, {"days": "5", "mode": "verbranden"}):
        assert _post(logged_in, f"{base}/bewaren", bad).status_code == 400, bad
    with app.app_context():
        assert operations.get_meeting(ser).retention_days == 30

    # deleting needs the box ticked
    refused = _post(logged_in, f"{base}/verwijderen", {})
    assert refused.status_code == 400 and "Vink aan" in refused.get_data(as_text=True)
    # a member of the secretariat may not
    make_user("lid", "geheim-wachtwoord-2", "secretariat")
    member = app.test_client()
    member.post(
        "/secretariaat/inloggen",
        data={"name": "lid", "password": "geheim-wachtwoord-2", "csrf_token": csrf_token(member)},
    )
    assert _post(member, f"{base}/verwijderen", {"confirm": "y"}).status_code == 403
    with app.app_context():
        assert operations.get_meeting(ser) is not None
    done = _post(logged_in, f"{base}/verwijderen", {"confirm": "y"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/secretariaat/")
    with app.app_context():
        assert db.session.execute(select(Meeting).where(Meeting.slug == ser)).first() is None
        actions = db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
        assert actions[-1] == "meeting_deleted" and "retention_changed" in actions
    assert logged_in.get(base).status_code == 404


@pytest.mark.postgres
def test_retention_rewrites_the_tables_on_postgresql(postgres, tmp_path):
    from facilitator import TestingConfig, create_app
    from facilitator.database import ensure_schema

    from .conftest import SESSIONS

    app = create_app(TestingConfig(postgres.create_database()))
    with app.app_context():
        ensure_schema()
        from facilitator import sessionfile

        meeting = operations.import_meeting(
            sessionfile.loads((SESSIONS / "ser-raad-2023-01-27.toml").read_bytes())
        )
        outcome = erase.run(date.today() + timedelta(days=40_000))
        assert outcome.anonymised == [meeting.slug]
        meeting = operations.get_meeting(meeting.slug)
        assert all(not t.participants and t.leader is None for t in meeting.tables)
        db.session.remove()
        db.engine.dispose()
