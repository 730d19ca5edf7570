"""The live protocol's contract for the browser: ``static/js/protocol.js`` is generated from here.

Event names, refusal kinds, the limits a page enforces before it sends, and the attendance
rule's data come from the one declaration (the actions' registry, errors.py, rules.py), so the
browser never re-types them: ``python -m facilitator.live.contract > static/js/protocol.js``;
tests/test_js_contract.py fails when the file is stale.
"""

from __future__ import annotations

import json
from typing import Any

from ..rules import LIMITS, PARTICIPANT_ROLES
from ..votes import MAX_DOTS, MAX_ITEMS
from .actions import CLIENT_EVENTS
from .actions.table import ATTENDANCE_ROLES
from .errors import ERROR_CODES, REFUSALS, RETRYABLE
from .shapes import SERVER_EVENTS


def as_data() -> dict[str, Any]:
    """The contract as plain data, in a stable order."""
    return {
        "CLIENT_EVENTS": sorted(CLIENT_EVENTS),
        "SERVER_EVENTS": sorted(SERVER_EVENTS),
        # refusals a person can act on (the page keeps the text and shows why), retryable
        # answers (the page sends again, with back-off), and every code
        "REFUSALS": list(REFUSALS),
        "RETRYABLE": list(RETRYABLE),
        "ERROR_CODES": list(ERROR_CODES),
        "LIMITS": {key: LIMITS[key] for key in sorted(LIMITS)},
        # table:update's fields; who must sit at the table to hold a role (rules.misplaced_roles)
        "ATTENDANCE_FIELDS": ["participants", *ATTENDANCE_ROLES],
        "SEATED_ROLES": list(PARTICIPANT_ROLES),
        # a vote's bounds (priorities): dots per device, entries on its shortlist
        "VOTE_LIMITS": {"dots": MAX_DOTS, "items": MAX_ITEMS},
    }


def js_module() -> str:
    """static/js/protocol.js."""
    lines = [
        "// Generated from facilitator/live (python -m facilitator.live.contract > static/js/protocol.js):",
        "// the live protocol's names, refusal kinds, limits and attendance rule. Do not edit.",
        "",
    ]
    for name, value in as_data().items():
        lines.append(f"export const {name} = {json.dumps(value, ensure_ascii=False)};")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(js_module(), end="")
