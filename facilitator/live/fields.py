"""Reading one field of a client's payload: each reader checks its field or raises ProtocolError.

The actions' parsers (live/actions/) are built from these; nothing else reads a raw payload.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Literal, overload

from flask_babel import lazy_gettext as _l

from ..rules import LIMITS, text_problem
from .errors import ProtocolError

_ID_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")  # fullmatch: "$" would let a final newline in


def require_dict(payload: Any) -> dict[str, Any]:
    """The payload must be a JSON object."""
    if not isinstance(payload, dict):
        raise ProtocolError("invalid", _l("De gegevens van deze wijziging zijn onleesbaar."))
    return payload


def op_id(payload: dict[str, Any], key: str = "op") -> str:
    """A client-chosen operation (or entry) id: 8–64 URL-safe characters, e.g. a UUID."""
    value = payload.get(key)
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise ProtocolError("invalid", _l("Het veld '%(key)s' ontbreekt of is geen geldige id.", key=key))
    return value


@overload
def sequence(payload: dict[str, Any], field: str, required: Literal[True]) -> int: ...
@overload
def sequence(payload: dict[str, Any], field: str, required: bool) -> int | None: ...
def sequence(payload: dict[str, Any], field: str, required: bool) -> int | None:
    """A meeting sequence number (``base`` of a change, ``since`` of a sync)."""
    value = payload.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProtocolError("invalid", _l("'%(field)s' moet een volgnummer zijn.", field=field))
    return value


def choice(payload: dict[str, Any], field: str, allowed: tuple[str, ...]) -> str:
    """One of a fixed set of values."""
    value = payload.get(field)
    if value not in allowed:
        raise ProtocolError(
            "invalid",
            _l("'%(field)s' moet een van deze zijn: %(allowed)s.", field=field, allowed=", ".join(allowed)),
        )
    return str(value)


def boolean(payload: dict[str, Any], field: str) -> bool:
    """true or false."""
    value = payload.get(field)
    if not isinstance(value, bool):
        raise ProtocolError("invalid", _l("'%(field)s' moet true of false zijn.", field=field))
    return value


def whole_number(
    payload: dict[str, Any], field: str, low: int, high: int, required: bool = True
) -> int | None:
    """An integer within bounds."""
    value = payload.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ProtocolError(
            "invalid",
            _l(
                "'%(field)s' moet een heel getal van %(low)s tot %(high)s zijn.",
                field=field,
                low=low,
                high=high,
            ),
        )
    return value


def table_numbers(value: Any, field: str, existing: tuple[int, ...]) -> list[int]:
    """A list of existing table numbers without repeats."""
    if not isinstance(value, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in value):
        raise ProtocolError("invalid", _l("'%(field)s' moet een lijst van tafelnummers zijn.", field=field))
    if len(set(value)) != len(value):
        raise ProtocolError("invalid", _l("Een tafel staat twee keer in '%(field)s'.", field=field))
    unknown = [n for n in value if n not in existing]
    if unknown:
        raise ProtocolError("not_found", _l("Tafel %(number)s bestaat niet.", number=unknown[0]))
    return list(value)


@overload
def entry_text(payload: dict[str, Any], required: Literal[True]) -> str: ...
@overload
def entry_text(payload: dict[str, Any], required: bool) -> str | None: ...
def entry_text(payload: dict[str, Any], required: bool) -> str | None:
    """Entry text: 1–500 characters once trimmed."""
    if "text" not in payload and not required:
        return None
    value = payload.get("text")
    if not isinstance(value, str):
        raise ProtocolError("invalid", _l("De tekst van de inbreng ontbreekt."))
    value = value.strip()
    if not value:
        raise ProtocolError("invalid", _l("Een lege inbreng wordt niet opgeslagen."))
    if problem := text_problem(value, multiline=True):
        raise ProtocolError("invalid", _l("De tekst van de inbreng %(problem)s.", problem=problem))
    if len(value) > LIMITS["entry_text"]:
        raise ProtocolError(
            "too_large",
            _l(
                "Een inbreng is hoogstens %(limit)s tekens; deze heeft er %(length)s.",
                limit=LIMITS["entry_text"],
                length=len(value),
            ),
        )
    return value


def report_text(payload: dict[str, Any]) -> str:
    """A whole report's text (curation): at most LIMITS['report'] characters."""
    value = payload.get("text")
    if not isinstance(value, str):
        raise ProtocolError("invalid", _l("Het verslag moet tekst zijn."))
    if problem := text_problem(value, multiline=True):
        raise ProtocolError("invalid", _l("Het verslag %(problem)s.", problem=problem))
    value = value.replace("\r\n", "\n")
    if len(value) > LIMITS["report"]:
        raise ProtocolError(
            "too_large", _l("Het verslag is hoogstens %(limit)s tekens lang.", limit=LIMITS["report"])
        )
    return value


@overload
def keys(
    payload: dict[str, Any], field: str, allowed: tuple[str, ...], required: Literal[True], at_least: int
) -> list[str]: ...
@overload
def keys(
    payload: dict[str, Any], field: str, allowed: tuple[str, ...], required: bool, at_least: int
) -> list[str] | None: ...
def keys(
    payload: dict[str, Any], field: str, allowed: tuple[str, ...], required: bool, at_least: int
) -> list[str] | None:
    """A list of template keys (bollen or horizons), each known, no repeats, in template order."""
    if field not in payload and not required:
        return None
    value = payload.get(field, [])
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ProtocolError("invalid", _l("'%(field)s' moet een lijst van sleutels zijn.", field=field))
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ProtocolError(
            "invalid",
            _l("Onbekende keuze in '%(field)s': %(unknown)s.", field=field, unknown=", ".join(unknown[:3])),
        )
    if len(set(value)) < at_least:
        if field == "bollen":
            raise ProtocolError("invalid", _l("Kies ten minste één bol."))
        raise ProtocolError("invalid", _l("Kies ten minste één horizon."))
    return [k for k in allowed if k in value]


def crdt_update(payload: dict[str, Any]) -> bytes:
    """Base64-encoded bytes of a CRDT update, at most LIMITS['report_update'] bytes."""
    value = payload.get("update")
    if not isinstance(value, str) or not value:
        raise ProtocolError("invalid", _l("De wijziging van het verslag ontbreekt."))
    if len(value) > LIMITS["report_update"] * 4 // 3 + 4:
        raise ProtocolError(
            "too_large", _l("Deze wijziging van het verslag is te groot om in één keer te sturen.")
        )
    try:
        update = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError("invalid", _l("De wijziging van het verslag is onleesbaar.")) from None
    # whether the bytes are a CRDT update is seen when the batch merges them (refused `invalid`
    # there): a document made here only to try costs more than the whole rest of the change
    if not update:
        raise ProtocolError("invalid", _l("De wijziging van het verslag is onleesbaar."))
    return update


def name(value: Any, field: str) -> str | None:
    """An optional person's name (None or empty clears it)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProtocolError("invalid", _l("'%(field)s' moet tekst zijn.", field=field))
    value = value.strip()
    if len(value) > LIMITS["name"]:
        raise ProtocolError("too_large", _l("Een naam is hoogstens %(limit)s tekens.", limit=LIMITS["name"]))
    if problem := text_problem(value):
        raise ProtocolError(
            "invalid", _l("Een naam in '%(field)s' %(problem)s.", field=field, problem=problem)
        )
    return value or None


def names(value: Any, field: str) -> list[str]:
    """A list of people's names: trimmed, without blanks or repeats, at most LIMITS['participants']."""
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise ProtocolError("invalid", _l("'%(field)s' moet een lijst van namen zijn.", field=field))
    people: list[str] = []
    for item in value:
        clean = name(item, field)
        if clean and clean not in people:
            people.append(clean)
    if len(people) > LIMITS["participants"]:
        raise ProtocolError(
            "too_large", _l("Hoogstens %(limit)s deelnemers per tafel.", limit=LIMITS["participants"])
        )
    return people
