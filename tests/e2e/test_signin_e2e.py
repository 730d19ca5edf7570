"""Signing in through the organisation in Chromium, against a real OpenID provider on loopback.

The app runs as its own process (``python -m facilitator``) with OIDC_* pointing at
oidc-provider-mock, which runs in a thread of this test process (tests/oidc_support.py). The
browser follows every redirect itself: the login page's button, the provider's form, the
callback. axe-core checks the login page with the organisation's button, in Dutch and English.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from facilitator import TestingConfig, create_app
from facilitator.database import ensure_schema
from facilitator.extensions import db
from tests.conftest import LiveServer
from tests.i18n_check import say
from tests.oidc_support import CLIENT_ID, CLIENT_SECRET, provider

from .conftest import LAPTOP

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
LABEL = "Inloggen met Rijksportaal"
LOCALES = {"nl": "nl-NL", "en": "en-GB"}


@pytest.fixture(scope="module")
def signin_server(tmp_path_factory):
    """The provider on loopback and the app's server process configured to use it."""
    with provider() as issuer:
        tmp = tmp_path_factory.mktemp("signin-server")
        env = {
            "OIDC_ISSUER": issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_ALLOWED_DOMAINS": "gemeente.nl",
            "OIDC_LABEL": LABEL,
        }
        server = LiveServer(tmp, extra_env=env)
        app = create_app(TestingConfig(server.env["DATABASE_URL"]))
        with app.app_context():
            ensure_schema()
        server.start()
        try:
            yield server, app
        finally:
            server.stop()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def open_page(browser: Browser, address: str, lang: str = "nl") -> Page:
    """A fresh person (their own context) on ``address``; CSP bypassed only so axe can be added."""
    context = browser.new_context(**LAPTOP, locale=LOCALES[lang], bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(address)
    return page


def violations(page: Page, name: str) -> list[str]:
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run make install (package.json devDependencies)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [f"{name}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:4]}" for v in found]


def at_provider(page: Page, sub: str) -> None:
    """The provider's own form: the person says who they are and authorizes."""
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_a_secretariat_member_signs_in_through_the_organisation(browser, signin_server):
    server, _app = signin_server
    page = open_page(browser, f"{server.url}/secretariaat/importeren")
    # sent to the login page, which offers the organisation's button beside the local form
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen voor het secretariaat")
    expect(page.get_by_label("Wachtwoord")).to_be_visible()
    page.get_by_role("link", name=LABEL).click()
    at_provider(page, "anna@gemeente.nl")
    # back, signed in, on the page asked for first
    expect(page).to_have_url(f"{server.url}/secretariaat/importeren")
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    expect(page.locator("body")).to_contain_text("anna@gemeente.nl")
    page.context.close()


def test_someone_not_allowed_is_told_so_in_the_browser(browser, signin_server):
    server, _app = signin_server
    page = open_page(browser, f"{server.url}/secretariaat/inloggen")
    page.get_by_role("link", name=LABEL).click()
    at_provider(page, "eve@elders.nl")
    expect(page).to_have_url(f"{server.url}/secretariaat/inloggen")
    expect(page.locator(".flash-error")).to_have_text(
        "U bent bij uw organisatie ingelogd, maar uw account heeft geen toegang tot het secretariaat. "
        "Vraag de beheerder om toegang."
    )
    expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)
    page.context.close()


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_the_login_page_with_the_organisation_has_no_axe_violations(browser, signin_server, lang):
    server, _app = signin_server
    page = open_page(browser, f"{server.url}/secretariaat/inloggen", lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(say("Inloggen voor het secretariaat", lang))
    found = violations(page, f"login with organisation ({lang})")
    # and with a refusal on it
    page.get_by_role("link", name=LABEL).click()
    at_provider(page, "eve@elders.nl")
    expect(page.locator(".flash-error")).to_be_visible()
    found += violations(page, f"login with a refusal ({lang})")
    page.context.close()
    assert not found, "\n".join(found)


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_two_step_login_enrol_and_code_step_in_the_browser(browser, signin_server, lang):
    """A local account turns TOTP on (QR code, key, confirmation, recovery codes), then needs its
    code after the password; axe over the enrol page, the recovery codes and the code step."""
    import pyotp

    from facilitator import operations

    server, app = signin_server
    name, password = f"tweestaps-{lang}", "een-lang-test-wachtwoord-42"
    with app.app_context():
        operations.create_user(name, password)
        db.session.remove()
    page = open_page(browser, f"{server.url}/secretariaat/inloggen", lang)
    found: list[str] = []

    def password_step() -> None:
        page.get_by_label(say("Naam", lang)).fill(name)
        page.get_by_label(say("Wachtwoord", lang)).fill(password)
        page.get_by_role("button", name=say("Inloggen", lang)).click()

    password_step()
    page.get_by_role("link", name=say("Tweestapsverificatie", lang)).click()
    expect(page.get_by_role("img", name=say("QR-code voor uw authenticator-app", lang))).to_be_visible()
    found += violations(page, f"enrol ({lang})")
    secret = page.locator(".totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label(say("Code", lang)).fill(totp.now())
    page.get_by_role("button", name=say("Bevestigen en aanzetten", lang)).click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    found += violations(page, f"recovery codes ({lang})")

    page.get_by_role("button", name=say("Uitloggen", lang)).click()
    password_step()
    expect(page.get_by_role("heading", level=1)).to_have_text(say("Code invullen", lang))
    found += violations(page, f"code step ({lang})")
    page.get_by_label(say("Code", lang)).fill("000000")
    page.get_by_role("button", name=say("Inloggen", lang)).click()
    wrong = say("De code klopt niet of is al gebruikt. Probeer de volgende code uit de app.", lang)
    expect(page.locator("#code-err")).to_contain_text(wrong)
    found += violations(page, f"code step with an error ({lang})")
    # the next step's code (the confirmation used this one's)
    page.get_by_label(say("Code", lang)).fill(totp.at(time.time() + 30))
    page.get_by_role("button", name=say("Inloggen", lang)).click()
    expect(page.get_by_role("button", name=say("Uitloggen", lang))).to_be_visible()
    page.context.close()
    assert not found, "\n".join(found)
