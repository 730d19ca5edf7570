"""psycopg's waits on the gevent server's own event loop: one watcher, not a patched ``poll``.

psycopg runs every query as a generator that says what it waits for (to read, to write or
both) and a wait function that blocks until the socket is ready. Under gevent's monkey-patching
psycopg picks ``wait_poll`` on gevent's ``select.poll``, which builds a poll object, a watcher
per call and a result list each time: at half the hosted load that machinery took 8 % of the
server's CPU (py-spy; a batch waits for three round trips, docs/performance.md, issue 20
part 1). ``wait`` does the same work with one libev watcher on the connection's socket:

- first a real, non-blocking ``poll`` (gevent's original), so a socket that is ready already (to
  write, mostly) costs no switch to the loop at all;
- else the greenlet waits for the watcher, which reports what became ready; the loop serves
  everything else meanwhile.

psycopg's contract is kept: ``timeout`` raises ``_WaitTimeout`` at the deadline, ``interval``
wakes the generator with ``READY_NONE`` (psycopg's own wait functions do that too, so a
connection closed under it is noticed), and a socket in error with nothing to read or write
raises ``OperationalError`` as ``wait_poll`` does. ``install`` puts it in place; the gevent
server calls it at start, so the command line and the tests keep psycopg's C wait. Setting
psycopg's own ``PSYCOPG_WAIT_FUNC`` (e.g. ``wait_poll``) leaves psycopg's choice in place.
"""

from __future__ import annotations

import os
import select
from collections.abc import Generator
from time import monotonic
from typing import Any, NoReturn

from gevent import get_hub, monkey
from gevent.hub import Hub, Waiter
from psycopg import errors, waiting

# psycopg's wait states are libev's events: R is READ (1), W is WRITE (2), RW is both
_POLL_MASK = {1: select.POLLIN, 2: select.POLLOUT, 3: select.POLLIN | select.POLLOUT}
_POLL_BAD = select.POLLERR | select.POLLHUP | select.POLLNVAL
_LIBEV_ERROR = 0x80000000  # EV_ERROR: libev could not watch the descriptor (closed under it)


def _ready(events: int) -> int:
    """psycopg's READY_* flags for poll's events."""
    return (waiting.READY_R if events & select.POLLIN else 0) | (
        waiting.READY_W if events & select.POLLOUT else 0
    )


# the operating system's poll (gevent patches the module's), the same before and after patching
_poll = monkey.get_original("select", "poll")


def _closed(fileno: int) -> NoReturn:
    """Fail as psycopg's ``wait_poll`` does for a socket in error with nothing to read or write."""
    waiting._check_fd_closed(fileno)  # raises for a descriptor that is gone
    raise errors.OperationalError("connection socket closed")


def wait(
    gen: Generator[Any, Any, Any], fileno: int, interval: float = 0.0, timeout: float | None = None
) -> Any:
    """Run psycopg's generator ``gen`` on socket ``fileno`` to its end, on the gevent loop."""
    if interval is None:
        raise ValueError("indefinite wait not supported anymore")  # as psycopg's own
    hub = get_hub()
    deadline = monotonic() + timeout if timeout is not None else None
    probe = _poll()
    try:
        state = next(gen)
        probe.register(fileno, _POLL_MASK[state])
        while True:
            found = probe.poll(0)
            if found:
                events = found[0][1]
                ready = _ready(events)
                if not ready and events & _POLL_BAD:
                    _closed(fileno)
            else:
                watched = _watch(hub, fileno, state, interval, deadline)
                if watched is None:  # a watcher error: what does the socket say now?
                    found = probe.poll(0)
                    watched = _ready(found[0][1]) if found else 0
                    if not watched:
                        _closed(fileno)
                ready = watched
            # no flag: the interval passed, and psycopg's generators ask again (READY_NONE)
            asked = gen.send(ready)
            if asked != state:
                state = asked
                probe.modify(fileno, _POLL_MASK[state])
            if deadline is not None and monotonic() >= deadline:
                raise errors._WaitTimeout("wait timeout expired")
    except StopIteration as stop:
        return stop.value


def _watch(hub: Hub, fileno: int, state: int, interval: float, deadline: float | None) -> int | None:
    """Wait on the loop until the socket is ready for ``state`` (its READY_* flags), the
    interval or the deadline passes (0), or libev reports an error on the socket (None)."""
    seconds = interval if interval > 0 else None
    if deadline is not None:
        left = max(0.0, deadline - monotonic())
        seconds = left if seconds is None else min(seconds, left)
    watcher = hub.loop.io(fileno, state)
    timer = hub.loop.timer(seconds) if seconds is not None else None
    waiter: Waiter[int] = Waiter(hub)
    try:
        watcher.start(waiter.switch, pass_events=True)
        if timer is not None:
            timer.start(waiter.switch, 0)
        events = waiter.get()
    finally:
        watcher.stop()
        watcher.close()
        if timer is not None:
            timer.stop()
            timer.close()
    if events & _LIBEV_ERROR:
        return None
    return events & state  # READ and WRITE are READY_R and READY_W


def install() -> bool:
    """Make psycopg wait with ``wait`` in this (gevent, monkey-patched) process, unless the
    operator chose psycopg's wait function (its ``PSYCOPG_WAIT_FUNC``). Whether it did."""
    if "PSYCOPG_WAIT_FUNC" in os.environ:
        return False
    waiting.wait = wait  # psycopg's Connection.wait looks it up on the module at each call
    return True
