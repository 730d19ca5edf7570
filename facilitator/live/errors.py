"""How the live protocol refuses an event: the contract's error codes and their sentences.

Three kinds of refusal, and what a client does with each:

- REFUSALS: the change itself cannot be kept (a person can act on it): the client stops
  sending it and shows its text with the message, never drops it silently.
- RETRYABLE: not the change's fault (too fast, or the server itself failed: its database
  away, an unexpected error): the client keeps the op and sends it again with back-off.
- ``out_of_sync``: a report update whose predecessors the server lacks; the client sends
  its whole document against the server's state vector (``state`` in the refusal).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

REFUSALS = ("invalid", "forbidden", "not_found", "too_large", "closed")
RETRYABLE = ("rate_limited", "unavailable")
ERROR_CODES = (*REFUSALS, *RETRYABLE, "out_of_sync")

MESSAGES = {
    "invalid": _l("Deze wijziging is niet geldig en is niet opgeslagen."),
    "forbidden": _l("U mag dit niet met deze link. Vraag het secretariaat om een nieuwe link."),
    "not_found": _l("Deze inbreng bestaat niet (meer)."),
    "too_large": _l("Dit is te lang om op te slaan."),
    "closed": _l("De invoer is gesloten; wijzigingen worden niet meer opgeslagen."),
    "rate_limited": _l("Te veel wijzigingen tegelijk; even geduld, het wordt zo opnieuw geprobeerd."),
    "unavailable": _l("De server kan dit nu niet opslaan; het blijft bewaard en wordt opnieuw geprobeerd."),
    "out_of_sync": _l("Het verslag wordt opnieuw gelijkgezet met de server."),
}


class ProtocolError(Exception):
    """A refused event: a contract error code and a sentence for a person.

    ``message`` is a lazy string (``lazy_gettext``): it is put into words when the answer is
    made, in the language of the connection (the page that connected), not where it was raised
    (a batch's writer has no request). ``extra`` goes into the acknowledgement too
    (``out_of_sync`` carries the server's ``state``).
    """

    def __init__(self, code: str, message: Any = None, extra: dict[str, Any] | None = None):
        assert code in ERROR_CODES
        super().__init__(code)
        self.code = code
        self._message = message if message is not None else MESSAGES[code]
        self.extra = extra or {}

    @property
    def message(self) -> str:
        """The sentence, in the language of the current request (Dutch outside one)."""
        return str(self._message)

    def ack(self) -> dict[str, Any]:
        """The acknowledgement that answers the refused event."""
        return {"ok": False, "error": self.code, "message": self.message, **self.extra}


class TokenRevoked(ProtocolError):
    """The caller's link was rotated: refused ``forbidden``, and the connection is closed."""

    def __init__(self) -> None:
        super().__init__("forbidden")


def unavailable() -> dict[str, Any]:
    """The acknowledgement of a failure of the server itself: retryable, the client keeps the op."""
    return ProtocolError("unavailable").ack()
