"""The Redis message queue between server processes: routed by meeting, publishes pipelined.

python-socketio's RedisManager sends every emit on one channel that every process receives,
decodes and emits again to its own clients (or to none): every process paid for every change
of every meeting. Here (docs/architecture.md, "Scaling out"):

- **A channel per meeting.** An emit to rooms of one meeting (broadcast.py's room names,
  `table:<id>:<n>`, `screen:<id>`, …) goes on `<channel>:<id>`; everything else (an emit to
  a client on another process, disconnects, callbacks, another process's room changes, the
  command line's emits) on `<channel>` itself, which every process follows.
- **A process follows a meeting only while it has clients in it.** The first local client
  to enter one of its rooms subscribes the process and waits (at most SUBSCRIBE_WAIT) for
  Redis to confirm before the connect handler reads its snapshot, so no change committed
  after that read can miss it. A meeting without local clients at two sweeps in a row
  (UNFOLLOW_AFTER apart) is unsubscribed. With nginx sending every connection of a meeting
  to one process (deploy/nginx.conf, `?meeting=`), no other process receives its changes.
- **An emit to a client of this process never leaves it** (the snapshot, answers to one
  client): it is emitted here, not published.
- **Nothing is published that nobody else would read.** A meeting is *quiet* for a process
  when Redis answered its last publish there with no subscriber but itself (PUBLISH returns
  the count); its emits then stay in the process. A process that starts following a meeting
  announces it on the control channel and waits (at most ANSWER_WAIT) until every other
  process has answered — each one first drops the meeting from its quiet ones — before the
  snapshot is read: a change committed after that read is published to it. (Should Redis
  not confirm its subscription within SUBSCRIBE_WAIT, it announces without waiting.) After a
  Redis restart nothing is quiet until Redis has answered again.
- **A process skips its own messages unread.** Each message is the sender's host id (32
  hex characters) followed by the JSON; a process subscribed to a meeting gets its own
  publishes back from Redis and drops them on the prefix, without decoding them. Plain JSON
  (a command line process's write-only manager) is still read.
- **Publishes pipelined.** One greenlet per process publishes: what has queued while the
  previous round trip was out goes in the next one, in the order it was emitted. Without
  gevent (tests, the command line) it publishes at once, as RedisManager does.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import socketio

from .live.protocol import NAMESPACE as LIVE_NAMESPACE  # where `refresh` goes after a lost connection

log = logging.getLogger(__name__)

MAX_PIPELINE = 500  # messages per round trip
SUBSCRIBE_WAIT = 1.0  # seconds a first client of a meeting waits for the subscription at most
# and then for the other processes' answers to its announcement (each answers as soon as it reads
# it, in a millisecond or so; a process starting up or on a busy machine may take longer, and a
# process that has not answered may still treat the meeting as quiet)
ANSWER_WAIT = 3.0
UNFOLLOW_AFTER = 30.0  # seconds between the sweeps that unsubscribe meetings without clients here
# the rooms of one meeting: `<kind>:<meeting id>[:…]` (live/broadcast.py)
MEETING_ROOM_KINDS = frozenset({"table", "screen", "chair", "minutes", "meeting"})
HOST_ID_LENGTH = 32  # uuid4().hex, PubSubManager's host_id


def meeting_of(room: Any) -> str | None:
    """The meeting id of one of its rooms (broadcast.py's names), or None for any other room."""
    if not isinstance(room, str):
        return None
    kind, _, rest = room.partition(":")
    if kind not in MEETING_ROOM_KINDS:
        return None
    meeting = rest.partition(":")[0]
    return meeting if meeting.isdigit() else None


def meeting_of_rooms(room: Any) -> str | None:
    """The one meeting every room of an emit belongs to, or None (a sid, a mix, everyone)."""
    if isinstance(room, list | tuple):
        meetings = {meeting_of(r) for r in room}
        return meetings.pop() if len(meetings) == 1 else None
    return meeting_of(room)


class PipelinedRedisManager(socketio.RedisManager):
    """socketio.RedisManager routed by meeting, its publishes leaving through one greenlet."""

    outbox: Any = None  # until a gevent server initialises it: publish at once
    connected: bool  # RedisManager's own (socketio has no types)

    def __init__(self, url: str, channel: str = "socketio", **kwargs: Any) -> None:
        super().__init__(url, channel=channel, **kwargs)
        self.prefix = self.host_id.encode()
        self.subscriber: Any = None  # the listening connection's PubSub, once connected
        self.subscriber_client: Any = None  # the Redis client it came from: kept with it (_subscribe_all)
        self.followed: dict[str, threading.Event] = {}  # meeting id -> subscribed and announced
        self.subscribed: dict[str, threading.Event] = {}  # meeting id -> Redis confirmed the subscription
        self.idle: set[str] = set()  # followed meetings without local clients at the last sweep
        self.lock = threading.Lock()  # subscribing, unsubscribing, reconnecting the listener
        self.quiet: set[str] = set()  # meetings no other process follows: emits not published
        self.announced: dict[str, int] = {}  # meeting -> follow announcements received (a generation)
        self.answers: dict[str, list[Any]] = {}  # meeting -> [answers awaited, Event] while announcing
        self.closed = False  # close(): the listener ends instead of connecting again

    # -- where a message goes ---------------------------------------------------------------

    def channel_of(self, meeting: str | None) -> str:
        return self.channel if meeting is None else f"{self.channel}:{meeting}"

    def route(self, data: dict[str, Any]) -> str:
        """The channel of one message: its meeting's for an emit to that meeting's rooms."""
        return self.channel_of(meeting_of_rooms(data.get("room")) if data.get("method") == "emit" else None)

    def encode(self, data: dict[str, Any]) -> bytes:
        return self.prefix + self.json.dumps(data).encode()

    def emit(
        self, event: str, data: Any, namespace: str | None = None, room: Any = None, **kwargs: Any
    ) -> Any:
        room = kwargs.pop("to", None) or room
        if isinstance(room, str) and self.is_local(room, namespace or "/"):
            kwargs["ignore_queue"] = True  # one of this process's clients: nobody else to tell
        elif kwargs.get("callback") is None and meeting_of_rooms(room) in self.quiet:
            kwargs["ignore_queue"] = True  # no other process follows the meeting
        return super().emit(event, data, namespace=namespace, room=room, **kwargs)

    def is_local(self, sid: str, namespace: str) -> bool:
        """Is sid a client of this process (connected, or in its connect handler)?"""
        return bool(self.is_connected(sid, namespace) or self.is_pre_connected(sid, namespace))

    # -- following meetings -----------------------------------------------------------------

    def enter_room(self, sid: str, namespace: str, room: Any, eio_sid: str | None = None) -> Any:
        local = self.is_local(sid, namespace)
        result = super().enter_room(sid, namespace, room, eio_sid=eio_sid)
        meeting = meeting_of(room)
        if local and meeting is not None and not self.write_only:
            self.follow(meeting)
        return result

    def follow(self, meeting: str) -> None:
        """Subscribe to a meeting's channel and announce it (once); wait until both are done.

        Bounded by SUBSCRIBE_WAIT and ANSWER_WAIT: with Redis away a client connects all the same (and
        misses the other processes' changes until Redis is back, as with RedisManager)."""
        self.idle.discard(meeting)
        ready = self.followed.get(meeting)
        if ready is None:
            with self.lock:
                ready = self.followed.get(meeting)
                if ready is None:
                    ready = self.followed[meeting] = threading.Event()
                    self.subscribed[meeting] = threading.Event()
                    if self.subscriber is not None:
                        try:
                            self.subscriber.subscribe(self.channel_of(meeting))
                        except Exception as exc:  # the listener subscribes again when it reconnects
                            log.warning("Cannot subscribe to meeting %s yet: %s", meeting, exc)
                    mine = True
                else:
                    mine = False
            if mine:
                try:
                    self.announce(meeting)
                finally:
                    ready.set()
        if not ready.is_set():
            ready.wait(SUBSCRIBE_WAIT + ANSWER_WAIT)

    def announce(self, meeting: str, wait: bool = True) -> None:
        """Tell every process this one follows the meeting; wait (bounded) until each has answered."""
        confirmed = self.subscribed.get(meeting)
        if wait and (confirmed is None or not confirmed.wait(SUBSCRIBE_WAIT)):
            # Redis is slow to confirm (or away): announce all the same, without waiting. A
            # publish nobody reads costs little; a meeting left quiet elsewhere loses events.
            wait = False
        done = threading.Event()
        waiting: list[Any] = [0, done]
        self.answers[meeting] = waiting
        try:
            message = {"method": "follow", "meeting": meeting, "host_id": self.host_id}
            listeners = self.redis_client().publish(self.channel, self.encode(message))
            waiting[0] += listeners - 1  # every process on the control channel but this one
            if waiting[0] <= 0 or not wait:
                return
            done.clear()  # (set early if answers came before the count)
            done.wait(ANSWER_WAIT)
        except Exception as exc:  # Redis away: its restart makes every meeting loud again
            log.warning("Cannot announce meeting %s: %s", meeting, exc)
        finally:
            self.answers.pop(meeting, None)

    def redis_client(self) -> Any:
        if not self.connected:
            self._redis_connect()
        return self.redis

    def on_control(self, data: dict[str, Any]) -> None:
        """Another process follows a meeting (publish its emits there from now), or answered."""
        meeting = str(data.get("meeting"))
        if data.get("method") == "follow":
            self.announced[meeting] = self.announced.get(meeting, 0) + 1
            self.quiet.discard(meeting)
            self._publish({"method": "following", "meeting": meeting, "to": data.get("host_id")})
        elif data.get("to") == self.host_id and (waiting := self.answers.get(meeting)) is not None:
            waiting[0] -= 1
            if waiting[0] <= 0:
                waiting[1].set()

    def present(self) -> set[str]:
        """The meetings with a client of this process in one of their rooms."""
        return {m for rooms in list(self.rooms.values()) for r in list(rooms) if (m := meeting_of(r))}

    def sweep(self) -> list[str]:
        """Unsubscribe the meetings that had no local client at this sweep and the last; return them."""
        present = self.present()
        dropped = []
        for meeting in list(self.followed):
            if meeting in present:
                self.idle.discard(meeting)
            elif meeting not in self.idle:
                self.idle.add(meeting)
            else:
                with self.lock:
                    # checked again under the lock, without a switch before the delete: a client
                    # that entered meanwhile keeps the subscription
                    if meeting in self.present():
                        continue
                    del self.followed[meeting]
                    self.subscribed.pop(meeting, None)
                    self.idle.discard(meeting)
                    dropped.append(meeting)
                    if self.subscriber is not None:
                        try:
                            self.subscriber.unsubscribe(self.channel_of(meeting))
                        except Exception as exc:  # gone with the connection anyway
                            log.debug("unsubscribe %s: %s", meeting, exc)
        return dropped

    def _sweeper(self) -> None:
        while True:
            self.server.sleep(UNFOLLOW_AFTER)
            try:
                self.sweep()
                # again, in case an announcement was lost (Redis restarted while it was on its way)
                for meeting in list(self.followed):
                    self.announce(meeting, wait=False)
            except Exception:  # never lose the sweeper
                log.exception("unsubscribing idle meetings failed")

    # -- listening --------------------------------------------------------------------------

    def initialize(self) -> None:
        super().initialize()
        if not self.write_only:
            self.server.start_background_task(self._sweeper)
        if self.server.async_mode == "gevent":
            import gevent.queue

            self.outbox = gevent.queue.Queue()
            self.server.start_background_task(self._publisher)

    def _subscribe_all(self) -> set[bytes]:
        """A new listening connection, subscribed to the control channel and every followed
        meeting; return those channels (their confirmations are on their way)."""
        with self.lock:
            self._close_subscriber()
            # The client is kept beside its PubSub: a redis-py client closes its connection pool
            # when it is collected, the PubSub's connection with it. Its listener then connected
            # again by itself while another greenlet subscribed on the same connection, and one
            # of the two failed (a closed buffer, another greenlet's socket, or a 5 s timeout
            # waiting for an answer the other had read): a second or more without a subscription.
            client = self._get_redis_module().Redis.from_url(self.redis_url, **self.redis_options)
            subscriber = client.pubsub()
            channels = [self.channel, *(self.channel_of(m) for m in self.followed)]
            subscriber.subscribe(*channels)
            self.subscriber, self.subscriber_client = subscriber, client
            # what Redis lost with its connections: every meeting loud until it answers again
            for confirmed in self.subscribed.values():
                confirmed.clear()
            self.quiet.clear()
        # and the others may have marked our meetings quiet while we were away: announce them
        for meeting in list(self.followed):
            self.announce(meeting, wait=False)
        return {channel.encode() for channel in channels}

    def refresh_local(self) -> list[str]:
        """Ask this process's clients of every followed meeting to fetch a fresh snapshot, and
        return those meetings: what the other processes published while the listening
        connection was lost never reached them (Redis keeps no history)."""
        meetings = sorted(set(self.followed) & self.present(), key=int)
        for meeting in meetings:
            room = f"meeting:{meeting}"  # live/broadcast.py's meeting_room
            try:
                self.emit("refresh", {"reason": "queue"}, LIVE_NAMESPACE, room=room, ignore_queue=True)
            except Exception:  # never lose the listener
                log.exception("Cannot ask the clients of meeting %s for a fresh snapshot", meeting)
        if meetings:
            log.warning("Receiving from Redis again: %d meetings' clients fetch a snapshot", len(meetings))
        return meetings

    def _close_subscriber(self) -> None:
        """Close the listening connection, if any (under self.lock): nobody else may reconnect it."""
        subscriber, client = self.subscriber, self.subscriber_client
        self.subscriber = self.subscriber_client = None
        for closing in (subscriber, client):
            if closing is not None:
                try:
                    closing.close()
                except Exception as exc:  # gone already
                    log.debug("closing the listening connection: %s", exc)

    def close(self) -> None:
        """Stop listening: the listener ends at its next read instead of connecting again."""
        self.closed = True
        with self.lock:
            self._close_subscriber()

    def _listen(self) -> Any:
        """Every message of the followed channels not sent by this process (reconnecting as RedisManager)."""
        retry_sleep = 1.0
        prefix, length, control = self.prefix, HOST_ID_LENGTH, self.channel.encode()
        lost = False  # the listening connection was lost: messages went by unread
        while not self.closed:
            try:
                awaiting = self._subscribe_all()
                retry_sleep = 1.0
                for message in self.subscriber.listen():
                    kind = message["type"]
                    if kind == "message":
                        data = message["data"]
                        if data[:1] == b"{":
                            yield data  # plain JSON: a write-only manager's
                        elif data[:length] == prefix:
                            continue
                        elif message["channel"] == control:  # rare: read it here
                            decoded = self.json.loads(data[length:])
                            if decoded.get("method") in ("follow", "following"):
                                self.on_control(decoded)
                            else:
                                yield decoded
                        else:
                            yield data[length:]
                    elif kind == "subscribe":
                        channel = message["channel"].decode()
                        meeting = channel.rpartition(":")[2] if channel != self.channel else ""
                        if (confirmed := self.subscribed.get(meeting)) is not None:
                            confirmed.set()
                        awaiting.discard(message["channel"])
                        if lost and not awaiting:
                            # subscribed again to every channel: whatever is committed after
                            # a client's fresh snapshot is read reaches it from now on
                            lost = False
                            self.refresh_local()
            except Exception as exc:
                if self.closed:
                    return
                lost = True
                log.error("Cannot receive from Redis, retrying in %g s: %s", retry_sleep, exc)
                with self.lock:  # (not while follow() subscribes on it)
                    self._close_subscriber()
                time.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, 60.0)

    # -- publishing -------------------------------------------------------------------------

    def _publish(self, data: Any) -> Any:
        if self.outbox is None:
            return self._send([data])
        self.outbox.put(data)
        return None

    def hush(self, encoded: list[tuple[str, bytes]], listeners: list[Any], announced: dict[str, int]) -> None:
        """Mark quiet the meetings whose publish reached no other process, unless one announced
        following it meanwhile (its announcement was read after the publish was sent)."""
        for (channel, _), count in zip(encoded, listeners, strict=False):
            if channel == self.channel or not isinstance(count, int):
                continue
            meeting = channel.rpartition(":")[2]
            confirmed = self.subscribed.get(meeting)
            own = 1 if confirmed is not None and confirmed.is_set() else 0
            if count > own:
                self.quiet.discard(meeting)
            elif self.announced.get(meeting, 0) == announced.get(meeting, 0):
                self.quiet.add(meeting)

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
        encoded = [(self.route(data), self.encode(data)) for data in messages]
        announced = dict(self.announced)
        for retries_left in (1, 0):
            try:
                if not self.connected:
                    self._redis_connect()
                pipe = self.redis.pipeline(transaction=False)
                for channel, payload in encoded:
                    pipe.publish(channel, payload)
                self.hush(encoded, pipe.execute(), announced)
                return
            except Exception as exc:
                self.connected = False
                if not retries_left:
                    # as RedisManager: the events are lost to the other processes' clients, who
                    # catch up from the database on their next sync (the changes are committed)
                    log.error("Cannot publish %d messages to Redis, giving up: %s", len(messages), exc)
                    return
                log.error("Cannot publish to Redis, retrying: %s", exc)
