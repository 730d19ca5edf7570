"""Secretariat pages: meetings, their set-up, links and exports (login required)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from ..auth.routes import login_required
from ..extensions import db
from ..models import Meeting
from .. import operations

bp = Blueprint("secretariat", __name__, url_prefix="/secretariaat")


def meeting_or_404(slug: str) -> Meeting:
    """The meeting with this slug, or a 404 page."""
    meeting = operations.get_meeting(slug)
    if meeting is None:
        abort(404)
    return meeting


@bp.get("/")
@login_required
def meetings():
    """All meetings, newest first."""
    rows = db.session.execute(select(Meeting).order_by(Meeting.date.desc(), Meeting.id.desc())).scalars().all()
    return render_template("secretariat/meetings.html", meetings=rows)


@bp.get("/vergaderingen/<slug>")
@login_required
def meeting(slug: str):
    """One meeting's overview."""
    return render_template("secretariat/meeting.html", meeting=meeting_or_404(slug))
