"""Groups of entries in curation, as the secretariat meets them: the page (no JavaScript needed)
shows the groups and the suggestions; a suggestion accepted under another name, a group made
from ticked entries, renamed, merged and dissolved, each reaching the live screens and the audit
trail; bad input refused with a reason, nothing changed; a form sent twice makes one group."""

from __future__ import annotations

import html
import re
import uuid

import pytest

from facilitator import operations
from facilitator.entry_groups import EntryGroup
from facilitator.extensions import db, socketio
from facilitator.models import AuditEvent


@pytest.fixture
def slug(import_session):
    return import_session()


def groups(app):
    with app.app_context():
        rows = db.session.query(EntryGroup).order_by(EntryGroup.position, EntryGroup.id).all()
        return [(g.key, g.name, list(g.entry_ids)) for g in rows if g.entry_ids]


def screen_client(app, slug):
    with app.app_context():
        token = operations.active_token(operations.get_meeting(slug), "screen").token
    client = socketio.test_client(app, namespace="/live", auth={"token": token})
    client.get_received("/live")
    return client


def test_the_secretariat_makes_and_changes_groups_and_the_screens_follow(app, slug, logged_in, post_form):
    base = f"/secretariaat/vergaderingen/{slug}/groepen"
    assert f'href="{base}/"' in logged_in.get(f"/secretariaat/vergaderingen/{slug}").get_data(as_text=True)
    page = html.unescape(logged_in.get(base + "/").get_data(as_text=True))
    assert "Nog geen groepen." in page and "Naam van voorstel 1" in page
    first_offer = re.search(r'<form method="post" action="[^"]*/nieuw">(.*?)</form>', page, re.S).group(1)
    offered = re.findall(r'name="entries" value="([^"]+)"', first_offer)
    assert len(offered) >= 2
    screen = screen_client(app, slug)

    op = str(uuid.uuid4())
    accepted = post_form(base + "/nieuw", data={"op": op, "name": "Welvaart, breed", "entries": offered})
    assert accepted.status_code == 302
    post_form(base + "/nieuw", data={"op": op, "name": "Welvaart, breed", "entries": offered})  # sent twice
    assert [(name, entries) for _, name, entries in groups(app)] == [("Welvaart, breed", offered)]
    (event,) = [m["args"][0] for m in screen.get_received("/live") if m["name"] == "group"]
    assert event["group"]["name"] == "Welvaart, breed" and event["group"]["entries"] == offered

    # a group from ticked entries, taking one entry out of the first
    ticked = [offered[0], *re.findall(r'name="entries" value="([^"]+)"', page)[-2:]]
    made = post_form(
        base + "/nieuw", data={"op": str(uuid.uuid4()), "name": "Zelf gekozen", "entries": ticked}
    )
    assert made.status_code == 302
    (first, _, first_entries), (second, _, _) = groups(app)
    assert offered[0] not in first_entries

    change = base + "/{}/wijzigen"
    post_form(change.format(second), data={"op": str(uuid.uuid4()), "action": "rename", "name": "Hernoemd"})
    assert groups(app)[1][1] == "Hernoemd"
    post_form(change.format(second), data={"op": str(uuid.uuid4()), "action": "merge", "into": first})
    assert [name for _, name, _ in groups(app)] == ["Welvaart, breed"]
    post_form(change.format(first), data={"op": str(uuid.uuid4()), "action": "dissolve"})
    assert groups(app) == []
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="curation_changed").count() >= 5


def test_bad_input_is_refused_with_a_reason_and_changes_nothing(app, slug, logged_in, post_form):
    base = f"/secretariaat/vergaderingen/{slug}/groepen"
    page = logged_in.get(base + "/").get_data(as_text=True)
    some = re.findall(r'name="entries" value="([^"]+)"', page)[:2]
    no_name = post_form(base + "/nieuw", data={"op": str(uuid.uuid4()), "name": "", "entries": some})
    assert no_name.status_code == 400 and "Geef de groep een naam." in no_name.get_data(as_text=True)
    none = post_form(base + "/nieuw", data={"op": str(uuid.uuid4()), "name": "Leeg"})
    assert none.status_code == 400 and "Vink de inbreng van de groep aan." in none.get_data(as_text=True)
    unknown = post_form(
        base + "/nieuw", data={"op": str(uuid.uuid4()), "name": "X", "entries": ["bestaat-niet-123"]}
    )
    assert unknown.status_code == 400
    assert post_form(base + "/onbekend-id-1234/wijzigen", data={"action": "dissolve"}).status_code == 404
    assert groups(app) == []
    english = logged_in.get(base + "/?lang=en").get_data(as_text=True)
    assert "Groups of entries" in english


def test_the_last_change_of_the_groups_can_be_undone_and_the_screens_follow(app, slug, logged_in, post_form):
    base = f"/secretariaat/vergaderingen/{slug}/groepen"
    page = html.unescape(logged_in.get(base + "/").get_data(as_text=True))
    assert "Laatste wijziging ongedaan maken" not in page  # nothing done yet
    entries = re.findall(r'name="entries" value="([^"]+)"', page.split('id="new-h"', 1)[1])
    one = {"op": str(uuid.uuid4()), "name": "Eerste", "entries": entries[:3]}
    two = {"op": str(uuid.uuid4()), "name": "Tweede", "entries": entries[3:5]}
    assert post_form(base + "/nieuw", data=one).status_code == 302
    assert post_form(base + "/nieuw", data=two).status_code == 302
    (first, _, _), (second, _, _) = groups(app)
    change = {"op": str(uuid.uuid4()), "action": "merge", "into": first}
    assert post_form(f"{base}/{second}/wijzigen", data=change).status_code == 302
    assert [(name, len(e)) for _, name, e in groups(app)] == [("Eerste", 5)]
    screen = screen_client(app, slug)

    page = logged_in.get(base + "/").get_data(as_text=True)
    assert "Laatste wijziging ongedaan maken" in page
    undone = post_form(base + "/ongedaan", data={"op": str(uuid.uuid4())}, follow_redirects=True)
    assert "De laatste wijziging van de groepen is ongedaan gemaakt." in html.unescape(
        undone.get_data(as_text=True)
    )
    assert [(name, e) for _, name, e in groups(app)] == [("Eerste", entries[:3]), ("Tweede", entries[3:5])]
    shown = {m["args"][0]["group"]["name"] for m in screen.get_received("/live") if m["name"] == "group"}
    assert shown == {"Eerste", "Tweede"}
    # once: a second undo finds nothing (the one before the merge is not undone with it)
    again = post_form(base + "/ongedaan", data={"op": str(uuid.uuid4())})
    assert again.status_code == 303 and len(groups(app)) == 2
    assert "Laatste wijziging ongedaan maken" not in logged_in.get(base + "/").get_data(as_text=True)

    # undo of a new group dissolves it
    three = {"op": str(uuid.uuid4()), "name": "Derde", "entries": entries[5:7]}
    assert post_form(base + "/nieuw", data=three).status_code == 302
    assert post_form(base + "/ongedaan", data={"op": str(uuid.uuid4())}).status_code == 302
    assert [name for _, name, _ in groups(app)] == ["Eerste", "Tweede"]
    assert post_form(base + "/nieuw", data=three | {"op": str(uuid.uuid4())}).status_code == 302
    english = logged_in.get(base + "/?lang=en").get_data(as_text=True)
    assert "Undo the last change" in english
