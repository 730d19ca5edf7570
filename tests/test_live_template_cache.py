"""The meeting's template cache of the live parsers (live/protocol.py template_of)."""

from __future__ import annotations

import pytest

from facilitator.live import protocol


def meeting(*numbers: int) -> protocol.Template:
    """A template as shared.read_template makes it: from rows."""
    return protocol.Template.of(
        [{"key": "economisch"}], [{"key": "kort"}], [{"number": n} for n in numbers], []
    )


@pytest.fixture(autouse=True)
def clean_cache():
    protocol._templates.clear()
    yield
    protocol._templates.clear()


def test_an_expired_template_is_read_by_one_handler_while_the_others_use_the_last_one(monkeypatch):
    """Under gevent the read yields to other handlers; they must not all read it again too."""
    clock = [1000.0]
    monkeypatch.setattr(protocol.time, "monotonic", lambda: clock[0])
    first = protocol.template_of(7, lambda: meeting(1, 2))
    assert first.tables == (1, 2)
    clock[0] += protocol.TEMPLATE_SECONDS + 0.1
    during = []

    def load():
        # another handler arrives while this one reads: it gets the last template, no read
        during.append(protocol.template_of(7, lambda: pytest.fail("read twice at once")))
        return meeting(1, 2, 3)

    second = protocol.template_of(7, load)
    assert during == [first]
    assert second.tables == (1, 2, 3)
    assert protocol.template_of(7, lambda: pytest.fail("read again while fresh")) is second


def test_a_failed_read_lets_the_next_handler_read_again(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(protocol.time, "monotonic", lambda: clock[0])
    protocol.template_of(7, lambda: meeting(1))
    clock[0] += protocol.TEMPLATE_SECONDS + 0.1

    def broken():
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        protocol.template_of(7, broken)
    assert protocol.template_of(7, lambda: meeting(1, 4)).tables == (1, 4)


def test_a_forgotten_template_is_read_at_once():
    protocol.template_of(7, lambda: meeting(1))
    protocol.forget_template(7)
    assert protocol.template_of(7, lambda: meeting(5)).tables == (5,)


def test_a_template_from_rows_is_what_the_meeting_says():
    from types import SimpleNamespace as Row

    rounds = [
        Row(number=1, template="bollen", visibility="own"),
        Row(number=2, template="none", visibility="all"),
    ]
    rows = [{"number": r.number, "template": r.template, "visibility": r.visibility} for r in rounds]
    of_meeting = protocol.Template(
        Row(bollen=[Row(key="b")], horizons=[Row(key="h")], tables=[Row(number=3)], rounds=rounds)
    )
    of_rows = protocol.Template.of([{"key": "b"}], [{"key": "h"}], [{"number": 3}], rows)
    for name in ("bollen", "horizons", "tables", "rounds", "shared_rounds"):
        assert getattr(of_rows, name) == getattr(of_meeting, name), name
    assert of_rows.rounds == ("bollen", "none") and of_rows.shared_rounds == frozenset({2})
