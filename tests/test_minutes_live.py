"""The minute-taker on the live protocol: its link and role, the plenary feedback co-edited as a
CRDT document (merge, refusals, sync replay), who reported back, and the minutes' export of it."""

from __future__ import annotations

import base64
import uuid

import pytest
from pycrdt import Doc, Text

from facilitator import operations
from facilitator.export import minutes as minutes_export
from facilitator.export.service import load_meeting_data
from facilitator.extensions import db
from facilitator.models import Operation

NS = "/live"


def uid() -> str:
    return str(uuid.uuid4())


def received(client, name):
    return [m["args"][0] for m in client.get_received(NS) if m["name"] == name]


def send(client, event, payload):
    return client.emit(event, payload, namespace=NS, callback=True)


class Typist:
    """A minute-taker's document of one table's feedback, as report-editor.js keeps it."""

    def __init__(self, state_b64: str):
        self.doc = Doc()
        self.text = self.doc.get("feedback", type=Text)
        self.doc.apply_update(base64.b64decode(state_b64))

    def type(self, at: int | None, words: str) -> str:
        before = self.doc.get_state()
        self.text.insert(len(self.text) if at is None else at, words)  # pycrdt counts UTF-8 bytes
        return base64.b64encode(self.doc.get_update(before)).decode()

    def merge(self, update_b64: str) -> None:
        self.doc.apply_update(base64.b64decode(update_b64))

    def __str__(self) -> str:
        return str(self.text)


def feedback_state(snapshot: dict, number: int) -> str:
    return next(t for t in snapshot["tables"] if t["number"] == number)["feedback_state"]


def test_the_minutes_link_is_listed_and_opens_its_page(app, client, meeting_links):
    token = meeting_links["minutes"]["token"]
    assert meeting_links["minutes"]["url"] == f"http://x/notulen/{token}"
    page = client.get(f"/notulen/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1" in html and html.count("<h1") == 1 and "<title>" in html
    assert client.get(f"/notulen/{meeting_links['chair']['token']}").status_code == 404
    assert client.get(f"/voorzitter/{token}").status_code == 404


def test_snapshot_carries_every_tables_feedback_for_minutes_only(connect):
    (snap,) = received(connect("minutes"), "snapshot")
    assert snap["role"] == "minutes" and snap["table"] is None
    assert [t["number"] for t in snap["tables"]] == [1, 2, 3, 4, 5, 6]
    assert all("feedback" in t and base64.b64decode(t["feedback_state"]) for t in snap["tables"])
    assert all("report_state" not in t for t in snap["tables"])
    for role in ("chair", "screen"):
        (other,) = received(connect(role), "snapshot")
        assert all("feedback_state" not in t and "feedback" not in t for t in other["tables"])


@pytest.mark.parametrize("role", ["chair", "screen"])
def test_only_the_minute_taker_types_feedback(connect, role):
    state = feedback_state(received(connect("minutes"), "snapshot")[0], 1)
    other = connect(role)
    update = Typist(state).type(0, "Mag niet.")
    ack = send(other, "feedback:update", {"op": uid(), "table": 1, "update": update})
    assert ack == {"ok": False, "error": "forbidden", "message": ack["message"]}
    ack = send(other, "feedback:spokesperson", {"op": uid(), "table": 1, "name": "Smit"})
    assert ack["error"] == "forbidden"
    rapporteur = connect("rapporteur", 1)
    ack = send(rapporteur, "feedback:update", {"op": uid(), "table": 1, "update": update})
    assert ack["error"] == "forbidden"


def test_bad_feedback_payloads_are_refused_and_change_nothing(app, connect):
    minutes = connect("minutes")
    state = feedback_state(received(minutes, "snapshot")[0], 2)
    good = Typist(state).type(0, "Tekst")
    cases = [
        ({"op": uid(), "table": 99, "update": good}, "not_found"),
        ({"op": uid(), "table": "1", "update": good}, "invalid"),
        ({"op": uid(), "update": good}, "invalid"),
        ({"op": uid(), "table": 2, "update": "!!!"}, "invalid"),
        ({"op": uid(), "table": 2}, "invalid"),
    ]
    for payload, error in cases:
        ack = send(minutes, "feedback:update", payload)
        assert ack["ok"] is False and ack["error"] == error, (payload, ack)
        assert ack["message"]
    # an update of another root (not the feedback text) is refused too
    doc = Doc()
    doc.get("report", type=Text).insert(0, "Verkeerd")
    wrong = base64.b64encode(doc.get_update()).decode()
    ack = send(minutes, "feedback:update", {"op": uid(), "table": 2, "update": wrong})
    assert ack["error"] == "invalid"
    ack = send(minutes, "feedback:spokesperson", {"op": uid(), "table": 2})
    assert ack["error"] == "invalid"
    ack = send(minutes, "feedback:spokesperson", {"op": uid(), "table": 2, "name": "x" * 500})
    assert ack["error"] == "too_large"
    with app.app_context():
        table = operations.get_meeting(load_slug(app)).table(2)
        assert table.feedback == "" and table.spokesperson is None


def load_slug(app) -> str:
    with app.app_context():
        from facilitator.models import Meeting

        return db.session.execute(db.select(Meeting.slug)).scalars().first()


def test_two_minute_takers_type_at_once_and_both_texts_are_kept(app, connect):
    one, two = connect("minutes"), connect("minutes")
    state = feedback_state(received(one, "snapshot")[0], 3)
    received(two, "snapshot")
    first, second = Typist(state), Typist(state)
    a = first.type(None, "Woningbouw is urgent. ")
    b = second.type(None, "Onderwijs verdient aandacht.")
    # both typed against the same state; the server merges both
    assert send(one, "feedback:update", {"op": uid(), "table": 3, "update": a})["ok"]
    assert send(two, "feedback:update", {"op": uid(), "table": 3, "update": b})["ok"]
    events_one = received(one, "feedback")
    events_two = received(two, "feedback")
    assert [e["table"] for e in events_one] == [3, 3] and len(events_two) == 2
    for event in events_two:
        second.merge(event["update"])
    for event in events_one:
        first.merge(event["update"])
    assert str(first) == str(second) == events_two[-1]["text"]
    assert "Woningbouw is urgent." in str(first) and "Onderwijs verdient aandacht." in str(first)
    with app.app_context():
        assert operations.get_meeting(load_slug(app)).table(3).feedback == str(first)


def test_feedback_reaches_minute_takers_only(connect):
    minutes = connect("minutes")
    chair, screen, rapporteur = connect("chair"), connect("screen"), connect("rapporteur", 1)
    for client in (chair, screen, rapporteur):
        client.get_received(NS)
    state = feedback_state(received(minutes, "snapshot")[0], 1)
    update = Typist(state).type(0, "Alleen voor de notulen.")
    assert send(minutes, "feedback:update", {"op": uid(), "table": 1, "update": update})["ok"]
    assert received(minutes, "feedback")
    for client in (chair, screen, rapporteur):
        assert not received(client, "feedback")


def test_an_update_on_a_missing_predecessor_is_out_of_sync(connect):
    minutes = connect("minutes")
    state = feedback_state(received(minutes, "snapshot")[0], 4)
    typist = Typist(state)
    typist.type(None, " Eerste zin, nooit verstuurd.")
    later = typist.type(None, " Tweede zin.")
    ack = send(minutes, "feedback:update", {"op": uid(), "table": 4, "update": later})
    assert ack["error"] == "out_of_sync" and base64.b64decode(ack["state"])
    # what the server lacks according to its state vector: then everything is there
    missing = base64.b64encode(typist.doc.get_update(base64.b64decode(ack["state"]))).decode()
    assert send(minutes, "feedback:update", {"op": uid(), "table": 4, "update": missing})["ok"]
    assert received(minutes, "feedback")[-1]["text"].endswith(" Eerste zin, nooit verstuurd. Tweede zin.")


def test_a_resent_op_is_applied_once(connect):
    minutes = connect("minutes")
    state = feedback_state(received(minutes, "snapshot")[0], 5)
    payload = {"op": uid(), "table": 5, "update": Typist(state).type(0, "Eens.")}
    first = send(minutes, "feedback:update", payload)
    assert send(minutes, "feedback:update", payload) == first
    assert len(received(minutes, "feedback")) == 1


def test_sync_replays_feedback_to_minute_takers_only(app, connect):
    minutes, rapporteur, chair = connect("minutes"), connect("rapporteur", 1), connect("chair")
    snap = received(minutes, "snapshot")[0]
    since = snap["seq"]
    typist = Typist(feedback_state(snap, 1))
    for words in ("Een. ", "Twee. ", "Drie."):
        update = typist.type(None, words)
        assert send(minutes, "feedback:update", {"op": uid(), "table": 1, "update": update})["ok"]
    assert send(minutes, "feedback:spokesperson", {"op": uid(), "table": 1, "name": "Smit"})["ok"]
    answer = send(minutes, "sync", {"since": since})
    names = [e["event"] for e in answer["events"]]
    assert names == ["feedback", "table"]  # the feedback's whole state once, then who reported back
    replayed = Typist(snap["tables"][0]["feedback_state"])
    replayed.merge(answer["events"][0]["data"]["update"])
    assert str(replayed) == str(typist) == answer["events"][0]["data"]["text"]
    assert str(replayed).endswith("Een. Twee. Drie.")
    assert answer["events"][1]["data"]["info"]["spokesperson"] == "Smit"
    for other in (rapporteur, chair):
        events = send(other, "sync", {"since": since})["events"]
        assert [e["event"] for e in events] == ["table"]
    with app.app_context():
        kinds = db.session.execute(db.select(Operation.kind).where(Operation.seq > since)).scalars().all()
        assert kinds.count("feedback:update") == 3


def test_spokesperson_is_set_and_a_new_name_joins_the_participants(app, connect):
    minutes, rapporteur = connect("minutes"), connect("rapporteur", 2)
    rapporteur.get_received(NS)
    ack = send(minutes, "feedback:spokesperson", {"op": uid(), "table": 2, "name": "Kroes"})
    assert ack["ok"] and ack["info"]["spokesperson"] == "Kroes"
    (event,) = received(rapporteur, "table")
    assert event["info"]["spokesperson"] == "Kroes"
    ack = send(minutes, "feedback:spokesperson", {"op": uid(), "table": 2, "name": "  Invaller  "})
    assert ack["info"]["spokesperson"] == "Invaller" and ack["info"]["participants"][-1] == "Invaller"
    assert send(minutes, "feedback:spokesperson", {"op": uid(), "table": 2, "name": None})["ok"]
    with app.app_context():
        table = operations.get_meeting(load_slug(app)).table(2)
        assert table.spokesperson is None and "Invaller" in table.participant_names


def test_feedback_may_be_typed_after_the_close(connect):
    minutes, chair = connect("minutes"), connect("chair")
    state = feedback_state(received(minutes, "snapshot")[0], 6)
    assert send(chair, "chair:phase", {"op": uid(), "phase": "closed"})["ok"]
    update = Typist(state).type(0, "Nagekomen.")
    assert send(minutes, "feedback:update", {"op": uid(), "table": 6, "update": update})["ok"]


def test_the_minutes_export_holds_the_typed_text_in_feedback_order(app, connect, logged_in):
    minutes = connect("minutes")
    snap = received(minutes, "snapshot")[0]
    typed = {4: "Tafel vier zegt **ja**.", 1: "Tafel een zegt nee.", 3: "Tafel drie twijfelt."}
    for number, words in typed.items():
        typist = Typist(feedback_state(snap, number))
        del typist.text[0 : len(typist.text)]  # the demo's feedback replaced by what was said
        update = base64.b64encode(typist.doc.get_update(base64.b64decode(feedback_state(snap, number))))
        payload = {"op": uid(), "table": number, "update": update.decode()}
        assert send(minutes, "feedback:update", payload)["ok"]
        before = typist.doc.get_state()
        typist.text.insert(0, words)
        update = base64.b64encode(typist.doc.get_update(before)).decode()
        assert send(minutes, "feedback:update", {"op": uid(), "table": number, "update": update})["ok"]
    assert send(minutes, "feedback:spokesperson", {"op": uid(), "table": 4, "name": "Nijpels"})["ok"]
    slug = snap["meeting"]["slug"]
    response = logged_in.get(f"/secretariaat/vergaderingen/{slug}/terugkoppeling.md")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    # the feedback order of the demo is 1, 3, 4, 5, 6
    one, three, four = (text.index(f"Terugkoppeling van tafel {n}") for n in (1, 3, 4))
    assert one < three < four
    assert "Terugkoppeling van tafel 4 door Nijpels." in text
    said = [
        text.index(words)
        for words in ("Tafel een zegt nee.", "Tafel drie twijfelt.", "Tafel vier zegt **ja**.")
    ]
    assert said == sorted(said)
    docx = logged_in.get(f"/secretariaat/vergaderingen/{slug}/terugkoppeling.docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    with app.app_context():
        assert minutes_export.to_markdown(load_meeting_data(slug)) == text


def test_minutes_downloads_need_a_login(client, meeting_links):
    slug = meeting_links["meeting"]
    response = client.get(f"/secretariaat/vergaderingen/{slug}/terugkoppeling.md")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]


def test_rotating_the_minutes_link_stops_the_old_one(app, connect, meeting_links, client):
    minutes = connect("minutes")
    with app.app_context():
        operations.rotate_token(operations.get_meeting(meeting_links["meeting"]), "minutes")
    assert client.get(f"/notulen/{meeting_links['minutes']['token']}").status_code == 404
    ack = send(minutes, "feedback:spokesperson", {"op": uid(), "table": 1, "name": "Smit"})
    assert ack["ok"] is False


def test_the_links_page_lists_the_minutes_link_and_renews_it(app, logged_in, post_form, meeting_links):
    slug = meeting_links["meeting"]
    old = meeting_links["minutes"]["token"]
    page = logged_in.get(f"/secretariaat/vergaderingen/{slug}/links").get_data(as_text=True)
    assert "Notulist" in page and f"/notulen/{old}" in page
    assert f"/secretariaat/vergaderingen/{slug}/links/notulen/vernieuwen" in page
    assert logged_in.get(f"/secretariaat/vergaderingen/{slug}/links/notulen/vernieuwen").status_code == 200
    response = post_form(f"/secretariaat/vergaderingen/{slug}/links/notulen/vernieuwen")
    assert response.status_code == 302
    with app.app_context():
        fresh = operations.active_token(operations.get_meeting(slug), "minutes")
        assert fresh.token != old
    assert logged_in.get(f"/notulen/{old}").status_code == 404
    assert logged_in.get(f"/notulen/{fresh.token}").status_code == 200
    # the secretariat's own way in goes to the current link
    opened = logged_in.get(f"/secretariaat/vergaderingen/{slug}/notulen")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/notulen/{fresh.token}")
    meeting_page = logged_in.get(f"/secretariaat/vergaderingen/{slug}").get_data(as_text=True)
    assert "terugkoppeling.docx" in meeting_page and "terugkoppeling.md" in meeting_page


def test_sync_skips_the_logged_changes_of_a_table_removed_since(app, connect):
    """A report and a feedback change of a table that is gone since do not fail a sync (which a
    client would send again forever): they replay as nothing."""
    from facilitator.live.actions.feedback import replay_feedback
    from facilitator.live.actions.report import replay_report
    from facilitator.models import Meeting, Operation

    with app.app_context():
        meeting = db.session.query(Meeting).one()
        for kind in ("report:update", "feedback:update"):
            row = Operation(meeting_id=meeting.id, op_id=kind, seq=1, table_number=99, kind=kind, result={})
            assert (replay_report if kind == "report:update" else replay_feedback)(row) == []
    minutes = connect("minutes")
    ack = minutes.emit("sync", {"since": 0}, namespace="/live", callback=True)
    assert ack["ok"]
