"""Priorities in the annex: a "Prioriteiten" section with each closed vote's entries ranked, their
dots and the table each came from, ties as ties, in the PDF, the DOCX, the ODT and the Markdown,
in the meeting's language; an open vote and every ballot stay out."""

from __future__ import annotations

import dataclasses
import subprocess
import uuid
import zipfile

import pytest
from docx import Document

from facilitator import operations
from facilitator.export import markdown_writer, service
from facilitator.export.annex import build_annex
from facilitator.meeting_data import VoteData, VoteResultData, meeting_to_data

from .test_annex import DEMO_DATA, dispose, make_app

NS = "/live"
HARD = "Wonen <b>&amp;</b> | *zorg* — één"  # text each writer must escape or keep as is
VOTES = [
    VoteData(
        number=1,
        title="Wat eerst?",
        scope="plenary",
        table=None,
        dots=3,
        ballots=4,
        results=[
            VoteResultData(HARD, 2, 5, 1),
            VoteResultData("Brede welvaart meten", 1, 5, 1),
            VoteResultData("Kansengelijkheid", 3, 2, 3),
        ],
    ),
    VoteData(number=2, title="", scope="table", table=4, dots=1, ballots=0, results=[]),
]
WITH_VOTES = dataclasses.replace(DEMO_DATA, votes=VOTES)


def test_the_markdown_ranks_each_vote_with_ties_as_ties():
    markdown = markdown_writer.to_markdown(build_annex(WITH_VOTES))
    section = markdown.split("## Prioriteiten\n", 1)[1]
    assert "### Stemming 1 (plenair): Wat eerst?" in section
    assert "4 stemmen uitgebracht, elk met 3 stippen." in section
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[0] == "| Positie | Inbreng | Tafel | Stippen |"
    assert rows[1].startswith("| 1 (gedeeld) | Wonen \\<b>\\&amp;\\</b> \\| \\*zorg\\* — één | 2 | 5 |")
    assert rows[2] == "| 1 (gedeeld) | Brede welvaart meten | 1 | 5 |"
    assert rows[3] == "| 3 | Kansengelijkheid | 3 | 2 |"
    assert "### Stemming 2 (tafel 4)" in section
    assert "## Prioriteiten" not in markdown_writer.to_markdown(build_annex(DEMO_DATA))


def test_english_words_for_an_english_meeting():
    markdown = markdown_writer.to_markdown(build_annex(dataclasses.replace(WITH_VOTES, language="en")))
    assert "## Priorities" in markdown and "### Vote 1 (plenary): Wat eerst?" in markdown
    assert "| Rank | Entry | Table | Dots |" in markdown and "| 1 (tied) |" in markdown
    assert "4 ballots cast, each with 3 dots." in markdown and "Prioriteiten" not in markdown


def test_only_closed_votes_reach_the_data_and_no_ballot_does(app, connect, meeting_links):
    snap = [m["args"][0] for m in connect("screen").get_received(NS) if m["name"] == "snapshot"][0]
    first, second = (snap["tables"][n]["entries"][0]["id"] for n in (0, 1))
    chair = connect("chair")
    phone = connect("participant", 1, author="k" * 32)

    def send(client, event, payload):
        return client.emit(event, {"op": str(uuid.uuid4()), **payload}, namespace=NS, callback=True)

    opened = {"action": "open", "scope": "plenary", "entries": [first, second], "dots": 2}
    assert send(chair, "chair:vote", opened)["ok"] and send(chair, "chair:vote", opened)["ok"]
    assert send(phone, "vote:cast", {"vote": 1, "dots": {second: 1}})["ok"]
    assert send(chair, "chair:vote", {"action": "close", "vote": 1})["ok"]
    with app.app_context():
        data = meeting_to_data(operations.get_meeting(meeting_links["meeting"]))
    (vote,) = data.votes  # vote 2 is still open
    assert [(r.table, r.count, r.rank) for r in vote.results] == [(2, 1, 1), (1, 0, 2)]
    assert vote.ballots == 1 and "k" * 32 not in repr(data)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("votes")
    app = make_app(tmp)
    out = {}
    try:
        with app.app_context():
            for fmt in ("pdf", "docx", "odt"):
                out[fmt] = tmp / f"votes.{fmt}"
                service.export_annex(WITH_VOTES, fmt, out[fmt], keep_spare=False)
    finally:
        dispose(app)
    return out


def test_the_pdf_docx_and_odt_print_the_priorities(files):
    text = subprocess.run(
        ["pdftotext", "-layout", str(files["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Prioriteiten" in text and "Stemming 1 (plenair): Wat eerst?" in text
    assert "Wonen <b>&amp;</b> | *zorg* — één" in text and "1 (gedeeld)" in text
    doc = Document(str(files["docx"]))
    lines = [p.text for p in doc.paragraphs]
    assert "Prioriteiten" in lines and "Stemming 2 (tafel 4)" in lines
    assert f"1 (gedeeld): {HARD} — Tafel 2 — 5 stippen" in lines
    assert "3: Kansengelijkheid — Tafel 3 — 2 stippen" in lines
    with zipfile.ZipFile(files["odt"]) as odt:
        content = odt.read("content.xml").decode()
    assert ">Prioriteiten<" in content and "Wonen &lt;b&gt;&amp;amp;&lt;/b&gt; | *zorg* — één" in content


def test_the_ballot_count_is_plural_aware_in_both_languages():
    one = dataclasses.replace(VOTES[0], ballots=1, dots=1)
    data = dataclasses.replace(DEMO_DATA, votes=[one, VOTES[0]])
    dutch = markdown_writer.to_markdown(build_annex(data))
    assert (
        "1 stem uitgebracht, met één stip." in dutch and "4 stemmen uitgebracht, elk met 3 stippen." in dutch
    )
    english = markdown_writer.to_markdown(build_annex(dataclasses.replace(data, language="en")))
    assert "1 ballot cast, with one dot." in english and "4 ballots cast, each with 3 dots." in english
