"""Secretariat login and logout: CSRF, throttled failures, hashed passwords, safe redirects."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import LoginFailure, User

LOGIN = "/secretariaat/inloggen"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str = LOGIN) -> str:
    """The CSRF token a browser would find on this page (CSRF stays on in these tests)."""
    match = CSRF_RE.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, name: str, password: str, url: str = LOGIN):
    """Post the login form as a browser does, with the page's CSRF token."""
    return client.post(url, data={"name": name, "password": password, "csrf_token": csrf_token(client)})


def is_logged_in(client) -> bool:
    return client.get("/secretariaat/").status_code == 200


def test_login_page_has_labels_and_one_h1(client):
    html = client.get(LOGIN).get_data(as_text=True)
    assert html.count("<h1") == 1
    assert '<label for="name">Naam</label>' in html
    assert '<label for="password">Wachtwoord</label>' in html
    assert "Uitloggen" not in html  # nobody to log out yet


def test_login_without_csrf_token_is_refused(client, make_user):
    name, password = make_user()
    response = client.post(LOGIN, data={"name": name, "password": password})
    assert response.status_code == 400
    assert not is_logged_in(client)


def test_right_password_logs_in_and_wrong_one_does_not(client, make_user):
    name, password = make_user()
    wrong = login(client, name, "niet-het-wachtwoord")
    assert wrong.status_code == 401
    assert "Naam of wachtwoord klopt niet." in wrong.get_data(as_text=True)
    assert not is_logged_in(client)
    right = login(client, name.upper(), password)
    assert right.status_code == 302
    assert right.headers["Location"] == "/secretariaat/"
    assert is_logged_in(client)


def test_unknown_name_is_answered_like_a_wrong_password(client, make_user):
    make_user()
    response = login(client, "niemand", "wat-dan-ook-123")
    assert response.status_code == 401
    assert "Naam of wachtwoord klopt niet." in response.get_data(as_text=True)


def test_failures_are_throttled_even_for_the_right_password(app, client, make_user):
    name, password = make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login(client, name, "fout-wachtwoord").status_code == 401
    refused = login(client, name, password)
    assert refused.status_code == 429
    assert "Te veel mislukte pogingen" in refused.get_data(as_text=True)
    assert not is_logged_in(client)

    # once the lock window has passed, the right password works again
    with app.app_context():
        for row in db.session.execute(select(LoginFailure)).scalars():
            row.last_at = row.last_at - timedelta(seconds=app.config["LOGIN_LOCK_SECONDS"] + 1)
        db.session.commit()
    assert login(client, name, password).status_code == 302
    assert is_logged_in(client)


def test_throttle_counts_spelling_variants_of_a_name_together(app, client, make_user):
    name, password = make_user()
    variants = [name, name.upper(), f" {name}", f"{name} ", name.title()]
    for variant in variants[: app.config["LOGIN_MAX_FAILURES"]]:
        assert login(client, variant, "fout-wachtwoord").status_code == 401
    assert login(client, f"  {name.upper()} ", password).status_code == 429


def test_throttle_of_one_account_leaves_another_alone(app, client, make_user):
    name, _password = make_user()
    other, other_password = make_user("notulist", "ander-wachtwoord-2")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, name, "fout-wachtwoord")
    assert login(client, other, other_password).status_code == 302


def test_passwords_are_stored_hashed(app, make_user):
    name, password = make_user()
    with app.app_context():
        user = db.session.execute(select(User).where(User.name == name)).scalar_one()
        assert password not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
        assert user.check_password(password)
        assert not user.check_password(password + "x")


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/secretariaat/importeren", "/secretariaat/importeren"),
        ("//evil.example/", "/secretariaat/"),
        ("https://evil.example/", "/secretariaat/"),
        ("/\\evil.example", "/secretariaat/"),
    ],
)
def test_login_returns_only_to_a_local_page(client, make_user, next_url, expected):
    name, password = make_user()
    response = client.post(
        LOGIN,
        query_string={"next": next_url},
        data={"name": name, "password": password, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_anonymous_page_sends_to_login_and_back(client, make_user):
    response = client.get("/secretariaat/importeren")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/secretariaat/inloggen?next=/secretariaat/importeren")
    name, password = make_user()
    back = login(client, name, password, url=response.headers["Location"])
    assert back.headers["Location"].startswith("/secretariaat/importeren")


def test_logout_button_needs_post_and_csrf(client, make_user):
    name, password = make_user()
    login(client, name, password)
    page = client.get("/secretariaat/").get_data(as_text=True)
    nav = page[page.index('<nav class="site-nav"') : page.index("</nav>")]
    assert 'action="/secretariaat/uitloggen"' in nav and "Uitloggen</button>" in nav

    assert client.get("/secretariaat/uitloggen").status_code == 405
    assert client.post("/secretariaat/uitloggen").status_code == 400  # no CSRF token
    assert is_logged_in(client)

    response = client.post(
        "/secretariaat/uitloggen", data={"csrf_token": csrf_token(client, "/secretariaat/")}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == LOGIN
    assert not is_logged_in(client)
    assert "U bent uitgelogd." in client.get(LOGIN).get_data(as_text=True)


OPEN_REDIRECTS = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/ /evil.example",
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%5Cevil.example",
    "/%255C%255Cevil.example",
    "https://evil.example",
    "http:evil.example",
    "//evil.example/secretariaat/",
    "java\tscript:alert(1)",
    "java script:alert(1)",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " /secretariaat/",
    "/\u3000/evil.example",
    "/\u2028/evil.example",
    "/\ufeff/evil.example",
    "evil.example",
    "",
]


@pytest.mark.parametrize("payload", OPEN_REDIRECTS)
def test_login_refuses_open_redirect_payloads(client, make_user, payload):
    """Known open-redirect tricks (controls, backslashes, encoded slashes, schemes) go home."""
    name, password = make_user()
    response = client.post(
        LOGIN,
        query_string={"next": payload},
        data={"name": name, "password": password, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/secretariaat/"


def test_login_refuses_a_raw_tab_in_the_query_string(client, make_user):
    """The tester's exact URL: ?next=/%09/evil.example must not become //evil.example."""
    name, password = make_user()
    response = client.post(
        LOGIN + "?next=/%09/evil.example",
        data={"name": name, "password": password, "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/secretariaat/"


@pytest.mark.parametrize(
    "target",
    ["/secretariaat/importeren", "/secretariaat/vergaderingen/raad-746?tab=links#links"],
)
def test_login_keeps_a_local_next_page(client, make_user, target):
    name, password = make_user()
    response = client.post(
        LOGIN,
        query_string={"next": target},
        data={"name": name, "password": password, "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == target


# -- throttling per (account, client address) --------------------------------------------------


def login_from(client, address: str, name: str, password: str, headers: dict | None = None):
    """Post the login form from a given client address (REMOTE_ADDR), as a browser does."""
    environ = {"REMOTE_ADDR": address}
    page = client.get(LOGIN, environ_base=environ, headers=headers).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    return client.post(
        LOGIN,
        data={"name": name, "password": password, "csrf_token": token},
        environ_base=environ,
        headers=headers,
    )


def test_failures_from_one_client_do_not_lock_out_another(app, make_user):
    """Five wrong passwords from one address must not lock the account for everyone."""
    name, password = make_user()
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login_from(attacker, "198.51.100.7", name, "fout-wachtwoord").status_code == 401
    assert login_from(attacker, "198.51.100.7", name, password).status_code == 429
    assert login_from(owner, "192.0.2.10", name, password).status_code == 302


def test_global_account_limit_refuses_clients_with_failures_but_not_a_clean_one(app, make_user):
    """Many addresses guessing one account trip the slower per-account limit; a clean client still gets in."""
    app.config["LOGIN_ACCOUNT_MAX_FAILURES"] = 6
    name, password = make_user()
    guesser = app.test_client()
    for i in range(6):
        assert login_from(guesser, f"203.0.113.{i}", name, "fout-wachtwoord").status_code == 401
    # every guessing address is now refused, even with the right password
    refused = login_from(guesser, "203.0.113.1", name, password)
    assert refused.status_code == 429
    # an address with no failures still logs in with the right password
    assert login_from(app.test_client(), "192.0.2.10", name, password).status_code == 302
    # but a fresh address that guesses wrong is refused from then on
    assert login_from(guesser, "203.0.113.99", name, "fout-wachtwoord").status_code == 401
    assert login_from(guesser, "203.0.113.99", name, password).status_code == 429


def test_forwarded_for_is_ignored_without_trusted_proxies(app, make_user):
    """By default X-Forwarded-For is the client's own claim: it cannot dodge the throttle."""
    assert app.config["TRUSTED_PROXIES"] == 0
    name, password = make_user()
    client = app.test_client()
    for i in range(app.config["LOGIN_MAX_FAILURES"]):
        headers = {"X-Forwarded-For": f"198.51.100.{i}"}
        assert login_from(client, "10.0.0.1", name, "fout", headers).status_code == 401
    headers = {"X-Forwarded-For": "192.0.2.10"}
    assert login_from(client, "10.0.0.1", name, password, headers).status_code == 429


def test_forwarded_for_names_the_client_behind_a_trusted_proxy(database_url, make_user):
    """With TRUSTED_PROXIES=1 people behind one proxy are throttled apart, by X-Forwarded-For."""
    from facilitator import TestingConfig, create_app
    from facilitator.database import ensure_schema

    config = TestingConfig(database_url)
    config.TRUSTED_PROXIES = 1
    app = create_app(config)
    with app.app_context():
        ensure_schema()
        from facilitator import operations

        operations.create_user("secretaris", "geheim-wachtwoord-1")
    try:
        attacker, owner = app.test_client(), app.test_client()
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            response = login_from(
                attacker, "10.0.0.1", "secretaris", "fout", {"X-Forwarded-For": "198.51.100.7"}
            )
            assert response.status_code == 401
        response = login_from(
            owner, "10.0.0.1", "secretaris", "geheim-wachtwoord-1", {"X-Forwarded-For": "192.0.2.10"}
        )
        assert response.status_code == 302
        # the proxy's own address is not what counts: the attacker stays locked
        response = login_from(
            attacker, "10.0.0.1", "secretaris", "geheim-wachtwoord-1", {"X-Forwarded-For": "198.51.100.7"}
        )
        assert response.status_code == 429
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
