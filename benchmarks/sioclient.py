"""A lean Socket.IO client for load generation: Engine.IO 4 + Socket.IO 5 over one websocket, on gevent.

`make bench-live` drives about a thousand connections from one process. python-socketio's
own client (on websocket-client) spends about 200 µs of CPU per received message there, so
at the issue's load (≈ 4,700 messages a second) the generator, not the server, would be the
bottleneck. This client speaks the same protocol on the wire — the websocket handshake,
the Engine.IO open/ping/pong packets, the namespace connect with `auth`, events, and
acknowledgements with ids — with one greenlet and one buffer per connection, and handles a
received message in a few tens of µs. It does only what the bench needs: text packets, one
namespace, websocket transport (no long-polling, no reconnection, no binary attachments).

    client = LeanClient()
    client.on("entry", handler)
    client.connect("http://127.0.0.1:5000", "/live", {"token": "…"})
    client.emit("entry:add", {...}, callback=lambda ack: ...)
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import gevent
from gevent.lock import Semaphore


class ConnectError(Exception):
    """The server refused the connection or broke the handshake."""


class LeanClient:
    """One Socket.IO connection to one namespace over a websocket."""

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[..., Any]] = {}
        self.acks: dict[int, Callable[..., Any]] = {}
        self.namespace = "/"
        self.connected = False
        self.sock: socket.socket | None = None
        self._next_id = 0
        self._buffer = bytearray()
        self._fragments: list[bytes] = []
        self._fragment_opcode = 1
        self._send_lock = Semaphore()
        self._reader: gevent.Greenlet | None = None

    def on(self, event: str, handler: Callable[..., Any], namespace: str | None = None) -> None:
        """Call handler(*args) for every `event` (also `disconnect`)."""
        self.handlers[event] = handler

    # -- the handshake ----------------------------------------------------------------------

    def connect(
        self,
        url: str,
        namespace: str,
        auth: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30.0,
        meeting: str | None = None,
    ) -> None:
        """Open the websocket, receive Engine.IO's open packet, connect the namespace with auth.

        ``meeting``: the slug in the query, as the pages send it (nginx routes by it)."""
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        self.namespace = namespace
        sock = socket.create_connection((host, port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        query = f"meeting={quote(meeting)}&" if meeting else ""
        lines = [
            f"GET /socket.io/?{query}EIO=4&transport=websocket HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            f"Origin: {parts.scheme}://{host}:{port}",
            *(f"{name}: {value}" for name, value in (headers or {}).items()),
        ]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        response = bytearray()
        while b"\r\n\r\n" not in response:
            chunk = sock.recv(4096)
            if not chunk or len(response) > 65536:
                sock.close()
                raise ConnectError("no websocket handshake")
            response += chunk
        head, _, rest = bytes(response).partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            sock.close()
            raise ConnectError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
        self.sock = sock
        self._buffer = bytearray(rest)
        try:
            opened = self._next_packet()
            if not opened.startswith("0"):
                raise ConnectError(f"expected the Engine.IO open packet, got {opened[:40]!r}")
            self._send_text(f"40{namespace}," + json.dumps(auth or {}, separators=(",", ":")))
            while True:
                packet = self._next_packet()
                if packet == "2":  # a ping before the namespace answered
                    self._send_text("3")
                    continue
                if packet.startswith(f"40{namespace},"):
                    break
                if packet.startswith(f"44{namespace},"):
                    raise ConnectError(packet[len(namespace) + 3 :])
                if packet.startswith("42"):  # the server may emit from its connect handler first
                    self._dispatch(packet)
                    continue
                raise ConnectError(f"unexpected packet {packet[:40]!r}")
        except BaseException:
            sock.close()
            self.sock = None
            raise
        sock.settimeout(None)
        self.connected = True
        self._reader = gevent.spawn(self._read_loop)

    def _next_packet(self) -> str:
        """The next text message, read synchronously (during the handshake only)."""
        while True:
            for opcode, payload in self._frames():
                if opcode == 1:
                    return payload.decode()
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectError("connection closed during the handshake")
            self._buffer += chunk

    # -- websocket frames ---------------------------------------------------------------------

    def _frames(self):
        """Complete frames in the buffer as (opcode, payload); fragments are joined."""
        buffer = self._buffer
        offset = 0
        try:
            while len(buffer) - offset >= 2:
                first, second = buffer[offset], buffer[offset + 1]
                length, position = second & 0x7F, offset + 2
                if length == 126:
                    if len(buffer) - offset < 4:
                        return
                    length, position = struct.unpack_from(">H", buffer, offset + 2)[0], offset + 4
                elif length == 127:
                    if len(buffer) - offset < 10:
                        return
                    length, position = struct.unpack_from(">Q", buffer, offset + 2)[0], offset + 10
                if second & 0x80:  # a server never masks, but be lenient
                    position += 4
                if len(buffer) < position + length:
                    return
                payload = bytes(buffer[position : position + length])
                if second & 0x80:
                    mask = buffer[position - 4 : position]
                    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                offset = position + length
                opcode, final = first & 0x0F, first & 0x80
                if opcode == 0 or not final:
                    self._fragments.append(payload)
                    if not final:
                        if opcode:
                            self._fragment_opcode = opcode
                        continue
                    payload, opcode = b"".join(self._fragments), self._fragment_opcode
                    self._fragments = []
                yield opcode, payload
        finally:
            del buffer[:offset]

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        size = len(payload)
        if size < 126:
            header = struct.pack(">BB", 0x80 | opcode, 0x80 | size)
        elif size < 65536:
            header = struct.pack(">BBH", 0x80 | opcode, 0x80 | 126, size)
        else:
            header = struct.pack(">BBQ", 0x80 | opcode, 0x80 | 127, size)
        mask = os.urandom(4)
        repeated = (mask * (size // 4 + 1))[:size]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(size, "big")
        with self._send_lock:
            self.sock.sendall(header + mask + masked)

    def _send_text(self, text: str) -> None:
        self._send_frame(1, text.encode())

    # -- Socket.IO packets --------------------------------------------------------------------

    def emit(
        self,
        event: str,
        data: Any = None,
        namespace: str | None = None,
        callback: Callable[..., Any] | None = None,
    ) -> None:
        """Send an event; callback(*ack_args) when the server acknowledges it."""
        ack = ""
        if callback is not None:
            self._next_id += 1
            self.acks[self._next_id] = callback
            ack = str(self._next_id)
        body = json.dumps([event, data], separators=(",", ":"))
        try:
            self._send_text(f"42{self.namespace},{ack}{body}")
        except OSError:
            self._closed()

    def _dispatch(self, text: str) -> None:
        kind = text[:1]
        if kind == "2":
            self._send_text("3")
            return
        if kind == "1":
            self._closed()
            return
        if kind != "4" or len(text) < 2:
            return
        packet_type, rest = text[1], text[2:]
        if rest.startswith("/"):
            comma = rest.find(",")
            rest = rest[comma + 1 :] if comma >= 0 else ""
        digits = 0
        while digits < len(rest) and rest[digits].isdigit():
            digits += 1
        ack_id = int(rest[:digits]) if digits else None
        data = json.loads(rest[digits:]) if len(rest) > digits else None
        if packet_type == "2" and data:
            handler = self.handlers.get(data[0])
            if handler is not None:
                handler(*data[1:])
        elif packet_type == "3" and ack_id is not None:
            callback = self.acks.pop(ack_id, None)
            if callback is not None:
                callback(*(data or []))
        elif packet_type == "1":
            self._closed()

    def _read_loop(self) -> None:
        try:
            while self.connected:
                for opcode, payload in self._frames():  # first what the handshake left over
                    if opcode == 1:
                        self._dispatch(payload.decode())
                    elif opcode == 8:
                        return
                    elif opcode == 9:
                        self._send_frame(10, payload)
                chunk = self.sock.recv(262144)
                if not chunk:
                    break
                self._buffer += chunk
        except OSError:
            pass
        finally:
            self._closed()

    def _closed(self) -> None:
        if not self.connected:
            return
        self.connected = False
        handler = self.handlers.get("disconnect")
        if handler is not None:
            handler()
        if self.sock is not None:
            self.sock.close()

    def disconnect(self) -> None:
        """Leave the namespace and close the websocket (no `disconnect` handler call)."""
        if not self.connected:
            return
        self.connected = False
        try:
            self._send_text(f"41{self.namespace},")
            self._send_frame(8, struct.pack(">H", 1000))
        except OSError:
            pass
        self.sock.close()
        if self._reader is not None and self._reader is not gevent.getcurrent():
            self._reader.kill(block=False)
