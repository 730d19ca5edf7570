"""Finding what a URL names, or a 404: a join-link token's role, a meeting by its slug, a role's
current link."""

from __future__ import annotations

from flask import abort, redirect, url_for
from werkzeug.wrappers import Response

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


def current_link_redirect(slug: str, role: str, endpoint: str) -> Response:
    """A redirect to the page ``endpoint`` at the role's current link of the meeting, or a 404 page
    (unknown meeting, or no active link for the role)."""
    meeting = meeting_or_404(slug)
    try:
        token = operations.active_token(meeting, role)
    except LookupError:
        abort(404)
    return redirect(url_for(endpoint, token=token.token))
