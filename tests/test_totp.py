"""Two-step login for local accounts (auth/totp.py): enrolment with a QR code and the key as
text, confirmation, recovery codes shown once and stored hashed, the code step of the password
login (±1 step, no code twice, a recovery code used up), throttling, switching it off."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import AuditEvent, User

from .conftest import csrf_token

LOGIN = "/secretariaat/inloggen"
CODE = "/secretariaat/inloggen/code"
ENROL = "/secretariaat/tweestapsverificatie"
OFF = "/secretariaat/tweestapsverificatie/uitzetten"
SECRET_RE = re.compile(r'<code class="totp-secret">([A-Z2-7 ]+)</code>')
RECOVERY_RE = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


def code_at(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def password_login(client, name: str, password: str, next_: str = ""):
    url = LOGIN + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"name": name, "password": password, "csrf_token": csrf_token(client)})


def send_code(client, code: str, url: str = CODE):
    page = ENROL if url == OFF else url  # the switch-off form is on the enrol page
    return client.post(url, data={"code": code, "csrf_token": csrf_token(client, page)})


def logged_in(client) -> bool:
    return client.get("/secretariaat/").status_code == 200


def user_row(app, name: str = "secretaris") -> User:
    with app.app_context():
        user = db.session.execute(select(User).where(User.name == name)).scalar_one()
        db.session.expunge(user)
        return user


@pytest.fixture
def enrolled(app, client, make_user):
    """A local account with two-step login on, logged out again: (name, password, secret, codes)."""
    name, password = make_user()
    assert password_login(client, name, password).status_code == 302
    page = client.get(ENROL).get_data(as_text=True)
    secret = SECRET_RE.search(page)[1].replace(" ", "")
    done = send_code(client, code_at(secret), ENROL)
    assert done.status_code == 200
    codes = RECOVERY_RE.findall(done.get_data(as_text=True))
    client.post("/secretariaat/uitloggen", data={"csrf_token": csrf_token(client, "/secretariaat/")})
    return name, password, secret, codes


def test_enrol_page_shows_a_qr_code_and_the_key_as_text(app, logged_in):
    response = logged_in.get(ENROL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert '<svg role="img"' in html and "QR-code voor uw authenticator-app" in html
    secret = SECRET_RE.search(html)[1].replace(" ", "")
    assert len(secret) == 32
    # the same key until it is confirmed (a reload does not make the scanned one useless)
    assert SECRET_RE.search(logged_in.get(ENROL).get_data(as_text=True))[1].replace(" ", "") == secret
    assert user_row(app).totp_secret is None


def test_a_wrong_confirmation_code_enrols_nothing(app, logged_in):
    logged_in.get(ENROL)
    response = send_code(logged_in, "000000", ENROL)
    assert response.status_code == 400
    assert "De code klopt niet of is al gebruikt." in response.get_data(as_text=True)
    assert user_row(app).totp_secret is None


def test_confirmation_shows_ten_recovery_codes_once_and_keeps_only_hashes(app, client, enrolled):
    name, _password, secret, codes = enrolled
    assert len(codes) == 10 and len(set(codes)) == 10
    row = user_row(app)
    assert row.totp_secret == secret and len(row.totp_recovery) == 10
    assert not any(code in str(row.totp_recovery) for code in codes)
    with app.app_context():
        actions = [e.action for e in db.session.execute(select(AuditEvent)).scalars()]
    assert "totp_enabled" in actions


def test_password_alone_no_longer_logs_in(client, enrolled):
    name, password, _secret, _codes = enrolled
    response = password_login(client, name, password, next_="/secretariaat/logboek")
    assert response.status_code == 302 and response.headers["Location"] == CODE
    assert not logged_in(client)
    page = client.get(CODE).get_data(as_text=True)
    assert "Code invullen" in page and 'autocomplete="one-time-code"' in page


def test_the_right_code_logs_in_and_goes_on(app, client, enrolled):
    name, password, secret, _codes = enrolled
    password_login(client, name, password, next_="/secretariaat/logboek")
    # the next step's code: the confirmation used this step's (and a code is accepted ±1 step)
    response = send_code(client, code_at(secret, 1))
    assert response.status_code == 302 and response.headers["Location"] == "/secretariaat/logboek"
    assert logged_in(client)
    with app.app_context():
        last = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
    assert (last.action, last.detail) == ("signin", {"method": "password+totp"})


def test_a_code_one_step_either_side_is_accepted_two_steps_is_not(app, enrolled):
    from facilitator.auth.totp import accept_code

    *_rest, secret, _codes = enrolled
    now = time.time() + 300  # steps after the confirmation's
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        totp = pyotp.TOTP(secret)
        assert not accept_code(user, totp.at(now - 60), now=now)
        assert accept_code(user, totp.at(now - 30), now=now)
        assert accept_code(user, totp.at(now + 30), now=now)
        assert not accept_code(user, totp.at(now), now=now)  # older than the last one accepted
        assert not accept_code(user, totp.at(now + 60), now=now)


def test_a_code_cannot_be_used_twice(client, enrolled):
    name, password, secret, _codes = enrolled
    code = code_at(secret, 1)
    password_login(client, name, password)
    assert send_code(client, code).status_code == 302
    client.post("/secretariaat/uitloggen", data={"csrf_token": csrf_token(client, "/secretariaat/")})
    password_login(client, name, password)
    again = send_code(client, code)
    assert again.status_code == 401
    assert "De code klopt niet of is al gebruikt." in again.get_data(as_text=True)
    assert not logged_in(client)


def test_a_wrong_code_counts_as_a_failed_login_and_locks(app, client, enrolled):
    name, password, secret, _codes = enrolled
    password_login(client, name, password)
    for _n in range(app.config["LOGIN_MAX_FAILURES"]):
        assert send_code(client, "123456").status_code == 401
    # the right password again does not give fresh tries, and the right code is refused now
    password_login(client, name, password)
    locked = send_code(client, code_at(secret, 1))
    assert locked.status_code == 429
    assert "Te veel mislukte pogingen" in locked.get_data(as_text=True)
    assert not logged_in(client)
    with app.app_context():
        reasons = [e.detail.get("reason") for e in db.session.execute(select(AuditEvent)).scalars()]
    assert reasons.count("code") == app.config["LOGIN_MAX_FAILURES"]


def test_a_recovery_code_logs_in_once(app, client, enrolled):
    name, password, _secret, codes = enrolled
    password_login(client, name, password)
    assert send_code(client, codes[3].upper().replace("-", " ")).status_code == 302
    assert logged_in(client)
    assert len(user_row(app).totp_recovery) == 9
    client.post("/secretariaat/uitloggen", data={"csrf_token": csrf_token(client, "/secretariaat/")})
    password_login(client, name, password)
    assert send_code(client, codes[3]).status_code == 401
    assert not logged_in(client)


def test_the_code_page_without_a_password_first_sends_to_login(client, enrolled):
    response = client.get(CODE)
    assert response.status_code == 302 and response.headers["Location"] == LOGIN


def test_the_code_step_expires(app, client, enrolled):
    name, password, secret, _codes = enrolled
    password_login(client, name, password)
    with client.session_transaction() as stored:
        stored["totp_pending"] = {**stored["totp_pending"], "at": int(time.time()) - 301}
    assert client.get(CODE).status_code == 302
    assert not logged_in(client)


def test_switching_off_needs_a_current_code(app, client, enrolled):
    name, password, secret, codes = enrolled
    password_login(client, name, password)
    send_code(client, codes[0])
    assert logged_in(client)
    page = client.get(ENROL).get_data(as_text=True)
    assert "Ongebruikte herstelcodes: 9 van 10." in page
    refused = send_code(client, "000000", OFF)
    assert refused.status_code == 400 and user_row(app).totp_secret
    assert send_code(client, codes[1], OFF).status_code == 400  # not with a recovery code
    assert send_code(client, code_at(secret, 1), OFF).status_code == 302
    row = user_row(app)
    assert (row.totp_secret, row.totp_recovery, row.totp_last_step) == (None, None, None)
    client.post("/secretariaat/uitloggen", data={"csrf_token": csrf_token(client, "/secretariaat/")})
    assert password_login(client, name, password).headers["Location"] == "/secretariaat/"


def test_the_code_step_is_in_english_on_an_english_page(client, enrolled):
    name, password, _secret, _codes = enrolled
    client.get(LOGIN + "?lang=en")
    password_login(client, name, password)
    html = send_code(client, "123456").get_data(as_text=True)
    assert "Enter code" in html and "The code is wrong or has already been used." in html


def test_a_late_answer_to_the_page_before_does_not_undo_the_key_being_enrolled(app, logged_in):
    """A response that changes nothing in the session sets no cookie: were it to refresh it,
    a slow answer to the page before (a stylesheet, a font) arriving after the enrol page would
    put back the session without the key, and the person's first code would be refused."""
    logged_in.get("/secretariaat/")  # the page before, with its form's token
    before = logged_in.get_cookie("session").value  # what its stylesheet's request carries
    page = logged_in.get(ENROL).get_data(as_text=True)
    secret = SECRET_RE.search(page)[1].replace(" ", "")
    late_client = app.test_client()
    for late in ("/static/css/app.css", "/secretariaat/", "/healthz"):
        late_client.set_cookie("session", before)
        answer = late_client.get(late)
        answer.close()
        assert answer.status_code == 200, late
        for header in answer.headers.getlist("Set-Cookie"):  # the browser takes whatever comes last
            logged_in.set_cookie("session", header.split(";")[0].split("=", 1)[1])
    done = send_code(logged_in, code_at(secret), ENROL)
    assert done.status_code == 200 and len(RECOVERY_RE.findall(done.get_data(as_text=True))) == 10
    assert user_row(app).totp_secret == secret
