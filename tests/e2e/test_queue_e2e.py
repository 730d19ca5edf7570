"""A screen page on the second of two server processes, in a real browser, while that process is
cut off from Redis for a moment: what the first process published meanwhile never reached the
second (Redis keeps no history), and still shows on the screen — the second asks its pages for a
fresh snapshot (`refresh`, reason `queue`) once it listens again (facilitator/messagequeue.py)."""

from __future__ import annotations

import pytest
import redis
from playwright.sync_api import expect

from ..test_scale_out import connected, entry, redis_url, two_processes  # noqa: F401 - the fixture
from .screen_support import FULL_HD, live

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
expect.set_options(timeout=15_000)


def test_a_screen_shows_what_was_published_while_its_process_was_cut_off_from_redis(
    live_server,
    postgres,
    redis_url,  # noqa: F811
    person,
):
    first, second, links = two_processes(live_server, postgres, redis_url)
    writer = connected(first.url, links["tables"]["2"]["rapporteur"]["token"])
    screen = live(person(FULL_HD).open(links["screen"]["url"].replace(first.url, second.url)))
    tile = screen.locator("#tile-2")

    assert writer.call("entry:add", entry("Voor de onderbreking"), timeout=10)["ok"]
    expect(tile).to_contain_text("Voor de onderbreking")  # through Redis, live

    queue = redis.Redis.from_url(redis_url)
    assert queue.client_kill_filter(_type="pubsub") == 2  # both processes' listening connections
    assert writer.call("entry:add", entry("Terwijl Redis weg was"), timeout=10)["ok"]
    expect(tile).to_contain_text("Terwijl Redis weg was")
    live(screen)  # connected again after its fresh snapshot

    assert writer.call("entry:add", entry("En daarna weer live"), timeout=10)["ok"]
    expect(tile).to_contain_text("En daarna weer live")
    expect(tile).to_contain_text("Voor de onderbreking")
    writer.disconnect()
