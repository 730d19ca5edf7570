"""This process's open connections: who each socket is (its caller) and its rate budget.

Connection-scoped only; everything about the meeting is in the database.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from flask import request

from ..rules import LIMITS
from .registry import Caller

_connections: dict[str, dict[str, Any]] = {}


def current_sid() -> str:
    """The socket of the event being handled (Flask-SocketIO puts its id on the request)."""
    sid: str = request.sid  # type: ignore[attr-defined]  # set by Flask-SocketIO, not in Flask's types
    return sid


def open_(sid: str, caller: Caller) -> None:
    """A socket connected as this caller."""
    _connections[sid] = {"caller": caller, "budget": float(LIMITS["burst"]), "at": time.monotonic()}


def caller(sid: str) -> Caller | None:
    """The socket's caller (None: not connected here)."""
    state = _connections.get(sid)
    return None if state is None else state["caller"]


def rename(sid: str, name: str) -> None:
    """The socket's person told their display name (it labels their changes from now on)."""
    state = _connections.get(sid)
    if state is not None:
        state["caller"] = dataclasses.replace(state["caller"], name=name)


def close(sid: str) -> dict[str, Any] | None:
    """Forget the socket; return what was known of it."""
    return _connections.pop(sid, None)


def rate_ok(sid: str) -> bool:
    """Token bucket per connection: LIMITS['events_per_second'] sustained, LIMITS['burst'] at once."""
    state = _connections.get(sid)
    if state is None:
        return False
    now = time.monotonic()
    rate, burst = LIMITS["events_per_second"], LIMITS["burst"]
    state["budget"] = min(burst, state["budget"] + (now - state["at"]) * rate)
    state["at"] = now
    if state["budget"] < 1:
        return False
    state["budget"] -= 1
    return True
