"""The demo as a three-round meeting, from the session file to the annex, as the chair and the
tables run it over the live socket: round by round (round 3 free entries that wait for the
rapporteur), groups (from the file, and one more suggested and accepted), a plenary vote on a
shortlist; then the annex has a section per round for every table, the groups and the priorities."""

from __future__ import annotations

import pytest

from facilitator import operations
from facilitator.export import markdown_writer
from facilitator.export.annex import build_annex
from facilitator.meeting_data import meeting_to_data

from .conftest import SESSIONS
from .live_support import received, send, uid


@pytest.fixture
def meeting_links(app, import_session):
    slug = import_session(SESSIONS / "ser-raad-2023-01-27-rondes.toml")
    with app.app_context():
        return operations.links(operations.get_meeting(slug), "http://x") | {"slug": slug}


def test_the_demo_run_as_three_rounds_with_a_vote_and_groups_ends_in_the_annex(app, connect, meeting_links):
    chair = connect("chair")
    rapporteurs = {n: connect("rapporteur", n, author=f"verslag-{n}-" + "x" * 20) for n in (1, 2, 3)}
    phone = connect("participant", 2, author="telefoon-" + "y" * 20)

    # round 1 and 2: entries into the bollen; in round 2 every table sees the others'
    for number, text in ((1, "Meer aandacht voor regio's"), (2, "Samen meten met het CBS")):
        assert send(chair, "chair:round", {"op": uid(), "action": "open", "round": number})["ok"]
        for n, client in rapporteurs.items():
            payload = {"op": uid(), "id": uid(), "text": f"{text} ({n})", "bollen": ["sociaal"]}
            assert send(client, "entry:add", payload)["entry"]["round"] == number
    # round 3: free entries; the participant's waits for the rapporteur
    assert send(chair, "chair:round", {"op": uid(), "action": "open", "round": 3})["ok"]
    waiting = send(phone, "entry:add", {"op": uid(), "id": uid(), "text": "Vaker terugkoppelen"})
    assert waiting["entry"]["waiting"] is True
    assert send(rapporteurs[2], "entry:approve", {"op": uid(), "id": waiting["entry"]["id"]})["ok"]
    held = send(phone, "entry:add", {"op": uid(), "id": uid(), "text": "Nog niet goedgekeurd"})
    assert held["entry"]["waiting"] is True

    # groups: the file's, and a suggestion accepted under the chair's own name
    (snap,) = received(connect("chair"), "snapshot")
    assert len(snap["meeting"]["groups"]) == 4
    offer = send(chair, "groups:suggest", {"round": 0})["groups"][0]
    made = send(
        chair,
        "group:set",
        {"op": uid(), "id": uid(), "name": "Door de voorzitter", "entries": offer["entries"]},
    )
    assert made["ok"]

    # a plenary vote on a shortlist of three entries from three tables
    ids = [e["id"] for t in snap["tables"][:3] for e in t["entries"][:1]]
    vote = send(
        chair, "chair:vote", {"op": uid(), "action": "open", "scope": "plenary", "entries": ids, "dots": 3}
    )
    number = vote["vote"]["number"]
    assert send(phone, "vote:cast", {"op": uid(), "vote": number, "dots": {ids[0]: 1, ids[1]: 1}})["ok"]
    assert send(rapporteurs[1], "vote:cast", {"op": uid(), "vote": number, "dots": {ids[1]: 1}})["ok"]
    assert send(chair, "chair:vote", {"op": uid(), "action": "close", "vote": number})["ok"]

    with app.app_context():
        data = meeting_to_data(operations.get_meeting(meeting_links["slug"]))
    markdown = markdown_writer.to_markdown(build_annex(data))
    for n in range(1, 7):
        section = markdown.split(f"## Tafel {n}\n", 1)[1].split("\n## ", 1)[0]
        assert [line for line in section.splitlines() if line.startswith("### Ronde")] == [
            "### Ronde 1",
            "### Ronde 2",
            "### Ronde 3",
        ]
    assert "Meer aandacht voor regio's (1)" in markdown and "Samen meten met het CBS (3)" in markdown
    assert "Vaker terugkoppelen" in markdown and "Nog niet goedgekeurd" not in markdown
    groups = markdown.split("## Groepen van inbreng\n", 1)[1]
    assert "### Door de voorzitter" in groups and "### Verdienvermogen" in groups
    priorities = markdown.split("## Prioriteiten\n", 1)[1]
    # the file's vote (number 1, its ballots imported without names) and the one held just now
    assert "Stemming 1 (plenair): Wat pakt de SER als eerste op?" in priorities and number == 2
    assert "6 stemmen uitgebracht, elk met 3 stippen." in priorities
    assert "Stemming 2 (plenair)" in priorities and "2 stemmen uitgebracht" in priorities
