"""Health check, the front door and error pages."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from sqlalchemy import text

from ..extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    """200 once the app can serve (the database answers)."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.get("/")
def index():
    """The front door leads to the secretariat."""
    return redirect(url_for("secretariat.meetings"))


@bp.app_errorhandler(404)
def not_found(error):
    """A Dutch page for an unknown address or an unknown/revoked link."""
    return render_template("errors/error.html", code=404), 404


@bp.app_errorhandler(403)
def forbidden(error):
    """A Dutch page for a refused request."""
    return render_template("errors/error.html", code=403), 403


@bp.app_errorhandler(400)
def bad_request(error):
    """A Dutch page for a malformed request (including a missing CSRF token)."""
    return render_template("errors/error.html", code=400), 400


@bp.app_errorhandler(413)
def too_large(error):
    """A Dutch page for an upload over the limit."""
    return render_template("errors/error.html", code=413), 413
