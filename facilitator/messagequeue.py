"""The Redis message queue between server processes, its publishes pipelined.

python-socketio's RedisManager publishes every emit with its own round trip to Redis, in
the handler that emits. Here one greenlet per process publishes instead: what has queued
while the previous round trip was out goes in the next one, as one pipeline, in the order
it was emitted. The listening side (every process receives every message and emits to its
own clients) is python-socketio's. Without gevent (tests, the command line) it publishes
at once, as RedisManager does.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio

log = logging.getLogger(__name__)

MAX_PIPELINE = 500  # messages per round trip


class PipelinedRedisManager(socketio.RedisManager):
    """socketio.RedisManager whose publishes leave through one greenlet, many per round trip."""

    outbox: Any = None  # until a gevent server initialises it: publish at once
    connected: bool  # RedisManager's own (socketio has no types)

    def initialize(self) -> None:
        super().initialize()
        if self.server.async_mode == "gevent":
            import gevent.queue

            self.outbox = gevent.queue.Queue()
            self.server.start_background_task(self._publisher)

    def _publish(self, data: Any) -> Any:
        if self.outbox is None:
            return super()._publish(data)
        self.outbox.put(data)
        return None

    def _publisher(self) -> None:
        while True:
            messages = [self.outbox.get()]
            while len(messages) < MAX_PIPELINE and not self.outbox.empty():
                messages.append(self.outbox.get_nowait())
            try:
                self._send(messages)
            except Exception:  # never lose the publisher
                log.exception("publishing to Redis failed")

    def _send(self, messages: list[Any]) -> None:
        """Publish the messages in one pipeline; reconnect and try once more as RedisManager does."""
        for retries_left in (1, 0):
            try:
                if not self.connected:
                    self._redis_connect()
                pipe = self.redis.pipeline(transaction=False)
                for data in messages:
                    pipe.publish(self.channel, self.json.dumps(data))
                pipe.execute()
                return
            except Exception as exc:
                self.connected = False
                if not retries_left:
                    # as RedisManager: the events are lost to the other processes' clients, who
                    # catch up from the database on their next sync (the changes are committed)
                    log.error("Cannot publish %d messages to Redis, giving up: %s", len(messages), exc)
                    return
                log.error("Cannot publish to Redis, retrying: %s", exc)
