"""Fixtures for the end-to-end tests: Debian's headless Chromium driven by Playwright.

Every person gets their own browser context (their own storage, as on their own device);
every test gets its own copy of the demo meeting on a server process shared by the module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import socketio
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from facilitator import TestingConfig, create_app, operations, sessionfile
from facilitator.database import ensure_schema
from facilitator.extensions import db
from tests.conftest import SESSIONS, LiveServer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO = "ser-raad-2023-01-27.toml"
ROUNDS = SESSIONS / "ser-raad-2023-01-27-rondes.toml"  # the demo as a three-round meeting
LAPTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for the whole run (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; install Debian's chromium package")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class Person:
    """Someone with their own device: a browser context and the pages they open in it."""

    def __init__(self, context: BrowserContext):
        self.context = context
        self.errors: list[str] = []

    def open(self, url: str) -> Page:
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.goto(url)
        return page


@pytest.fixture
def person(browser: Browser):
    """Factory: a new person (``person(PHONE)`` for a phone); no uncaught script errors allowed."""
    people: list[Person] = []

    def _make(device: dict | None = None) -> Person:
        context = browser.new_context(**{"locale": "nl-NL", **(device or LAPTOP)})  # Dutch unless told
        context.set_default_timeout(15_000)
        someone = Person(context)
        people.append(someone)
        return someone

    yield _make
    errors = [e for someone in people for e in someone.errors]
    for someone in people:
        someone.context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture(scope="module")
def e2e_server(tmp_path_factory):
    """One server process per test module (with its own SQLite file) and an app on the same data."""
    server = LiveServer(tmp_path_factory.mktemp("e2e-server"))
    app = create_app(TestingConfig(server.env["DATABASE_URL"]))
    with app.app_context():
        ensure_schema()
    server.start()
    yield server, app
    server.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def meeting(e2e_server):
    """A fresh copy of the SER demo meeting on the running server: (server, links JSON)."""
    server, app = e2e_server
    with app.app_context():
        made = operations.import_meeting(sessionfile.loads((SESSIONS / DEMO).read_bytes()))
        links = operations.links(made, server.url)
        links["minutes"] = operations.link_pair(made, server.url, "minutes")  # not in the links JSON
        db.session.remove()
    return server, links


@pytest.fixture
def rounds_meeting(e2e_server):
    """The three-round demo imported on the module's server: (server, app, links)."""
    server, app = e2e_server
    with app.app_context():
        made = operations.import_meeting(sessionfile.loads(ROUNDS.read_bytes()))
        links = operations.links(made, server.url)
        db.session.remove()
    return server, app, links


@pytest.fixture
def export_session(e2e_server):
    """Factory: the meeting's session file as `flask session export` prints it."""
    _, app = e2e_server

    def _export(slug: str) -> str:
        result = app.test_cli_runner().invoke(args=["session", "export", slug])
        assert result.exit_code == 0, result.output
        return result.output

    return _export


@pytest.fixture
def rotate_link(e2e_server):
    """Factory: revoke a table role's link and return the new one's URL (as the secretariat does)."""
    server, app = e2e_server

    def _rotate(slug: str, role: str, table: int) -> str:
        with app.app_context():
            fresh = operations.rotate_token(operations.get_meeting(slug), role, table)
            url = operations.role_url(server.url, fresh)
            db.session.remove()
        return url

    return _rotate


def table_on_server(server_url: str, token: str) -> dict:
    """The table as the server has it now (the snapshot a fresh rapporteur connection gets)."""
    client = socketio.SimpleClient()
    client.connect(server_url, namespace="/live", auth={"token": token}, transports=["websocket"])
    try:
        while True:
            name, data = client.receive(timeout=10)
            if name == "snapshot":
                return data["tables"][0]
    finally:
        client.disconnect()
