"""How `python -m facilitator` serves: gevent's WSGI server with Nagle's algorithm off, a settled heap.

A live event often makes the server write two small messages on one socket in a row (the
sender's own `entry` broadcast, then its acknowledgement). With Nagle's algorithm on, the
kernel holds the second until the client has acknowledged the first, and the client's TCP
delays that acknowledgement by up to 40 ms: a 40–50 ms tail on acknowledgements, even on
an idle server (docs/performance.md). `TCP_NODELAY` sends each write at once, as nginx,
Tornado and uvicorn do for their connections. `benchmarks/bare_server.py` uses the same
class, so the bench compares like with like.

`settle_heap` is called once the app is loaded, just before serving. Python's cyclic
garbage collector otherwise walks every object the imports made (Flask, SQLAlchemy,
Socket.IO: about 150,000) at each full collection, and with 910 connections it ran one
every few seconds at about 120 ms of CPU each — a pause of the whole event loop, and
12 % of the server's CPU under the summit load (docs/performance.md). Frozen, those
objects are never walked again; a higher first threshold lets the short-lived objects of
each event die before a collection looks at them, so fewer survive into the older
generations. Reference counting frees almost everything anyway; the collector is only
for cycles.
"""

from __future__ import annotations

import contextlib
import gc
import socket
from typing import Any

from gevent.pywsgi import WSGIServer

# gen0 collects after 10,000 net new container objects instead of 700; gen1 and gen2 as Python's
GC_THRESHOLDS = (10_000, 10, 10)


def settle_heap() -> None:
    """Collect once and freeze what exists (the imports, the app); then collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class NoDelayWSGIServer(WSGIServer):
    """gevent's WSGIServer that sets TCP_NODELAY on each accepted TCP connection."""

    def handle(self, sock: Any, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):  # the peer already went away; the handler will notice
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().handle(sock, address)
