"""Roles: an administrator manages accounts, the house style and reads the audit trail; a member
of the secretariat works with meetings. Accounts can be switched off (sign-in refused, a session
it had ends) and given a new password; the last administrator stays one."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from facilitator import operations
from facilitator.extensions import db
from facilitator.models import AuditEvent, User

from .conftest import csrf_token
from .test_storage_schema import _revisions, downgrade_keeping_rows

LOGIN = "/secretariaat/inloggen"
ADMIN_PAGES = (
    "/secretariaat/huisstijl",
    "/secretariaat/accounts/",
    "/secretariaat/logboek",
    "/secretariaat/logboek.csv",
)


def sign_in(app, name: str, password: str):
    client = app.test_client()
    response = client.post(LOGIN, data={"name": name, "password": password, "csrf_token": csrf_token(client)})
    return client, response


def poster(client):
    token = csrf_token(client, "/secretariaat/")

    def post(url, data=None):
        return client.post(url, data={**(data or {}), "csrf_token": token})

    return post


def account(app, name: str) -> User:
    with app.app_context():
        user = db.session.execute(select(User).where(User.name == name)).scalar_one()
        db.session.expunge(user)
        return user


def test_the_first_account_is_an_administrator_and_the_next_are_not(app, runner):
    with app.app_context():
        first = operations.create_user("eerste", "geheim-wachtwoord-1", "secretariat")
        second = operations.create_user("tweede", "geheim-wachtwoord-2")
        assert (first.role, second.role) == ("administrator", "secretariat")
        with pytest.raises(ValueError, match="Onbekende rol"):
            operations.create_user("derde", "geheim-wachtwoord-3", "koning")
    result = runner.invoke(
        args=["user", "create", "derde", "--password", "geheim-wachtwoord-3", "--role", "administrator"]
    )
    assert result.exit_code == 0 and "(beheerder)" in result.output
    assert account(app, "derde").role == "administrator"
    result = runner.invoke(
        args=["user", "create", "vierde", "--password", "geheim-wachtwoord-4", "--role", "koning"]
    )
    assert result.exit_code != 0 and "koning" in result.output


def test_a_member_of_the_secretariat_is_refused_the_administrators_pages(app, make_user):
    make_user()  # the first account: an administrator
    make_user("lid", "geheim-wachtwoord-2", "secretariat")
    client, response = sign_in(app, "lid", "geheim-wachtwoord-2")
    assert response.status_code == 302
    home = client.get("/secretariaat/").get_data(as_text=True)
    assert (
        "Vergaderingen" in home
        and "/secretariaat/accounts" not in home
        and "/secretariaat/logboek" not in home
    )
    for page in ADMIN_PAGES:
        response = client.get(page)
        assert response.status_code == 403, page
        assert "Alleen een beheerder mag dit." in response.get_data(as_text=True)
    english = client.get("/secretariaat/accounts/?lang=en").get_data(as_text=True)
    assert "Only an administrator may do this." in english
    post = poster(client)
    assert (
        post(
            "/secretariaat/accounts/", {"name": "indringer", "password": "x" * 12, "role": "administrator"}
        ).status_code
        == 403
    )
    assert post("/secretariaat/huisstijl", {"name": "Niet van mij"}).status_code == 403
    with app.app_context():
        assert db.session.execute(select(User.name).where(User.name == "indringer")).first() is None


def test_an_administrator_creates_switches_off_and_resets_accounts(app, logged_in):
    post = poster(logged_in)
    page = logged_in.get("/secretariaat/accounts/").get_data(as_text=True)
    assert 'data-account="secretaris"' in page
    response = post(
        "/secretariaat/accounts/",
        {"name": "Notulist", "password": "een-goed-wachtwoord", "role": "secretariat"},
    )
    assert response.status_code == 303
    member = account(app, "Notulist")
    assert member.role == "secretariat" and member.disabled_at is None
    client, response = sign_in(app, "Notulist", "een-goed-wachtwoord")
    assert response.status_code == 302 and client.get("/secretariaat/").status_code == 200

    # switched off: the open session ends, signing in again is refused with a reason
    assert post(f"/secretariaat/accounts/{member.id}", {"change": "disable"}).status_code == 303
    response = client.get("/secretariaat/")
    assert response.status_code == 302 and response.headers["Location"].startswith(LOGIN)
    _, refused = sign_in(app, "Notulist", "een-goed-wachtwoord")
    assert refused.status_code == 403 and "uitgeschakeld" in refused.get_data(as_text=True)
    _, wrong = sign_in(app, "Notulist", "een-fout-wachtwoord")  # a wrong password says nothing more
    assert wrong.status_code == 401 and "uitgeschakeld" not in wrong.get_data(as_text=True)
    assert "uitgeschakeld" in logged_in.get("/secretariaat/accounts/").get_data(as_text=True)

    # on again, with a new password and the administrator's role
    assert post(f"/secretariaat/accounts/{member.id}", {"change": "enable"}).status_code == 303
    assert (
        post(
            f"/secretariaat/accounts/{member.id}", {"change": "password", "password": "nieuw-wachtwoord-9"}
        ).status_code
        == 303
    )
    assert (
        post(f"/secretariaat/accounts/{member.id}", {"change": "role", "role": "administrator"}).status_code
        == 303
    )
    assert sign_in(app, "Notulist", "een-goed-wachtwoord")[1].status_code == 401
    client, response = sign_in(app, "Notulist", "nieuw-wachtwoord-9")
    assert response.status_code == 302 and client.get("/secretariaat/accounts/").status_code == 200

    with app.app_context():
        trail = db.session.execute(
            select(AuditEvent.action, AuditEvent.detail)
            .where(AuditEvent.action.like("account_%"))
            .order_by(AuditEvent.id)
        ).all()
    assert [(a, d) for a, d in trail] == [
        ("account_created", {"account": "Notulist", "role": "secretariat"}),
        ("account_changed", {"account": "Notulist", "disabled": True}),
        ("account_changed", {"account": "Notulist", "disabled": False}),
        ("account_changed", {"account": "Notulist", "password": "new"}),
        ("account_changed", {"account": "Notulist", "role": "administrator"}),
    ]


def test_the_last_administrator_stays_one(app, logged_in):
    post = poster(logged_in)
    me = account(app, "secretaris")
    for change in ({"change": "role", "role": "secretariat"}, {"change": "disable"}):
        response = post(f"/secretariaat/accounts/{me.id}", change)
        assert response.status_code == 303
        assert "laatste beheerder" in logged_in.get("/secretariaat/accounts/").get_data(as_text=True)
    after = account(app, "secretaris")
    assert (after.role, after.disabled_at) == ("administrator", None)
    # with a second administrator, the first may step down
    post(
        "/secretariaat/accounts/",
        {"name": "Tweede", "password": "een-goed-wachtwoord", "role": "administrator"},
    )
    assert (
        post(f"/secretariaat/accounts/{me.id}", {"change": "role", "role": "secretariat"}).status_code == 303
    )
    assert account(app, "secretaris").role == "secretariat"
    assert logged_in.get("/secretariaat/accounts/").status_code == 403  # now a member: the page is closed


def test_bad_account_input_is_refused_and_changes_nothing(app, logged_in):
    post = poster(logged_in)
    before = [(u.name, u.role) for u in _users(app)]
    for data, message in [
        (
            {"name": "secretaris", "password": "een-goed-wachtwoord", "role": "secretariat"},
            "Er bestaat al een account",
        ),
        ({"name": "Kort", "password": "kort", "role": "secretariat"}, "10 tot 200 tekens"),
        ({"name": "", "password": "een-goed-wachtwoord", "role": "secretariat"}, "Vul een naam in."),
        ({"name": "Koning", "password": "een-goed-wachtwoord", "role": "koning"}, "Not a valid choice"),
    ]:
        response = post("/secretariaat/accounts/", data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True) or "geldige keuze" in response.get_data(
            as_text=True
        ), data
    me = account(app, "secretaris")
    assert post(f"/secretariaat/accounts/{me.id}", {"change": "koning"}).status_code == 400
    assert post(f"/secretariaat/accounts/{me.id}", {"change": "role", "role": "koning"}).status_code == 400
    assert post("/secretariaat/accounts/99999", {"change": "disable"}).status_code == 404
    response = post(f"/secretariaat/accounts/{me.id}", {"change": "password", "password": ""})
    assert response.status_code == 303 and "Vul een nieuw wachtwoord in" in logged_in.get(
        "/secretariaat/accounts/"
    ).get_data(as_text=True)
    assert (
        logged_in.post(f"/secretariaat/accounts/{me.id}", data={"change": "disable"}).status_code == 400
    )  # no CSRF token
    assert [(u.name, u.role) for u in _users(app)] == before
    assert account(app, "secretaris").disabled_at is None


def _users(app) -> list[User]:
    with app.app_context():
        users = db.session.execute(select(User).order_by(User.id)).scalars().all()
        db.session.expunge_all()
        return list(users)


def test_accounts_of_an_older_database_become_administrators(ctx):
    """Before roles every account could do everything: after the upgrade each one still can."""
    from facilitator.database import ensure_schema

    operations.create_user("oud-1", "geheim-wachtwoord-1")
    operations.create_user("oud-2", "geheim-wachtwoord-2")
    revisions = _revisions()
    downgrade_keeping_rows(revisions[revisions.index("e5f7a9b1c3d5") - 1])
    db.session.remove()
    ensure_schema()
    rows = db.session.execute(text("SELECT name, role, disabled_at FROM user_account ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("oud-1", "administrator", None), ("oud-2", "administrator", None)]


def test_the_accounts_page_escapes_names(app, logged_in):
    post = poster(logged_in)
    post(
        "/secretariaat/accounts/", {"name": "<img src=x onerror=alert(1)>", "password": "een-goed-wachtwoord"}
    )
    page = logged_in.get("/secretariaat/accounts/").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert len(re.findall(r'data-account="', page)) == 2
