"""Join-link tokens: resolve a token to exactly one role on one table or meeting."""

from __future__ import annotations

from flask import abort

from .models import AccessToken


def token_or_404(token: str, role: str) -> AccessToken:
    """The active token for this role, or a 404 page (unknown, revoked, or another role's)."""
    row = AccessToken.lookup(token)
    if row is None or row.role != role:
        abort(404)
    return row
