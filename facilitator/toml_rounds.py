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
