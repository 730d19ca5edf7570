"""What a person waits for on a page before going on: saved, connected."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.i18n_check import say


def saved(page: Page, lang: str = "nl") -> Page:
    """The page says what was typed is saved (in its language)."""
    expect(page.locator("#save-status")).to_have_text(say("Opgeslagen", lang))
    return page


def connected(page: Page) -> Page:
    """The page's live connection is up."""
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    return page
