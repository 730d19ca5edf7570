"""The secretariat's house style page, and the accent colour as a stylesheet for the screen."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..audit.trail import record
from ..auth.routes import admin_required
from ..models import AccessToken
from . import store
from .forms import HouseStyleForm
from .style import ACCENT_RE, DEFAULT_ACCENT

bp = Blueprint("housestyle", __name__)


@bp.route("/secretariaat/huisstijl", methods=["GET", "POST"])
@admin_required
def settings():
    """Set the organisation's name, logo, accent colour and cover page for every annex."""
    current = store.organisation_style()
    form = HouseStyleForm()
    if form.validate_on_submit():
        store.save_organisation_style(form.style(current))
        record("style_changed")
        flash(_("Huisstijl opgeslagen. Elke nieuwe bijlage gebruikt hem."), "success")
        return redirect(url_for("housestyle.settings"), code=303)
    if not form.is_submitted():
        form.fill(current)
    status = 400 if form.errors else 200
    return render_template("secretariat/house_style.html", form=form, current=current), status


@bp.get("/huisstijl/<token>.css")
def screen_css(token: str):
    """The meeting's accent colour as a CSS custom property, for the screen and chair pages.

    A stylesheet rather than an inline style: the Content-Security-Policy allows neither
    inline script nor inline style. Only a screen or chair token opens it.
    """
    access = AccessToken.lookup(token)
    if access is None or access.role not in ("screen", "chair"):
        abort(404)
    style = store.effective_style(access.meeting)
    accent = style.accent_or_default if style else DEFAULT_ACCENT
    if not ACCENT_RE.match(accent):  # stored values are validated; this keeps the CSS ours regardless
        accent = DEFAULT_ACCENT
    response = Response(f":root {{ --accent: {accent}; --accent-ink: #ffffff; }}\n", mimetype="text/css")
    response.headers["Cache-Control"] = "no-store"
    return response
