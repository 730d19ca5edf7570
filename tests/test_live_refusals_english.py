"""Every refusal of the live protocol is said in the connection's language: an English page is
refused in English, whatever the reason (issue: refusals through the catalogue)."""

from __future__ import annotations

import ast
import base64
from pathlib import Path

import pytest
from pycrdt import Doc, Text

from facilitator.live.errors import ERROR_CODES
from tests.i18n_check import dutch_in
from tests.test_live_protocol import add_payload, send, uid

LIVE = Path(__file__).resolve().parent.parent / "facilitator" / "live"
KEY = "device-english-" + "3" * 20


@pytest.fixture
def english(connect):
    """Factory: a test client on /live whose page is English (as ?lang=en sets it)."""
    return lambda role, table=1, author=None: connect(role, table, author, lang="en")


def _out_of_step_update() -> str:
    """A report update that builds on one the server never saw."""
    doc = Doc()
    text = doc.get("report", type=Text)
    text += "eerst"
    before = doc.get_state()
    text += " en dan"
    return base64.b64encode(doc.get_update(before)).decode()


def test_every_refusal_reads_english_on_an_english_connection(english):
    phone = english("participant", author=KEY)
    rapporteur = english("rapporteur")
    chair = english("chair")
    minutes = english("minutes")
    theirs = send(rapporteur, "entry:add", add_payload())["entry"]["id"]
    mine = send(phone, "entry:add", add_payload())["entry"]["id"]
    refusals = [
        send(phone, "entry:add", "geen object"),  # invalid: not an object
        send(phone, "entry:add", add_payload(text="")),  # invalid: no text
        send(phone, "entry:add", add_payload(bollen=["no-such-key"])),  # invalid: unknown key
        send(phone, "entry:add", add_payload(id=mine)),  # invalid: the id exists
        send(phone, "entry:add", add_payload(text="x" * 501)),  # too_large
        send(phone, "entry:update", {"op": uid(), "id": mine}),  # invalid: nothing to change
        send(phone, "entry:update", {"op": uid(), "id": theirs, "text": "Anders"}),  # forbidden: not theirs
        send(phone, "entry:delete", {"op": uid(), "id": uid()}),  # not_found
        send(phone, "entry:restore", {"op": uid(), "id": mine}),  # not_found: not deleted
        send(phone, "chair:phase", {"op": uid(), "phase": "closed"}),  # forbidden: not the chair
        send(rapporteur, "report:update", {"op": uid(), "update": "bm9n"}),  # invalid: unreadable
        send(rapporteur, "report:update", {"op": uid(), "update": _out_of_step_update()}),  # out_of_sync
        send(rapporteur, "table:update", {"op": uid(), "leader": "Iemand Anders"}),  # invalid: not seated
        send(rapporteur, "table:update", {"op": uid()}),  # invalid: nothing to change
        send(chair, "chair:timer", {"op": uid(), "action": "pause"}),  # invalid: no timer
        send(chair, "chair:view", {"op": uid(), "mode": "overview", "current": 999}),  # invalid table
        send(minutes, "feedback:spokesperson", {"op": uid(), "table": 1}),  # invalid: no name key
        send(minutes, "feedback:spokesperson", {"op": uid(), "table": 1, "name": "n" * 121}),  # too_large
        send(minutes, "feedback:update", {"op": uid(), "table": 1, "update": "bm9n"}),  # invalid
        send(minutes, "sync", {}),  # invalid: no since
    ]
    assert send(chair, "chair:phase", {"op": uid(), "phase": "closed"})["ok"]
    refusals.append(send(phone, "entry:add", add_payload()))  # closed
    refusals += [send(phone, "presence:hello", {"name": "x"}) for _ in range(100)]  # rate_limited
    refused = [ack for ack in refusals if not ack["ok"]]
    codes = {ack["error"] for ack in refused}
    assert codes >= set(ERROR_CODES) - {"unavailable"}, codes
    for ack in refused:
        assert ack["message"] and not dutch_in([ack["message"]], []), ack


def test_the_same_refusal_reads_dutch_on_a_dutch_connection(connect):
    phone = connect("participant")
    ack = send(phone, "entry:update", {"op": uid(), "id": uid()})
    assert ack["error"] == "invalid" and ack["message"] == "Er is niets om te wijzigen."


def _message_arguments(tree: ast.AST):
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "ProtocolError"
            and len(node.args) > 1
        ):
            yield node, node.args[1]


def test_no_refusal_in_live_is_a_plain_string():
    """A refusal's sentence is a lazy catalogue string (or a table of them), never plain text."""
    plain = []
    for path in sorted(LIVE.rglob("*.py")):
        for call, message in _message_arguments(ast.parse(path.read_text())):
            lazy = isinstance(message, ast.Call) and getattr(message.func, "id", None) == "_l"
            looked_up = isinstance(message, ast.Subscript)  # e.g. kind.messages["plain"], declared with _l
            if not (lazy or looked_up):
                plain.append(f"{path.relative_to(LIVE)}:{call.lineno}: {ast.unparse(message)[:60]}")
    assert not plain, plain
