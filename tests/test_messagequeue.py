"""facilitator/messagequeue.py: the Redis publishes of a server process, pipelined, in order."""

from __future__ import annotations

import json
import time

import gevent
import gevent.queue
import pytest
import redis

from facilitator.messagequeue import PipelinedRedisManager

from .conftest import free_port
from .test_scale_out import redis_url  # noqa: F401 - the fixture


def received(pubsub, count: int, seconds: float = 5.0) -> list[dict]:
    out, deadline = [], time.monotonic() + seconds
    while len(out) < count and time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message and message["type"] == "message":
            out.append(json.loads(message["data"]))
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
