"""A meeting's data for analysis: one sheet per kind of record, as CSV files or one XLSX workbook.

Sheets (``SHEETS``), one row per record, with stable English column names (like the session
file's keys), whatever the meeting's or the reader's language:

- ``entries``: one row per entry (deleted ones aside, as in the annex and the session file):
  table, position in the table, text, bollen and horizons (labels, "; " between), the role of
  whoever added it (rapporteur, participant, secretariat; import for a session file's entries;
  never a device key or a name), when it was created (UTC), visible or hidden (hidden: the
  chair took it off the screens; kept, also in the session file, and left out of the annex);
- ``reports``: the table's report and the plenary feedback, one row each (a text longer than a
  spreadsheet cell holds, 32,767 characters, continues in the next row: ``part`` 2, 3, …);
- ``attendance``: one row per person per table, with what they were there: participant,
  leader, rapporteur, spokesperson.

Groups and votes do not exist yet; each will be one more ``Sheet`` (a CSV file, a worksheet).

Both formats hold the same rows. CSV: UTF-8 with a byte order mark (so Excel reads accents
right), commas, CRLF between rows, quoted where needed (RFC 4180); a cell that starts with
= + - @ TAB or CR gets a leading apostrophe, so that a spreadsheet never runs it as a formula
(OWASP's advice for CSV injection). XLSX (openpyxl): text is always a string cell, exactly as typed, never a
formula; times are date cells in UTC. In both, a line break inside a text is one LF.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from sqlalchemy import select

from ..extensions import db
from ..models import Meeting, Operation, RoundTable

SHEETS = ("entries", "reports", "attendance")
CSV_MEDIA_TYPE = "text/csv"  # Flask adds "; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CELL_LIMIT = 32767  # the most characters a spreadsheet cell holds (Excel's limit, also LibreOffice's)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Value = str | int | bool | datetime | None


@dataclass
class Sheet:
    """One kind of record: a CSV file, a worksheet."""

    name: str
    header: list[str]
    rows: list[list[Value]]


def author_roles(meeting: Meeting) -> dict[str, str]:
    """Each entry's author's role, from the change that created it (its first add or import)."""
    rows = db.session.execute(
        select(Operation.subject, Operation.actor)
        .where(Operation.meeting_id == meeting.id, Operation.kind.in_(("entry:add", "entry:import")))
        .order_by(Operation.seq.desc())  # the first one last, so it wins below
    ).all()
    return {subject: actor.split(":", 1)[0] for subject, actor in rows if subject}


def sheets(meeting: Meeting) -> list[Sheet]:
    """Every sheet of the meeting, in ``SHEETS`` order."""
    tables = sorted(meeting.tables, key=lambda t: t.number)
    return [entries_sheet(meeting, tables), reports_sheet(tables), attendance_sheet(tables)]


def sheet(meeting: Meeting, name: str) -> Sheet:
    """One sheet by name (a KeyError for a name not in ``SHEETS``)."""
    return {s.name: s for s in sheets(meeting)}[name]


def entries_sheet(meeting: Meeting, tables: list[RoundTable]) -> Sheet:
    bollen = {b.key: b.label for b in meeting.bollen}
    horizons = {h.key: h.label for h in meeting.horizons}
    roles = author_roles(meeting)
    rows: list[list[Value]] = []
    for table in tables:
        for position, entry in enumerate(table.live_entries, start=1):
            rows.append(
                [
                    table.number,
                    position,
                    entry.text,
                    "; ".join(bollen.get(k, k) for k in entry.bollen),
                    "; ".join(horizons.get(k, k) for k in entry.horizons),
                    roles.get(entry.id, ""),
                    _utc(entry.created_at),
                    "hidden" if entry.hidden else "visible",
                ]
            )
    header = ["table", "position", "text", "bollen", "horizons", "author_role", "created_utc", "state"]
    return Sheet("entries", header, rows)


def reports_sheet(tables: list[RoundTable]) -> Sheet:
    from ..round_reports import tables_round_reports  # a meeting held in rounds: a report per round

    later = tables_round_reports([i for t in tables if (i := getattr(t, "id", None)) is not None])
    rows: list[list[Value]] = []
    for table in tables:
        kinds = [("report", table.report or ""), ("feedback", table.feedback or "")]
        later_rounds = later.get(getattr(table, "id", None), [])  # type: ignore[arg-type]
        kinds += [(f"report round {r.round_number}", r.report) for r in later_rounds if r.report]
        for kind, text in kinds:
            parts = [text[i : i + CELL_LIMIT] for i in range(0, len(text), CELL_LIMIT)] or [""]
            for part, chunk in enumerate(parts, start=1):
                rows.append([table.number, kind, part, chunk])
    return Sheet("reports", ["table", "kind", "part", "text"], rows)


def attendance_sheet(tables: list[RoundTable]) -> Sheet:
    rows: list[list[Value]] = []
    for table in tables:
        roles = {"leader": table.leader, "rapporteur": table.rapporteur, "spokesperson": table.spokesperson}
        names = list(table.participant_names)
        names += [n for n in dict.fromkeys(v for v in roles.values() if v) if n not in names]
        for name in names:
            rows.append(
                [table.number, name, name in table.participant_names, *(name == roles[r] for r in roles)]
            )
    header = ["table", "name", "participant", "leader", "rapporteur", "spokesperson"]
    return Sheet("attendance", header, rows)


def _utc(moment: datetime | None) -> datetime | None:
    """A stored time in UTC, to the second (SQLite gives it back without its zone, which was UTC).

    Whole seconds in both files: the CSV writes seconds, and a workbook's fraction of a second
    could round up to the next one when a spreadsheet (or openpyxl) reads it back."""
    if moment is None:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.replace(microsecond=0)


# -- CSV ----------------------------------------------------------------------------------------


def plain(text: str) -> str:
    """Line breaks as one LF: XML reads a bare CR as LF, so both formats hold the same text."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def neutralise(text: str) -> str:
    """A cell a spreadsheet must not read as a formula: a leading apostrophe where it would."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, int):
        return str(value)
    return neutralise(plain(value))


def to_csv(sheet: Sheet) -> bytes:
    """The sheet as CSV: UTF-8 with a byte order mark, a header row, then one row per record."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)  # RFC 4180: commas, CRLF, double quotes doubled
    writer.writerow(sheet.header)
    writer.writerows([_csv_cell(v) for v in row] for row in sheet.rows)
    return out.getvalue().encode("utf-8-sig")


# -- XLSX ---------------------------------------------------------------------------------------


def write_xlsx(all_sheets: Iterable[Sheet], out: BinaryIO, title: str = "") -> None:
    """Every sheet as a worksheet of one workbook; the header row frozen and filtered."""
    from openpyxl import Workbook  # only when a workbook is asked for
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    book.properties.title = ILLEGAL_CHARACTERS_RE.sub("", title)[:200]
    book.properties.creator = "Facilitator"
    for item in all_sheets:
        ws = book.create_sheet(item.name)
        ws.freeze_panes = "A2"
        ws.append(item.header)
        for row in item.rows:
            ws.append([_xlsx_cell(ws, v, ILLEGAL_CHARACTERS_RE) for v in row])
        last = len(item.rows) + 1
        ws.auto_filter.ref = f"A1:{_column(len(item.header))}{last}"
    book.save(out)


def _xlsx_cell(ws, value: Value, illegal):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime):
        cell = WriteOnlyCell(
            ws, value.replace(tzinfo=None)
        )  # Excel has no time zones: UTC, as the header says
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(ws, illegal.sub("", plain(value)))
    cell.data_type = "s"  # a string as typed, even when it starts with "=": never a formula
    return cell


def _column(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)
