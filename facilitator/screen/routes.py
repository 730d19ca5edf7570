"""The chair's screen: read-only for the screen link, with controls for the chair link.

Both pages are rendered with the same snapshot the live connection sends, so that
they show the tables before the socket connects; static/js/screen.js takes over
from there (and static/js/chair.js on the chair's page).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, url_for

from ..access import current_link_redirect, token_or_404
from ..auth.routes import login_required
from ..i18n import set_page_locale
from ..live import snapshot
from ..live.protocol import NAMESPACE, SCREEN_MODES
from ..models import AccessToken
from ..rules import LIMITS, PHASES

bp = Blueprint("screen", __name__)


@bp.after_request
def no_store(response: Response) -> Response:
    """These pages carry a join token and live content: keep them out of every cache."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _page(access: AccessToken, chair: bool):
    meeting = access.meeting
    # the room reads the screen in the meeting's language, whoever opened it (?lang still wins)
    set_page_locale(meeting.language or "nl")
    page_data: dict[str, Any] = {
        "token": access.token,
        "role": access.role,
        "namespace": NAMESPACE,
        "roundMinutes": meeting.round_minutes or 40,
        "timerMaxMinutes": LIMITS["timer_minutes"],
        "phases": list(PHASES),
        "modes": list(SCREEN_MODES),
        "presenceUrl": url_for(
            "screen.chair_presence" if chair else "screen.screen_presence", token=access.token
        ),
        "presence": snapshot.presence_by_table(meeting),
        "snapshot": snapshot.snapshot(meeting, access.role, None),
    }
    return render_template(
        "screen/screen.html",
        meeting=meeting,
        chair=chair,
        page_data=page_data,
        modes=SCREEN_MODES,
        phases=PHASES,
    )


@bp.get("/scherm/<token>")
def screen(token: str):
    """The projector view of all tables (read-only: it follows the chair)."""
    return _page(token_or_404(token, "screen"), chair=False)


@bp.get("/voorzitter/<token>")
def chair(token: str):
    """The projector view with the chair's controls."""
    return _page(token_or_404(token, "chair"), chair=True)


@bp.get("/scherm/<token>/aanwezigheid")
def screen_presence(token: str):
    """Who is connected at each table, for a screen that (re)connects."""
    return jsonify({"tables": snapshot.presence_by_table(token_or_404(token, "screen").meeting)})


@bp.get("/voorzitter/<token>/aanwezigheid")
def chair_presence(token: str):
    """Who is connected at each table, for the chair's page when it (re)connects."""
    return jsonify({"tables": snapshot.presence_by_table(token_or_404(token, "chair").meeting)})


@bp.get("/secretariaat/vergaderingen/<slug>/voorzitter")
@login_required
def secretariat_chair(slug: str):
    """A logged-in secretariat member opens the chair's page of a meeting."""
    return current_link_redirect(slug, "chair", "screen.chair")
