"""A report per round: in a meeting held in rounds each table has a report of each round.

Met as a rapporteur and a screen meet it over the live socket: an update names its round and
lands in that round's report (also when the chair has moved on meanwhile), the acknowledgement
and the broadcast say the round, a reconnect's snapshot holds every round's report, a resend
changes nothing; round 1 (and a change that names no round) is the table's report of today.
"""

from __future__ import annotations

import base64

import pytest
from pycrdt import Doc, Text

from facilitator import operations
from facilitator.extensions import db
from facilitator.models import ReportVersion, RoundTable
from facilitator.round_reports import RoundReport

from .conftest import SESSIONS
from .live_support import NS, received, send, uid


@pytest.fixture
def database_url(both_database_url):
    """On SQLite and on PostgreSQL (the round reports' rows, inserts and locks)."""
    return both_database_url


@pytest.fixture
def meeting_links(rounds_links):
    """The three-round demo (the `connect` fixture connects to it)."""
    return rounds_links


def typed(state: str | None, text: str) -> tuple[Doc, str]:
    """A client's document from ``state`` (base64, or none yet) with ``text`` appended; the update."""
    doc: Doc = Doc()
    ytext = doc.get("report", type=Text)
    if state:
        doc.apply_update(base64.b64decode(state))
    before = doc.get_state()
    ytext += text
    return doc, base64.b64encode(doc.get_update(before)).decode()


def reports(app, table: int) -> dict[int, str]:
    """The table's report of each round as stored: {1: the table's own, 2: …}."""
    with app.app_context():
        found = db.session.query(RoundTable).filter_by(number=table).one()
        rows = db.session.query(RoundReport).filter_by(table_id=found.id).all()
        return {1: found.report} | {r.round_number: r.report for r in rows}


def test_each_round_has_its_own_report_and_an_update_lands_in_the_round_it_names(app, connect):
    chair, rapporteur, screen = connect("chair"), connect("rapporteur", 2), connect("screen")
    (snap,) = received(rapporteur, "snapshot")
    today = snap["tables"][0]["report"]
    assert "round_reports" not in snap["tables"][0]  # no round after the first has a report yet
    assert send(chair, "chair:round", {"op": uid(), "action": "open", "round": 2})["ok"]
    screen.get_received(NS)

    _, update = typed(None, "Ronde twee: verdienvermogen.")
    change = {"op": uid(), "update": update, "round": 2}
    ack = send(rapporteur, "report:update", change)
    assert ack["ok"] and ack["round"] == 2 and ack["length"] == len("Ronde twee: verdienvermogen.")
    (event,) = received(screen, "report")
    assert event["round"] == 2 and event["table"] == 2 and event["text"] == "Ronde twee: verdienvermogen."
    assert reports(app, 2) == {1: today, 2: "Ronde twee: verdienvermogen."}

    # the chair moves on to round 3; an update typed in round 2 (offline) still lands in round 2
    assert send(chair, "chair:round", {"op": uid(), "action": "open", "round": 3})["ok"]
    doc, _ = typed(None, "")
    doc.apply_update(base64.b64decode(update))
    before = doc.get_state()
    doc.get("report", type=Text).insert(len(b"Ronde twee: verdienvermogen."), " En bestaanszekerheid.")
    late = {"op": uid(), "update": base64.b64encode(doc.get_update(before)).decode(), "round": 2}
    assert send(rapporteur, "report:update", late)["round"] == 2
    assert send(rapporteur, "report:update", late)["ok"]  # the resend: answered, nothing twice
    # round 3 gets its own report; a change without a round is round 1's, today's report
    _, third = typed(None, "Derde ronde.")
    assert send(rapporteur, "report:update", {"op": uid(), "update": third, "round": 3})["ok"]
    first = typed(snap["tables"][0]["report_state"], " Aanvulling.")[1]
    plain = send(rapporteur, "report:update", {"op": uid(), "update": first})
    assert plain["ok"] and "round" not in plain
    assert reports(app, 2) == {
        1: today + " Aanvulling.",
        2: "Ronde twee: verdienvermogen. En bestaanszekerheid.",
        3: "Derde ronde.",
    }
    assert reports(app, 1)[1] != "" and 2 not in reports(app, 1)  # another table's untouched

    # a new page gets every round's report, the rapporteur with each document's state
    again = connect("rapporteur", 2)
    (fresh,) = received(again, "snapshot")
    later = fresh["tables"][0]["round_reports"]
    assert [(r["round"], r["text"]) for r in later] == [
        (2, "Ronde twee: verdienvermogen. En bestaanszekerheid."),
        (3, "Derde ronde."),
    ]
    doc, _ = typed(later[0]["state"], "")
    assert str(doc.get("report", type=Text)) == later[0]["text"]
    (shown,) = received(connect("screen"), "snapshot")
    table_2 = next(t for t in shown["tables"] if t["number"] == 2)
    assert [r["round"] for r in table_2["round_reports"]] == [2, 3] and "state" not in table_2[
        "round_reports"
    ][0]

    # the versions name their round
    with app.app_context():
        versions = db.session.query(ReportVersion).filter(ReportVersion.actor != "import").all()
        assert sorted((v.round_number or 1, v.text) for v in versions) == [
            (1, today + " Aanvulling."),
            (2, "Ronde twee: verdienvermogen. En bestaanszekerheid."),
            (3, "Derde ronde."),
        ]


def test_a_page_that_missed_updates_gets_the_newest_state_of_each_rounds_report(app, connect, meeting_links):
    from facilitator.live.snapshot import events_since

    rapporteur, screen = connect("rapporteur", 4), connect("screen")
    (snap,) = received(screen, "snapshot")
    for number, text in ((2, "Twee."), (3, "Drie."), (2, "Twee, later.")):
        doc_text = {"Twee, later.": "Twee."}.get(text)
        state = None
        if doc_text:  # round 2's document as the server has it, a word added
            with app.app_context():
                table = db.session.query(RoundTable).filter_by(number=4).one()
                row = db.session.query(RoundReport).filter_by(table_id=table.id, round_number=2).one()
                state = base64.b64encode(row.report_state).decode()
            text = ", later."
        update = typed(state, text)[1]
        assert send(rapporteur, "report:update", {"op": uid(), "update": update, "round": number})["ok"]
    with app.app_context():
        missed = events_since(operations.get_meeting(meeting_links["slug"]).id, snap["seq"], None)
    assert missed is not None
    replayed = [e["data"] for e in missed if e["event"] == "report"]
    assert sorted((d.get("round", 1), d["text"]) for d in replayed) == [(2, "Twee., later."), (3, "Drie.")]


@pytest.mark.parametrize("number", [0, 4, "2", True])
def test_a_round_the_meeting_does_not_have_is_refused(app, connect, number):
    rapporteur = connect("rapporteur", 2)
    refused = send(rapporteur, "report:update", {"op": uid(), "update": typed(None, "x")[1], "round": number})
    assert refused["ok"] is False and refused["error"] == "invalid" and "round" in refused["message"]
    assert reports(app, 2).keys() == {1}


def test_a_meeting_without_rounds_knows_only_its_one_report(app, import_session):
    from facilitator.extensions import socketio

    slug = import_session(SESSIONS / "ser-raad-2023-01-27.toml")
    with app.app_context():
        token = operations.links(operations.get_meeting(slug), "http://x")["tables"]["1"]["rapporteur"][
            "token"
        ]
    rapporteur = socketio.test_client(app, namespace="/live", auth={"token": token})
    (snap,) = received(rapporteur, "snapshot")
    assert "round_reports" not in snap["tables"][0]
    refused = send(rapporteur, "report:update", {"op": uid(), "update": typed(None, "x")[1], "round": 2})
    assert refused["error"] == "invalid"
    update = typed(snap["tables"][0]["report_state"], " Meer.")[1]
    ack = send(rapporteur, "report:update", {"op": uid(), "update": update, "round": 1})
    assert ack["ok"] and "round" not in ack
    rapporteur.disconnect(namespace="/live")


def test_a_rounds_report_counts_for_that_rounds_recurring_topics(app, connect):
    screen = connect("screen")
    for table in (1, 5):
        rapporteur = connect("rapporteur", table)
        update = typed(None, "Wij bespraken de kwantumcomputer uitgebreid.")[1]
        assert send(rapporteur, "report:update", {"op": uid(), "update": update, "round": 2})["ok"]

    def named(payload: dict) -> bool:
        found = send(screen, "topics:get", {"limit": 100, **payload})["topics"]["across"]
        return any("kwantumcomputer" in t["term"].lower() and t["tables"] == [1, 5] for t in found)

    assert named({"round": 2}) and named({})  # that round's, and over all rounds
    assert not named({"round": 1}) and not named({"round": 3})
