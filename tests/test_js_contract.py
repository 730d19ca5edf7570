"""The browser's copy of the live protocol (static/js/protocol.js) is generated from the server's
declaration, and the pages read names, refusal kinds, limits and the attendance rule from it."""

from __future__ import annotations

import re
from pathlib import Path

from facilitator.live import contract
from facilitator.live.actions import CLIENT_EVENTS
from facilitator.live.errors import ERROR_CODES, REFUSALS
from facilitator.rules import LIMITS, PARTICIPANT_ROLES

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "static" / "js"


def test_protocol_js_is_generated_from_the_declaration():
    js = (JS / "protocol.js").read_text(encoding="utf-8")
    assert js == contract.js_module(), (
        "stale: run python -m facilitator.live.contract > static/js/protocol.js"
    )


def test_the_contract_carries_the_declaration():
    data = contract.as_data()
    assert data["CLIENT_EVENTS"] == sorted(CLIENT_EVENTS)
    assert data["ERROR_CODES"] == list(ERROR_CODES) and data["REFUSALS"] == list(REFUSALS)
    assert data["LIMITS"] == LIMITS and data["SEATED_ROLES"] == list(PARTICIPANT_ROLES)


def test_no_page_retypes_what_the_contract_carries():
    """No module but the generated one spells out a refusal set, the attendance fields or a limit."""
    found = []
    for path in sorted(JS.glob("*.js")):
        if path.name == "protocol.js":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r'new Set\(\[\s*"(invalid|not_found|too_large)"', text):
            found.append(f"{path.name}: a refusal set")
        if re.search(r'\[\s*"participants",\s*"leader"', text) or re.search(
            r'\[\s*"leader",\s*"spokesperson"\s*\]', text
        ):
            found.append(f"{path.name}: the attendance rule")
        if re.search(r"max = 500\b", text):
            found.append(f"{path.name}: the entry limit")
    assert not found
