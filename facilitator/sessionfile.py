"""Session files (TOML, format 1): parse, validate, and write.

Parsing turns a file into plain data (``MeetingData``) or a list of problems,
one line each, naming the field and, where it can be found, the line. Nothing
here touches the database: ``operations.import_meeting`` writes the data in
one transaction, so an invalid file changes nothing.
"""

from __future__ import annotations

import tomllib
from datetime import date
from typing import Any

import tomli_w
from flask_babel import gettext as _

from . import toml_errors
from .housestyle.section import read_section as read_style_section
from .housestyle.section import write_section as write_style_section
from .meeting_data import (
    DEFAULT_ANNEX_TITLE,
    DEFAULT_BOLLEN,
    DEFAULT_HORIZONS,
    MEETING_FIELDS,
    EntryData,
    MeetingData,
    TableData,
)
from .rules import LANGUAGES, LIMITS, misplaced_roles, text_problem
from .toml_fields import FieldReader, Raw, Where, type_name
from .toml_groups import read_groups, write_groups
from .toml_lines import TomlLines
from .toml_rounds import entry_round, read_rounds, table_reports, write_rounds, write_table_reports
from .toml_votes import read_votes, write_votes

FORMAT = 1
MAX_FILE_BYTES = 2 * 1024 * 1024
# [ ] and { } inside one another; a session file needs 4, and a parser (or a repr of the
# value in a problem line) that recurses would fail far deeper than this with RecursionError
MAX_NESTING = 16

DOCUMENT_FIELDS = {"format", "meeting", "template", "rounds", "style", "tables", "groups", "votes"}
TABLE_FIELDS = {
    "number",
    "participants",
    "leader",
    "rapporteur",
    "spokesperson",
    "report",
    "feedback",
    "reports",
    "entries",
}
ENTRY_FIELDS = {"text", "bollen", "horizons", "hidden", "round", "waiting"}


class SessionFileError(Exception):
    """A session file that cannot be imported; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Validator(FieldReader):
    """Collects problems while it converts a parsed document to MeetingData."""

    # -- the sections, in the order their problems are reported

    def document(self, doc: Raw) -> MeetingData:
        """The whole document: format, [meeting], [template], [[tables]], the report-back order, [style]."""
        self.unknown(doc, DOCUMENT_FIELDS, ())
        self.version(doc)
        meeting = doc.get("meeting")
        data = self.meeting(meeting)
        self.template(doc, data)
        data.rounds = read_rounds(self, doc)
        numbers = self.tables(doc, data)
        self.feedback_order(meeting if isinstance(meeting, dict) else {}, numbers, data)
        data.groups = read_groups(self, doc, data)
        data.vote_records = read_votes(self, doc, data)
        data.votes = [v.results(n) for n, v in enumerate(data.vote_records, start=1) if v.closed]
        data.style = read_style_section(doc.get("style"), self.problem)
        return data

    def version(self, doc: Raw) -> None:
        fmt = doc.get("format")
        if fmt is None:
            self.problem(("format",), _("ontbreekt; zet bovenaan: format = 1"))
        elif type(fmt) is not int or fmt != FORMAT:
            self.problem(
                ("format",),
                _(
                    "onbekende versie %(version)s; deze versie leest format = %(FORMAT)s",
                    version=repr(fmt),
                    FORMAT=FORMAT,
                ),
            )

    def meeting(self, meeting: Any) -> MeetingData:
        """The [meeting] section, apart from feedback_order (checked once the tables are known)."""
        has_meeting = isinstance(meeting, dict)
        if not isinstance(meeting, dict):
            # one problem, not also "title missing" and "date missing"
            self.problem(
                ("meeting",),
                _("de sectie [meeting] ontbreekt")
                if meeting is None
                else _("moet een sectie [meeting] zijn"),
            )
            meeting = {}
        mp = ("meeting",)
        self.unknown(meeting, MEETING_FIELDS, mp)
        title = self.text(meeting, "title", mp, LIMITS["title"], required=has_meeting)
        data = MeetingData(title=title, date=self.meeting_date(meeting, required=has_meeting))
        data.start = self.text(meeting, "start", mp, LIMITS["start"])
        for key in ("place", "agenda_item", "reference"):
            setattr(data, key, self.text(meeting, key, mp, LIMITS["meeting_text"]))
        data.annex_title = (
            self.text(meeting, "annex_title", mp, LIMITS["meeting_text"]) or DEFAULT_ANNEX_TITLE
        )
        data.language = self.language(meeting)
        data.questions = self.string_list(meeting, "questions", mp, LIMITS["questions"], LIMITS["question"])
        data.round_minutes = self.round_minutes(meeting)
        return data

    def language(self, meeting: Raw) -> str:
        """The meeting's language: "nl" (the default) or "en"."""
        language = meeting.get("language")
        if language is None:
            return LANGUAGES[0]
        if language not in LANGUAGES:
            shown = f'"{language}"' if isinstance(language, str) else type_name(language)
            choices = " of ".join(f'"{code}"' for code in LANGUAGES)
            self.problem(
                ("meeting", "language"),
                f"moet {choices} zijn (Nederlands of Engels), niet {shown}",
            )
            return LANGUAGES[0]
        return language

    def meeting_date(self, meeting: Raw, required: bool) -> date:
        raw = meeting.get("date")
        if raw is None:
            if required:
                self.problem(("meeting", "date"), _("ontbreekt (verplicht), bijv. date = 2023-01-27"))
        elif isinstance(raw, date) and not hasattr(raw, "hour"):
            return raw
        else:
            self.problem(
                ("meeting", "date"),
                _(
                    "moet een datum zijn zonder aanhalingstekens, bijv. date = 2023-01-27, niet %(type)s",
                    type=type_name(raw),
                ),
            )
        return date(2000, 1, 1)

    def round_minutes(self, meeting: Raw) -> int | None:
        minutes = meeting.get("round_minutes")
        path = ("meeting", "round_minutes")
        if minutes is None:
            return None
        if not isinstance(minutes, int) or isinstance(minutes, bool):
            self.problem(path, _("moet een heel getal zijn, niet %(type)s", type=type_name(minutes)))
        elif not 1 <= minutes <= LIMITS["round_minutes"]:
            self.problem(path, _("moet tussen 1 en %(high)s liggen", high=LIMITS["round_minutes"]))
        else:
            return minutes
        return None

    def template(self, doc: Raw, data: MeetingData) -> None:
        template = doc.get("template", {})
        if not isinstance(template, dict):
            self.problem(("template",), _("moet een sectie [template] zijn"))
            template = {}
        self.unknown(template, {"bollen", "horizons"}, ("template",))
        data.bollen = self.template_items(
            template, "bollen", LIMITS["bollen_min"], LIMITS["bollen_max"], DEFAULT_BOLLEN
        )
        data.horizons = self.template_items(
            template, "horizons", LIMITS["horizons_min"], LIMITS["horizons_max"], DEFAULT_HORIZONS
        )

    def tables(self, doc: Raw, data: MeetingData) -> dict[int, int]:
        """Every [[tables]] block into ``data``; returns each valid table number's index."""
        tables = doc.get("tables", [])
        if not isinstance(tables, list):
            self.problem(("tables",), _("moet een lijst van [[tables]] zijn"))
            tables = []
        if len(tables) > LIMITS["tables"]:
            self.problem(
                ("tables",),
                _("%(count)s tafels, hoogstens %(limit)s", count=len(tables), limit=LIMITS["tables"]),
            )
        numbers: dict[int, int] = {}
        for ti, raw in enumerate(tables):
            if not isinstance(raw, dict):
                self.problem(("tables", ti), _("moet een [[tables]]-blok zijn"))
                continue
            data.tables.append(self.table(raw, ti, numbers, data))
        return numbers

    def table(self, raw: Raw, ti: int, numbers: dict[int, int], data: MeetingData) -> TableData:
        tp: Where = ("tables", ti)
        self.unknown(raw, TABLE_FIELDS, tp)
        table = TableData(number=self.table_number(raw, ti, numbers))
        self.people(raw, tp, table)
        table.report = self.text(raw, "report", tp, LIMITS["report"])
        table.feedback = self.text(raw, "feedback", tp, LIMITS["report"])
        table.reports = table_reports(self, raw, tp, data.rounds)
        table.entries = self.entries(raw, tp, data)
        return table

    def table_number(self, raw: Raw, ti: int, numbers: dict[int, int]) -> int:
        """The table's number (0 when missing or not a number); a valid new one goes into ``numbers``."""
        path = ("tables", ti, "number")
        number = raw.get("number")
        if number is None:
            self.problem(path, _("ontbreekt (verplicht): het tafelnummer"))
            return 0
        if not isinstance(number, int) or isinstance(number, bool):
            self.problem(path, _("moet een heel getal zijn, niet %(type)s", type=type_name(number)))
            return 0
        if not 1 <= number <= LIMITS["table_number"]:
            self.problem(path, _("moet tussen 1 en %(high)s liggen", high=LIMITS["table_number"]))
        elif number in numbers:
            self.problem(
                path,
                _(
                    "tafel %(number)s komt twee keer voor (ook in tables[%(other)s])",
                    number=number,
                    other=numbers[number] + 1,
                ),
            )
        else:
            numbers[number] = ti
        return number

    def people(self, raw: Raw, tp: Where, table: TableData) -> None:
        """Participants, and the leader, spokesperson and rapporteur."""
        table.participants = self.string_list(raw, "participants", tp, LIMITS["participants"], LIMITS["name"])
        seen: set[str] = set()
        for name in table.participants:
            if name in seen:
                self.problem(tp + ("participants",), _('"%(name)s" staat twee keer in de lijst', name=name))
            seen.add(name)
        table.leader = self.text(raw, "leader", tp, LIMITS["name"]) or None
        table.spokesperson = self.text(raw, "spokesperson", tp, LIMITS["name"]) or None
        roles = {"leader": table.leader, "spokesperson": table.spokesperson}
        for role, label, name in misplaced_roles(roles, table.participants):
            self.problem(
                tp + (role,),
                _(
                    '%(role)s "%(name)s" staat niet tussen de deelnemers van tafel %(table)s',
                    role=label,
                    name=name,
                    table=table.number,
                ),
            )
        table.rapporteur = self.text(raw, "rapporteur", tp, LIMITS["name"]) or None

    def entries(self, raw: Raw, tp: Where, data: MeetingData) -> list[EntryData]:
        entries = raw.get("entries", [])
        if not isinstance(entries, list):
            self.problem(tp + ("entries",), _("moet een lijst van [[tables.entries]] zijn"))
            entries = []
        if len(entries) > LIMITS["entries"]:
            self.problem(
                tp + ("entries",),
                _("%(count)s inbrengen, hoogstens %(limit)s", count=len(entries), limit=LIMITS["entries"]),
            )
        bol_keys = {b["key"] for b in data.bollen}
        horizon_keys = {h["key"] for h in data.horizons}
        out: list[EntryData] = []
        for ei, rawe in enumerate(entries):
            if not isinstance(rawe, dict):
                self.problem(tp + ("entries", ei), _("moet een [[tables.entries]]-blok zijn"))
                continue
            out.append(self.entry(rawe, tp + ("entries", ei), bol_keys, horizon_keys, data))
        return out

    def entry(
        self, raw: Raw, ep: Where, bol_keys: set[str], horizon_keys: set[str], data: MeetingData
    ) -> EntryData:
        self.unknown(raw, ENTRY_FIELDS, ep)
        text = self.text(raw, "text", ep, LIMITS["entry_text"], required=True)
        number = entry_round(self, raw, ep, data.rounds)
        free = data.rounds and data.rounds[number - 1].template == "none"  # a round of free entries
        bollen = self.keys(raw, "bollen", ep, bol_keys, _("bol"))
        if not free and ("bollen" not in raw or (isinstance(raw.get("bollen"), list) and not raw["bollen"])):
            self.problem(ep + ("bollen",), _("noem ten minste één bol"))
        horizons = self.keys(raw, "horizons", ep, horizon_keys, "horizon")
        hidden, waiting = (self.flag(raw, key, ep) for key in ("hidden", "waiting"))
        return EntryData(
            text=text, bollen=bollen, horizons=horizons, hidden=hidden, round=number, waiting=waiting
        )

    def feedback_order(self, meeting: Raw, numbers: dict[int, int], data: MeetingData) -> None:
        order = meeting.get("feedback_order")
        path = ("meeting", "feedback_order")
        if order is None:
            return
        if not isinstance(order, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in order
        ):
            self.problem(path, _("moet een lijst van tafelnummers zijn, bijv. [1, 3, 4]"))
            return
        seen: set[int] = set()
        for n in order:
            if n in seen:
                self.problem(path, _("tafel %(n)s staat twee keer in de volgorde", n=n))
            elif n not in numbers:
                self.problem(path, _("tafel %(n)s bestaat niet in dit bestand", n=n))
            seen.add(n)
        data.feedback_order = list(order)


def validate(doc: dict[str, Any], source: str | None = None) -> MeetingData:
    """Check a parsed session document and return it as MeetingData.

    Raises SessionFileError listing every problem found (one line each).
    """
    validator = _Validator(TomlLines(source) if source is not None else None)
    data = validator.document(doc)
    if validator.problems:
        raise SessionFileError(validator.problems)
    return data


def loads(raw: bytes) -> MeetingData:
    """Parse and validate the bytes of a session file."""
    if len(raw) > MAX_FILE_BYTES:
        size = f"{len(raw):,}".replace(",", ".")
        limit = f"{MAX_FILE_BYTES:,}".replace(",", ".")
        raise SessionFileError(
            [
                _(
                    "bestand: te groot (%(size)s bytes); hoogstens %(limit)s bytes (2 MB)",
                    size=size,
                    limit=limit,
                )
            ]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SessionFileError(
            [_("bestand (regel %(line)s): is geen UTF-8-tekst; sla het op als UTF-8", line=line)]
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    too_deep = _too_deep(text, MAX_NESTING)
    if too_deep:
        raise SessionFileError([_nesting_problem(too_deep)])
    try:
        doc = tomllib.loads(text)
    except RecursionError:  # a backstop: _too_deep should have refused the file already
        raise SessionFileError([_nesting_problem(None)]) from None
    except tomllib.TOMLDecodeError as exc:
        raise SessionFileError([toml_errors.dutch(str(exc), text)]) from None
    refused = _character_problems(doc, text)
    if refused:  # first, and alone: the other checks would quote these characters back
        raise SessionFileError(refused)
    return validate(doc, text)


# fields whose text may run over several lines; every other text is one line
MULTILINE_FIELDS = {"report", "feedback", "text"}


def _character_problems(doc: dict[str, Any], source: str) -> list[str]:
    """A problem for every text in the document holding a character rules.text_problem refuses."""
    v = _Validator(TomlLines(source))
    pending: list[tuple[tuple[Any, ...], Any]] = [((), doc)]  # iterative: depth is bounded anyway
    while pending:
        path, value = pending.pop()
        if isinstance(value, dict):
            pending.extend((path + (key,), item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            if value and all(isinstance(item, str) for item in value):
                multiline = path[-1] in MULTILINE_FIELDS if path else False
                for i, item in enumerate(value):
                    problem = text_problem(item, multiline)
                    if problem:
                        v.problem(path, f"item {i + 1} {problem}")
            else:
                pending.extend((path + (i,), item) for i, item in reversed(list(enumerate(value))))
        elif isinstance(value, str):
            multiline = bool(path) and path[-1] in MULTILINE_FIELDS
            problem = text_problem(value, multiline)
            if problem:
                v.problem(path, problem)
    return v.problems


def _nesting_problem(line: int | None) -> str:
    where = _("bestand (regel %(line)s)", line=line) if line else _("bestand")
    return _(
        "%(where)s: te diep genest (hoogstens %(limit)s niveaus van [ ] en { } in elkaar); "
        "een sessiebestand heeft er hoogstens 4 nodig",
        where=where,
        limit=MAX_NESTING,
    )


def _too_deep(text: str, limit: int) -> int | None:
    """The line where [ ] and { } nest deeper than ``limit``, or None; one pass, no recursion.

    Follows TOML's strings (basic, literal, multi-line) and comments, so brackets in text
    do not count.
    """
    depth = 0
    line = 1
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif ch in "\"'":
            triple = text.startswith(ch * 3, i)
            delimiter = ch * 3 if triple else ch
            j = i + len(delimiter)
            while j < n:
                if ch == '"' and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(delimiter, j) or (not triple and text[j] == "\n"):
                    break
                j += 1
            if triple:  # a multi-line string may end in up to two more quotes
                while j + 3 < n and text[j + 3] == ch:
                    j += 1
            line += text.count("\n", i, j)
            # an unclosed one-line string ends at its line's end (tomllib will say so)
            i = j if j < n and text[j] == "\n" else j + len(delimiter)
            continue
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return line
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None


def dumps(data: MeetingData) -> str:
    """Write MeetingData as a session file (the format ``loads`` reads)."""
    meeting: dict[str, Any] = {"title": data.title, "date": data.date}
    for key in ("start", "place", "agenda_item", "reference"):
        if getattr(data, key):
            meeting[key] = getattr(data, key)
    meeting["annex_title"] = data.annex_title
    meeting["language"] = data.language
    meeting["questions"] = list(data.questions)
    if data.round_minutes is not None:
        meeting["round_minutes"] = data.round_minutes
    if data.feedback_order is not None:
        meeting["feedback_order"] = list(data.feedback_order)
    doc: dict[str, Any] = {
        "format": FORMAT,
        "meeting": meeting,
        **({"style": write_style_section(data.style)} if data.style else {}),
        "template": {"bollen": data.bollen, "horizons": data.horizons},
        **({"rounds": write_rounds(data.rounds)} if data.rounds else {}),
        "tables": [],
    }
    for table in data.tables:
        out: dict[str, Any] = {"number": table.number, "participants": list(table.participants)}
        for key in ("leader", "rapporteur", "spokesperson"):
            if getattr(table, key):
                out[key] = getattr(table, key)
        out["report"] = table.report
        if table.feedback:
            out["feedback"] = table.feedback
        if reports := write_table_reports(table.reports):
            out["reports"] = reports
        if table.entries:
            out["entries"] = []
            for entry in table.entries:
                e: dict[str, Any] = {"text": entry.text, "bollen": entry.bollen, "horizons": entry.horizons}
                if entry.hidden:
                    e["hidden"] = True
                if entry.round != 1:
                    e["round"] = entry.round
                if entry.waiting:
                    e["waiting"] = True
                out["entries"].append(e)
        doc["tables"].append(out)
    doc |= {"groups": write_groups(data.groups)} if data.groups else {}
    doc |= {"votes": write_votes(data.vote_records, data)} if data.vote_records else {}
    return tomli_w.dumps(doc, multiline_strings=True)
