"""Sign-in through the organisation (auth/oidc.py) against a real OpenID provider on loopback.

The provider is oidc-provider-mock in a thread (tests/oidc_support.py); every request of the
flow goes over HTTP to it: discovery, the authorization form, the token endpoint, the JWKS.
The bad cases go through the real callback: a wrong audience, an expired token and another
nonce are ID tokens the provider itself signs (the user's claims override ``aud``, ``exp``,
``nonce``); a tampered state is the callback URL the browser carries, changed; a person not
allowed is one whose e-mail domain or groups are not on the lists.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from facilitator import TestingConfig, create_app
from facilitator.auth import oidc
from facilitator.config import check_signin
from facilitator.database import ensure_schema
from facilitator.extensions import db
from facilitator.models import AuditEvent, LoginFailure, User

from .oidc_support import CLIENT_ID, CLIENT_SECRET, authorize, local, provider, query, set_claims

LOGIN = "/secretariaat/inloggen"
START = "/secretariaat/inloggen/organisatie/"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="module")
def issuer():
    with provider() as url:
        yield url


def make_app(database_url: str, issuer: str, **settings):
    config = TestingConfig(database_url)
    config.OIDC_ISSUER = issuer
    config.OIDC_CLIENT_ID = CLIENT_ID
    config.OIDC_CLIENT_SECRET = CLIENT_SECRET
    config.OIDC_ALLOWED_DOMAINS = ("gemeente.nl",)
    config.OIDC_ALLOWED_GROUPS = ()
    config.OIDC_LABEL = "Inloggen met Rijksportaal"
    for key, value in settings.items():
        setattr(config, key, value)
    app = create_app(config)
    with app.app_context():
        ensure_schema()
    return app


@pytest.fixture
def app(database_url, issuer):
    """The app with the organisation's sign-in on the loopback provider (overrides conftest's)."""
    oidc.clear_cache()
    app = make_app(database_url, issuer)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def sign_in(client, sub: str, claims: dict | None = None, issuer: str = "", next_: str = "") -> str:
    """Start, answer the provider's form as ``sub``; the callback URL (not followed yet)."""
    if claims is not None:
        set_claims(issuer, sub, claims)
    started = client.get(START + (f"?next={next_}" if next_ else ""))
    assert started.status_code == 302, started.data
    return authorize(started.headers["Location"], sub)


def finish(client, callback: str):
    """Follow the callback in the test client; (the response after redirects, the first status)."""
    first = client.get(local(callback))
    return client.get(first.headers["Location"]) if first.status_code in (302, 303) else first, first


def logged_in(client) -> bool:
    return client.get("/secretariaat/").status_code == 200


def audit(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())


def accounts(app) -> list[tuple[str, str | None, str | None]]:
    with app.app_context():
        rows = db.session.execute(select(User).order_by(User.id)).scalars()
        return [(u.name, u.oidc_issuer, u.oidc_subject) for u in rows]


# -- the login page --------------------------------------------------------------------------------


def test_login_page_offers_the_organisation_beside_the_local_form(client):
    html = client.get(LOGIN).get_data(as_text=True)
    assert 'href="/secretariaat/inloggen/organisatie/"' in html
    assert "Inloggen met Rijksportaal" in html
    assert 'name="password"' in html
    assert html.count("<h1") == 1
    # the place to return to goes along to the provider and back
    html = client.get(LOGIN + "?next=/secretariaat/logboek").get_data(as_text=True)
    assert 'href="/secretariaat/inloggen/organisatie/?next=/secretariaat/logboek"' in html


def test_without_oidc_the_page_has_only_the_form_and_the_routes_are_gone(database_url, issuer):
    app = make_app(database_url, issuer, OIDC_ISSUER="")
    client = app.test_client()
    html = client.get(LOGIN).get_data(as_text=True)
    assert "organisatie" not in html and 'name="password"' in html
    assert client.get(START).status_code == 404
    assert client.get(START + "terug?state=x&code=y").status_code == 404


def test_local_login_switched_off_leaves_only_the_organisation(database_url, issuer, make_user):
    app = make_app(database_url, issuer, LOCAL_LOGIN=False)
    client = app.test_client()
    with app.app_context():
        from facilitator import operations

        operations.create_user("secretaris", "geheim-wachtwoord-1")
    html = client.get(LOGIN).get_data(as_text=True)
    assert "Inloggen met Rijksportaal" in html and 'name="password"' not in html
    # a valid CSRF token (the page has no form to take it from): the switch itself refuses
    from flask import session
    from flask_wtf.csrf import generate_csrf

    with app.test_request_context():
        token = generate_csrf()
        raw = session["csrf_token"]
    with client.session_transaction() as stored:
        stored["csrf_token"] = raw
    response = client.post(
        LOGIN, data={"name": "secretaris", "password": "geheim-wachtwoord-1", "csrf_token": token}
    )
    assert response.status_code == 403
    assert "Inloggen met naam en wachtwoord staat uit" in response.get_data(as_text=True)
    assert not logged_in(client)


# -- the good sign-in -------------------------------------------------------------------------------


def test_an_allowed_person_signs_in_with_pkce_state_and_nonce(app, client, issuer, monkeypatch):
    sent: list[dict] = []
    real = oidc._http_json

    def spy(url, form=None, auth=None):
        sent.append({"url": url, "form": form, "auth": auth})
        return real(url, form=form, auth=auth)

    monkeypatch.setattr(oidc, "_http_json", spy)
    started = client.get(START + "?next=/secretariaat/logboek")
    asked = query(started.headers["Location"])
    assert started.headers["Location"].startswith(issuer + "/oauth2/authorize?")
    assert asked["response_type"] == "code" and asked["client_id"] == CLIENT_ID
    assert asked["code_challenge_method"] == "S256" and asked["scope"] == "openid email profile"
    assert len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32
    set_claims(issuer, "anna-1", {"email": "anna@gemeente.nl", "name": "Anna de Vries"})
    callback = authorize(started.headers["Location"], "anna-1")
    assert query(callback)["state"] == asked["state"]

    first = client.get(local(callback))
    assert first.status_code == 302 and first.headers["Location"] == "/secretariaat/logboek"
    assert logged_in(client)
    # PKCE: the verifier sent with the code is the one whose S256 challenge went to the provider
    exchange = next(call for call in sent if call["form"])
    assert exchange["auth"] == (CLIENT_ID, CLIENT_SECRET)
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    assert create_s256_code_challenge(exchange["form"]["code_verifier"]) == asked["code_challenge"]
    assert accounts(app) == [("anna@gemeente.nl", issuer, "anna-1")]
    last = audit(app)[-1]
    assert (last.action, last.actor, last.detail) == ("signin", "anna@gemeente.nl", {"method": "oidc"})

    # the same person again: the same account, found by (issuer, subject)
    client.post("/secretariaat/uitloggen", data={"csrf_token": _csrf(client, "/secretariaat/")})
    response, _first = finish(client, sign_in(client, "anna-1"))
    assert logged_in(client)
    assert len(accounts(app)) == 1


def _csrf(client, url: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True))
    assert match
    return match.group(1)


def test_a_local_account_of_the_same_name_is_never_taken_over(app, client, issuer, make_user):
    make_user("bob@gemeente.nl", "geheim-wachtwoord-1")
    finish(client, sign_in(client, "bob-at-provider", {"email": "bob@gemeente.nl"}, issuer))
    assert logged_in(client)
    names = accounts(app)
    assert names[0] == ("bob@gemeente.nl", None, None)
    assert names[1] == ("bob@gemeente.nl (2)", issuer, "bob-at-provider")
    # the organisation's account has no password that works
    with app.app_context():
        linked = db.session.execute(select(User).where(User.oidc_subject == "bob-at-provider")).scalar_one()
        assert linked.password_hash == "" and not linked.check_password("")


# -- the refusals: each one a sentence, nobody signed in, no account made ---------------------------


def refused(app, client, callback: str, sentence: str, reason: str) -> None:
    response, first = finish(client, callback)
    assert first.status_code == 303 and first.headers["Location"] == LOGIN
    assert sentence in response.get_data(as_text=True)
    assert not logged_in(client)
    assert accounts(app) == []
    last = audit(app)[-1]
    assert (last.action, last.detail["method"], last.detail["reason"]) == ("signin_failed", "oidc", reason)


def test_wrong_audience_is_refused(app, client, issuer):
    """The provider signs a token for another application (its ``aud``): from the mock itself."""
    callback = sign_in(client, "aud-1", {"email": "c@gemeente.nl", "aud": "een-andere-toepassing"}, issuer)
    refused(app, client, callback, "voor een andere toepassing bedoeld", "audience")


def test_expired_token_is_refused(app, client, issuer):
    """The provider signs a token whose ``exp`` passed an hour ago: from the mock itself."""
    import time

    callback = sign_in(client, "exp-1", {"email": "d@gemeente.nl", "exp": int(time.time()) - 3600}, issuer)
    refused(app, client, callback, "Het bewijs van de inlogdienst is verlopen.", "expired")


def test_tampered_state_is_refused_and_the_flow_cannot_be_resumed(app, client, issuer):
    """The browser carries the callback URL with another ``state``: a tampered response."""
    callback = sign_in(client, "state-1", {"email": "e@gemeente.nl"}, issuer)
    tampered = callback.replace(f"state={query(callback)['state']}", "state=aangepast-door-een-aanvaller")
    refused(app, client, tampered, "het verzoek klopt niet of is verlopen", "state")
    # the started sign-in was used up by the refusal: the untouched URL no longer works either
    refused(app, client, callback, "het verzoek klopt niet of is verlopen", "state")


def test_callback_without_a_started_sign_in_is_refused(app, client):
    refused(app, client, "/secretariaat/inloggen/organisatie/terug?code=x&state=y", "Begin opnieuw", "state")


def test_a_person_of_another_domain_is_not_allowed(app, client, issuer):
    callback = sign_in(client, "other-1", {"email": "eve@elders.nl", "name": "Eve"}, issuer)
    refused(app, client, callback, "uw account heeft geen toegang tot het secretariaat", "not_allowed")
    assert audit(app)[-1].actor == "eve@elders.nl"


def test_an_unverified_email_is_not_allowed(app, client, issuer):
    callback = sign_in(client, "unverified-1", {"email": "f@gemeente.nl", "email_verified": False}, issuer)
    refused(app, client, callback, "geen toegang", "not_allowed")


def test_groups_when_set_must_match(database_url, issuer):
    app = make_app(database_url, issuer, OIDC_ALLOWED_DOMAINS=(), OIDC_ALLOWED_GROUPS=("griffie",))
    client = app.test_client()
    callback = sign_in(client, "grp-1", {"email": "g@gemeente.nl", "groups": ["financien"]}, issuer)
    refused(app, client, callback, "geen toegang", "not_allowed")
    finish(client, sign_in(client, "grp-2", {"email": "h@elders.nl", "groups": ["griffie", "x"]}, issuer))
    assert logged_in(client)


def test_another_nonce_is_refused(app, client, issuer):
    """The provider signs a token with another ``nonce`` (a replayed token): from the mock itself."""
    callback = sign_in(client, "nonce-1", {"email": "i@gemeente.nl", "nonce": "van-een-eerdere-keer"}, issuer)
    refused(app, client, callback, "bewijs dat niet klopt", "invalid")


def test_cancelling_at_the_provider_is_refused_without_counting(app, client, issuer):
    started = client.get(START)
    callback = authorize(started.headers["Location"], deny=True)
    refused(app, client, callback, "geweigerd of afgebroken", "denied")
    with app.app_context():
        assert db.session.execute(select(LoginFailure)).first() is None


def test_an_unreachable_provider_is_said_plainly(database_url):
    app = make_app(database_url, "http://127.0.0.1:9")  # nothing listens on port 9
    client = app.test_client()
    first = client.get(START)
    assert first.status_code == 303
    assert "niet bereikbaar" in client.get(first.headers["Location"]).get_data(as_text=True)


def test_a_token_signed_with_another_key_is_refused(app, issuer):
    """An ID token with a valid shape signed by a key the provider never published."""
    import time

    from joserfc import jwt
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, parameters={"kid": "not-the-providers"})
    now = int(time.time())
    claims = {"iss": issuer, "aud": CLIENT_ID, "sub": "x", "iat": now, "exp": now + 60, "nonce": "n"}
    forged = jwt.encode({"alg": "RS256", "kid": "not-the-providers"}, claims, key)
    with app.test_request_context():
        meta = oidc.metadata(issuer)
        with pytest.raises(oidc.Refused) as caught:
            oidc.validate_id_token({"id_token": forged}, meta, nonce="n")
        assert caught.value.reason == "invalid"
        # nor is an unsigned one ("alg": "none")
        import base64
        import json

        def part(value: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

        unsigned = f"{part({'alg': 'none'})}.{part(claims)}."
        with pytest.raises(oidc.Refused) as caught:
            oidc.validate_id_token({"id_token": unsigned}, meta, nonce="n")
        assert caught.value.reason == "invalid"


def test_repeated_refusals_lock_the_client_out_for_a_while(app, client, issuer):
    for number in range(app.config["LOGIN_MAX_FAILURES"]):
        callback = sign_in(client, f"lock-{number}", {"email": f"l{number}@elders.nl"}, issuer)
        finish(client, callback)
    callback = sign_in(client, "lock-good", {"email": "ok@gemeente.nl"}, issuer)
    response, _first = finish(client, callback)
    assert "Te veel mislukte pogingen" in response.get_data(as_text=True)
    assert not logged_in(client)


def test_refusals_are_in_english_on_an_english_page(app, client, issuer):
    client.get(LOGIN + "?lang=en")
    callback = sign_in(client, "en-1", {"email": "j@elders.nl"}, issuer)
    response, _first = finish(client, callback)
    html = response.get_data(as_text=True)
    assert "You are signed in at your organisation, but your account has no access" in html


def test_half_a_setting_is_refused_at_start():
    with pytest.raises(ValueError, match="OIDC_CLIENT_ID"):
        check_signin("https://login.example.nl", "", "", ("a.nl",), (), True)
    with pytest.raises(ValueError, match="OIDC_ALLOWED_DOMAINS"):
        check_signin("https://login.example.nl", "id", "secret", (), (), True)
    with pytest.raises(ValueError, match="https"):
        check_signin("http://login.example.nl", "id", "secret", ("a.nl",), (), True)
    with pytest.raises(ValueError, match="LOCAL_LOGIN"):
        check_signin("", "", "", (), (), False)
    check_signin("https://login.example.nl", "id", "secret", (), ("griffie",), False)


def test_an_organisation_account_switched_off_by_an_administrator_is_refused(app, client, issuer):
    """Access withdrawn in the app (auth/accounts.py) holds also when the provider still says yes."""
    from facilitator.models import utcnow

    response, _first = finish(client, sign_in(client, "gone-1", {"email": "e@gemeente.nl"}, issuer))
    assert logged_in(client)
    with app.app_context():
        user = db.session.execute(select(User).where(User.oidc_subject == "gone-1")).scalar_one()
        user.disabled_at = utcnow()
        db.session.commit()
    assert not logged_in(client)  # the open session ends at its next request
    response, first = finish(client, sign_in(client, "gone-1", {"email": "e@gemeente.nl"}, issuer))
    assert first.status_code == 303 and "Dit account is uitgeschakeld." in response.get_data(as_text=True)
    assert not logged_in(client)
    last = audit(app)[-1]
    assert (last.action, last.detail["reason"]) == ("signin_failed", "disabled")


def test_an_administrator_switches_local_passwords_off_and_the_command_line_back_on(app, client, make_user):
    """The administrator's switch on the accounts page (kept in the database), and its way back."""
    name, password = make_user()  # the first account: an administrator
    token = _csrf(client, LOGIN)
    assert (
        client.post(LOGIN, data={"name": name, "password": password, "csrf_token": token}).status_code == 302
    )
    page = client.get("/secretariaat/accounts/").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="local_login"[^>]*>', page).group(0)
    assert "checked" in box
    token = _csrf(client, "/secretariaat/accounts/")
    response = client.post("/secretariaat/accounts/inloggen", data={"csrf_token": token})  # box unticked
    assert response.status_code == 303
    other = app.test_client()
    html = other.get(LOGIN).get_data(as_text=True)
    assert "Inloggen met Rijksportaal" in html and 'name="password"' not in html
    assert audit(app)[-1].action == "signin_settings_changed" and audit(app)[-1].detail == {
        "local_login": False
    }
    # the server refuses a password too, whatever a page still shows
    token = _csrf(client, "/secretariaat/")
    refused = client.post(LOGIN, data={"name": name, "password": password, "csrf_token": token})
    assert refused.status_code == 403
    result = app.test_cli_runner().invoke(args=["user", "local-login", "on"])
    assert result.exit_code == 0 and "staat aan" in result.output
    assert 'name="password"' in other.get(LOGIN).get_data(as_text=True)


def test_without_the_organisation_local_passwords_cannot_be_switched_off(database_url, make_user):
    from facilitator import TestingConfig, create_app
    from facilitator.database import ensure_schema

    plain = create_app(TestingConfig(database_url))
    with plain.app_context():
        ensure_schema()
        from facilitator import operations

        operations.create_user("beheer", "geheim-wachtwoord-1")
    client = plain.test_client()
    client.post(
        LOGIN, data={"name": "beheer", "password": "geheim-wachtwoord-1", "csrf_token": _csrf(client, LOGIN)}
    )
    page = client.get("/secretariaat/accounts/").get_data(as_text=True)
    assert 'name="local_login"' not in page and "niet ingesteld" in page
    token = _csrf(client, "/secretariaat/accounts/")
    assert client.post("/secretariaat/accounts/inloggen", data={"csrf_token": token}).status_code == 303
    assert "het blijft aan" in client.get("/secretariaat/accounts/").get_data(as_text=True)
    assert 'name="password"' in plain.test_client().get(LOGIN).get_data(as_text=True)
    result = plain.test_cli_runner().invoke(args=["user", "local-login", "off"])
    assert result.exit_code == 1 and "niemand meer inloggen" in result.output
