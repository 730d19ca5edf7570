"""The annex as plain data: what every format prints, built from a meeting's MeetingData.

Nothing here is an ORM object, so the same value feeds the HTML template, travels as JSON
to the render child (DOCX) and is written out as Markdown.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..meeting_data import DEFAULT_ANNEX_TITLE, MeetingData, TableData, TemplateItem
from .figure import Figure, layout
from .language import supported, translations, translator

ORDERS = ("number", "feedback")


@dataclass
class AnnexOptions:
    """What the secretariat chose: feedback summaries, empty tables, table order."""

    include_feedback: bool = False
    skip_empty: bool = False
    order: str = "number"  # "number" or "feedback" (the report-back order, the rest after)


@dataclass
class Words:
    """Every word the annex prints around user text, in the annex's language."""

    table: str
    participants: str
    leader: str
    rapporteur: str
    figure: str
    feedback: str
    spokesperson: str
    no_report: str
    legend: str
    meeting: str
    date: str
    place: str
    agenda_item: str
    reference: str
    round: str
    questions: str
    page: str
    of: str
    time_format: str  # "%(hour)s.%(minute)s uur"
    logo: str = "Logo"
    default_title: str = DEFAULT_ANNEX_TITLE  # the default annex title, translated
    groups: str = "Groepen van inbreng"  # the section of the groups of entries across tables
    group_table: str = "tafel %(list)s"
    group_tables: str = "tafels %(list)s"
    and_word: str = "en"  # the last two of a list: "1, 3 en 5"
    round_title: str = "Ronde %(number)s"  # a round's heading in a meeting of several
    no_entries: str = "Geen inbreng in deze ronde."
    priorities: str = "Prioriteiten"  # the closed votes' section
    vote_title: str = "Stemming %(number)s"
    plenary: str = "plenair"
    rank: str = "Positie"
    entry: str = "Inbreng"
    dots: str = "Stippen"
    tie: str = "gedeeld"


def annex_words(lang: str = "nl") -> Words:
    """The annex's words in ``lang`` (the "annex" domain: no app or request needed)."""
    _ = translator(lang)
    return Words(
        table=_("Tafel"),
        participants=_("Deelnemers"),
        leader=_("gespreksleider"),
        rapporteur=_("Verslag"),
        figure=_("Invuloefening tafel"),
        feedback=_("Terugkoppeling in de plenaire vergadering"),
        spokesperson=_("Woordvoerder"),
        no_report=_("Van deze tafel is geen verslag gemaakt."),
        legend=_("Genummerde inbreng in de figuur"),
        meeting=_("Vergadering"),
        date=_("Datum"),
        place=_("Plaats"),
        agenda_item=_("Agendapunt"),
        reference=_("Kenmerk"),
        round=_("Rondetafelgesprek"),
        questions=_("Vragen aan de tafels"),
        page=_("pagina"),
        of=_("van"),
        # a time of day: "10.15 uur" in Dutch
        time_format=_("%(hour)s.%(minute)s uur"),
        logo=_("Logo"),
        default_title=_("Bijlage: terugkoppeling tafels"),
        groups=_("Groepen van inbreng"),
        group_table=_("tafel %(list)s"),
        group_tables=_("tafels %(list)s"),
        # the word between the last two of a list: "tafel 1, 3 en 5"
        and_word=_("en"),
        round_title=_("Ronde %(number)s"),
        no_entries=_("Geen inbreng in deze ronde."),
        priorities=_("Prioriteiten"),
        vote_title=_("Stemming %(number)s"),
        plenary=_("plenair"),
        rank=_("Positie"),
        entry=_("Inbreng"),
        dots=_("Stippen"),
        # a rank several entries share: "1 (gedeeld)"
        tie=_("gedeeld"),
    )


@dataclass
class Person:
    """A participant in print order; leader marks the discussion leader."""

    name: str
    leader: bool = False


@dataclass
class AnnexRound:
    """One round of a table in a meeting of several: its heading and question, and what the table
    put in (a figure of a round with the bollen template, a list of a round of free entries)."""

    number: int
    title: str  # "Ronde 2"
    question: str
    figure: Figure | None
    entries: list[str]  # a free round's visible entries, in the order they were added
    report: str = ""  # the table's report of this round (Markdown, as richtext reads it)


@dataclass
class AnnexGroup:
    """A group of entries across tables as printed: its name, its tables, each entry with its table."""

    name: str
    tables: str  # "tafel 1, 3 en 5"
    entries: list[tuple[int, str]]  # (table number, text), visible entries only


@dataclass
class AnnexVoteRow:
    """One ranked entry of a vote: its rank as printed ("1", "1 (gedeeld)"), text, table, dots."""

    rank: str
    text: str
    table: int
    count: int

    def line(self, words: Words) -> str:
        """The row as one line (DOCX, ODT), after its rank: "text — Tafel 3 — 4 stippen"."""
        return f"{self.text} — {words.table} {self.table} — {self.count} {words.dots.lower()}"


@dataclass
class AnnexVote:
    """A closed vote as printed under "Prioriteiten": heading, summary line, ranked entries."""

    title: str  # "Stemming 1 (plenair): Wat eerst?"
    summary: str
    rows: list[AnnexVoteRow]


@dataclass
class AnnexTable:
    """One table as printed."""

    number: int
    participants: list[Person]
    rapporteur: str | None
    spokesperson: str | None
    report: str  # Markdown as typed; each writer renders it through richtext
    feedback: str
    figure: Figure | None
    entry_count: int
    # a meeting with [[rounds]]: each round with the table's entries (``figure`` is then None)
    rounds: list[AnnexRound] = dataclasses.field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """No report, no feedback and no visible entries."""
        reports = any(r.report.strip() for r in self.rounds)
        return not (self.report.strip() or reports or self.feedback.strip() or self.entry_count)


@dataclass
class AnnexStyle:
    """The house style as the writers need it (JSON-ready: the logo travels as base64)."""

    name: str
    accent: str  # "#rrggbb"
    cover: bool
    logo_type: str = ""  # "" (no logo) | png | jpeg | svg
    logo: str = ""  # base64 of the sanitised logo
    logo_png: str = ""  # base64 of its PNG rendition (DOCX cannot show SVG)

    @property
    def logo_alt(self) -> str:
        """The logo's text alternative."""
        return f"Logo {self.name}".strip() if self.name else "Logo"


def annex_style(style: Any) -> AnnexStyle | None:
    """The writers' form of a housestyle.StyleData (None stays None)."""
    if style is None:
        return None
    import base64

    def b64(value: bytes | None) -> str:
        return base64.b64encode(value).decode("ascii") if value else ""

    return AnnexStyle(
        name=clean(style.name),
        accent=style.accent_or_default,
        cover=bool(style.cover),
        logo_type=style.logo_type if style.logo else "",
        logo=b64(style.logo),
        logo_png=b64(style.logo_png),
    )


@dataclass
class Annex:
    """The whole annex as plain data."""

    title: str
    footer: str
    document_title: str
    meta: list[tuple[str, str]]
    questions: list[str]
    bollen: list[TemplateItem]
    horizons: list[TemplateItem]
    tables: list[AnnexTable]
    options: AnnexOptions
    words: Words
    lang: str = "nl"
    description: str = ""
    style: AnnexStyle | None = None
    groups: list[AnnexGroup] = dataclasses.field(default_factory=list)
    priorities: list[AnnexVote] = dataclasses.field(default_factory=list)  # the closed votes


def format_date(value: date, lang: str = "nl", long: bool = True) -> str:
    """A date as people write it: "vrijdag 27 januari 2023" / "Friday 27 January 2023" (long),
    or "27 januari 2023" / "27 January 2023"."""
    from babel.dates import format_date as babel_format

    locale = {"en": "en_GB"}.get(lang, supported(lang))
    return babel_format(value, "EEEE d MMMM y" if long else "d MMMM y", locale=locale)


def format_time(value: str, words: Words) -> str:
    """ "10:15" → "10.15 uur" (Dutch) or "10:15" (English); anything else as typed."""
    match = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", value or "")
    if not match:
        return (value or "").strip()
    return words.time_format % {"hour": int(match.group(1)), "minute": match.group(2)}


# What XML 1.0 (so DOCX, ODT and the PDF's tags) cannot hold, and what UTF-8 cannot encode:
# C0 controls but tab/newline/CR, DEL, lone surrogates and the Unicode non-characters
_NON_CHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17)
)
_CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff{_NON_CHARACTERS}]")


def clean(text: str | None) -> str:
    """User text without the characters that no document format can hold (see rules.text_problem)."""
    return _CONTROL.sub("", text or "")


def cleaned(value: Any) -> Any:
    """A copy of an annex (or meeting data) with every string cleaned: each writer's own defence."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [cleaned(v) for v in value]
    if isinstance(value, tuple):
        return tuple(cleaned(v) for v in value)
    if isinstance(value, dict):
        return {k: cleaned(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value, **{f.name: cleaned(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        )
    return value


def ordered_tables(data: MeetingData, order: str) -> list[TableData]:
    """The meeting's tables in number order, or in report-back order with the rest after."""
    by_number = sorted(data.tables, key=lambda t: t.number)
    if order != "feedback" or not data.feedback_order:
        return by_number
    position = {number: i for i, number in enumerate(data.feedback_order)}
    return sorted(by_number, key=lambda t: (position.get(t.number, len(position)), t.number))


def vote_summary(ballots: int, dots: int, lang: str) -> str:
    """A closed vote's line under its heading: how many ballots, with how many dots (plural-aware)."""
    ngettext = translations(lang).ngettext
    if dots == 1:
        text = ngettext(
            "%(ballots)s stem uitgebracht, met één stip.",
            "%(ballots)s stemmen uitgebracht, elk met één stip.",
            ballots,
        )
    else:
        text = ngettext(
            "%(ballots)s stem uitgebracht, met %(dots)s stippen.",
            "%(ballots)s stemmen uitgebracht, elk met %(dots)s stippen.",
            ballots,
        )
    return text % {"ballots": ballots, "dots": dots}


def build_annex(
    data: MeetingData,
    words: Words | None = None,
    options: AnnexOptions | None = None,
    lang: str | None = None,
    on_table: Callable[[int, int], None] | None = None,
) -> Annex:
    """Turn a meeting's plain data into the annex, in ``lang`` (default: the meeting's language).

    ``words`` default to ``annex_words(lang)``. ``on_table(done, total)`` is called after each
    table's figure, for progress and so a cooperative server can let other requests run in between.
    """
    from .annex_parts import annex_groups, annex_votes, table_rounds  # (they build on this module)

    lang = supported(lang or data.language)
    words = words or annex_words(lang)
    options = options or AnnexOptions()
    style = annex_style(getattr(data, "style", None))
    # the tables are cleaned one by one below, between the pauses on_table gives a cooperative server
    raw_tables = data.tables
    data = cleaned(dataclasses.replace(data, style=None, tables=[]))
    meta: list[tuple[str, str]] = [(words.meeting, data.title)]
    when = format_date(data.date, lang)
    if data.start:
        when = f"{when}, {format_time(data.start, words)}"
    meta.append((words.date, when))
    for label, value in (
        (words.place, data.place),
        (words.agenda_item, data.agenda_item),
        (words.reference, data.reference),
    ):
        if value:
            meta.append((label, value))
    count = len(raw_tables)
    ngettext = translations(lang).ngettext
    round_text = ngettext("%(num)s tafel", "%(num)s tafels", count) % {"num": count}
    if data.rounds:
        rounds = len(data.rounds)
        round_text += ", " + ngettext("%(num)s ronde", "%(num)s rondes", rounds) % {"num": rounds}
    elif data.round_minutes:
        minutes = data.round_minutes
        round_text += ", " + ngettext("%(num)s minuut", "%(num)s minuten", minutes) % {"num": minutes}
    meta.append((words.round, round_text))

    tables = ordered_tables(dataclasses.replace(data, tables=raw_tables), options.order)
    out: list[AnnexTable] = []
    if on_table:
        on_table(0, len(tables))
    for i, table in enumerate(tables):
        table = cleaned(table)
        visible = [e for e in table.entries if not e.hidden and not e.waiting]
        fig = None
        if visible and not data.rounds:
            fig = layout(
                f"{words.figure} {table.number}",
                data.bollen,
                data.horizons,
                [(e.text, e.bollen, e.horizons) for e in visible],
                lang=lang,
            )
        annex_table = AnnexTable(
            number=table.number,
            participants=[Person(name, name == table.leader) for name in table.participants],
            rapporteur=table.rapporteur,
            spokesperson=table.spokesperson,
            # a meeting held in rounds: each round's report is in that round's section
            report="" if data.rounds else table.report or "",
            feedback=(table.feedback or "") if options.include_feedback else "",
            figure=fig,
            entry_count=len(visible),
            rounds=table_rounds(data, table, visible, words, lang),
        )
        if not (options.skip_empty and annex_table.is_empty):
            out.append(annex_table)
        if on_table:
            on_table(i + 1, len(tables))

    short_date = format_date(data.date, lang, long=False)
    # the untouched default title is the annex's word, so it follows the language too
    title = words.default_title if data.annex_title == DEFAULT_ANNEX_TITLE else data.annex_title
    return Annex(
        title=title,
        footer=f"{data.title} · {short_date}",
        document_title=f"{title} — {data.title}, {short_date}",
        meta=meta,
        questions=[r.question for r in data.rounds] if data.rounds else list(data.questions),
        bollen=[dict(b) for b in data.bollen],
        horizons=[dict(h) for h in data.horizons],
        tables=out,
        options=options,
        words=words,
        lang=lang,
        description=data.agenda_item or "",
        style=style,
        groups=annex_groups(data.groups, raw_tables, words, lang),
        priorities=annex_votes(data, words, lang),
    )


# ---------------------------------------------------------------------------------------------
# JSON round trip (the DOCX is written in the render child)


def estimate_pages(annex: Annex) -> int:
    """A rough page count for the progress bar: a table's text, plus a page per figure."""
    pages = 1
    for table in annex.tables:
        text = len(table.report) + len(table.feedback)
        pages += 1 + text // 4500 + (1 if table.figure else 0)
    return pages


def to_json(annex: Annex) -> dict[str, Any]:
    """The annex as JSON-ready data."""
    return dataclasses.asdict(annex)


def from_json(data: dict[str, Any]) -> Annex:
    """The inverse of to_json."""
    return _load(Annex, data)


def _load(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return _load(options[0], value)
    if origin is list:
        (item,) = typing.get_args(kind)
        return [_load(item, v) for v in value]
    if origin is tuple:
        return tuple(_load(a, v) for a, v in zip(typing.get_args(kind), value, strict=True))
    if origin is dict:
        return dict(value)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)  # resolved in the module that defines ``kind``
        return kind(
            **{f.name: _load(hints[f.name], value[f.name]) for f in dataclasses.fields(kind) if f.init}
        )
    return value
