"""How the live protocol refuses an event: the contract's error codes and their sentences."""

from __future__ import annotations

from typing import Any

ERROR_CODES = ("invalid", "forbidden", "not_found", "too_large", "closed", "rate_limited", "unavailable")

MESSAGES = {
    "invalid": "Deze wijziging is niet geldig en is niet opgeslagen.",
    "forbidden": "U mag dit niet met deze link. Vraag het secretariaat om een nieuwe link.",
    "not_found": "Deze inbreng bestaat niet (meer).",
    "too_large": "Dit is te lang om op te slaan.",
    "closed": "De invoer is gesloten; wijzigingen worden niet meer opgeslagen.",
    "rate_limited": "Te veel wijzigingen tegelijk; even geduld, het wordt zo opnieuw geprobeerd.",
    # the server itself failed (its database away): retryable, the client keeps the op and resends
    "unavailable": "Er ging iets mis bij het opslaan; het wordt opnieuw geprobeerd.",
}


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


class TokenRevoked(ProtocolError):
    """The caller's link was rotated: refused ``forbidden``, and the connection is closed."""

    def __init__(self) -> None:
        super().__init__("forbidden")
