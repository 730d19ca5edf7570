"""Every join link of a meeting as plain rows for the links page and the table cards."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from .. import operations
from ..models import Meeting
from ..rules import MEETING_ROLES, TABLE_ROLES

# the link's role as the rotate URL names it: the Dutch word of its page's path (/verslag/<token>: verslag)
ROLE_SLUGS = {role: path.strip("/") for role, path in operations.ROLE_PATHS.items()}
SLUG_ROLES = {slug: role for role, slug in ROLE_SLUGS.items()}


def _describe(role: str, number: int | None) -> tuple[str, str]:
    """A link's name and what it is for."""
    if role == "screen":
        return _("Scherm"), _("Voor de beamer: alle tafels live, alleen kijken.")
    if role == "chair":
        return _("Voorzitter"), _("Het scherm met de bediening: terugkoppeling, timer en inbreng sluiten.")
    if role == "minutes":
        return _("Notulist"), _(
            "Voor het secretariaat: de plenaire terugkoppeling per tafel notuleren, de voorzitter volgend."
        )
    if role == "rapporteur":
        return (
            _("Tafel %(number)s: verslaglegger", number=number),
            _("Voor de verslaglegger: inbreng en verslag van deze tafel bijhouden."),
        )
    return (
        _("Tafel %(number)s: deelnemers", number=number),
        _("Voor de deelnemers aan deze tafel: inbreng toevoegen met de eigen telefoon."),
    )


def link_rows(
    meeting: Meeting, public_url: str, among: operations.ActiveTokens | None = None
) -> list[dict[str, Any]]:
    """One row per link: role, table, name, purpose, URL, and an id for the page anchor
    (``among``: ``operations.active_tokens(meeting)``, when the caller has it already)."""
    among = operations.active_tokens(meeting) if among is None else among
    data = operations.links(meeting, public_url, among)
    pairs: list[tuple[str, int | None, dict[str, str]]] = [
        (role, None, operations.link_pair(meeting, public_url, role, among=among)) for role in MEETING_ROLES
    ]
    for number, roles in data["tables"].items():
        for role in TABLE_ROLES:
            pairs.append((role, int(number), roles[role]))
    rows = []
    for role, number, pair in pairs:
        name, purpose = _describe(role, number)
        anchor = f"link-{ROLE_SLUGS[role]}" + (f"-{number}" if number is not None else "")
        rows.append(
            {
                "id": anchor,
                "role": role,
                "role_slug": ROLE_SLUGS[role],
                "table": number,
                "name": name,
                "purpose": purpose,
                "url": pair["url"],
            }
        )
    return rows
