"""Groups of entries across tables, as the chair meets them over the live socket: make a group of
entries from several tables, move an entry to another group, undo by setting back what the
acknowledgement returned, merge, dissolve; the suggested groups; refusals in the page's
language; resends and `sync`. (tests/test_grouping.py tests the suggestions' arithmetic.)"""

from __future__ import annotations

import pytest

from facilitator import operations
from facilitator.entry_groups import EntryGroup
from facilitator.extensions import db

from .live_support import NS, received, send, uid


@pytest.fixture
def database_url(both_database_url):
    """Every test here runs on SQLite and on PostgreSQL (the batch's round subqueries, JSON, booleans)."""
    return both_database_url


def entries_of(client) -> dict[int, list[dict]]:
    (snap,) = received(client, "snapshot")
    return {t["number"]: t["entries"] for t in snap["tables"]}


def test_a_group_of_entries_from_several_tables_reaches_every_page(connect):
    chair, screen, rapporteur = connect("chair"), connect("screen"), connect("rapporteur", 2)
    entries = entries_of(chair)
    chosen = [entries[1][0]["id"], entries[3][0]["id"], entries[3][1]["id"]]
    for client in (screen, rapporteur):
        client.get_received(NS)
    group_id = uid()
    ack = send(
        chair, "group:set", {"op": uid(), "id": group_id, "name": " Verdienvermogen ", "entries": chosen}
    )
    assert ack["ok"] and ack["previous"] == []
    state = {"id": group_id, "name": "Verdienvermogen", "entries": chosen, "tables": [1, 3]}
    assert ack["groups"] == [state]
    for client in (screen, rapporteur):
        assert received(client, "group") == [{"group": state, "seq": ack["seq"]}]
    (snap,) = received(connect("screen"), "snapshot")
    assert snap["meeting"]["groups"] == [state]
    (table_snap,) = received(connect("rapporteur", 1), "snapshot")
    assert "groups" not in table_snap["meeting"]


def test_moving_an_entry_takes_it_out_of_its_group_and_the_ack_undoes_it(connect):
    chair = connect("chair")
    entries = entries_of(chair)
    a, b, c = entries[1][0]["id"], entries[4][0]["id"], entries[5][0]["id"]
    first, second = uid(), uid()
    send(chair, "group:set", {"op": uid(), "id": first, "name": "Eerste", "entries": [a, b]})
    moved = send(chair, "group:set", {"op": uid(), "id": second, "name": "Tweede", "entries": [b, c]})
    assert [g["entries"] for g in moved["groups"]] == [[b, c], [a]]
    assert moved["previous"] == [{"id": first, "name": "Eerste", "entries": [a, b], "tables": [1, 4]}]
    # undo: set back what the change replaced, and dissolve what it made
    for old in moved["previous"]:
        assert send(
            chair, "group:set", {"op": uid(), "id": old["id"], "name": old["name"], "entries": old["entries"]}
        )["ok"]
    assert send(chair, "group:set", {"op": uid(), "id": second, "name": "Tweede", "entries": []})["ok"]
    (snap,) = received(connect("chair"), "snapshot")
    assert [(g["id"], g["entries"]) for g in snap["meeting"]["groups"]] == [(first, [a, b])]


def test_merge_and_dissolve(connect):
    chair = connect("chair")
    entries = entries_of(chair)
    x, y = uid(), uid()
    send(chair, "group:set", {"op": uid(), "id": x, "name": "X", "entries": [entries[1][0]["id"]]})
    send(chair, "group:set", {"op": uid(), "id": y, "name": "Y", "entries": [entries[2][0]["id"]]})
    both = [entries[1][0]["id"], entries[2][0]["id"]]
    merged = send(chair, "group:set", {"op": uid(), "id": y, "name": "X en Y", "entries": both})
    assert [(g["id"], g["entries"]) for g in merged["groups"]] == [(y, both), (x, [])]
    (snap,) = received(connect("screen"), "snapshot")
    assert [(g["name"], g["tables"]) for g in snap["meeting"]["groups"]] == [("X en Y", [1, 2])]


def test_a_resend_is_answered_once_and_sync_replays_the_groups(app, connect):
    chair, screen = connect("chair"), connect("screen")
    entries = entries_of(chair)
    (snap,) = received(screen, "snapshot")
    payload = {"op": uid(), "id": uid(), "name": "Eén keer", "entries": [entries[6][0]["id"]]}
    first, again = send(chair, "group:set", payload), send(chair, "group:set", payload)
    assert first == again
    with app.app_context():
        assert db.session.query(EntryGroup).filter_by(name="Eén keer").count() == 1
    answer = send(screen, "sync", {"since": snap["seq"]})
    assert [e["data"]["group"]["name"] for e in answer["events"] if e["event"] == "group"] == ["Eén keer"]


def test_bad_groups_are_refused_in_the_pages_language_and_change_nothing(app, connect):
    chair = connect("chair", lang="en")
    entry = entries_of(chair)[1][0]["id"]
    cases = [
        ({"name": "", "entries": [entry]}, "invalid", "Give the group a name."),
        ({"name": "x" * 121, "entries": [entry]}, "too_large", None),
        ({"name": "Weg", "entries": [uid()]}, "not_found", None),
        ({"name": "Weg", "entries": "alles"}, "invalid", None),
        ({"name": "Weg", "entries": [entry], "id": "kort"}, "invalid", None),
    ]
    for extra, error, message in cases:
        ack = send(chair, "group:set", {"op": uid(), "id": uid(), **extra})
        assert ack["ok"] is False and ack["error"] == error, (extra, ack)
        assert message is None or ack["message"] == message
    with app.app_context():
        assert db.session.query(EntryGroup).count() == 0
    for role, table in (("rapporteur", 1), ("participant", 1), ("screen", 1), ("minutes", 1)):
        refused = send(
            connect(role, table), "group:set", {"op": uid(), "id": uid(), "name": "X", "entries": [entry]}
        )
        assert refused["error"] == "forbidden"
        assert send(connect(role, table), "groups:suggest", {})["error"] == "forbidden"


def test_suggested_groups_come_from_entries_at_several_tables_not_yet_grouped(connect):
    chair = connect("chair")
    entries = entries_of(chair)
    answer = send(chair, "groups:suggest", {})
    assert answer["ok"] and answer["round"] == 0 and answer["groups"]
    ids = {e["id"]: n for n, items in entries.items() for e in items}
    for group in answer["groups"]:
        assert len(group["entries"]) >= 2 and group["name"]
        assert group["tables"] == sorted({ids[e] for e in group["entries"]})
    taken = answer["groups"][0]
    send(chair, "group:set", {"op": uid(), "id": uid(), "name": taken["name"], "entries": taken["entries"]})
    again = send(chair, "groups:suggest", {"limit": 50})
    assert not set(taken["entries"]) & {e for g in again["groups"] for e in g["entries"]}


def test_a_deleted_meeting_takes_its_groups_with_it(app, connect, meeting_links):
    chair = connect("chair")
    entry = entries_of(chair)[1][0]["id"]
    send(chair, "group:set", {"op": uid(), "id": uid(), "name": "Weg", "entries": [entry]})
    with app.app_context():
        meeting = operations.get_meeting(meeting_links["meeting"])
        db.session.delete(meeting)
        db.session.commit()
        assert db.session.query(EntryGroup).count() == 0


# --- the session file and the annex -------------------------------------------------------------


def test_groups_go_through_the_session_file_and_into_the_annex(app, import_session):
    from facilitator import sessionfile
    from facilitator.export import markdown_writer
    from facilitator.export.annex import build_annex
    from facilitator.meeting_data import meeting_to_data

    from .conftest import SESSIONS

    path = SESSIONS / "ser-raad-2023-01-27-rondes.toml"
    data = sessionfile.loads(path.read_bytes())
    assert [g.name for g in data.groups][:3] == ["Brede welvaart", "Jongeren betrekken", "Verdienvermogen"]
    with app.app_context():
        meeting = operations.get_meeting(import_session(path))
        stored = (
            db.session.query(EntryGroup).filter_by(meeting_id=meeting.id).order_by(EntryGroup.position).all()
        )
        assert [g.name for g in stored] == [g.name for g in data.groups]
        again = meeting_to_data(meeting)
    assert again.groups == data.groups
    markdown = markdown_writer.to_markdown(build_annex(again))
    section = markdown.split("## Groepen van inbreng\n", 1)[1]
    assert "### Verdienvermogen\n\n*tafels 1, 4 en 5*\n\n- 1: Verdienvermogen" in section
    english = markdown_writer.to_markdown(build_annex(again, lang="en"))
    assert "## Groups of entries" in english and "*tables 1, 4 and 5*" in english


def test_a_wrong_group_in_a_session_file_is_one_clear_problem():
    import pytest

    from facilitator import sessionfile
    from facilitator.sessionfile import SessionFileError

    base = (
        'format = 1\n[meeting]\ntitle = "G"\ndate = 2026-12-05\n'
        '[[tables]]\nnumber = 1\n[[tables.entries]]\ntext = "a"\nbollen = ["sociaal"]\n'
        '[[tables.entries]]\ntext = "b"\nbollen = ["sociaal"]\n'
    )
    cases = {
        '[[groups]]\nname = "X"\nentries = [[2, 1]]\n': "tafel 2 bestaat niet",
        '[[groups]]\nname = "X"\nentries = [[1, 3]]\n': "geen inbreng nummer 3",
        '[[groups]]\nname = "X"\nentries = [[1, 1]]\n[[groups]]\nname = "Y"\nentries = [[1, 1]]\n': "al in groep 1",
        '[[groups]]\nname = "X"\nentries = [1, 1]\n': "[tafel, nummer]-paren",
        "[[groups]]\nentries = [[1, 1]]\n": "groups[1].name",
        '[[groups]]\nname = "X"\nentries = [[1, 1]]\nkleur = 1\n': "kleur",
    }
    for extra, problem in cases.items():
        with pytest.raises(SessionFileError) as caught:
            sessionfile.loads((base + extra).encode())
        assert any(problem in line for line in caught.value.problems), (extra, caught.value.problems)
    fine = sessionfile.loads((base + '[[groups]]\nname = "X"\nentries = [[1, 2], [1, 1]]\n').encode())
    assert fine.groups[0].entries == [(1, 2), (1, 1)]
