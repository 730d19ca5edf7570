"""A meeting's language (nl or en): its annex, minutes' section, table cards and screen.

The published documents speak the meeting's language whoever asks, through the "annex"
gettext domain (facilitator/export/language.py); the interface follows the person. An
English meeting here has English user text too, so any Dutch word found in its documents
can only be one of ours.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from docx import Document

from facilitator import operations, sessionfile
from facilitator.export import language
from facilitator.export.annex import annex_words, build_annex
from facilitator.models import Meeting

from .annex_support import PdfReadBack, dispose, export_cli, make_app

REPO = Path(__file__).resolve().parent.parent
PO = REPO / "facilitator" / "translations" / "en" / "LC_MESSAGES" / "annex.po"

ENGLISH = """
format = 1

[meeting]
title = "Council, no. 12"
date = 2023-01-27
start = "10:15"
place = "Civic Centre"
agenda_item = "Broad prosperity"
reference = "R/1"
language = "en"
questions = ["What should we keep?"]
round_minutes = 40
feedback_order = [2, 1]

[template]
bollen = [
  {key = "economy", label = "Economy"},
  {key = "society", label = "Society"},
  {key = "nature", label = "Nature"},
]
horizons = [{key = "now", label = "Now"}, {key = "later", label = "Later"}]

[[tables]]
number = 1
participants = ["Ann Smith", "Bob Jones"]
leader = "Ann Smith"
rapporteur = "Carol White"
spokesperson = "Ann Smith"
report = "**Findings.** Housing matters most."
feedback = "We want *more* homes."

[[tables.entries]]
text = "Affordable homes"
bollen = ["economy", "society"]
horizons = ["now"]

[[tables.entries]]
text = "Clean rivers"
bollen = ["nature"]
horizons = ["later"]

[[tables]]
number = 2
participants = ["Dan Brown"]
spokesperson = "Dan Brown"
feedback = "Nothing to add."

[[tables]]
number = 3
participants = ["Eve Black"]
"""
SLUG = "council-no-12-2023-01-27"


def dutch_fragments() -> list[str]:
    """The Dutch text of every catalogue entry that English changes (placeholders cut out)."""
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    out = set()
    for message in catalog:
        for dutch, english in zip(_forms(message.id), _forms(message.string), strict=False):
            if dutch and english != dutch:
                out.update(p.strip() for p in re.split(r"%\(\w+\)s", dutch) if len(p.strip()) >= 3)
    return sorted(out)


def _forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """A catalogue text's forms: one, or singular and plural."""
    return tuple(text) if isinstance(text, (tuple, list)) else (text,)


def assert_no_dutch(text: str) -> None:
    text = " ".join(text.split())
    found = [w for w in dutch_fragments() if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
    assert not found, f"Dutch document words in an English document: {found}"
    for word in ("januari", "vrijdag", "uur"):
        assert not re.search(rf"\b{word}\b", text), word


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    """The English meeting exported in every format, the minutes' section, and a Dutch --lang."""
    tmp = tmp_path_factory.mktemp("english")
    app = make_app(tmp)
    with app.app_context():
        slug = operations.import_meeting(sessionfile.loads(ENGLISH.encode())).slug
    assert slug == SLUG
    files = {}
    for name, args in {
        "pdf": ["--feedback"],
        "docx": ["--format", "docx", "--feedback"],
        "odt": ["--format", "odt", "--feedback"],
        "md": ["--format", "md", "--feedback"],
        "md-nl": ["--format", "md", "--feedback", "--lang", "nl"],
    }.items():
        out = tmp / f"annex-{name}.{name.split('-')[0]}"
        result = export_cli(app, slug, out, *args)
        assert result.exit_code == 0, result.output
        files[name] = out
    runner = app.test_cli_runner()
    for name, args in {
        "minutes-md": ["--format", "md"],
        "minutes-docx": ["--format", "docx"],
        "minutes-nl": ["--format", "md", "--lang", "nl"],
    }.items():
        out = tmp / f"{name}.{'docx' if name.endswith('docx') else 'md'}"
        result = runner.invoke(args=["minutes", slug, "--out", str(out), *args])
        assert result.exit_code == 0, result.output
        files[name] = out
    yield files
    dispose(app)


# -- the published documents -------------------------------------------------------------------


def test_english_pdf_speaks_english_only(english):
    pdf = PdfReadBack(english["pdf"])
    text = pdf.text
    for heading in (
        "Annex: feedback from the tables",
        "Meeting",
        "Friday 27 January 2023, 10:15",
        "Venue",
        "Agenda item",
        "Reference",
        "Round-table discussion",
        "3 tables, 40 minutes",
        "Questions for the tables",
        "Table 1",
        "Participants: Ann Smith (discussion leader), Bob Jones",
        "Rapporteur: Carol White",
        "Fill-in exercise, table 1",
        "Report-back in the plenary session",
        "Spokesperson: Ann Smith",
        "No report was made of this table's discussion.",
        "page 1 of",
        "Council, no. 12 · 27 January 2023",
    ):
        assert heading in text, heading
    assert_no_dutch(text)
    # the figure's text alternative, and the document's language in the catalogue and the XMP
    alts = " ".join(pdf.strings("Alt"))
    assert "Fill-in exercise, table 1: three circles (Economy, Society, Nature)." in alts
    assert "Economy + Society: Affordable homes (now)." in alts
    assert_no_dutch(alts)
    assert pdf.strings("Lang") == ["en"] or set(pdf.strings("Lang")) == {"en"}
    assert "<dc:language><rdf:Bag><rdf:li>en</rdf:li></rdf:Bag></dc:language>" in pdf.metadata.replace(
        "\n", ""
    ).replace(" ", "")
    assert pdf.info["Title"] == "Annex: feedback from the tables — Council, no. 12, 27 January 2023"


def test_english_docx(english):
    doc = Document(str(english["docx"]))
    text = "\n".join(p.text for p in doc.paragraphs)
    for heading in ("Table 1", "Participants:", "Rapporteur:", "Questions for the tables", "Venue"):
        assert heading in text
    footer = doc.sections[0].footer.paragraphs[0].text
    assert footer.startswith("Council, no. 12 · 27 January 2023") and "page " in footer and " of " in footer
    assert_no_dutch(text + footer)
    assert doc.core_properties.language == "en"
    with zipfile.ZipFile(english["docx"]) as archive:
        assert b'w:val="en-GB"' in archive.read("word/styles.xml")
        body = archive.read("word/document.xml").decode()
    descr = " ".join(re.findall(r'descr="([^"]*)"', body))
    assert "three circles (Economy, Society, Nature)" in descr
    assert_no_dutch(descr)


def test_english_odt(english):
    with zipfile.ZipFile(english["odt"]) as archive:
        content = archive.read("content.xml").decode()
        styles = archive.read("styles.xml").decode()
        meta = archive.read("meta.xml").decode()
    text = re.sub(r"<[^>]+>", " ", content + styles)
    for heading in ("Table 1", "Participants", "Rapporteur", "Questions for the tables", "page"):
        assert heading in text
    assert_no_dutch(text)
    assert "<dc:language>en-GB</dc:language>" in meta
    assert 'fo:language="en" fo:country="GB"' in styles


def test_english_markdown_and_dutch_on_request(english):
    text = english["md"].read_text(encoding="utf-8")
    assert text.startswith("# Annex: feedback from the tables\n")
    assert "- **Date:** Friday 27 January 2023, 10:15" in text
    assert "### Report-back in the plenary session" in text
    assert "- **Economy + Society:** Affordable homes (now)" in text
    assert_no_dutch(text)
    # --lang nl: the same meeting in Dutch
    dutch = english["md-nl"].read_text(encoding="utf-8")
    assert dutch.startswith("# Bijlage: terugkoppeling tafels\n")
    assert "- **Datum:** vrijdag 27 januari 2023, 10.15 uur" in dutch
    assert "## Tafel 1" in dutch


def test_english_minutes(english):
    text = english["minutes-md"].read_text(encoding="utf-8")
    assert text.startswith("# Feedback from the tables\n")
    leads = re.findall(r"^\*\*(.*)\*\*$", text, re.M)
    assert leads == ["Feedback from table 2 by Dan Brown.", "Feedback from table 1 by Ann Smith."]
    assert_no_dutch(text)
    doc = Document(str(english["minutes-docx"]))
    paragraphs = [p.text for p in doc.paragraphs if p.text.strip()]
    assert paragraphs[0] == "Feedback from the tables"
    assert "Feedback from table 1 by Ann Smith." in paragraphs
    assert doc.core_properties.language == "en-GB"
    assert english["minutes-nl"].read_text(encoding="utf-8").startswith("# Terugkoppeling tafels\n")
    assert "**Terugkoppeling van tafel 2 door Dan Brown.**" in english["minutes-nl"].read_text("utf-8")


def test_words_need_no_app_and_dutch_is_unchanged():
    """The words come from the annex domain in any process; Dutch stays the source text."""
    dutch, english = annex_words("nl"), annex_words("en")
    assert (dutch.table, dutch.page, dutch.of, dutch.default_title) == (
        "Tafel",
        "pagina",
        "van",
        "Bijlage: terugkoppeling tafels",
    )
    assert (english.table, english.page, english.of) == ("Table", "page", "of")
    data = sessionfile.loads(ENGLISH.encode())
    assert build_annex(data).lang == "en" and build_annex(data, lang="nl").title == dutch.default_title
    # counts agree with their number, in both languages
    data.tables, data.round_minutes = data.tables[:1], 1
    assert dict(build_annex(data).meta)["Round-table discussion"] == "1 table, 1 minute"
    assert dict(build_annex(data, lang="nl").meta)["Rondetafelgesprek"] == "1 tafel, 1 minuut"
    # an unknown language falls back to Dutch rather than failing
    assert language.supported("fr") == "nl" and language.tag("en") == "en-GB"


def test_cli_refuses_an_unknown_language(tmp_path):
    app = make_app(tmp_path)
    try:
        result = export_cli(app, SLUG, tmp_path / "x.md", "--format", "md", "--lang", "fr")
        assert result.exit_code != 0 and "'fr' is not one of 'nl', 'en'" in result.output
    finally:
        dispose(app)


# -- the session file ---------------------------------------------------------------------------


def test_session_file_language_round_trip():
    data = sessionfile.loads(ENGLISH.encode())
    assert data.language == "en"
    text = sessionfile.dumps(data)
    assert 'language = "en"' in text
    assert sessionfile.loads(text.encode()) == data
    # without the field: Dutch, and written out as such
    dutch = sessionfile.loads(ENGLISH.replace('language = "en"\n', "").encode())
    assert dutch.language == "nl" and 'language = "nl"' in sessionfile.dumps(dutch)


@pytest.mark.parametrize(
    ("value", "shown"), [('"fr"', '"fr"'), ('"EN"', '"EN"'), ("1", "een getal"), ('["en"]', "een lijst")]
)
def test_session_file_refuses_other_languages(value, shown):
    with pytest.raises(sessionfile.SessionFileError) as caught:
        sessionfile.loads(ENGLISH.replace('language = "en"', f"language = {value}").encode())
    (problem,) = caught.value.problems
    assert problem.startswith("meeting.language")
    assert f'moet "nl" of "en" zijn (Nederlands of Engels), niet {shown}' in problem


def test_export_and_import_keep_the_language(app, import_session, logged_in):
    slug = import_session(ENGLISH)
    exported = logged_in.get(f"/secretariaat/vergaderingen/{slug}/sessiebestand.toml")
    assert exported.status_code == 200 and 'language = "en"' in exported.get_data(as_text=True)
    with app.app_context():
        assert sessionfile.loads(exported.data).language == "en"


# -- the secretariat's form -------------------------------------------------------------------------


def _form(post_form, logged_in, url: str, **changes):
    from .secretariat_support import form_values

    values = form_values(logged_in.get(url).get_data(as_text=True))
    values.update(changes)
    return post_form(url, values)


def test_meeting_form_sets_and_refuses_the_language(app, import_session, logged_in, post_form):
    slug = import_session(ENGLISH.replace('language = "en"\n', ""))
    url = f"/secretariaat/vergaderingen/{slug}/bewerken"
    page = logged_in.get(url).get_data(as_text=True)
    assert re.search(r'<option selected value="nl">Nederlands</option>', page)
    assert '<option value="en">Engels</option>' in page

    response = _form(post_form, logged_in, url, language="fr")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    from .secretariat_support import field_errors

    assert 'moet "nl" of "en" zijn (Nederlands of Engels), niet "fr"' in field_errors(page, "language")
    with app.app_context():
        assert operations.get_meeting(slug).language == "nl"

    response = _form(post_form, logged_in, url, language="en")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        assert operations.get_meeting(slug).language == "en"
    assert re.search(
        r'<option selected value="en">Engels</option>', logged_in.get(url).get_data(as_text=True)
    )
    overview = logged_in.get(f"/secretariaat/vergaderingen/{slug}").get_data(as_text=True)
    assert "Taal van de bijlage en het scherm</dt><dd>Engels</dd>" in overview


def test_new_meeting_form_starts_dutch(logged_in):
    page = logged_in.get("/secretariaat/vergaderingen/nieuw").get_data(as_text=True)
    assert re.search(r'<option selected value="nl">Nederlands</option>', page)


# -- the screen and the table cards --------------------------------------------------------------------


def _screen_lang(client, path: str, cookie: str | None) -> str:
    if cookie:
        client.set_cookie("lang", cookie)
    else:
        client.delete_cookie("lang")
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def test_screen_and_chair_pages_speak_the_meetings_language(app, client, import_session):
    english_slug = import_session(ENGLISH)
    dutch_slug = import_session(ENGLISH.replace('language = "en"', 'language = "nl"').replace("12", "13"))
    with app.app_context():
        links = {
            slug: operations.links(operations.get_meeting(slug), "http://x")
            for slug in (english_slug, dutch_slug)
        }
    for role in ("screen", "chair"):
        english_path = "/" + links[english_slug][role]["url"].split("/", 3)[3]
        dutch_path = "/" + links[dutch_slug][role]["url"].split("/", 3)[3]
        # a Dutch-cookie person opens the English meeting's screen: English
        assert _screen_lang(client, english_path, "nl") == "en"
        assert _screen_lang(client, english_path, None) == "en"
        # and an English-cookie person the Dutch meeting's: Dutch
        assert _screen_lang(client, dutch_path, "en") == "nl"
        # ?lang still wins
        assert _screen_lang(client, english_path + "?lang=nl", "nl") == "nl"
    # the page's interface text follows (the other pages keep the person's language)
    client.set_cookie("lang", "nl")
    assert re.search(r'<html lang="nl"', client.get("/secretariaat/inloggen").get_data(as_text=True))


def test_table_cards_in_the_meetings_language(app, import_session, logged_in):
    slug = import_session(ENGLISH)
    logged_in.set_cookie("lang", "nl")
    response = logged_in.get(f"/secretariaat/vergaderingen/{slug}/tafelkaarten.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True
    ).stdout.decode()
    text = " ".join(text.split())
    for words in (
        "Table 1",
        "Scan to add an entry",
        "At this table:",
        "27 January 2023",
        "(discussion leader)",
    ):
        assert words in text, words
    assert_no_dutch(text)
    with app.app_context():
        assert operations.get_meeting(slug).language == "en"
    rapporteur = logged_in.get(f"/secretariaat/vergaderingen/{slug}/verslagkaarten.pdf")
    text = subprocess.run(["pdftotext", "-", "-"], input=rapporteur.data, capture_output=True).stdout.decode()
    assert "For the rapporteur only" in text and "Alleen voor" not in text


# -- the catalogue --------------------------------------------------------------------------------


def test_annex_catalogue_is_complete_and_in_sync(tmp_path):
    """Every annex string translated, none fuzzy, the placeholders kept, and the .po in step
    with the source (extracted afresh with babel-annex.cfg)."""
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    messages = [m for m in catalog if m.id]
    assert messages
    assert not [m.id for m in messages if not all(_forms(m.string))], "untranslated"
    assert not [m.id for m in messages if m.fuzzy], "fuzzy"
    assert not [m.id for m in catalog.obsolete.values()], "obsolete"
    problems = [(m.id, errors) for m, errors in catalog.check() if errors]
    assert not problems
    for message in messages:
        for dutch in _forms(message.id):
            for english in _forms(message.string):
                assert set(re.findall(r"%\(\w+\)s", dutch)) == set(re.findall(r"%\(\w+\)s", english))

    pot = tmp_path / "annex.pot"
    subprocess.run(
        [
            str(REPO / ".venv" / "bin" / "pybabel"),
            "extract",
            "-F",
            "babel-annex.cfg",
            "-o",
            str(pot),
            ".",
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        source = {m.id for m in read_po(handle) if m.id}
    assert source == {m.id for m in messages}


def test_meeting_language_defaults_to_dutch(app):
    with app.app_context():
        assert Meeting.__table__.c.language.server_default.arg == "nl"


def test_catalogue_is_compiled_on_first_use_when_the_mo_is_missing_or_stale(tmp_path, monkeypatch):
    """No `make messages` needed: without annex.mo (or with an older one) the .po is read."""
    import os
    import shutil

    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(PO, folder / "annex.po")
    monkeypatch.setattr(language, "TRANSLATIONS_DIR", tmp_path)
    language.translations.cache_clear()
    try:
        assert language.translator("en")("Tafel") == "Table"
        # a stale .mo (older than the .po) is not believed
        (folder / "annex.mo").write_bytes(b"not a catalogue")
        os.utime(folder / "annex.mo", (1, 1))
        language.translations.cache_clear()
        assert language.translator("en")("Terugkoppeling tafels") == "Feedback from the tables"
    finally:
        language.translations.cache_clear()


def test_export_page_says_which_language(import_session, logged_in):
    slug = import_session(ENGLISH)
    page = logged_in.get(f"/secretariaat/vergaderingen/{slug}/bijlage").get_data(as_text=True)
    assert "De bijlage wordt in het Engels gemaakt, de taal van de vergadering." in page


def test_recurring_topics_on_the_screen_use_the_meetings_language(app, import_session):
    """English filler ("with", "should", "every") is no topic of an English meeting; stems are English."""
    from facilitator.live.topics import meeting_topics, recurring_topics

    texts = {
        1: ["Affordable homes with gardens should come first", "Every home needs a garden"],
        2: ["More affordable homes with every new station", "Gardens for everyone"],
    }
    english = {t["term"] for t in recurring_topics(texts, lang="en")["across"]}
    dutch_rules = {t["term"] for t in recurring_topics(texts, lang="nl")["across"]}
    assert "affordable homes" in english and "gardens" in english  # "garden" and "gardens": one stem
    assert not english & {"with", "should", "every", "more", "new"}
    assert {"every", "homes with"} <= dutch_rules  # the Dutch list does not know English filler

    with_english = ENGLISH.replace("Housing matters most.", "Affordable homes with gardens.").replace(
        'feedback = "Nothing to add."', 'feedback = "Nothing to add."\nreport = "Affordable homes with care."'
    )
    slug = import_session(with_english)
    with app.app_context():
        terms = {t["term"] for t in meeting_topics(operations.get_meeting(slug))["topics"]["across"]}
    assert "affordable homes" in terms and "with" not in terms
