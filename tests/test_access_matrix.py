"""The access matrix (issue 10): every caller × every HTTP route and every live event.

Routes come from ``app.url_map`` and events from ``CLIENT_EVENTS``; each has a line
in the expectation tables below, and a route or event without one fails the test, so a new
one cannot be forgotten. URLs are filled from a fixture meeting ("target"); the callers'
links belong to another copy of the same meeting ("home"), so that the secretariat's posts
(a rotation, an edit) cannot change who the callers are.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from facilitator import operations
from facilitator.extensions import db, socketio
from facilitator.live.actions import CLIENT_EVENTS
from facilitator.models import Entry, Meeting, RoundTable

from .conftest import SESSIONS, csrf_token
from .routemap import meeting_values, routes, url

NS = "/live"
SER = SESSIONS / "ser-raad-2023-01-27.toml"
LOGIN = "/secretariaat/inloggen"


@dataclass(frozen=True)
class Caller:
    name: str
    role: str | None = None  # the role of the caller's link, if it has a working one
    token: str | None = None
    logged_in: bool = False
    admin: bool = False  # logged in as an administrator (accounts, house style, audit trail)


# -- HTTP: what each route answers; the cell follows from the caller -----------------------------

PUBLIC = "public"  # the same for everyone
SECRETARIAT = "secretariat"  # logged in: the status; others: the login page (GET) or 403 (POST)
ADMIN = "admin"  # an administrator: the status; a member of the secretariat: 403; others as above
TOKEN = "token"  # the caller's own link of this role (or these roles): 200; anything else: 404

EXPECT_HTTP: dict[str, tuple[str, object]] = {
    "GET /": (PUBLIC, 302),
    "GET /healthz": (PUBLIC, 200),
    "GET /sw.js": (PUBLIC, 200),
    "GET /secretariaat/inloggen": (PUBLIC, 200),
    "POST /secretariaat/inloggen": (PUBLIC, 400),  # an empty form
    # sign-in through the organisation: only when OIDC_ISSUER is set (tests/test_oidc.py)
    "GET /secretariaat/inloggen/organisatie/": (PUBLIC, 404),
    "GET /secretariaat/inloggen/organisatie/terug": (PUBLIC, 404),
    # two-step login (tests/test_totp.py): the code step without a right password first: to login
    "GET /secretariaat/inloggen/code": (PUBLIC, 302),
    "POST /secretariaat/inloggen/code": (PUBLIC, 302),
    "GET /secretariaat/tweestapsverificatie": (SECRETARIAT, 200),
    "POST /secretariaat/tweestapsverificatie": (SECRETARIAT, 400),  # no code
    "POST /secretariaat/tweestapsverificatie/uitzetten": (SECRETARIAT, 302),  # not on: to the page
    "GET /verslag/<token>": (TOKEN, "rapporteur"),
    "GET /deelnemer/<token>": (TOKEN, "participant"),
    "GET /scherm/<token>": (TOKEN, "screen"),
    "GET /scherm/<token>/aanwezigheid": (TOKEN, "screen"),
    "GET /voorzitter/<token>": (TOKEN, "chair"),
    "GET /voorzitter/<token>/aanwezigheid": (TOKEN, "chair"),
    "GET /notulen/<token>": (TOKEN, "minutes"),
    "GET /secretariaat/vergaderingen/<slug>/notulen": (SECRETARIAT, 302),
    "GET /secretariaat/vergaderingen/<slug>/terugkoppeling.docx": (SECRETARIAT, 200),
    "GET /secretariaat/vergaderingen/<slug>/terugkoppeling.md": (SECRETARIAT, 200),
    "GET /secretariaat/vergaderingen/<slug>/gegevens/<sheet>.csv": (SECRETARIAT, 200),
    "GET /secretariaat/vergaderingen/<slug>/gegevens.xlsx": (SECRETARIAT, 200),
    "GET /secretariaat/vergaderingen/<slug>/groepen/": (SECRETARIAT, 200),
    "POST /secretariaat/vergaderingen/<slug>/groepen/nieuw": (SECRETARIAT, 400),  # no name, no entries
    "POST /secretariaat/vergaderingen/<slug>/groepen/<key>/wijzigen": (SECRETARIAT, 404),  # no such group
    "POST /secretariaat/vergaderingen/<slug>/groepen/ongedaan": (SECRETARIAT, 303),  # nothing to undo
    "GET /huisstijl/<token>.css": (TOKEN, ("screen", "chair")),
    "GET /secretariaat/huisstijl": (ADMIN, 200),
    "GET /secretariaat/logboek": (ADMIN, 200),
    "GET /secretariaat/logboek.csv": (ADMIN, 200),
    "GET /secretariaat/accounts/": (ADMIN, 200),
    "GET /secretariaat/vergaderingen/<slug>/bewaren": (ADMIN, 200),
    "POST /secretariaat/vergaderingen/<slug>/bewaren": (ADMIN, 400),  # an empty form: no choice made
    "POST /secretariaat/vergaderingen/<slug>/verwijderen": (
        ADMIN,
        400,
    ),  # the box not ticked: nothing deleted
    "POST /secretariaat/accounts/": (ADMIN, 400),  # an empty form: no account
    "POST /secretariaat/accounts/<int:user_id>": (ADMIN, 400),  # no change named
    "POST /secretariaat/accounts/inloggen": (ADMIN, 303),  # off refused: no organisation sign-in set up
    "POST /secretariaat/huisstijl": (ADMIN, 303),  # an empty form: nothing set, saved
    "GET /secretariaat/vergaderingen/<slug>/verslagkaarten.pdf": (SECRETARIAT, 200),
    "POST /secretariaat/uitloggen": (SECRETARIAT, 302),
    "GET /secretariaat/": (SECRETARIAT, 200),
    "GET /secretariaat/importeren": (SECRETARIAT, 200),
    "POST /secretariaat/importeren": (SECRETARIAT, 400),  # no file
    "GET /secretariaat/vergaderingen/nieuw": (SECRETARIAT, 200),
    "POST /secretariaat/vergaderingen/nieuw": (SECRETARIAT, 400),  # no title, no date
    "GET /secretariaat/vergaderingen/<slug>": (SECRETARIAT, 200),
    "GET /secretariaat/vergaderingen/<slug>/bewerken": (SECRETARIAT, 200),
    "POST /secretariaat/vergaderingen/<slug>/bewerken": (SECRETARIAT, 400),
    "GET /secretariaat/vergaderingen/<slug>/bijlage": (SECRETARIAT, 200),
    "POST /secretariaat/vergaderingen/<slug>/bijlage": (SECRETARIAT, 303),  # the job is stubbed
    "GET /secretariaat/vergaderingen/<slug>/bijlage/<job_id>": (SECRETARIAT, 404),  # unknown job
    "GET /secretariaat/vergaderingen/<slug>/bijlage/<job_id>/download": (SECRETARIAT, 404),
    "GET /secretariaat/vergaderingen/<slug>/bijlage/<job_id>/status": (SECRETARIAT, 404),
    "GET /secretariaat/vergaderingen/<slug>/links": (SECRETARIAT, 200),
    "GET /secretariaat/vergaderingen/<slug>/links.json": (SECRETARIAT, 200),
    "POST /secretariaat/vergaderingen/<slug>/links/<role_slug>/<int:number>/vernieuwen": (SECRETARIAT, 302),
    "POST /secretariaat/vergaderingen/<slug>/links/<role_slug>/vernieuwen": (
        SECRETARIAT,
        404,
    ),  # a table role
    "GET /secretariaat/vergaderingen/<slug>/sessiebestand.toml": (SECRETARIAT, 200),
    # rotation asks first (a confirmation page), and can be undone for a while
    "GET /secretariaat/vergaderingen/<slug>/links/<role_slug>/<int:number>/vernieuwen": (SECRETARIAT, 200),
    "GET /secretariaat/vergaderingen/<slug>/links/<role_slug>/vernieuwen": (SECRETARIAT, 404),  # a table role
    "POST /secretariaat/vergaderingen/<slug>/links/ongedaan/<int:token_id>": (SECRETARIAT, 302),
    "POST /secretariaat/vergaderingen/<slug>/tafels/<int:number>/inbreng-opslaan": (SECRETARIAT, 302),
    "GET /secretariaat/vergaderingen/<slug>/tafelkaarten.pdf": (SECRETARIAT, 200),
    "GET /secretariaat/vergaderingen/<slug>/voorzitter": (SECRETARIAT, 302),
    "GET /secretariaat/vergaderingen/<slug>/tafels/<int:number>/": (SECRETARIAT, 200),
    "POST /secretariaat/vergaderingen/<slug>/tafels/<int:number>/deelnemers": (SECRETARIAT, 302),
    "POST /secretariaat/vergaderingen/<slug>/tafels/<int:number>/inbreng": (SECRETARIAT, 400),  # no text
    "POST /secretariaat/vergaderingen/<slug>/tafels/<int:number>/inbreng/<entry_id>": (SECRETARIAT, 400),
    "GET /secretariaat/vergaderingen/<slug>/tafels/<int:number>/inbreng/<entry_id>/geschiedenis": (
        SECRETARIAT,
        200,
    ),
    "POST /secretariaat/vergaderingen/<slug>/tafels/<int:number>/inbreng/<entry_id>/geschiedenis/<int:seq>": (
        SECRETARIAT,
        302,
    ),
    "POST /secretariaat/vergaderingen/<slug>/tafels/<int:number>/inbreng/<entry_id>/terugzetten": (
        SECRETARIAT,
        302,
    ),
    "POST /secretariaat/vergaderingen/<slug>/tafels/<int:number>/inbreng/<entry_id>/verwijderen": (
        SECRETARIAT,
        302,
    ),
    "POST /secretariaat/vergaderingen/<slug>/tafels/<int:number>/verslag": (SECRETARIAT, 302),
    "GET /secretariaat/vergaderingen/<slug>/tafels/<int:number>/verslag/geschiedenis": (SECRETARIAT, 200),
    "POST /secretariaat/vergaderingen/<slug>/tafels/<int:number>/verslag/geschiedenis/<int:version_id>": (
        SECRETARIAT,
        302,
    ),
}


def expected_http(kind: str, value: object, method: str, caller: Caller) -> object:
    if kind == PUBLIC:
        return value
    if kind in (SECRETARIAT, ADMIN):
        if caller.logged_in:
            return value if kind == SECRETARIAT or caller.admin else 403
        return "login" if method == "GET" else 403
    return 200 if caller.role in (value if isinstance(value, tuple) else (value,)) else 404


# -- live: each event's answer per caller (the payload aims at the home meeting's table 1) -----------

CONNECTED = (
    "rapporteur 1",
    "participant 1",
    "rapporteur 2",
    "participant 2",
    "other meeting",
    "screen",
    "chair",
    "minutes",
)
REFUSED = ("anonymous", "administrator", "secretariat", "rotated link", "deleted meeting")
F, N, OK = "forbidden", "not_found", "ok"

# columns in the order of CONNECTED; a refused caller cannot connect at all
EXPECT_LIVE: dict[str, tuple[str, ...]] = {
    #                       rap 1  part 1  rap 2  part 2 other  screen chair minutes
    "entry:add": (OK, OK, OK, OK, OK, F, F, F),  # into the caller's own table
    # a participant changes only entries their own device added (the helper's are not): F;
    # another table's entry does not exist for them: N
    "entry:update": (OK, F, N, N, N, F, F, F),
    "entry:delete": (OK, F, N, N, N, F, F, F),
    "entry:restore": (OK, F, N, N, N, F, F, F),
    "entry:approve": (OK, F, N, F, N, F, F, F),  # the rapporteur, an entry of the own table
    "report:update": (OK, F, OK, F, OK, F, F, F),  # the caller's own table's report
    "table:update": (OK, F, OK, F, OK, F, F, F),
    "table:ready": (OK, F, OK, F, OK, F, F, F),  # the caller's own table
    "presence:hello": (OK, OK, OK, OK, OK, OK, OK, OK),
    "sync": (OK, OK, OK, OK, OK, OK, OK, OK),
    "entry:hide": (F, F, F, F, F, F, OK, F),
    "chair:phase": (F, F, F, F, F, F, OK, F),
    "chair:timer": (F, F, F, F, F, F, OK, F),
    "chair:view": (F, F, F, F, F, F, OK, F),
    "chair:feedback-order": (F, F, F, F, F, F, OK, F),
    # the home meeting is one round: the chair's is refused as invalid (tests/test_rounds.py opens
    # and closes the rounds of a meeting with [[rounds]])
    "chair:round": (F, F, F, F, F, F, "invalid", F),
    "group:set": (F, F, F, F, F, F, OK, F),  # entries of any table of the chair's meeting
    "groups:suggest": (F, F, F, F, F, F, OK, F),
    "chair:vote": (F, F, F, F, F, F, OK, F),  # opens a vote over table 1's entries
    # a table device casts in a vote of its meeting; the matrix's callers cast before the chair
    # opens one (and without a device key): not_found (tests/test_votes.py casts for real)
    "vote:cast": (N, N, N, N, N, F, F, F),
    "topics:get": (F, F, F, F, F, OK, OK, OK),
    "feedback:update": (F, F, F, F, F, F, F, OK),  # any table of the caller's meeting
    "feedback:spokesperson": (F, F, F, F, F, F, F, OK),
}


def uid() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def world(app, import_session, make_user):
    """The home meeting (callers' links), another meeting, the target meeting (URLs), the callers."""
    home, other, target = import_session(SER), import_session(SER), import_session(SER)
    with app.app_context():
        links = {slug: operations.links(operations.get_meeting(slug), "") for slug in (home, other)}
        links[home]["minutes"] = operations.link_pair(operations.get_meeting(home), "", "minutes")
        doomed = import_session(SESSIONS / "ser-raad-2023-01-27.toml")
        doomed_links = operations.links(operations.get_meeting(doomed), "")
        db.session.delete(operations.get_meeting(doomed))
        db.session.commit()
        rotated = links[home]["tables"]["3"]["rapporteur"]["token"]
        operations.rotate_token(operations.get_meeting(home), "rapporteur", 3)
    tables = links[home]["tables"]
    callers = [
        Caller("anonymous"),
        Caller("administrator", logged_in=True, admin=True),
        Caller("secretariat", logged_in=True),
        Caller("rapporteur 1", "rapporteur", tables["1"]["rapporteur"]["token"]),
        Caller("participant 1", "participant", tables["1"]["participant"]["token"]),
        Caller("rapporteur 2", "rapporteur", tables["2"]["rapporteur"]["token"]),
        Caller("participant 2", "participant", tables["2"]["participant"]["token"]),
        Caller("other meeting", "rapporteur", links[other]["tables"]["1"]["rapporteur"]["token"]),
        Caller("screen", "screen", links[home]["screen"]["token"]),
        Caller("chair", "chair", links[home]["chair"]["token"]),
        Caller("minutes", "minutes", links[home]["minutes"]["token"]),
        Caller("rotated link", None, rotated),
        Caller("deleted meeting", None, doomed_links["tables"]["1"]["rapporteur"]["token"]),
    ]
    return {
        "home": home,
        "other": other,
        "target": target,
        "callers": callers,
        "user": make_user(),  # the first account: an administrator
        "member": make_user("lid", "geheim-wachtwoord-2", "secretariat"),
        "home_links": links[home],
    }


def test_every_route_and_event_has_an_expectation(app):
    assert sorted(EXPECT_HTTP) == sorted(r.key for r in routes(app))
    assert sorted(EXPECT_LIVE) == sorted(CLIENT_EVENTS)
    assert all(len(row) == len(CONNECTED) for row in EXPECT_LIVE.values())


def _login(client, user) -> None:
    name, password = user
    data = {"name": name, "password": password, "csrf_token": csrf_token(client)}
    assert client.post(LOGIN, data=data).status_code == 302


def test_http_access_matrix(app, world, monkeypatch):
    from facilitator.export import jobs

    monkeypatch.setattr(jobs, "start", lambda *a, **k: "stub-job")  # no annex is rendered
    values = meeting_values(app, world["target"])
    values["role_slug"] = "deelnemer"
    table = {}
    for caller in world["callers"]:
        client = app.test_client()
        account = world["user"] if caller.admin else world["member"]
        if caller.logged_in:
            _login(client, account)
        token = csrf_token(client, "/secretariaat/" if caller.logged_in else LOGIN)
        for route in routes(app):
            kind, value = EXPECT_HTTP[route.key]
            path = url(route, {**values, "token": caller.token or "x" * 32})
            if route.method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data={"csrf_token": token})
            got: object = response.status_code
            if got == 302 and response.headers["Location"].startswith(f"{LOGIN}?next="):
                got = "login"
            table[(caller.name, route.key)] = (got, expected_http(kind, value, route.method, caller))
            if route.key == "POST /secretariaat/uitloggen" and caller.logged_in:
                _login(client, account)
                token = csrf_token(client, "/secretariaat/")
    wrong = {cell: pair for cell, pair in table.items() if pair[0] != pair[1]}
    assert not wrong, "\n".join(f"{c}: got {g}, expected {e}" for c, (g, e) in sorted(wrong.items()))
    assert len(table) == len(world["callers"]) * len(EXPECT_HTTP)


def _payload(event: str, helper) -> dict:
    """A valid payload for ``event`` aimed at the home meeting's table 1 (made ready by ``helper``)."""

    def new_entry() -> str:
        entry_id = uid()
        payload = {"op": uid(), "id": entry_id, "text": "Voor de matrix", "bollen": ["sociaal"]}
        assert helper.emit("entry:add", payload, namespace=NS, callback=True)["ok"]
        return entry_id

    if event == "entry:add":
        return {"op": uid(), "id": uid(), "text": "Nieuw", "bollen": ["economisch"]}
    if event == "group:set":
        return {"op": uid(), "id": uid(), "name": "Samen", "entries": [new_entry(), new_entry()]}
    if event in ("entry:update", "entry:hide"):
        return {"op": uid(), "id": new_entry(), "text": "Anders", "hidden": True}
    if event in ("entry:delete", "entry:approve"):
        return {"op": uid(), "id": new_entry()}
    if event == "entry:restore":
        entry_id = new_entry()
        assert helper.emit("entry:delete", {"op": uid(), "id": entry_id}, namespace=NS, callback=True)["ok"]
        return {"op": uid(), "id": entry_id}
    if event in ("report:update", "feedback:update"):
        import base64

        from pycrdt import Doc, Text

        root = event.split(":")[0]
        doc = Doc()
        doc.get(root, type=Text).insert(0, "Matrix. ")
        payload = {"op": uid(), "update": base64.b64encode(doc.get_update()).decode()}
        return {**payload, "table": 1} if root == "feedback" else payload
    return {
        "table:update": {"op": uid(), "rapporteur": "Van Vliet"},
        "table:ready": {"op": uid(), "ready": True},
        "presence:hello": {"name": "Anna"},
        "sync": {"since": 0},
        "chair:phase": {"op": uid(), "phase": "round"},
        "chair:timer": {"op": uid(), "action": "start", "minutes": 5},
        "chair:view": {"op": uid(), "mode": "overview"},
        "chair:feedback-order": {"op": uid(), "order": [1, 2]},
        "chair:round": {"op": uid(), "action": "open", "round": 1},
        "groups:suggest": {},
        "chair:vote": {"op": uid(), "action": "open", "scope": "table", "table": 1, "dots": 3},
        "vote:cast": {"op": uid(), "vote": 1, "dots": {}},
        "topics:get": {"limit": 3},
        "feedback:spokesperson": {"op": uid(), "table": 1, "name": "Smit"},
    }[event]


def test_live_access_matrix(app, world):
    home = world["home_links"]
    helper = socketio.test_client(
        app, namespace=NS, auth={"token": home["tables"]["1"]["rapporteur"]["token"]}
    )
    table = {}
    for caller in world["callers"]:
        client = socketio.test_client(
            app, namespace=NS, auth={"token": caller.token} if caller.token else None
        )
        connected = client.is_connected(NS)
        for event in CLIENT_EVENTS:
            if caller.name in REFUSED:
                table[(caller.name, event)] = ("connected" if connected else "refused", "refused")
                continue
            expected = EXPECT_LIVE[event][CONNECTED.index(caller.name)]
            ack = client.emit(event, _payload(event, helper), namespace=NS, callback=True)
            got = "ok" if ack.get("ok") else ack.get("error")
            table[(caller.name, event)] = (got, expected)
            client.get_received(NS)
        if connected:
            client.disconnect(NS)
    helper.disconnect(NS)
    wrong = {cell: pair for cell, pair in table.items() if pair[0] != pair[1]}
    assert not wrong, "\n".join(f"{c}: got {g}, expected {e}" for c, (g, e) in sorted(wrong.items()))
    assert len(table) == len(world["callers"]) * len(EXPECT_LIVE)
    with app.app_context():  # each "entry:add" landed in the caller's own meeting and table
        added = db.session.execute(
            select(Meeting.slug, RoundTable.number)
            .join(RoundTable, RoundTable.meeting_id == Meeting.id)
            .join(Entry, Entry.table_id == RoundTable.id)
            .where(Entry.text == "Nieuw")
        ).all()
        assert sorted(added) == sorted(
            [
                (world["home"], 1),
                (world["home"], 1),
                (world["home"], 2),
                (world["home"], 2),
                (world["other"], 1),
            ]
        )
