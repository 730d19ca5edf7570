"""The server `python -m facilitator` runs turns Nagle's algorithm off on every connection."""

from __future__ import annotations

import socket

from facilitator.wsgiserver import NoDelayWSGIServer


def test_accepted_connections_get_tcp_nodelay():
    seen: list[int] = []

    class Recorder:
        """Stands in for pywsgi's handler: reads the option off the socket it was given."""

        def __init__(self, sock, address, server):
            self.sock = sock

        def handle(self):
            seen.append(self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        accepted, address = listener.accept()
        with client, accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0  # the kernel's default
            server = NoDelayWSGIServer(("127.0.0.1", 0), lambda environ, start: [], handler_class=Recorder)
            server.handle(accepted, address)
    assert seen and seen[0] != 0


def test_the_entry_point_and_the_bare_bench_server_use_it():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for path in ("facilitator/__main__.py", "benchmarks/bare_server.py"):
        source = (root / path).read_text()
        assert "NoDelayWSGIServer((" in source, path


def test_settle_heap_freezes_what_exists_and_collects_less_often():
    import gc

    from facilitator.wsgiserver import GC_THRESHOLDS, settle_heap

    before = gc.get_threshold()
    try:
        settle_heap()
        assert gc.get_freeze_count() > 10_000  # the imports, pytest and all: never walked again
        assert gc.get_threshold() == GC_THRESHOLDS and GC_THRESHOLDS[0] > before[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
