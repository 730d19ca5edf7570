"""The [[rounds]] of a session file: read (with a problem line per mistake) and write.

A file without [[rounds]] is one round, described by [meeting]'s questions and round_minutes,
and is written back without the section, byte for byte as before.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from .meeting_data import RoundData
from .rules import LIMITS, ROUND_MODERATION, ROUND_TEMPLATES, ROUND_VISIBILITY
from .toml_fields import FieldReader, Raw, Where, type_name

ROUND_FIELDS = {"question", "template", "minutes", "visibility", "moderation"}
REPORT_FIELDS = {"round", "text"}
DEFAULTS = RoundData(question="")


def read_rounds(reader: FieldReader, doc: Raw) -> list[RoundData]:
    """The document's [[rounds]] as RoundData; problems go to ``reader``."""
    raw = doc.get("rounds")
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        reader.problem(("rounds",), _("moet een of meer [[rounds]]-blokken zijn"))
        return []
    if len(raw) > LIMITS["rounds"]:
        reader.problem(
            ("rounds",), _("%(count)s rondes, hoogstens %(limit)s", count=len(raw), limit=LIMITS["rounds"])
        )
    out: list[RoundData] = []
    for i, item in enumerate(raw[: LIMITS["rounds"]]):
        path: Where = ("rounds", i)
        if not isinstance(item, dict):
            reader.problem(path, _("moet een [[rounds]]-blok zijn"))
            continue
        reader.unknown(item, ROUND_FIELDS, path)
        out.append(
            RoundData(
                question=reader.text(item, "question", path, LIMITS["question"], required=True),
                template=_choice(reader, item, "template", path, ROUND_TEMPLATES),
                minutes=_minutes(reader, item, path),
                visibility=_choice(reader, item, "visibility", path, ROUND_VISIBILITY),
                moderation=_choice(reader, item, "moderation", path, ROUND_MODERATION),
            )
        )
    return out


def _choice(reader: FieldReader, item: Raw, key: str, path: Where, allowed: tuple[str, ...]) -> str:
    default = str(getattr(DEFAULTS, key))
    value = item.get(key, default)
    if value not in allowed:
        reader.problem(
            path + (key,),
            _(
                "moet een van %(allowed)s zijn, niet %(value)s",
                allowed=", ".join(f'"{a}"' for a in allowed),
                value=repr(value) if isinstance(value, str) else type_name(value),
            ),
        )
        return default
    return str(value)


def _minutes(reader: FieldReader, item: Raw, path: Where) -> int | None:
    minutes = item.get("minutes")
    if minutes is None:
        return None
    if type(minutes) is not int:
        reader.problem(
            path + ("minutes",), _("moet een heel getal zijn, niet %(type)s", type=type_name(minutes))
        )
        return None
    if not 1 <= minutes <= LIMITS["round_minutes"]:
        reader.problem(
            path + ("minutes",), _("moet tussen 1 en %(high)s liggen", high=LIMITS["round_minutes"])
        )
        return None
    return minutes


def entry_round(reader: FieldReader, raw: Raw, path: Where, rounds: list[RoundData]) -> int:
    """An entry's ``round = n``: 1 … the number of rounds (1 when the file has none)."""
    value = raw.get("round", 1)
    count = max(1, len(rounds))
    if type(value) is not int or not 1 <= value <= count:
        reader.problem(
            path + ("round",),
            _("moet een rondenummer van 1 tot en met %(count)s zijn", count=count)
            if rounds
            else _("dit bestand heeft geen [[rounds]]: laat round weg of zet round = 1"),
        )
        return 1
    return value


def table_reports(reader: FieldReader, raw: Raw, tp: Where, rounds: list[RoundData]) -> dict[int, str]:
    """A table's ``[[tables.reports]]``: its report of a round after the first ({round: text});
    round 1's report is the table's ``report``."""
    items = raw.get("reports")
    if items is None:
        return {}
    if not isinstance(items, list):
        reader.problem(tp + ("reports",), _("moet een lijst van [[tables.reports]] zijn"))
        return {}
    out: dict[int, str] = {}
    for i, item in enumerate(items[: LIMITS["rounds"] + 1]):
        path: Where = tp + ("reports", i)
        if not isinstance(item, dict):
            reader.problem(path, _("moet een [[tables.reports]]-blok zijn"))
            continue
        reader.unknown(item, REPORT_FIELDS, path)
        number, text = item.get("round"), reader.text(item, "text", path, LIMITS["report"], required=True)
        if type(number) is not int or not 2 <= number <= len(rounds):
            reader.problem(
                path + ("round",),
                _(
                    "moet een ronde van 2 tot en met %(count)s zijn (ronde 1: report)",
                    count=len(rounds),
                )
                if len(rounds) > 1
                else _("dit bestand heeft geen tweede ronde: zet het verslag in report"),
            )
        elif number in out:
            reader.problem(
                path + ("round",), _("het verslag van ronde %(number)s staat er al", number=number)
            )
        else:
            out[number] = text
    return out


def write_table_reports(reports: dict[int, str]) -> list[dict[str, Any]]:
    """A table's [[tables.reports]] as a session file writes them: those with text, by round."""
    return [{"round": n, "text": text} for n, text in sorted(reports.items()) if text]


def write_rounds(rounds: list[RoundData]) -> list[dict[str, Any]]:
    """[[rounds]] as a session file writes them: the defaults left out."""
    out = []
    for r in rounds:
        item: dict[str, Any] = {"question": r.question}
        for key in ("template", "minutes", "visibility", "moderation"):
            value = getattr(r, key)
            if value is not None and value != getattr(DEFAULTS, key):
                item[key] = value
        out.append(item)
    return out
