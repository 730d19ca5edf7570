"""Session files (TOML, format 1): parse, validate, and write.

Parsing turns a file into plain data (``MeetingData``) or a list of problems,
one line each, naming the field and, where it can be found, the line. Nothing
here touches the database: ``operations.import_meeting`` writes the data in
one transaction, so an invalid file changes nothing.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import tomli_w

from .rules import LIMITS, misplaced_roles, text_problem

FORMAT = 1
MAX_FILE_BYTES = 2 * 1024 * 1024
# [ ] and { } inside one another; a session file needs 4, and a parser (or a repr of the
# value in a problem line) that recurses would fail far deeper than this with RecursionError
MAX_NESTING = 16

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")

DEFAULT_BOLLEN = [
    {"key": "economisch", "label": "Economisch"},
    {"key": "sociaal", "label": "Sociaal"},
    {"key": "ecologisch", "label": "Ecologisch"},
]
DEFAULT_HORIZONS = [
    {"key": "hier-en-nu", "label": "Hier en nu"},
    {"key": "later", "label": "Later"},
    {"key": "elders", "label": "Elders"},
]
DEFAULT_ANNEX_TITLE = "Bijlage: terugkoppeling tafels"

# the [meeting] fields in file order (the secretariat's form and the importer share them)
MEETING_FIELDS = (
    "title",
    "date",
    "start",
    "place",
    "agenda_item",
    "reference",
    "annex_title",
    "questions",
    "round_minutes",
    "feedback_order",
)
TABLE_FIELDS = {
    "number",
    "participants",
    "leader",
    "rapporteur",
    "spokesperson",
    "report",
    "feedback",
    "entries",
}
ENTRY_FIELDS = {"text", "bollen", "horizons", "hidden"}


@dataclass
class EntryData:
    """One entry of a table, validated."""

    text: str
    bollen: list[str]
    horizons: list[str] = field(default_factory=list)
    hidden: bool = False


@dataclass
class TableData:
    """One table, validated."""

    number: int
    participants: list[str] = field(default_factory=list)
    leader: str | None = None
    rapporteur: str | None = None
    spokesperson: str | None = None
    report: str = ""
    feedback: str = ""
    entries: list[EntryData] = field(default_factory=list)


@dataclass
class MeetingData:
    """A whole meeting as plain, validated data: what a session file holds."""

    title: str
    date: date
    start: str = ""
    place: str = ""
    agenda_item: str = ""
    reference: str = ""
    annex_title: str = DEFAULT_ANNEX_TITLE
    questions: list[str] = field(default_factory=list)
    round_minutes: int | None = None
    feedback_order: list[int] | None = None
    bollen: list[dict[str, str]] = field(default_factory=lambda: [dict(b) for b in DEFAULT_BOLLEN])
    horizons: list[dict[str, str]] = field(default_factory=lambda: [dict(h) for h in DEFAULT_HORIZONS])
    tables: list[TableData] = field(default_factory=list)


class SessionFileError(Exception):
    """A session file that cannot be imported; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Locator:
    """Finds the line of a field in the TOML source (tomllib does not report it).

    A small scanner follows strings (also multi-line ones), comments and brackets, so
    that only real table headers and real ``key =`` lines count: a line of report
    text such as "[zie bijlage]" or "leader = …" inside a string is not mistaken for one.
    """

    _header = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*\]\]?\s*(#.*)?$")
    _part = r"(?:[A-Za-z0-9_\-]+|\"[^\"\\]*\"|'[^']*')"
    _key = re.compile(rf"^\s*({_part}(?:\s*\.\s*{_part})*)\s*=")

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.end = len(self.lines) + 1
        # (line number, dotted header name) of every [table] and [[array]] header
        self.sections: list[tuple[int, str]] = []
        # line number -> dotted key of every "key = value" line outside strings and arrays
        self.keys: dict[int, str] = {}
        state: str | None = None  # inside a multi-line string: its delimiter
        depth = 0  # open [ and { of a value spread over several lines
        for number, line in enumerate(self.lines, start=1):
            if state is None and depth == 0:
                header = self._header.match(line)
                if header:
                    self.sections.append((number, re.sub(r"\s", "", header.group(2))))
                    continue
                key = self._key.match(line)
                if key:
                    parts = re.findall(self._part, key.group(1))
                    self.keys[number] = ".".join(p.strip("\"'") for p in parts)
                    line = line[key.end() :]
            state, depth = self._scan(line, state, depth)

    @staticmethod
    def _scan(line: str, state: str | None, depth: int) -> tuple[str | None, int]:
        """The string and bracket state at the end of a line, given the state at its start."""
        i, n = 0, len(line)
        while i < n:
            if state is not None:
                if state == '"""' and line[i] == "\\":
                    i += 2
                    continue
                if line.startswith(state, i):
                    i += 3
                    while i < n and line[i] == state[0]:  # up to two quotes may end the content
                        i += 1
                    state = None
                    continue
                i += 1
                continue
            c = line[i]
            if c == "#":
                break
            if line.startswith('"""', i) or line.startswith("'''", i):
                state = line[i : i + 3]
                i += 3
            elif c == '"':
                i += 1
                while i < n and line[i] != '"':
                    i += 2 if line[i] == "\\" else 1
                i += 1
            elif c == "'":
                close = line.find("'", i + 1)
                i = n if close < 0 else close + 1
            else:
                if c in "[{":
                    depth += 1
                elif c in "]}":
                    depth = max(0, depth - 1)
                i += 1
        return state, depth

    def _key_line(self, block: tuple[int, int], key: str) -> int | None:
        return next((n for n in range(block[0], block[1]) if self.keys.get(n) == key), None)

    def _top(self) -> tuple[int, int]:
        return 1, (self.sections[0][0] if self.sections else self.end)

    def _section(self, name: str) -> tuple[int, int] | None:
        """Lines of the first ``[name]`` section (up to the next header)."""
        start = next((n for n, s in self.sections if s == name), None)
        if start is None:
            return None
        return start, min([n for n, _ in self.sections if n > start] + [self.end])

    def _array_item(
        self, name: str, index: int, within: tuple[int, int] | None = None
    ) -> tuple[int, int] | None:
        """Lines of the index-th ``[[name]]`` block inside ``within``, with its sub-tables."""
        lo, hi = within or (1, self.end)
        starts = [n for n, s in self.sections if s == name and lo <= n < hi]
        if index >= len(starts):
            return None
        start = starts[index]
        later = [n for n, s in self.sections if start < n < hi and not s.startswith(name + ".")]
        return start, min(later + [hi])

    def line(self, path: tuple[Any, ...]) -> int | None:
        """Best-effort line number for a field path like ("tables", 2, "leader")."""
        parts = list(path)
        if not parts:
            return None
        head = parts[0]
        block: tuple[int, int] | None = None
        rest: list[Any] = []
        if head in ("meeting", "template") and len(parts) > 1:
            block, rest = self._section(head), parts[1:]
            if block is None:  # perhaps dotted keys at the top: meeting.title = …
                return self._key_line(self._top(), ".".join(str(p) for p in parts[:2]))
        elif head == "tables" and len(parts) > 1 and isinstance(parts[1], int):
            block, rest = self._array_item("tables", parts[1]), parts[2:]
            if block and len(rest) > 1 and rest[0] == "entries" and isinstance(rest[1], int):
                block, rest = self._array_item("tables.entries", rest[1], block) or block, rest[2:]
        if block is None:
            # a top-level key (format = …, tables = […]) or a whole section
            found = self._key_line(self._top(), str(head))
            if found is None:
                found = next((n for n, s in self.sections if s == head), None)
            return found
        key = next((p for p in rest if isinstance(p, str)), None)
        if key is None:
            return block[0]
        # the key's own line, or else the header of the block it is missing from
        return self._key_line(block, key) or block[0]


_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def _one_line(text: str) -> str:
    """A problem stays one line: control characters from the file (a name with a newline) are escaped."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _path_name(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + part
    return out


class _Validator:
    """Collects problems while it converts a parsed document to MeetingData."""

    def __init__(self, locator: _Locator | None):
        self.locator = locator
        self.problems: list[str] = []

    def problem(self, path: tuple[Any, ...], message: str) -> None:
        where = _path_name(path)
        line = self.locator.line(path) if self.locator else None
        if line:
            where += f" (regel {line})"
        self.problems.append(_one_line(f"{where}: {message}"))

    def unknown(self, table: dict[str, Any], allowed: set[str], path: tuple[Any, ...]) -> None:
        for key in table:
            if key not in allowed:
                self.problem(
                    path + (key,),
                    "onbekend veld (tikfout?); toegestaan: " + ", ".join(sorted(allowed)),
                )

    def text(
        self,
        table: dict[str, Any],
        key: str,
        path: tuple[Any, ...],
        limit: int,
        required: bool = False,
        default: str = "",
    ) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.problem(path + (key,), "ontbreekt (verplicht)")
            return default
        if not isinstance(value, str):
            self.problem(path + (key,), f"moet tekst zijn (tussen aanhalingstekens), niet {_type(value)}")
            return default
        value = value.strip() if limit <= LIMITS["meeting_text"] else value
        if required and not value:
            self.problem(path + (key,), "mag niet leeg zijn")
        if len(value) > limit:
            self.problem(path + (key,), f"is te lang: {len(value)} tekens, hoogstens {limit}")
            return value[:limit]
        if "\x00" in value:
            self.problem(path + (key,), "bevat een NUL-teken")
        return value

    def string_list(
        self, table: dict[str, Any], key: str, path: tuple[Any, ...], max_items: int, limit: int
    ) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list):
            self.problem(path + (key,), f'moet een lijst zijn, zoals ["a", "b"], niet {_type(value)}')
            return []
        if len(value) > max_items:
            self.problem(path + (key,), f"heeft {len(value)} items, hoogstens {max_items}")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.problem(path + (key,), f"item {i + 1} moet tekst zijn, niet {_type(item)}")
                continue
            item = item.strip()
            if not item:
                self.problem(path + (key,), f"item {i + 1} is leeg")
            elif len(item) > limit:
                self.problem(path + (key,), f"item {i + 1} is te lang: {len(item)} tekens, hoogstens {limit}")
            elif "\x00" in item:
                self.problem(path + (key,), f"item {i + 1} bevat een NUL-teken")
            else:
                out.append(item)
        return out

    def template_items(
        self, table: dict[str, Any], key: str, low: int, high: int, default: list[dict[str, str]]
    ) -> list[dict[str, str]]:
        path = ("template", key)
        if key not in table:
            return [dict(d) for d in default]
        value = table[key]
        if not isinstance(value, list):
            self.problem(path, f"moet een lijst zijn, niet {_type(value)}")
            return [dict(d) for d in default]
        if not low <= len(value) <= high:
            self.problem(path, f"moet {low} tot {high} items hebben, heeft er {len(value)}")
        out: list[dict[str, str]] = []
        seen: set[str] = set()
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.problem(path, f'item {i + 1} moet {{key = "…", label = "…"}} zijn')
                continue
            self.unknown(item, {"key", "label"}, path)
            k = item.get("key")
            label = item.get("label")
            if not isinstance(k, str) or not KEY_RE.match(k):
                self.problem(
                    path,
                    f"item {i + 1}: key {k!r} moet bestaan uit kleine letters, cijfers en "
                    f"streepjes (hoogstens {LIMITS['key']} tekens)",
                )
                continue
            if k in seen:
                self.problem(path, f'key "{k}" komt twee keer voor')
                continue
            if not isinstance(label, str) or not label.strip():
                self.problem(path, f'item "{k}": label ontbreekt of is geen tekst')
                continue
            if len(label) > LIMITS["label"]:
                self.problem(path, f'item "{k}": label is te lang (hoogstens {LIMITS["label"]} tekens)')
                continue
            if "\x00" in label:
                self.problem(path, f'item "{k}": label bevat een NUL-teken')
                continue
            seen.add(k)
            out.append({"key": k, "label": label.strip()})
        return out


def _type(value: Any) -> str:
    names = {
        str: "tekst",
        int: "een getal",
        float: "een kommagetal",
        bool: "true/false",
        list: "een lijst",
        dict: "een tabel",
        date: "een datum",
    }
    return names.get(type(value), type(value).__name__)


def validate(doc: dict[str, Any], source: str | None = None) -> MeetingData:
    """Check a parsed session document and return it as MeetingData.

    Raises SessionFileError listing every problem found (one line each).
    """
    v = _Validator(_Locator(source) if source is not None else None)
    v.unknown(doc, {"format", "meeting", "template", "tables"}, ())
    fmt = doc.get("format")
    if fmt is None:
        v.problem(("format",), "ontbreekt; zet bovenaan: format = 1")
    elif type(fmt) is not int or fmt != FORMAT:
        v.problem(("format",), f"onbekende versie {fmt!r}; deze versie leest format = {FORMAT}")

    meeting = doc.get("meeting")
    has_meeting = isinstance(meeting, dict)
    if not isinstance(meeting, dict):
        # one problem, not also "title missing" and "date missing"
        v.problem(
            ("meeting",),
            "de sectie [meeting] ontbreekt" if meeting is None else "moet een sectie [meeting] zijn",
        )
        meeting = {}
    mp = ("meeting",)
    v.unknown(meeting, MEETING_FIELDS, mp)
    title = v.text(meeting, "title", mp, LIMITS["title"], required=has_meeting)
    raw_date = meeting.get("date")
    meeting_date = date(2000, 1, 1)
    if raw_date is None:
        if has_meeting:
            v.problem(mp + ("date",), "ontbreekt (verplicht), bijv. date = 2023-01-27")
    elif isinstance(raw_date, date) and not hasattr(raw_date, "hour"):
        meeting_date = raw_date
    else:
        v.problem(
            mp + ("date",),
            f"moet een datum zijn zonder aanhalingstekens, bijv. date = 2023-01-27, niet {_type(raw_date)}",
        )
    data = MeetingData(title=title, date=meeting_date)
    data.start = v.text(meeting, "start", mp, LIMITS["start"])
    for key in ("place", "agenda_item", "reference"):
        setattr(data, key, v.text(meeting, key, mp, LIMITS["meeting_text"]))
    data.annex_title = v.text(meeting, "annex_title", mp, LIMITS["meeting_text"]) or DEFAULT_ANNEX_TITLE
    data.questions = v.string_list(meeting, "questions", mp, LIMITS["questions"], LIMITS["question"])
    minutes = meeting.get("round_minutes")
    if minutes is not None:
        if not isinstance(minutes, int) or isinstance(minutes, bool):
            v.problem(mp + ("round_minutes",), f"moet een heel getal zijn, niet {_type(minutes)}")
        elif not 1 <= minutes <= LIMITS["round_minutes"]:
            v.problem(mp + ("round_minutes",), f"moet tussen 1 en {LIMITS['round_minutes']} liggen")
        else:
            data.round_minutes = minutes

    template = doc.get("template", {})
    if not isinstance(template, dict):
        v.problem(("template",), "moet een sectie [template] zijn")
        template = {}
    v.unknown(template, {"bollen", "horizons"}, ("template",))
    data.bollen = v.template_items(
        template, "bollen", LIMITS["bollen_min"], LIMITS["bollen_max"], DEFAULT_BOLLEN
    )
    data.horizons = v.template_items(
        template, "horizons", LIMITS["horizons_min"], LIMITS["horizons_max"], DEFAULT_HORIZONS
    )
    bol_keys = {b["key"] for b in data.bollen}
    horizon_keys = {h["key"] for h in data.horizons}

    tables = doc.get("tables", [])
    if not isinstance(tables, list):
        v.problem(("tables",), "moet een lijst van [[tables]] zijn")
        tables = []
    if len(tables) > LIMITS["tables"]:
        v.problem(("tables",), f"{len(tables)} tafels, hoogstens {LIMITS['tables']}")
    numbers: dict[int, int] = {}
    for ti, raw in enumerate(tables):
        tp: tuple[Any, ...] = ("tables", ti)
        if not isinstance(raw, dict):
            v.problem(tp, "moet een [[tables]]-blok zijn")
            continue
        v.unknown(raw, TABLE_FIELDS, tp)
        number = raw.get("number")
        if number is None:
            v.problem(tp + ("number",), "ontbreekt (verplicht): het tafelnummer")
            number = 0
        elif not isinstance(number, int) or isinstance(number, bool):
            v.problem(tp + ("number",), f"moet een heel getal zijn, niet {_type(number)}")
            number = 0
        elif not 1 <= number <= LIMITS["table_number"]:
            v.problem(tp + ("number",), f"moet tussen 1 en {LIMITS['table_number']} liggen")
        elif number in numbers:
            v.problem(
                tp + ("number",),
                f"tafel {number} komt twee keer voor (ook in tables[{numbers[number] + 1}])",
            )
        else:
            numbers[number] = ti
        table = TableData(number=number)
        table.participants = v.string_list(raw, "participants", tp, LIMITS["participants"], LIMITS["name"])
        seen_names: set[str] = set()
        for name in table.participants:
            if name in seen_names:
                v.problem(tp + ("participants",), f'"{name}" staat twee keer in de lijst')
            seen_names.add(name)
        for role in ("leader", "spokesperson"):
            setattr(table, role, v.text(raw, role, tp, LIMITS["name"]) or None)
        roles = {"leader": table.leader, "spokesperson": table.spokesperson}
        for role, label, name in misplaced_roles(roles, table.participants):
            v.problem(tp + (role,), f'{label} "{name}" staat niet tussen de deelnemers van tafel {number}')
        table.rapporteur = v.text(raw, "rapporteur", tp, LIMITS["name"]) or None
        table.report = v.text(raw, "report", tp, LIMITS["report"])
        table.feedback = v.text(raw, "feedback", tp, LIMITS["report"])
        entries = raw.get("entries", [])
        if not isinstance(entries, list):
            v.problem(tp + ("entries",), "moet een lijst van [[tables.entries]] zijn")
            entries = []
        if len(entries) > LIMITS["entries"]:
            v.problem(tp + ("entries",), f"{len(entries)} inbrengen, hoogstens {LIMITS['entries']}")
        for ei, rawe in enumerate(entries):
            ep = tp + ("entries", ei)
            if not isinstance(rawe, dict):
                v.problem(ep, "moet een [[tables.entries]]-blok zijn")
                continue
            v.unknown(rawe, ENTRY_FIELDS, ep)
            text = v.text(rawe, "text", ep, LIMITS["entry_text"], required=True)
            bollen = _keys(v, rawe, "bollen", ep, bol_keys, "bol")
            if "bollen" not in rawe or (isinstance(rawe.get("bollen"), list) and not rawe["bollen"]):
                v.problem(ep + ("bollen",), "noem ten minste één bol")
            horizons = _keys(v, rawe, "horizons", ep, horizon_keys, "horizon")
            hidden = rawe.get("hidden", False)
            if not isinstance(hidden, bool):
                v.problem(ep + ("hidden",), "moet true of false zijn")
                hidden = False
            table.entries.append(EntryData(text=text, bollen=bollen, horizons=horizons, hidden=hidden))
        data.tables.append(table)

    order = meeting.get("feedback_order")
    if order is not None:
        if not isinstance(order, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in order
        ):
            v.problem(mp + ("feedback_order",), "moet een lijst van tafelnummers zijn, bijv. [1, 3, 4]")
        else:
            seen: set[int] = set()
            for n in order:
                if n in seen:
                    v.problem(mp + ("feedback_order",), f"tafel {n} staat twee keer in de volgorde")
                elif n not in numbers:
                    v.problem(mp + ("feedback_order",), f"tafel {n} bestaat niet in dit bestand")
                seen.add(n)
            data.feedback_order = list(order)

    if v.problems:
        raise SessionFileError(v.problems)
    return data


def _keys(
    v: _Validator, raw: dict[str, Any], key: str, path: tuple[Any, ...], allowed: set[str], what: str
) -> list[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        v.problem(
            path + (key,),
            f'moet een lijst van {what}-keys zijn, bijv. ["{sorted(allowed)[0] if allowed else "x"}"]',
        )
        return []
    out: list[str] = []
    for k in value:
        if k not in allowed:
            v.problem(
                path + (key,),
                f'{what} "{k}" bestaat niet in de template; kies uit: ' + ", ".join(sorted(allowed)),
            )
        elif k in out:
            v.problem(path + (key,), f'{what} "{k}" staat twee keer in de lijst')
        else:
            out.append(k)
    return out


def loads(raw: bytes) -> MeetingData:
    """Parse and validate the bytes of a session file."""
    if len(raw) > MAX_FILE_BYTES:
        size = f"{len(raw):,}".replace(",", ".")
        limit = f"{MAX_FILE_BYTES:,}".replace(",", ".")
        raise SessionFileError([f"bestand: te groot ({size} bytes); hoogstens {limit} bytes (2 MB)"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SessionFileError(
            [f"bestand (regel {line}): is geen UTF-8-tekst; sla het op als UTF-8"]
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
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        if match:
            raise SessionFileError(
                [f"bestand (regel {match.group(1)}, kolom {match.group(2)}): geen geldige TOML: {reason}"]
            ) from None
        raise SessionFileError([f"bestand: geen geldige TOML: {reason}"]) from None
    refused = _character_problems(doc, text)
    if refused:  # first, and alone: the other checks would quote these characters back
        raise SessionFileError(refused)
    return validate(doc, text)


# fields whose text may run over several lines; every other text is one line
MULTILINE_FIELDS = {"report", "feedback", "text"}


def _character_problems(doc: dict[str, Any], source: str) -> list[str]:
    """A problem for every text in the document holding a character rules.text_problem refuses."""
    v = _Validator(_Locator(source))
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
    where = f"bestand (regel {line})" if line else "bestand"
    return (
        f"{where}: te diep genest (hoogstens {MAX_NESTING} niveaus van [ ] en {{ }} in elkaar); "
        "een sessiebestand heeft er hoogstens 4 nodig"
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
    meeting["questions"] = list(data.questions)
    if data.round_minutes is not None:
        meeting["round_minutes"] = data.round_minutes
    if data.feedback_order is not None:
        meeting["feedback_order"] = list(data.feedback_order)
    doc: dict[str, Any] = {
        "format": FORMAT,
        "meeting": meeting,
        "template": {"bollen": data.bollen, "horizons": data.horizons},
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
        if table.entries:
            out["entries"] = []
            for entry in table.entries:
                e: dict[str, Any] = {"text": entry.text, "bollen": entry.bollen, "horizons": entry.horizons}
                if entry.hidden:
                    e["hidden"] = True
                out["entries"].append(e)
        doc["tables"].append(out)
    return tomli_w.dumps(doc, multiline_strings=True)
