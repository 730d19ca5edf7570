"""The live protocol, declared once: event names, who may send them, payload shapes, limits.

docs/protocol.md describes the same; tests/test_live_protocol.py checks every
event against this declaration.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from ..rules import LIMITS, misplaced_roles

NAMESPACE = "/live"

ERROR_CODES = ("invalid", "forbidden", "not_found", "too_large", "closed", "rate_limited")

# Client → server events and the roles that may send them.
CLIENT_EVENTS: dict[str, tuple[str, ...]] = {
    "entry:add": ("rapporteur", "participant"),
    "entry:update": ("rapporteur",),
    "entry:delete": ("rapporteur",),
    "entry:restore": ("rapporteur",),
    "report:update": ("rapporteur",),
    "table:update": ("rapporteur",),
    "presence:hello": ("rapporteur", "participant", "screen", "chair"),
    "sync": ("rapporteur", "participant", "screen", "chair"),
    "entry:hide": ("chair",),
    "chair:phase": ("chair",),
    "chair:timer": ("chair",),
    "chair:view": ("chair",),
    "chair:feedback-order": ("chair",),
    "topics:get": ("screen", "chair"),
}

SCREEN_MODES = ("overview", "combined", "topics", "coverage", "feedback")
TIMER_ACTIONS = ("start", "pause", "resume", "extend", "reset")

# Server → client events and the keys each payload carries.
SERVER_EVENTS: dict[str, set[str]] = {
    "snapshot": {"role", "table", "meeting", "tables", "seq"},
    "entry": {"table", "entry", "seq"},
    "entry:deleted": {"table", "id", "seq"},
    "report": {"table", "update", "text", "seq"},
    "table": {"table", "info", "seq"},
    "presence": {"table", "people"},
    "meeting": {"meeting", "seq"},
    "refresh": {"reason"},
    "revoked": {"message"},
}

MESSAGES = {
    "invalid": "Deze wijziging is niet geldig en is niet opgeslagen.",
    "forbidden": "U mag dit niet met deze link. Vraag het secretariaat om een nieuwe link.",
    "not_found": "Deze inbreng bestaat niet (meer).",
    "too_large": "Dit is te lang om op te slaan.",
    "closed": "De invoer is gesloten; wijzigingen worden niet meer opgeslagen.",
    "rate_limited": "Te veel wijzigingen tegelijk; even geduld, het wordt zo opnieuw geprobeerd.",
}


def base_seq(payload: dict[str, Any]) -> int | None:
    """The meeting seq the client had seen when it made the change (optional)."""
    value = payload.get("base")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProtocolError("invalid", "'base' moet een volgnummer zijn.")
    return value


def choice(payload: dict[str, Any], field: str, allowed: tuple[str, ...]) -> str:
    """One of a fixed set of values."""
    value = payload.get(field)
    if value not in allowed:
        raise ProtocolError("invalid", f"'{field}' moet een van deze zijn: {', '.join(allowed)}.")
    return value


def whole_number(
    payload: dict[str, Any], field: str, low: int, high: int, required: bool = True
) -> int | None:
    """An integer within bounds."""
    value = payload.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ProtocolError("invalid", f"'{field}' moet een heel getal van {low} tot {high} zijn.")
    return value


def table_numbers(value: Any, field: str, existing: list[int]) -> list[int]:
    """A list of existing table numbers without repeats."""
    if not isinstance(value, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in value):
        raise ProtocolError("invalid", f"'{field}' moet een lijst van tafelnummers zijn.")
    if len(set(value)) != len(value):
        raise ProtocolError("invalid", f"Een tafel staat twee keer in '{field}'.")
    unknown = [n for n in value if n not in existing]
    if unknown:
        raise ProtocolError("not_found", f"Tafel {unknown[0]} bestaat niet.")
    return list(value)


_OP_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class ProtocolError(Exception):
    """A refused event: a contract error code and a sentence for a person (Dutch)."""

    def __init__(self, code: str, message: str | None = None):
        assert code in ERROR_CODES
        super().__init__(code)
        self.code = code
        self.message = message or MESSAGES[code]

    def ack(self) -> dict[str, Any]:
        """The acknowledgement that answers the refused event."""
        return {"ok": False, "error": self.code, "message": self.message}


def require_dict(payload: Any) -> dict[str, Any]:
    """The payload must be a JSON object."""
    if not isinstance(payload, dict):
        raise ProtocolError("invalid", "De gegevens van deze wijziging zijn onleesbaar.")
    return payload


def op_id(payload: dict[str, Any], key: str = "op") -> str:
    """A client-chosen operation (or entry) id: 8–64 URL-safe characters, e.g. a UUID."""
    value = payload.get(key)
    if not isinstance(value, str) or not _OP_RE.match(value):
        raise ProtocolError("invalid", f"Het veld '{key}' ontbreekt of is geen geldige id.")
    return value


def entry_text(payload: dict[str, Any], required: bool) -> str | None:
    """Entry text: 1–500 characters once trimmed."""
    if "text" not in payload and not required:
        return None
    value = payload.get("text")
    if not isinstance(value, str):
        raise ProtocolError("invalid", "De tekst van de inbreng ontbreekt.")
    value = value.strip()
    if not value:
        raise ProtocolError("invalid", "Een lege inbreng wordt niet opgeslagen.")
    if "\x00" in value:
        raise ProtocolError("invalid", "De tekst bevat een ongeldig teken.")
    if len(value) > LIMITS["entry_text"]:
        raise ProtocolError(
            "too_large",
            f"Een inbreng is hoogstens {LIMITS['entry_text']} tekens; deze heeft er {len(value)}.",
        )
    return value


def keys(
    payload: dict[str, Any], field: str, allowed: list[str], required: bool, at_least: int
) -> list[str] | None:
    """A list of template keys (bollen or horizons), each known, no repeats, in template order."""
    if field not in payload and not required:
        return None
    value = payload.get(field, [])
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ProtocolError("invalid", f"'{field}' moet een lijst van sleutels zijn.")
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ProtocolError("invalid", f"Onbekende keuze in '{field}': {', '.join(unknown[:3])}.")
    if len(set(value)) < at_least:
        what = "bol" if field == "bollen" else "horizon"
        raise ProtocolError("invalid", f"Kies ten minste één {what}.")
    return [k for k in allowed if k in value]


def crdt_update(payload: dict[str, Any]) -> bytes:
    """A base64-encoded CRDT update, at most LIMITS['report_update'] bytes."""
    value = payload.get("update")
    if not isinstance(value, str) or not value:
        raise ProtocolError("invalid", "De wijziging van het verslag ontbreekt.")
    if len(value) > LIMITS["report_update"] * 4 // 3 + 4:
        raise ProtocolError(
            "too_large", "Deze wijziging van het verslag is te groot om in één keer te sturen."
        )
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError("invalid", "De wijziging van het verslag is onleesbaar.") from None


def name(value: Any, field: str) -> str | None:
    """An optional person's name (None or empty clears it)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProtocolError("invalid", f"'{field}' moet tekst zijn.")
    value = value.strip()
    if len(value) > LIMITS["name"]:
        raise ProtocolError("too_large", f"Een naam is hoogstens {LIMITS['name']} tekens.")
    return value or None


@dataclass
class Attendance:
    """A validated attendance correction; None fields stay as they are."""

    participants: list[str] | None
    leader: str | None
    rapporteur: str | None
    spokesperson: str | None
    changed: set[str]


def attendance(payload: dict[str, Any], current: list[str]) -> Attendance:
    """Validate `table:update`: participants, leader, rapporteur, spokesperson."""
    changed = {k for k in ("participants", "leader", "rapporteur", "spokesperson") if k in payload}
    if not changed:
        raise ProtocolError("invalid", "Er is niets om te wijzigen.")
    participants = None
    if "participants" in payload:
        raw = payload["participants"]
        if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
            raise ProtocolError("invalid", "'participants' moet een lijst van namen zijn.")
        participants = []
        for item in raw:
            clean = name(item, "participants")
            if clean and clean not in participants:
                participants.append(clean)
        if len(participants) > LIMITS["participants"]:
            raise ProtocolError("too_large", f"Hoogstens {LIMITS['participants']} deelnemers per tafel.")
    people = participants if participants is not None else current
    result = Attendance(
        participants=participants,
        leader=name(payload.get("leader"), "leader"),
        rapporteur=name(payload.get("rapporteur"), "rapporteur"),
        spokesperson=name(payload.get("spokesperson"), "spokesperson"),
        changed=changed,
    )
    roles = {role: getattr(result, role) for role in ("leader", "spokesperson") if role in changed}
    for _role, label, _name in misplaced_roles(roles, people):
        raise ProtocolError("invalid", f"De {label} moet een van de deelnemers zijn.")
    return result
