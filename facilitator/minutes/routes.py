"""The minute-taker's page: follows the chair's report-back and types the plenary feedback per table.

No login: the meeting's "minutes" link (/notulen/<token>), listed and rotated on the links page
like the chair's. Rendered with the same snapshot the live connection sends (the minute-taker's,
with every table's feedback and its CRDT state); static/js/minutes.js takes over from there.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from ..access import current_link_redirect, token_or_404
from ..auth.routes import login_required
from ..live import snapshot
from ..live.protocol import NAMESPACE
from ..rules import LIMITS

bp = Blueprint("minutes", __name__)


@bp.after_request
def no_store(response: Response) -> Response:
    """The page carries a join token and live content: keep it out of every cache."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.get("/notulen/<token>")
def minutes(token: str):
    """The minute-taker's page."""
    access = token_or_404(token, "minutes")
    meeting = access.meeting
    page_data = {
        "token": access.token,
        "namespace": NAMESPACE,
        "limits": {"name": LIMITS["name"], "feedback": LIMITS["report"]},
        "serviceWorker": "/sw.js",  # kept for an offline reload, as the table pages are
        "snapshot": snapshot.snapshot(meeting, "minutes", None),
    }
    return render_template("minutes/minutes.html", meeting=meeting, page_data=page_data)


@bp.get("/secretariaat/vergaderingen/<slug>/notulen")
@login_required
def secretariat_minutes(slug: str):
    """A logged-in secretariat member opens the minute-taker's page of a meeting."""
    return current_link_redirect(slug, "minutes", "minutes.minutes")
