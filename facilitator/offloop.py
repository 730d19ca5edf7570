"""CPU-only work off the server's event loop: one place for it.

Under `python -m facilitator` (gevent, monkey-patched) one event loop answers every request and
live event; a piece of pure computation that runs for tenths of a second there (a Markdown
annex, the suggested groups) holds all of them up. ``off_loop`` runs it in a thread
of the gevent hub's pool instead: the loop takes the GIL back every few milliseconds, so
/healthz and the live acks go on answering. Elsewhere (the command line, the tests) it runs in
place. The work must not touch the loop itself (no greenlet switches, no database session).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


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
