"""Dutch and English (issue 11): the catalogue, which language a request gets, and English pages
without Dutch interface text (every page a person can reach; the JS-rendered states are in
tests/e2e/test_english_e2e.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import g

from facilitator import i18n, operations
from facilitator.meeting_data import meeting_to_data

from .conftest import csrf_token
from .i18n_check import PLACEHOLDER, PO, REPO, dutch_fragments, dutch_in, say, user_strings, visible_texts
from .routemap import meeting_values, routes, url
from .test_access_matrix import EXPECT_HTTP, SECRETARIAT, TOKEN

PYBABEL = Path(sys.executable).with_name("pybabel")


def _catalog(path: Path):
    with path.open("rb") as source:
        return read_po(source)


# -- the catalogue ---------------------------------------------------------------------------------


def test_the_catalogue_holds_exactly_the_strings_of_the_source(tmp_path):
    """Extract as `make messages` does: a new _() string without a translation fails here."""
    makefile = (REPO / "Makefile").read_text()
    keywords = re.search(r"^BABEL_KEYWORDS := (.+)$", makefile, re.M).group(1).split()
    ignored = re.search(r"--ignore-dirs='([^']+)'", makefile).group(1)
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(PYBABEL),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            *keywords,
            f"--ignore-dirs={ignored}",
            "-o",
            str(pot),
            ".",
        ],
        cwd=REPO,
        check=True,
    )
    extracted = {m.id for m in _catalog(pot) if m.id}
    committed = {m.id for m in _catalog(PO) if m.id}
    assert not extracted - committed, (
        f"not in messages.po (run make messages, translate): {extracted - committed}"
    )
    assert not committed - extracted, f"in messages.po but gone from the source: {committed - extracted}"
    assert len(committed) > 400


def test_the_document_templates_are_not_in_the_interface_catalogue():
    """The annex and the cards are another domain ("annex"), in the meeting's language."""
    committed = {m.id for m in _catalog(PO) if m.id}
    assert "Bijlage: terugkoppeling tafels" not in committed  # the annex's own title
    assert "Kaarten voor de verslagleggers" not in committed  # the cards' <title>


def test_every_string_is_translated_not_fuzzy_with_the_same_placeholders():
    assert i18n.untranslated(PO) == []
    for message in _catalog(PO):
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgstr in strings:
            assert sorted(PLACEHOLDER.findall(msgstr)) == sorted(PLACEHOLDER.findall(ids[-1])), ids


def test_counts_have_plural_forms():
    plurals = {m.id[0]: m.string for m in _catalog(PO) if isinstance(m.id, tuple)}
    assert plurals["%(num)s inbreng"] == ("%(num)s entry", "%(num)s entries")


def test_the_app_compiles_a_missing_or_stale_catalogue(tmp_path):
    """Started without make (no .mo, or a .po newer than it): the app compiles it on start."""
    target = tmp_path / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(PO, target / "messages.po")
    assert i18n.compile_catalogues(tmp_path) == [target / "messages.mo"]
    assert i18n.compile_catalogues(tmp_path) == []  # up to date
    later = time.time() + 5
    os.utime(target / "messages.po", (later, later))
    assert i18n.compile_catalogues(tmp_path) == [target / "messages.mo"]
    from babel.support import Translations

    assert Translations.load(str(tmp_path), ["en"], "messages").gettext("Toevoegen") == "Add"


# -- which language a request gets -------------------------------------------------------------------

LOGIN = "/secretariaat/inloggen"


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_dutch_by_default_and_english_from_the_browser(client):
    assert _lang(client.get(LOGIN)) == "nl"
    assert _lang(client.get(LOGIN, headers={"Accept-Language": "en-GB,en;q=0.9"})) == "en"
    assert _lang(client.get(LOGIN, headers={"Accept-Language": "de-DE, en;q=0.5"})) == "en"
    assert _lang(client.get(LOGIN, headers={"Accept-Language": "nl-BE, en;q=0.8"})) == "nl"
    assert _lang(client.get(LOGIN, headers={"Accept-Language": "fr-FR"})) == "nl"


def test_lang_parameter_wins_and_is_kept_in_a_cookie(client):
    response = client.get(f"{LOGIN}?lang=en", headers={"Accept-Language": "nl"})
    assert _lang(response) == "en"
    assert "lang=en" in response.headers["Set-Cookie"]
    page = response.get_data(as_text=True)
    assert "Inloggen voor het secretariaat" not in page and "Secretariat log-in" in page
    # the next page, without ?lang: the cookie keeps English, over the browser's Dutch
    assert _lang(client.get(LOGIN, headers={"Accept-Language": "nl"})) == "en"
    # ?lang=nl back; the cookie follows
    response = client.get(f"{LOGIN}?lang=nl", headers={"Accept-Language": "en"})
    assert _lang(response) == "nl" and "lang=nl" in response.headers["Set-Cookie"]
    assert _lang(client.get(LOGIN, headers={"Accept-Language": "en"})) == "nl"
    # an unknown language changes nothing
    assert _lang(client.get(f"{LOGIN}?lang=xx")) == "nl"


def test_a_page_language_wins_over_cookie_and_browser_but_not_over_lang(app):
    with app.test_request_context("/", headers={"Cookie": "lang=en", "Accept-Language": "en"}):
        i18n.set_page_locale("nl")
        assert i18n.select_locale() == "nl"
    with app.test_request_context("/?lang=en", headers={"Accept-Language": "nl"}):
        g.page_locale = "nl"  # set directly by a route, as the hook allows
        assert i18n.select_locale() == "en"
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        i18n.set_page_locale("en")
        from flask_babel import gettext

        assert gettext("Toevoegen") == "Add"


def test_the_switch_is_on_the_page_keeps_it_and_sets_the_cookie(client):
    page = client.get(f"{LOGIN}?next=/secretariaat/").get_data(as_text=True)
    link = re.search(r'<a class="lang-switch" href="([^"]+)" lang="en" hreflang="en">English</a>', page)
    assert link, "no English switch on a Dutch page"
    target = link.group(1).replace("&amp;", "&")
    assert target.startswith(LOGIN + "?") and "lang=en" in target and "next=%2Fsecretariaat%2F" in target
    response = client.get(target)
    assert _lang(response) == "en" and "lang=en" in response.headers["Set-Cookie"]
    back = re.search(
        r'<a class="lang-switch" href="([^"]+)" lang="nl" hreflang="nl">Nederlands</a>',
        response.get_data(as_text=True),
    )
    assert back and "lang=nl" in back.group(1)


def test_a_toml_syntax_error_reads_in_the_persons_language(logged_in):
    token = csrf_token(logged_in, "/secretariaat/importeren")
    logged_in.set_cookie("lang", "en")
    from io import BytesIO

    response = logged_in.post(
        "/secretariaat/importeren",
        data={"csrf_token": token, "file": (BytesIO(b'format = 1\n[meeting\ntitle = "x"\n'), "kapot.toml")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "not valid TOML" in page and "line 2" in page, page
    assert "geen geldige TOML" not in page


def test_live_refusals_read_in_the_language_of_the_page_that_connected(app, meeting_links):
    from facilitator.extensions import socketio

    token = meeting_links["tables"]["1"]["rapporteur"]["token"]
    answers = {}
    for lang in ("nl", "en"):
        client = socketio.test_client(
            app, namespace="/live", auth={"token": token}, query_string=f"lang={lang}"
        )
        assert client.is_connected("/live")
        answers[lang] = client.emit(
            "entry:add",
            {"op": "op-" + "1" * 10, "id": "e" * 12, "text": "  "},
            namespace="/live",
            callback=True,
        )
        client.disconnect(namespace="/live")
    assert answers["nl"]["message"] == "Een lege inbreng wordt niet opgeslagen."
    assert answers["en"]["message"] == "An empty entry is not saved."
    assert answers["en"]["error"] == answers["nl"]["error"] == "invalid"


# -- English pages contain no Dutch interface text ---------------------------------------------------

HTML_SKIP = (".pdf", ".json", ".toml", ".css", ".js", ".csv", "/download", "/status")


def _reachable_pages(app, client, slug: str, links: dict) -> list[tuple[str, str]]:
    """(route, URL) of every GET page a person can reach, with the caller that may open it."""
    values = meeting_values(app, slug)
    tokens = {
        "rapporteur": links["tables"]["1"]["rapporteur"]["token"],
        "participant": links["tables"]["1"]["participant"]["token"],
        "screen": links["screen"]["token"],
        "chair": links["chair"]["token"],
        "minutes": links["minutes"]["token"],
    }
    pages = []
    for route in routes(app):
        if route.method != "GET" or route.rule.endswith(HTML_SKIP) or route.rule in ("/", "/healthz"):
            continue
        kind, value = EXPECT_HTTP[route.key]
        if kind == TOKEN:
            role = value[0] if isinstance(value, tuple) else value
            pages.append((route.key, url(route, {**values, "token": tokens[role]})))
        elif kind == SECRETARIAT or (kind == "public" and value == 200):
            pages.append((route.key, url(route, values)))
    return pages


@pytest.fixture
def english_world(app, logged_in, meeting_links):
    slug = meeting_links["meeting"]
    with app.app_context():
        user = user_strings(meeting_to_data(operations.get_meeting(slug)))
    user += ["secretaris"]
    return slug, user


def _check_pages(app, client, slug, links, user, lang: str) -> tuple[int, list[str]]:
    client.set_cookie("lang", lang)
    found, checked = [], 0
    for key, path in _reachable_pages(app, client, slug, links):
        if key.startswith(("GET /scherm/", "GET /voorzitter/")):
            # the room's pages speak the meeting's language (Dutch here) over the cookie;
            # ?lang still chooses (tests/test_meeting_language.py checks the meeting's own)
            path += f"?lang={lang}"
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        assert _lang(response) == lang, path
        checked += 1
        found += [f"{key}: {hit}" for hit in dutch_in(visible_texts(html), user)]
    return checked, found


def test_english_pages_contain_no_dutch_interface_text(app, logged_in, meeting_links, english_world):
    slug, user = english_world
    checked, found = _check_pages(app, logged_in, slug, meeting_links, user, "en")
    assert checked >= 15, checked
    assert not found, "\n".join(found)


def test_the_check_catches_dutch(app, logged_in, meeting_links, english_world):
    """The same pages in Dutch are caught on every page, and one untranslated button is caught."""
    slug, user = english_world
    checked, found = _check_pages(app, logged_in, slug, meeting_links, user, "nl")
    pages_caught = {hit.split(": ", 1)[0] for hit in found}
    assert len(pages_caught) == checked, f"{checked} pages, caught on {len(pages_caught)}"
    english_page = '<html lang="en"><body><h1>Add an entry</h1><button>Toevoegen</button></body></html>'
    assert dutch_in(visible_texts(english_page), user) == ["'Toevoegen' in 'Toevoegen'"]
    strings = '<script type="application/json" id="capture-strings">{"saved": "Opgeslagen"}</script>'
    assert dutch_in(visible_texts(strings), user)
    assert "Tafel" in dutch_fragments() and say("Tafel %(number)s", number=3) == "Table 3"


def test_forms_sent_back_with_errors_are_english(app, logged_in, english_world):
    """Validation: the new-meeting form, a session file with problems, the house style's colour."""
    _, user = english_world
    token = csrf_token(logged_in, "/secretariaat/")
    logged_in.set_cookie("lang", "en")
    from io import BytesIO

    pages = {
        "new meeting": logged_in.post("/secretariaat/vergaderingen/nieuw", data={"csrf_token": token}),
        "import": logged_in.post(
            "/secretariaat/importeren",
            data={"csrf_token": token, "file": (BytesIO(b"format = 1\n[[tables]]\nnumber = 0\n"), "x.toml")},
            content_type="multipart/form-data",
        ),
        "house style": logged_in.post(
            "/secretariaat/huisstijl", data={"csrf_token": token, "accent": "#ffff00"}
        ),
    }
    found = []
    for name, response in pages.items():
        assert response.status_code == 400, (name, response.status_code)
        found += [f"{name}: {hit}" for hit in dutch_in(visible_texts(response.get_data(as_text=True)), user)]
    assert not found, "\n".join(found)
    assert "the [meeting] section is missing" in pages["import"].get_data(as_text=True)
    assert "too little contrast against white (1.1:1, at least 4.5:1" in pages["house style"].get_data(
        as_text=True
    )


def test_a_failed_render_is_said_in_the_readers_language(app):
    """Made in a job without a request, kept as msgid + numbers, said by the page that shows it."""
    from facilitator.export.child import TOO_LONG, RenderError
    from facilitator.export.routes import _message

    error = RenderError(TOO_LONG, seconds=0.5)
    assert str(error) == "Het opmaken duurde langer dan 0,5 seconden en is afgebroken."  # the CLI's
    status = {"message": error.msgid, "message_args": error.params}
    with app.test_request_context("/?lang=en"):
        assert _message(status) == "The layout took longer than 0.5 seconds and was stopped."
    with app.test_request_context("/"):
        assert _message(status) == "Het opmaken duurde langer dan 0,5 seconden en is afgebroken."
    with app.test_request_context("/?lang=en"):  # a sentence the catalogue does not know stays as it is
        assert _message({"message": "Onbekend formaat: x"}) == "Onbekend formaat: x"
