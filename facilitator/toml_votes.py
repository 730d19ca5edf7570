"""The [[votes]] of a session file: the meeting's dot votes with their anonymous ballots.

A vote names its shortlist's entries as [[groups]] do, by table and place among that table's
[[tables.entries]] (1 the first, hidden ones counted; 0: an entry deleted since the vote opened,
kept by its text): `entries = [[1, 2], [3, 1]]`. `texts` gives the entries' text as it was when
the vote opened, written only where one differs from the entry now. Each ballot is a list of
dots, one number per entry in the order of `entries`: `ballots = [[1, 2], [0, 3]]`; nothing in
the file says who cast it, and an imported ballot matches no device. A file without [[votes]]
is written back without them, byte for byte as before.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from .meeting_data import MeetingData, VoteRecord
from .rules import LIMITS, text_problem
from .toml_fields import FieldReader, Raw, Where, type_name

VOTE_FIELDS = {
    "title",
    "scope",
    "table",
    "entries",
    "texts",
    "dots",
    "max_per_entry",
    "allow_own",
    "closed",
    "ballots",
}
MAX_BALLOTS = 5000  # ballots of one vote (one a device)


def read_votes(reader: FieldReader, doc: Raw, data: MeetingData) -> list[VoteRecord]:
    """The document's [[votes]], checked against its tables' entries; problems go to ``reader``."""
    from .votes import MAX_VOTES

    raw = doc.get("votes")
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_VOTES:
        reader.problem(
            ("votes",), _("moet een lijst van hoogstens %(limit)s [[votes]] zijn", limit=MAX_VOTES)
        )
        return []
    out = []
    for vi, item in enumerate(raw):
        path: Where = ("votes", vi)
        if not isinstance(item, dict):
            reader.problem(path, _("moet een [[votes]]-blok zijn"))
            continue
        reader.unknown(item, VOTE_FIELDS, path)
        vote = _vote(reader, item, path, data)
        if vote is not None:
            out.append(vote)
    return out


def _vote(reader: FieldReader, item: Raw, path: Where, data: MeetingData) -> VoteRecord | None:
    from .votes import MAX_DOTS, VOTE_SCOPES

    before = len(reader.problems)
    title = reader.text(item, "title", path, LIMITS["title"])
    if title and (problem := text_problem(title)):
        reader.problem(path + ("title",), problem)
    scope = item.get("scope", "plenary")
    if scope not in VOTE_SCOPES:
        reader.problem(path + ("scope",), _("moet 'plenary' of 'table' zijn"))
    tables = {t.number: t for t in data.tables}
    table = item.get("table")
    if scope == "table" and (type(table) is not int or table not in tables):
        reader.problem(path + ("table",), _("een stemming aan tafel noemt een tafel van dit bestand"))
    elif scope != "table" and table is not None:
        reader.problem(path + ("table",), _("alleen een stemming aan tafel noemt een tafel"))
    dots = _number(reader, item, "dots", path, 1, MAX_DOTS, None)
    most = _number(reader, item, "max_per_entry", path, 1, dots or MAX_DOTS, 1)
    entries = _entries(reader, item, path, tables, table if scope == "table" else None)
    texts = _texts(reader, item, path, entries, data)
    ballots = _ballots(reader, item, path, len(entries), dots or 0, most or 1)
    allow_own = _boolean(reader, item, "allow_own", path)
    closed = _boolean(reader, item, "closed", path)
    if len(reader.problems) > before or dots is None or most is None:
        return None
    return VoteRecord(
        title=title,
        scope=scope,
        table=table if scope == "table" else None,
        entries=entries,
        texts=texts,
        dots=dots,
        max_per_entry=most,
        allow_own=allow_own,
        closed=closed,
        ballots=ballots,
    )


def _boolean(reader: FieldReader, item: Raw, key: str, path: Where) -> bool:
    value = item.get(key, True)
    if not isinstance(value, bool):
        reader.problem(path + (key,), _("moet true of false zijn"))
        return True
    return value


def _number(
    reader: FieldReader, item: Raw, key: str, path: Where, low: int, high: int, default: int | None
) -> int | None:
    value = item.get(key, default)
    if value is None:
        reader.problem(path + (key,), _("ontbreekt (verplicht)"))
    elif type(value) is not int:
        reader.problem(path + (key,), _("moet een heel getal zijn, niet %(type)s", type=type_name(value)))
    elif not low <= value <= high:
        reader.problem(path + (key,), _("moet tussen %(low)s en %(high)s liggen", low=low, high=high))
    else:
        return value
    return None


def _entries(
    reader: FieldReader, item: Raw, path: Where, tables: dict[int, Any], only: int | None
) -> list[tuple[int, int]]:
    from .votes import MAX_ITEMS

    value = item.get("entries")
    where = path + ("entries",)
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_ITEMS:
        reader.problem(
            where,
            _("moet 1 tot %(limit)s [tafel, nummer]-paren zijn, bijv. [[1, 2], [3, 1]]", limit=MAX_ITEMS),
        )
        return []
    out: list[tuple[int, int]] = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2 or not all(type(x) is int for x in pair):
            reader.problem(where, _("moet een lijst van [tafel, nummer]-paren zijn, bijv. [[1, 2], [3, 1]]"))
            return []
        table, n = pair
        if table not in tables:
            reader.problem(where, _("tafel %(n)s bestaat niet in dit bestand", n=table))
        elif not 0 <= n <= len(tables[table].entries):
            reader.problem(where, _("tafel %(table)s heeft geen inbreng nummer %(n)s", table=table, n=n))
        elif only is not None and table != only:
            reader.problem(
                where,
                _("een stemming aan tafel %(table)s gaat alleen over inbreng van die tafel", table=only),
            )
        elif n and (table, n) in out:
            reader.problem(
                where, _("inbreng %(n)s van tafel %(table)s staat twee keer op de lijst", n=n, table=table)
            )
        else:
            out.append((table, n))
    return out


def _texts(
    reader: FieldReader, item: Raw, path: Where, entries: list[tuple[int, int]], data: MeetingData
) -> list[str]:
    """The entries' texts when the vote opened: ``texts`` where given, else each entry's text now."""
    tables = {t.number: t for t in data.tables}
    now = [tables[t].entries[n - 1].text if n else "" for t, n in entries]
    if "texts" not in item:
        if any(not n for _t, n in entries):
            reader.problem(path + ("texts",), _("ontbreekt: een inbreng met nummer 0 staat alleen hier"))
        return now
    value = item["texts"]
    where = path + ("texts",)
    if not isinstance(value, list) or len(value) != len(entries):
        reader.problem(where, _("moet per inbreng van entries één tekst geven"))
        return now
    out = []
    for i, text in enumerate(value):
        if not isinstance(text, str) or not text.strip() or len(text) > LIMITS["entry_text"]:
            reader.problem(
                where,
                _("tekst %(item)s moet 1 tot %(limit)s tekens zijn", item=i + 1, limit=LIMITS["entry_text"]),
            )
            return now
        if problem := text_problem(text):
            reader.problem(where, problem)
        out.append(text)
    return out


def _ballots(
    reader: FieldReader, item: Raw, path: Where, count: int, dots: int, most: int
) -> list[list[int]]:
    value = item.get("ballots", [])
    where = path + ("ballots",)
    if not isinstance(value, list) or len(value) > MAX_BALLOTS:
        reader.problem(
            where, _("moet een lijst van hoogstens %(limit)s stembiljetten zijn", limit=MAX_BALLOTS)
        )
        return []
    out = []
    for i, ballot in enumerate(value, start=1):
        if (
            not isinstance(ballot, list)
            or len(ballot) != count
            or not all(type(n) is int and 0 <= n <= most for n in ballot)
        ):
            reader.problem(
                where,
                _(
                    "stembiljet %(item)s moet per inbreng van entries 0 tot %(most)s stippen geven",
                    item=i,
                    most=most,
                ),
            )
            return []
        if sum(ballot) > dots:
            reader.problem(where, _("stembiljet %(item)s heeft meer dan %(dots)s stippen", item=i, dots=dots))
            return []
        out.append(ballot)
    return out


def write_votes(votes: list[VoteRecord], data: MeetingData) -> list[dict[str, Any]]:
    """[[votes]] as a session file writes them: the defaults left out, ``texts`` only when needed."""
    tables = {t.number: t for t in data.tables}
    out = []
    for vote in votes:
        item: dict[str, Any] = {}
        if vote.title:
            item["title"] = vote.title
        item["scope"] = vote.scope
        if vote.table is not None:
            item["table"] = vote.table
        item["entries"] = [[t, n] for t, n in vote.entries]
        now = [tables[t].entries[n - 1].text if n else None for t, n in vote.entries]
        if now != vote.texts:
            item["texts"] = list(vote.texts)
        item["dots"] = vote.dots
        if vote.max_per_entry != 1:
            item["max_per_entry"] = vote.max_per_entry
        if not vote.allow_own:
            item["allow_own"] = False
        item["closed"] = vote.closed
        item["ballots"] = [list(b) for b in vote.ballots if any(b)]
        out.append(item)
    return out
