"""CPU-only work off the server's event loop: one place for it.

Under `python -m facilitator` (gevent, monkey-patched) one event loop answers every request and
live event; a piece of pure computation that runs for tenths of a second there (a Markdown
annex, the suggested groups) holds all of them up. ``off_loop`` runs it in a thread
of the gevent hub's pool instead: the loop takes the GIL back every few milliseconds, so
/healthz and the live acks go on answering. Elsewhere (the command line, the tests) it runs in
place. The work must not touch the loop itself (no greenlet switches, no database session).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

_deferring = [0]  # how many deferrals are open (greenlets of one loop can overlap)


def on_gevent() -> bool:
    """Whether this process is the gevent server (threading patched: one event loop serves all)."""
    monkey = sys.modules.get("gevent.monkey")  # not imported: not patched (the command line)
    return bool(monkey and monkey.is_module_patched("threading"))


def off_loop(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``work(*args, **kwargs)`` in a thread of the hub's pool under the gevent server, else here."""
    if not on_gevent():
        return work(*args, **kwargs)
    from gevent import get_hub

    return get_hub().threadpool.apply(work, args, kwargs)


# How long a pause lasts under the gevent server. Any timer will do: what matters is that the
# loop polls its sockets before the paused greenlet runs on.
PAUSE_SECONDS = 0.0005


def pause() -> None:
    """Between the parts of long work on the loop: let every other request and live event in.

    ``gevent.sleep(0)`` is not enough. It queues the greenlet as a callback, and gevent runs
    callbacks, including ones queued while it runs them, for up to 50 before it polls the sockets
    again. A chain of short parts each ending in ``sleep(0)`` therefore holds all I/O until the
    whole chain is done: the 80–170 ms `/healthz` waits at the start of a 100-table annex job
    (`make bench-stall`, docs/performance.md). A timer, however short, is due only after the
    loop has polled, so a request that arrived meanwhile runs first. Elsewhere it does nothing.
    """
    if on_gevent():
        import gevent

        gevent.sleep(PAUSE_SECONDS)


@contextmanager
def collection_deferred() -> Iterator[None]:
    """Hold the cyclic garbage collector back during a burst of allocations that all die at its end.

    Loading a large meeting makes some 100,000 objects that live until the load returns. With
    the collector on, each young collection during the load walks them again and moves them on to
    the older generations, until a full collection walks the whole heap (with 900 connections,
    100+ ms on the loop: the worst wait of `make bench-stall`). Held back, they die young: freed by
    their reference counts, or in the next young collection. Other greenlets running meanwhile
    (a database wait) only see the collector later; a nested use leaves it off until the last ends.
    """
    if _deferring[0] == 0 and not gc.isenabled():  # someone else turned it off: leave it so
        yield
        return
    _deferring[0] += 1
    gc.disable()
    try:
        yield
    finally:
        _deferring[0] -= 1
        if _deferring[0] == 0:
            gc.enable()
