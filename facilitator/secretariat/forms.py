"""Secretariat forms: a meeting's set-up, a session-file upload, and plain POST buttons.

The meeting form does not validate the rules itself: it turns what was typed into the
same document a session file holds and lets ``sessionfile.validate`` judge it, so that
the form and the importer accept exactly the same meetings. Only what a form adds on top
of TOML (reading a date, a number, a list typed as text) is checked here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in types-WTForms yet
from wtforms.widgets import DateInput

from .. import sessionfile
from ..meeting_data import DEFAULT_ANNEX_TITLE, DEFAULT_BOLLEN, DEFAULT_HORIZONS, MEETING_FIELDS
from ..models import Meeting
from ..rules import LANGUAGES, LIMITS
from ..validators import PlainText

NUMBER_KW = {"inputmode": "numeric", "autocomplete": "off"}
# a problem line of sessionfile.validate: "<field path>: <message>"
PROBLEM_RE = re.compile(r"^(?P<path>[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): (?P<message>.*)$", re.S)
TABLE_ROW_RE = re.compile(r"^tables\[(\d+)\](?:\.([a-z_]+))?")
TABLE_FORM_FIELDS = ("number", "participants", "leader", "rapporteur", "spokesperson")
MEETING_FORM_FIELDS = MEETING_FIELDS


class ButtonForm(FlaskForm):
    """A form that is only a button (rotate a link, log out): its CSRF token is all it carries."""


class ImportForm(FlaskForm):
    """Upload a session file to import as a new meeting."""

    file = FileField(_l("Sessiebestand (TOML)"), validators=[FileRequired(_l("Kies een bestand."))])


class TableForm(Form):
    """One table of the meeting (a sub-form: the meeting form carries the CSRF token)."""

    original = HiddenField()
    number = StringField(_l("Tafelnummer"), render_kw=NUMBER_KW, validators=[PlainText()])
    participants = TextAreaField(
        _l("Deelnemers"), render_kw={"rows": 8}, validators=[PlainText(multiline=True)]
    )
    leader = StringField(_l("Gespreksleider"), validators=[PlainText()])
    rapporteur = StringField(_l("Verslaglegger"), validators=[PlainText()])
    spokesperson = StringField(_l("Woordvoerder (terugkoppeling)"), validators=[PlainText()])
    remove = BooleanField(_l("Deze tafel verwijderen"))

    def is_blank(self) -> bool:
        """Nothing typed in this row: it is left out (a spare row, or a table cleared)."""
        return not any((getattr(self, name).data or "").strip() for name in TABLE_FORM_FIELDS)


class MeetingForm(FlaskForm):
    """Create or edit a meeting: its details, template and tables."""

    title = StringField(
        _l("Titel"), render_kw={"required": True, "autocomplete": "off"}, validators=[PlainText()]
    )
    date = StringField(_l("Datum"), widget=DateInput(), render_kw={"required": True})
    start = StringField(_l("Aanvang"), render_kw={"autocomplete": "off"}, validators=[PlainText()])
    place = StringField(_l("Plaats"), validators=[PlainText()])
    agenda_item = StringField(_l("Agendapunt"), validators=[PlainText()])
    reference = StringField(_l("Kenmerk"), validators=[PlainText()])
    annex_title = StringField(_l("Titel van de bijlage"), validators=[PlainText()])
    # any value reaches sessionfile.validate, which refuses what is not in rules.LANGUAGES
    language = SelectField(
        _l("Taal van de bijlage en het scherm"),
        choices=[SelectChoice("nl", _l("Nederlands")), SelectChoice("en", _l("Engels"))],
        validate_choice=False,
    )
    questions = TextAreaField(
        _l("Vragen voor de ronde"), render_kw={"rows": 5}, validators=[PlainText(multiline=True)]
    )
    round_minutes = StringField(
        _l("Duur van de ronde (minuten)"), render_kw=NUMBER_KW, validators=[PlainText()]
    )
    feedback_order = StringField(
        _l("Volgorde van de terugkoppeling"), render_kw={"autocomplete": "off"}, validators=[PlainText()]
    )
    bollen = TextAreaField(_l("Bollen"), render_kw={"rows": 5}, validators=[PlainText(multiline=True)])
    horizons = TextAreaField(_l("Horizons"), render_kw={"rows": 4}, validators=[PlainText(multiline=True)])
    tables = FieldList(FormField(TableForm), min_entries=1, max_entries=LIMITS["tables"])
    submit = SubmitField(_l("Opslaan"))
    add_table = SubmitField(_l("Nog een tafel toevoegen"))

    # -- filling the form -------------------------------------------------------------

    @staticmethod
    def initial_for_new() -> dict[str, Any]:
        """What a new meeting's form starts with: the default template and one table."""
        return {
            "annex_title": DEFAULT_ANNEX_TITLE,
            "language": LANGUAGES[0],
            "bollen": template_lines(DEFAULT_BOLLEN),
            "horizons": template_lines(DEFAULT_HORIZONS),
            "tables": [{"number": "1"}],
        }

    @staticmethod
    def initial_for(meeting: Meeting) -> dict[str, Any]:
        """A meeting's definition as the form's fields show it."""
        template = meeting.template_dict()
        return {
            "title": meeting.title,
            "date": meeting.date.isoformat(),
            "start": meeting.start or "",
            "place": meeting.place or "",
            "agenda_item": meeting.agenda_item or "",
            "reference": meeting.reference or "",
            "annex_title": meeting.annex_title or "",
            "language": meeting.language or LANGUAGES[0],
            "questions": "\n".join(meeting.questions or []),
            "round_minutes": "" if meeting.round_minutes is None else str(meeting.round_minutes),
            "feedback_order": ", ".join(str(n) for n in meeting.feedback_order or []),
            "bollen": template_lines(template["bollen"]),
            "horizons": template_lines(template["horizons"]),
            "tables": [
                {
                    "original": str(t.number),
                    "number": str(t.number),
                    "participants": "\n".join(t.participant_names),
                    "leader": t.leader or "",
                    "rapporteur": t.rapporteur or "",
                    "spokesperson": t.spokesperson or "",
                }
                for t in meeting.tables
            ],
        }

    def add_table_row(self) -> bool:
        """Append an empty table row numbered after the highest one; False when full."""
        if len(self.tables.entries) >= LIMITS["tables"]:
            self.form_errors.append(_("Een vergadering heeft hoogstens %(n)s tafels.", n=LIMITS["tables"]))
            return False
        numbers = [_int_or_none(row.form.number.data) for row in self.tables]
        highest = max((n for n in numbers if n is not None), default=0)
        self.tables.append_entry({"number": str(highest + 1)})
        self.tables.entries[-1].form.number.render_kw = {**NUMBER_KW, "autofocus": True}
        return True

    # -- from the form to a session document -----------------------------------------------

    def kept_rows(self) -> list[TableForm]:
        """The table rows that become tables: not blank and not marked for removal."""
        return [row.form for row in self.tables if not row.form.remove.data and not row.form.is_blank()]

    def to_document(self) -> tuple[dict[str, Any], set[str]]:
        """The session document the form describes, and the field paths that could not be read.

        A field that cannot be read (a date that is no date) gets its error here and is left
        out of the document; the caller skips the validator's problems for those paths.
        """
        unreadable: set[str] = set()
        meeting: dict[str, Any] = {
            "title": self.title.data or "",
            "start": (self.start.data or "").strip(),
            "place": self.place.data or "",
            "agenda_item": self.agenda_item.data or "",
            "reference": self.reference.data or "",
            "annex_title": self.annex_title.data or "",
            "language": self.language.data or LANGUAGES[0],
            "questions": _lines(self.questions.data),
        }
        raw_date = (self.date.data or "").strip()
        if not raw_date:
            _add_error(self.date, _("Vul de datum van de vergadering in."))
            unreadable.add("meeting.date")
        else:
            parsed = _parse_date(raw_date)
            if parsed is None:
                _add_error(self.date, _("Dit is geen datum; gebruik bijvoorbeeld 2023-01-27."))
                unreadable.add("meeting.date")
            else:
                meeting["date"] = parsed
        raw_minutes = (self.round_minutes.data or "").strip()
        if raw_minutes:
            minutes = _int_or_none(raw_minutes)
            if minutes is None:
                _add_error(self.round_minutes, _("Vul een heel aantal minuten in, bijvoorbeeld 40."))
                unreadable.add("meeting.round_minutes")
            else:
                meeting["round_minutes"] = minutes
        raw_order = (self.feedback_order.data or "").strip()
        if raw_order:
            parts = [p for p in re.split(r"[\s,;]+", raw_order) if p]
            order = [_int_or_none(p) for p in parts]
            if any(n is None for n in order):
                _add_error(
                    self.feedback_order,
                    _("Gebruik tafelnummers, gescheiden door komma's, bijvoorbeeld 1, 3, 4."),
                )
                unreadable.add("meeting.feedback_order")
            else:
                meeting["feedback_order"] = order
        tables = []
        for index, row in enumerate(self.kept_rows(), start=1):
            table: dict[str, Any] = {"participants": _lines(row.participants.data)}
            raw_number = (row.number.data or "").strip()
            if raw_number:
                number = _int_or_none(raw_number)
                if number is None:
                    _add_error(row.number, _("Vul een heel getal in, bijvoorbeeld 3."))
                    unreadable.add(f"tables[{index}].number")
                else:
                    table["number"] = number
            for key in ("leader", "rapporteur", "spokesperson"):
                value = (getattr(row, key).data or "").strip()
                if value:
                    table[key] = value
            tables.append(table)
        doc = {
            "format": sessionfile.FORMAT,
            "meeting": meeting,
            "template": {
                "bollen": parse_template_lines(self.bollen.data),
                "horizons": parse_template_lines(self.horizons.data),
            },
            "tables": tables,
        }
        return doc, unreadable

    # -- problems back onto the fields ------------------------------------------------------

    def show_problems(self, problems: list[str], skip: Collection[str] = frozenset()) -> None:
        """Put each validator problem next to its field, or at the top when it has none."""
        rows = self.kept_rows()
        for line in problems:
            match = PROBLEM_RE.match(line)
            if not match:
                self.form_errors.append(line)
                continue
            path, message = match.group("path"), _humanise(match.group("message"), rows)
            if path in skip:
                continue
            field = self._field_for(path, rows)
            if field is not None:
                _add_error(field, message)
            else:
                self.form_errors.append(f"{_describe(path, rows)}: {message}")

    def _field_for(self, path: str, rows: list[TableForm]):
        head, _sep, rest = path.partition(".")
        if head == "meeting" and rest in MEETING_FORM_FIELDS:
            return getattr(self, rest)
        if head == "template" and rest in ("bollen", "horizons"):
            return getattr(self, rest)
        table = TABLE_ROW_RE.match(path)
        if table and table.group(0) == path and table.group(2) in TABLE_FORM_FIELDS:
            index = int(table.group(1)) - 1
            if 0 <= index < len(rows):
                return getattr(rows[index], table.group(2))
        return None

    def row_for_table(self, number: int) -> TableForm | None:
        """The row that holds (or held) this table number: marked for removal, renumbered or cleared."""
        for row in self.tables:
            if _int_or_none(row.form.original.data) == number:
                return row.form
        return None

    def all_errors(self) -> list[tuple[str | None, str]]:
        """Every error as (field id or None, sentence): the summary at the top of the page."""
        out: list[tuple[str | None, str]] = [(None, message) for message in self.form_errors]
        for name in MEETING_FORM_FIELDS + ("bollen", "horizons"):
            field = getattr(self, name)
            out.extend((field.id, f"{field.label.text}: {message}") for message in field.errors)
        for index, row in enumerate(self.tables, start=1):
            number = _int_or_none(row.form.number.data)
            table = (
                _("Tafel %(number)s", number=number) if number else _("Tafel in rij %(index)s", index=index)
            )
            for name in TABLE_FORM_FIELDS + ("remove",):
                field = getattr(row.form, name)
                out.extend((field.id, f"{table}, {field.label.text}: {message}") for message in field.errors)
        return out


def template_lines(items: list[dict[str, str]]) -> str:
    """Bollen or horizons as the form shows them: one "key = label" per line."""
    return "\n".join(f"{item['key']} = {item['label']}" for item in items)


def parse_template_lines(text: str | None) -> list[dict[str, str]]:
    """Template items from lines of "key = label" (or just "label": the key is made from it)."""
    items = []
    for line in _lines(text):
        key, sep, label = line.partition("=")
        if sep:
            items.append({"key": key.strip(), "label": label.strip()})
        else:
            items.append({"key": key_from_label(line), "label": line})
    return items


def key_from_label(label: str) -> str:
    """A template key from a label: "Hier en nu" → "hier-en-nu"."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "-", ascii_label.lower()).strip("-")
    return key[: LIMITS["key"]].strip("-")


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _int_or_none(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if re.fullmatch(r"[0-9]{1,6}", text) else None


def _parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _add_error(field, message: str) -> None:
    # before validate() a field's errors are an empty tuple
    field.errors = [*field.errors, message]


def _row_name(index: int, rows: list[TableForm]) -> str:
    """How a person recognises the index-th kept row (1-based): by its table number."""
    if 1 <= index <= len(rows):
        number = _int_or_none(rows[index - 1].number.data)
        if number is not None:
            return _("tafel %(number)s", number=number)
    return _("tafel in rij %(index)s", index=index)


def _humanise(message: str, rows: list[TableForm]) -> str:
    """Say it in the form's words: tables by number (not the file's tables[N]), no "file" or "key"."""
    message = re.sub(r"tables\[(\d+)\]", lambda m: _row_name(int(m.group(1)), rows), message)
    message = message.replace(_("bestaat niet in dit bestand"), _("bestaat niet in deze vergadering"))
    return re.sub(r"\bkey\b", _("sleutel"), message)


def _describe(path: str, rows: list[TableForm]) -> str:
    table = TABLE_ROW_RE.match(path)
    if table:
        return _row_name(int(table.group(1)), rows).capitalize()
    return {"tables": _("Tafels"), "template": _("Invuloefening"), "meeting": _("Vergadering")}.get(
        path.partition(".")[0], path
    )
