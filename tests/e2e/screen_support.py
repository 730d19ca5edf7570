"""Helpers for the screen's end-to-end tests: one server per module, a fresh meeting per test.

Starting a server takes seconds; importing a meeting into a running one is quicker and
gives every test its own tables, phase and view.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from facilitator import TestingConfig, create_app, operations, sessionfile
from facilitator.extensions import db
from tests.conftest import SESSIONS, LiveServer

from .conftest import ARTIFACTS

SCREEN_ARTIFACTS = ARTIFACTS / "screen"
FULL_HD = {"viewport": {"width": 1920, "height": 1080}}
HD = {"viewport": {"width": 1280, "height": 720}}
BOLLEN = ("Economisch", "Sociaal", "Ecologisch")
HORIZONS = ("Hier en nu", "Later", "Elders")
MODE_KEYS = {"overview": "1", "combined": "2", "topics": "3", "coverage": "4", "feedback": "5"}


@pytest.fixture(scope="module")
def screen_server(tmp_path_factory) -> LiveServer:
    """A server process shared by the tests of a module (each test imports its own meeting).

    On its empty database the server prepares the schema (and its demo meeting) itself.
    """
    server = LiveServer(tmp_path_factory.mktemp("screen-server"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def import_meeting(screen_server):
    """Factory: import a session file (path or TOML text) into the running server's database.

    In this process rather than with `flask session import`: the same operation, seconds faster.
    """
    app = create_app(TestingConfig(screen_server.env["DATABASE_URL"]))

    def _import(source: Path | str = SESSIONS / "ser-raad-2023-01-27.toml") -> dict:
        raw = source.read_bytes() if isinstance(source, Path) else source.encode()
        with app.app_context():
            meeting = operations.import_meeting(sessionfile.loads(raw))
            return operations.links(meeting, screen_server.url)

    yield _import
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def links(import_meeting) -> dict:
    """A fresh copy of the SER demo meeting on the shared server: its links JSON."""
    return import_meeting()


@pytest.fixture
def short_links(import_meeting) -> dict:
    """The SER demo meeting with every report one line: no table's report-back has pages, so
    that each press of the clicker steps to the next table (paging: test_screen_venue_e2e)."""
    text = (SESSIONS / "ser-raad-2023-01-27.toml").read_text(encoding="utf-8")
    return import_meeting(re.sub(r'(?ms)^report = """.*?"""', 'report = "Kort verslag."', text))


EMPTY_MEETING = """format = 1
[meeting]
title = "Raad, lege oefening"
date = 2023-01-27
round_minutes = 40
""" + "".join(f'[[tables]]\nnumber = {n}\nparticipants = ["Deelnemer {n}"]\n' for n in range(1, 7))


@pytest.fixture
def empty_links(import_meeting) -> dict:
    """A meeting with six tables and nothing typed yet: its links JSON."""
    return import_meeting(EMPTY_MEETING)


def live(page: Page) -> Page:
    """Wait until the page's live connection is up (and its snapshot is in)."""
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    return page


def add_entry(page: Page, text: str, bollen: tuple[str, ...], horizons: tuple[str, ...] = ()) -> None:
    """Type an entry on a table page by the names the contract gives its fields."""
    field = page.get_by_label("Inbreng", exact=True)
    field.fill(text)
    for name in BOLLEN:
        page.get_by_role("checkbox", name=name, exact=True).first.set_checked(name in bollen)
    for name in HORIZONS:
        page.get_by_role("checkbox", name=name, exact=True).first.set_checked(name in horizons)
    page.get_by_role("button", name="Toevoegen").click()
    expect(field).to_have_value("")


def shoot(page: Page, name: str) -> Path:
    """Keep a screenshot as a test artifact (test-artifacts/screen/, not in git)."""
    SCREEN_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = SCREEN_ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def showing(page: Page, mode: str) -> None:
    """Wait until a screen shows a view."""
    expect(page.locator(".views")).to_have_attribute("data-mode", mode)
    expect(page.locator(f"#view-{mode}")).to_be_visible()


def feedback_table(page: Page):
    return page.locator("#feedback-table")
