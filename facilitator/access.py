"""Finding what a URL names, or a 404: a join-link token's role, a meeting by its slug."""

from __future__ import annotations

from flask import abort

from . import operations
from .models import AccessToken, Meeting


def token_or_404(token: str, role: str) -> AccessToken:
    """The active token for this role, or a 404 page (unknown, revoked, or another role's)."""
    row = AccessToken.lookup(token)
    if row is None or row.role != role:
        abort(404)
    operations.mark_used(row)
    return row


def meeting_or_404(slug: str) -> Meeting:
    """The meeting with this slug, or a 404 page."""
    meeting = operations.get_meeting(slug)
    if meeting is None:
        abort(404)
    return meeting
