"""The chair's screen: read-only for the screen link, with controls for the chair link."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..access import token_or_404

bp = Blueprint("screen", __name__)


@bp.get("/scherm/<token>")
def screen(token: str):
    """The projector view of all tables."""
    access = token_or_404(token, "screen")
    return render_template("screen/screen.html", meeting=access.meeting, token=token, chair=False)


@bp.get("/voorzitter/<token>")
def chair(token: str):
    """The projector view with the chair's controls."""
    access = token_or_404(token, "chair")
    return render_template("screen/screen.html", meeting=access.meeting, token=token, chair=True)
