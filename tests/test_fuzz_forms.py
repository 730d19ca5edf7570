"""Fuzzing every form post of the secretariat and curation (through the Flask test client, with
the CSRF token a browser would send) and the session-file importer (issue 10).

Each post must be answered with a page or a redirect — never a 500 (TESTING propagates an
exception, which fails the case), never an error in the log — and leave the change log whole.
The importer must answer any bytes with a MeetingData or a SessionFileError, nothing else.
"""

from __future__ import annotations

import io
import urllib.parse

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from facilitator import operations, sessionfile
from facilitator.models import AccessToken
from facilitator.sessionfile import SessionFileError

from .conftest import SESSIONS, csrf_token
from .fuzzing import any_text, check_invariants, examples, log_errors, memory_database_url, tricky_text
from .routemap import meeting_values, routes, url

# the fields each form post reads (a new POST route without an entry here fails the test)
FORM_FIELDS = {
    "auth.login": ["name", "password"],
    "auth.logout": [],
    "secretariat.new_meeting": [
        *(
            [
                "title",
                "date",
                "start",
                "place",
                "agenda_item",
                "reference",
                "annex_title",
                "questions",
                "round_minutes",
            ]
        ),
        *(["feedback_order", "bollen", "horizons", "submit", "add_table"]),
        *(
            f"tables-{i}-{f}"
            for i in (0, 1)
            for f in ["original", "number", "participants", "leader", "rapporteur", "spokesperson", "remove"]
        ),
    ],
    "secretariat.import_session": ["file"],
    "export.start_export": ["format", "include_feedback", "skip_empty", "order"],
    "curation.save_report": ["op", "text"],
    "curation.save_attendance": ["op", "participants", "leader", "rapporteur", "spokesperson"],
    "curation.add_entry": ["op", "new-op", "new-text", "new-bollen", "new-horizons"],
    "curation.update_entry": ["op", "text", "bollen", "horizons"],  # prefixed e-<id>- below
    "curation.delete_entry": ["op"],
    "curation.restore_entry": ["op"],
    "curation.restore_entry_version": ["op"],
    "curation.restore_report_version": ["op"],
    "secretariat.edit_meeting": [],  # the same fields as new_meeting
    "secretariat.rotate_link": [],
}
FORM_FIELDS["secretariat.edit_meeting"] = FORM_FIELDS["secretariat.new_meeting"]
ALLOWED_STATUS = {200, 302, 303, 400, 401, 403, 404, 413, 429}
SER = SESSIONS / "ser-raad-2023-01-27.toml"

form_values = st.one_of(
    tricky_text.filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)),
    st.sampled_from(["economisch", "sociaal", "later", "1", "40", "2024-05-01", "pdf", "docx", "md", "y"]),
    st.integers(-5, 1000).map(str),
)


@pytest.fixture
def database_url():
    """On a RAM disk (fuzzing.memory_database_url)."""
    with memory_database_url() as url_:
        yield url_


def _post_routes():
    from facilitator import TestingConfig, create_app

    app = create_app(TestingConfig("sqlite://"))
    return [r for r in routes(app) if r.method == "POST"]


POSTS = _post_routes()


def test_every_post_route_has_its_fields_listed():
    assert {r.endpoint for r in POSTS} == set(FORM_FIELDS)


@st.composite
def form_posts(draw, fields: list[str], prefix: str = ""):
    """(data, raw body or None): the form's fields, unknown ones, sometimes undecodable bytes."""
    names = [prefix + f for f in fields] + ["csrf_token"]
    if draw(st.integers(0, 7)) == 0:  # percent-encoded bytes, e.g. invalid UTF-8
        pairs = draw(st.lists(st.tuples(st.sampled_from(names), st.binary(max_size=40)), max_size=8))
        return {}, "&".join(f"{k}={urllib.parse.quote_from_bytes(v)}" for k, v in pairs)
    data = draw(
        st.fixed_dictionaries(
            {}, optional={n: st.one_of(form_values, st.lists(form_values, max_size=3)) for n in names}
        )
    )
    if draw(st.integers(0, 5)) == 0:
        data[draw(any_text.filter(str.isprintable))] = draw(form_values)
    return data, None


@pytest.mark.parametrize("route", POSTS, ids=lambda r: r.key)
def test_every_form_post_answers_every_input(app, client, make_user, import_session, monkeypatch, route):
    from facilitator.export import jobs

    monkeypatch.setattr(jobs, "start", lambda *a, **k: "fuzz-job")  # no annex renders
    slug = import_session(SER)
    name, password = make_user()

    def login():
        data = {"name": name, "password": password, "csrf_token": csrf_token(client)}
        assert client.post("/secretariaat/inloggen", data=data).status_code == 302

    if route.endpoint != "auth.login":
        login()
    values = meeting_values(app, slug)
    values["role_slug"] = "verslag"
    with app.app_context():
        meeting_id = AccessToken.lookup(
            operations.links(operations.get_meeting(slug), "")["chair"]["token"]
        ).meeting_id
    prefix = f"e-{values['entry_id']}-" if route.endpoint == "curation.update_entry" else ""
    target = url(route, values)
    token = csrf_token(
        client, "/secretariaat/inloggen" if route.endpoint == "auth.login" else "/secretariaat/"
    )
    count = {"n": 0}

    @settings(max_examples=examples(25 if route.endpoint in ("auth.logout", "auth.login") else 140))
    @given(
        post=form_posts(FORM_FIELDS[route.endpoint], prefix),
        with_csrf=st.integers(0, 9),
        upload=st.binary(max_size=300),
    )
    def case(post, with_csrf, upload):
        data, raw = post
        if raw is not None:
            if with_csrf:
                raw += f"&csrf_token={token}"
            response = client.post(target, data=raw, content_type="application/x-www-form-urlencoded")
        else:
            if with_csrf:
                data["csrf_token"] = token
            if "file" in FORM_FIELDS[route.endpoint]:
                data["file"] = (io.BytesIO(upload), "s.toml")
            response = client.post(target, data=data)
        assert response.status_code in ALLOWED_STATUS, (response.status_code, data, raw)
        assert not errors.take()
        count["n"] += 1
        if count["n"] % 20 == 0:
            with app.app_context():
                check_invariants(meeting_id)
        if route.endpoint == "auth.logout" and response.status_code == 302:
            login()

    with log_errors() as errors:
        case()
    with app.app_context():
        check_invariants(meeting_id)
    assert client.get("/healthz").status_code == 200


# -- the session-file importer -------------------------------------------------------------------


def _loads_answers(raw: bytes) -> None:
    try:
        data = sessionfile.loads(raw)
    except SessionFileError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
        return
    # what was accepted writes a file that is accepted again, the same
    again = sessionfile.loads(sessionfile.dumps(data).encode())
    assert sessionfile.dumps(again) == sessionfile.dumps(data)


@settings(max_examples=examples(1500))
@given(raw=st.one_of(st.binary(max_size=400), any_text.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_importer_answers_any_bytes(raw):
    _loads_answers(raw)


names = st.one_of(st.sampled_from(["Ghorashi", "Fortuin", "Van Vliet", ""]), tricky_text)
keys = st.one_of(st.sampled_from(["economisch", "sociaal", "ecologisch", "later", "hier-en-nu"]), any_text)
toml_scalars = st.one_of(
    tricky_text, st.integers(-10, 1200), st.booleans(), st.dates(), st.floats(allow_nan=False)
)


def _maybe(strategy):
    return st.one_of(strategy, toml_scalars, st.lists(toml_scalars, max_size=3))


entries = st.fixed_dictionaries(
    {"text": _maybe(tricky_text)},
    optional={"bollen": _maybe(st.lists(keys, max_size=4)), "horizons": _maybe(st.lists(keys, max_size=3))},
)
tables = st.fixed_dictionaries(
    {"number": _maybe(st.integers(0, 1001))},
    optional={
        "participants": _maybe(st.lists(names, max_size=5)),
        "leader": _maybe(names),
        "rapporteur": _maybe(names),
        "spokesperson": _maybe(names),
        "report": _maybe(tricky_text),
        "feedback": _maybe(tricky_text),
        "entries": st.lists(entries, max_size=3),
        "extra": toml_scalars,
    },
)
template_items = st.lists(
    st.fixed_dictionaries({"key": _maybe(keys), "label": _maybe(tricky_text)}), max_size=9
)
documents = st.fixed_dictionaries(
    {
        "format": _maybe(st.just(1)),
        "meeting": st.fixed_dictionaries(
            {"title": _maybe(tricky_text), "date": _maybe(st.dates())},
            optional={
                "start": _maybe(tricky_text),
                "place": _maybe(tricky_text),
                "questions": _maybe(st.lists(tricky_text, max_size=4)),
                "round_minutes": _maybe(st.integers(-1, 700)),
                "feedback_order": _maybe(st.lists(st.integers(0, 10), max_size=4)),
            },
        ),
        "tables": st.lists(tables, max_size=4),
    },
    optional={
        "template": st.fixed_dictionaries({}, optional={"bollen": template_items, "horizons": template_items})
    },
)


def _toml(doc) -> bytes | None:
    try:
        return tomli_w.dumps(doc).encode("utf-8", "surrogatepass")
    except (TypeError, ValueError):  # a shape TOML cannot write (e.g. a list of mixed tables)
        return None


@settings(max_examples=examples(1000))
@given(doc=documents)
def test_importer_answers_generated_session_files(doc):
    raw = _toml(doc)
    if raw is not None:
        _loads_answers(raw)


@settings(max_examples=examples(300))
@given(line=st.integers(0, 80), junk=st.binary(max_size=30))
def test_importer_answers_a_damaged_real_session_file(line, junk):
    lines = SER.read_bytes().split(b"\n")
    lines.insert(min(line, len(lines)), junk)
    _loads_answers(b"\n".join(lines))
