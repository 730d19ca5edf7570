"""The gevent WSGI server `python -m facilitator` runs, with Nagle's algorithm off on every connection.

A live event often makes the server write two small messages on one socket in a row (the
sender's own `entry` broadcast, then its acknowledgement). With Nagle's algorithm on, the
kernel holds the second until the client has acknowledged the first, and the client's TCP
delays that acknowledgement by up to 40 ms: a 40–50 ms tail on acknowledgements, even on
an idle server (docs/performance.md). `TCP_NODELAY` sends each write at once, as nginx,
Tornado and uvicorn do for their connections. `benchmarks/bare_server.py` uses the same
class, so the bench compares like with like.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from gevent.pywsgi import WSGIServer


class NoDelayWSGIServer(WSGIServer):
    """gevent's WSGIServer that sets TCP_NODELAY on each accepted TCP connection."""

    def handle(self, sock: Any, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):  # the peer already went away; the handler will notice
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().handle(sock, address)
