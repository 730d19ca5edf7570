"""What the live-socket tests share: a fresh op id, an event sent with its acknowledgement, the
events of one name a test client received."""

from __future__ import annotations

import uuid
from typing import Any

NS = "/live"


def uid() -> str:
    """A fresh operation (or entry, or group) id."""
    return str(uuid.uuid4())


def send(client, event: str, payload: Any) -> Any:
    """Send ``event`` and return its acknowledgement."""
    return client.emit(event, payload, namespace=NS, callback=True)


def received(client, name: str) -> list[Any]:
    """The payloads of the ``name`` events the client received since the last look."""
    return [m["args"][0] for m in client.get_received(NS) if m["name"] == name]
