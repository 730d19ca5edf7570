"""The [[groups]] of a session file: groups of entries across tables, read and written.

An entry is named by its table and its place among that table's [[tables.entries]] (1 the
first, in file order, hidden ones counted): `entries = [[1, 2], [3, 1]]`. A file without
[[groups]] is written back without them, byte for byte as before.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from .meeting_data import GroupData, MeetingData
from .rules import LIMITS, text_problem
from .toml_fields import FieldReader, Raw, Where

GROUP_FIELDS = {"name", "entries"}
GROUP_NAME_MAX = 120
MAX_GROUPS = 200


def read_groups(reader: FieldReader, doc: Raw, data: MeetingData) -> list[GroupData]:
    """The document's [[groups]], checked against its tables' entries; problems go to ``reader``."""
    raw = doc.get("groups")
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_GROUPS:
        reader.problem(
            ("groups",), _("moet een lijst van hoogstens %(limit)s [[groups]] zijn", limit=MAX_GROUPS)
        )
        return []
    counts = {t.number: len(t.entries) for t in data.tables}
    taken: dict[tuple[int, int], int] = {}
    out: list[GroupData] = []
    for gi, item in enumerate(raw):
        path: Where = ("groups", gi)
        if not isinstance(item, dict):
            reader.problem(path, _("moet een [[groups]]-blok zijn"))
            continue
        reader.unknown(item, GROUP_FIELDS, path)
        name = reader.text(item, "name", path, GROUP_NAME_MAX, required=True)
        if name and (problem := text_problem(name)):
            reader.problem(path + ("name",), problem)
        entries = _entries(reader, item, path, counts, taken, gi + 1)
        out.append(GroupData(name=name, entries=entries))
    return out


def _entries(
    reader: FieldReader,
    item: Raw,
    path: Where,
    counts: dict[int, int],
    taken: dict[tuple[int, int], int],
    number: int,
) -> list[tuple[int, int]]:
    value = item.get("entries")
    where = path + ("entries",)
    if not isinstance(value, list) or not value or len(value) > LIMITS["entries"]:
        reader.problem(where, _("moet een lijst van [tafel, nummer]-paren zijn, bijv. [[1, 2], [3, 1]]"))
        return []
    out = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2 or not all(type(x) is int for x in pair):
            reader.problem(where, _("moet een lijst van [tafel, nummer]-paren zijn, bijv. [[1, 2], [3, 1]]"))
            return []
        table, n = pair
        if table not in counts:
            reader.problem(where, _("tafel %(n)s bestaat niet in dit bestand", n=table))
        elif not 1 <= n <= counts[table]:
            reader.problem(where, _("tafel %(table)s heeft geen inbreng nummer %(n)s", table=table, n=n))
        elif (table, n) in taken:
            reader.problem(
                where,
                _(
                    "inbreng %(n)s van tafel %(table)s staat al in groep %(group)s",
                    n=n,
                    table=table,
                    group=taken[table, n],
                ),
            )
        else:
            taken[table, n] = number
            out.append((table, n))
    return out


def write_groups(groups: list[GroupData]) -> list[dict[str, Any]]:
    """[[groups]] as a session file writes them."""
    return [{"name": g.name, "entries": [[t, n] for t, n in g.entries]} for g in groups if g.entries]
