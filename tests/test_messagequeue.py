"""facilitator/messagequeue.py: the Redis publishes of a server process, pipelined, in order;
the message format (the sender's host id, then JSON) and the channel of each message."""

from __future__ import annotations

import json
import threading
import time

import gevent
import gevent.queue
import pytest
import redis

from facilitator.app import queue_manager
from facilitator.live import broadcast
from facilitator.messagequeue import HOST_ID_LENGTH, PipelinedRedisManager

from .conftest import free_port
from .test_scale_out import redis_url  # noqa: F401 - the fixture


def received(pubsub, count: int, seconds: float = 5.0) -> list[dict]:
    out, deadline = [], time.monotonic() + seconds
    while len(out) < count and time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message and message["type"] == "message":
            out.append(json.loads(message["data"][HOST_ID_LENGTH:]))
    return out


@pytest.fixture
def subscriber(redis_url):  # noqa: F811
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    pubsub.subscribe("flask-socketio")
    pubsub.get_message(timeout=1)  # the subscription's confirmation
    yield pubsub
    pubsub.close()
    client.close()


def manager(url: str) -> PipelinedRedisManager:
    queue = PipelinedRedisManager(url, channel="flask-socketio")
    queue.json = json
    return queue


def test_messages_queued_together_leave_in_one_round_trip_in_their_order(redis_url, subscriber):  # noqa: F811
    queue = manager(redis_url)
    queue.outbox = gevent.queue.Queue()
    pipelines = []
    connect = queue._redis_connect

    def counting_connect():
        connect()
        real = queue.redis.pipeline

        def pipeline(*args, **kwargs):
            pipelines.append(1)
            return real(*args, **kwargs)

        queue.redis.pipeline = pipeline

    queue._redis_connect = counting_connect
    for n in range(5):
        queue._publish({"method": "emit", "n": n})  # what PubSubManager.emit hands over
    publisher = gevent.spawn(queue._publisher)
    gevent.sleep(0.2)  # this test's process is not monkey-patched: let the publisher run
    try:
        assert [m["n"] for m in received(subscriber, 5)] == [0, 1, 2, 3, 4]
        assert len(pipelines) == 1
        queue._publish({"method": "emit", "n": 5})
        gevent.sleep(0.2)
        assert [m["n"] for m in received(subscriber, 1)] == [5]
    finally:
        publisher.kill()


def test_without_gevent_it_publishes_at_once(redis_url, subscriber):  # noqa: F811
    queue = manager(redis_url)  # never initialised by a gevent server: no outbox
    queue._publish({"method": "emit", "n": 1})
    assert [m["n"] for m in received(subscriber, 1)] == [1]


def test_redis_gone_costs_the_messages_not_the_publisher(caplog, redis_url, subscriber):  # noqa: F811
    queue = manager(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    queue._send([{"method": "emit", "n": 1}])  # logged, not raised
    assert "giving up" in caplog.text
    queue.redis_url = redis_url  # Redis is back (as after a restart): the next batch goes out
    queue._send([{"method": "emit", "n": 2}])
    assert [m["n"] for m in received(subscriber, 1)] == [2]


def test_each_message_goes_on_its_meetings_channel_or_the_control_channel():
    queue = manager("redis://127.0.0.1:1/0")
    for rooms in (broadcast.rooms_to_join(7, 3, "participant"), broadcast.rooms_to_join(7, None, "minutes")):
        assert {queue.route({"method": "emit", "room": room}) for room in rooms} == {"flask-socketio:7"}
    assert queue.route({"method": "emit", "room": broadcast.rooms_for_table(12, 1)}) == "flask-socketio:12"
    assert queue.route({"method": "emit", "room": "table:12:1"}) == "flask-socketio:12"
    # a client's own room (its sid), a mix of meetings, everyone, anything not an emit: every process
    for data in (
        {"method": "emit", "room": "x8Kq2Vn5bTz1aQ"},
        {"method": "emit", "room": ["screen:7", "screen:8"]},
        {"method": "emit", "room": None},
        {"method": "emit", "room": "table:x:1"},
        {"method": "disconnect", "sid": "screen:7"},
        {"method": "callback", "host_id": "h", "sid": "s"},
    ):
        assert queue.route(data) == "flask-socketio", data


@pytest.fixture
def listening():
    """Start a manager whose listener runs in a thread (this process is not monkey-patched):
    ``listening(url)`` gives it and what it yields. Each listener stops with its test."""
    started: list[tuple[PipelinedRedisManager, threading.Thread]] = []

    def start(url: str) -> tuple[PipelinedRedisManager, list[dict]]:
        queue, got = manager(url), []

        def listen() -> None:  # as PubSubManager._thread reads them: bytes of JSON, or a dict
            got.extend(m if isinstance(m, dict) else json.loads(m) for m in queue._listen())

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        started.append((queue, thread))
        deadline = time.monotonic() + 5
        while queue.subscriber is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert queue.subscriber is not None
        return queue, got

    yield start
    for queue, thread in started:
        queue.close()
        thread.join(5)
        assert not thread.is_alive(), "the listener did not stop"


def emit(room, n: int) -> dict:
    return {"method": "emit", "event": "entry", "data": [{"n": n}], "room": room, "namespace": "/live"}


def numbers(got: list[dict], count: int) -> list[int]:
    deadline = time.monotonic() + 5
    while len(got) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # and nothing more arrives
    return [m["data"][0]["n"] for m in got]


def test_a_process_receives_a_meeting_only_while_it_follows_it_and_never_its_own(redis_url, listening):  # noqa: F811
    follower, got = listening(redis_url)
    sender = manager(redis_url)
    follower.follow("7")  # returns once Redis has confirmed the subscription
    assert follower.followed["7"].is_set()
    sender._send([emit("screen:7", 1), emit("screen:8", 2), emit("x8Kq2Vn5bTz1aQ", 3)])
    follower._send([emit("screen:7", 4)])  # its own: dropped on the prefix, not decoded
    sender._send([emit(broadcast.rooms_for_table(7, 2), 5)])
    assert numbers(got, 3) == [1, 3, 5]
    # no client of meeting 7 here (no rooms): idle at the first sweep, unsubscribed at the second
    assert follower.sweep() == []
    assert follower.sweep() == ["7"]
    sender._send([emit("screen:7", 6), emit(None, 7)])
    assert numbers(got, 4) == [1, 3, 5, 7]


def test_redis_on_a_unix_socket_is_a_queue_by_meeting_too(redis_url, tmp_path, listening):  # noqa: F811
    """``SOCKETIO_MESSAGE_QUEUE=unix:///run/redis/redis.sock`` (redis-py's form for a socket):
    the app's own manager, and a followed meeting's messages arrive through the socket."""
    url = f"unix://{tmp_path / 'redis.sock'}?db=0"
    assert isinstance(queue_manager(url)["client_manager"], PipelinedRedisManager)
    assert isinstance(queue_manager(redis_url)["client_manager"], PipelinedRedisManager)
    assert queue_manager("amqp://guest@localhost//") == {}  # Flask-SocketIO's own (kombu)
    follower, got = listening(url)
    follower.follow("7")
    manager(url)._send([emit("screen:7", 1), emit("screen:8", 2)])
    assert numbers(got, 1) == [1]
    assert follower.subscriber_client.connection_pool.connection_kwargs["path"] == str(
        tmp_path / "redis.sock"
    )


def test_a_meeting_with_a_client_here_stays_followed(redis_url, listening):  # noqa: F811
    follower, _ = listening(redis_url)
    follower.follow("7")
    follower.rooms = {"/live": {None: {"sid1": "eio1"}, "screen:7": {"sid1": "eio1"}}}
    assert follower.sweep() == [] and follower.sweep() == []
    assert set(follower.followed) == {"7"}


def test_plain_json_from_a_write_only_manager_is_read(redis_url, listening):  # noqa: F811
    _, got = listening(redis_url)
    redis.Redis.from_url(redis_url).publish("flask-socketio", json.dumps(emit(None, 9)))
    assert numbers(got, 1) == [9]


def test_a_meeting_goes_quiet_when_redis_counts_no_other_listener_unless_announced_meanwhile():
    queue = manager("redis://127.0.0.1:1/0")
    sent = [
        ("flask-socketio:7", b""),
        ("flask-socketio:8", b""),
        ("flask-socketio:9", b""),
        ("flask-socketio", b""),
    ]
    queue.subscribed["8"] = threading.Event()
    queue.subscribed["8"].set()  # this process follows 8: Redis counts it too
    queue.announced["9"] = 1  # another process announced 9 after the publish left
    queue.hush(sent, [0, 1, 0, 0], {})
    assert queue.quiet == {"7", "8"}
    queue.on_control({"method": "follow", "meeting": "7", "host_id": "other"})
    assert queue.quiet == {"8"}  # published again from now on
    queue.hush([("flask-socketio:8", b"")], [2], {})
    assert queue.quiet == set()  # someone else listens after all


def test_a_follow_redis_is_slow_to_confirm_is_announced_all_the_same(redis_url, listening):  # noqa: F811
    """Left unannounced, the meeting would stay quiet at the other processes, whose changes
    to it would then never reach this one's clients (until the sweeper announced it again)."""
    other, _ = listening(redis_url)
    other.quiet.add("7")  # its last publish to meeting 7 reached nobody
    slow = manager(redis_url)  # no listener yet: nobody confirms its subscription
    slow.follow("7")
    deadline = time.monotonic() + 5
    while "7" in other.quiet and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "7" not in other.quiet


def test_the_listening_connection_stays_subscribed_once_the_client_that_made_it_is_collected(
    redis_url,  # noqa: F811
):
    """redis-py closes a client's connection pool when the client is collected, and with it the
    connection of a PubSub made from it. The listener then connected again by itself, while a
    connect handler subscribed on the same connection: one of the two failed, and for a second or
    more the process followed nothing (tests/test_scale_out.py lost an entry about once in ten)."""
    queue = manager(redis_url)
    queue.follow("7")  # before the listener connects: subscribed with everything else
    queue._subscribe_all()  # as the listener starts, and after every reconnect
    admin = redis.Redis.from_url(redis_url)
    assert admin.pubsub_numsub("flask-socketio", "flask-socketio:7") == [
        (b"flask-socketio", 1),
        (b"flask-socketio:7", 1),
    ]
    # a reconnect closes the connection it replaces: one subscription each, not two
    queue._subscribe_all()
    assert admin.pubsub_numsub("flask-socketio", "flask-socketio:7") == [
        (b"flask-socketio", 1),
        (b"flask-socketio:7", 1),
    ]
    assert len(admin.client_list(_type="pubsub")) == 1


def test_after_a_lost_connection_the_clients_of_followed_meetings_here_fetch_a_fresh_snapshot(
    redis_url,  # noqa: F811
    listening,
):
    follower, _ = listening(redis_url)
    asked: list[tuple] = []
    follower.emit = lambda event, data, namespace=None, room=None, **kw: asked.append(  # type: ignore[method-assign]
        (event, data, namespace, room, kw.get("ignore_queue"))
    )
    follower.follow("7")
    follower.follow("8")
    follower.rooms = {"/live": {None: {"sid1": "eio1"}, "screen:7": {"sid1": "eio1"}}}  # a client of 7 here
    admin = redis.Redis.from_url(redis_url)
    assert admin.client_kill_filter(_type="pubsub") == 1
    deadline = time.monotonic() + 10
    while not asked and time.monotonic() < deadline:
        time.sleep(0.01)
    # only meeting 7's clients (8 has none here), only here (not published), once subscribed again
    assert asked == [("refresh", {"reason": "queue"}, "/live", "meeting:7", True)]
    channels = admin.pubsub_numsub("flask-socketio", "flask-socketio:7", "flask-socketio:8")
    assert channels == [(b"flask-socketio", 1), (b"flask-socketio:7", 1), (b"flask-socketio:8", 1)]
    time.sleep(0.2)
    assert len(asked) == 1
