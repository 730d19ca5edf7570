"""Secretariat login and logout, with throttled failures."""

from __future__ import annotations

import functools
from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import LoginFailure, User, utcnow
from .forms import LoginForm

bp = Blueprint("auth", __name__, url_prefix="/secretariaat")

# checked when the name is unknown, so that a wrong name takes as long as a wrong password
_DUMMY_HASH = generate_password_hash("no account has this password")


def current_user() -> User | None:
    """The logged-in secretariat account, or None."""
    if "user" not in g:
        user_id = session.get("user_id")
        g.user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return g.user


def login_required(view):
    """Send an anonymous caller to the login page (every secretariat page uses this)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            if request.method != "GET":
                return render_template("errors/error.html", code=403), 403
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


def _failure_keys(name: str) -> list[str]:
    # normalised as the account lookup is, so "Naam " and "naam" share one count
    return [f"name:{name.strip().lower()[:80]}", f"addr:{request.remote_addr or '?'}"]


def _locked(keys: list[str]) -> bool:
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    window = timedelta(seconds=current_app.config["LOGIN_LOCK_SECONDS"])
    now = utcnow()
    for row in db.session.execute(select(LoginFailure).where(LoginFailure.key.in_(keys))).scalars():
        last = row.last_at if row.last_at.tzinfo else row.last_at.replace(tzinfo=now.tzinfo)
        # the address key allows more tries: several people may share a venue's NAT
        allowed = limit * (4 if row.key.startswith("addr:") else 1)
        if row.count >= allowed and now - last < window:
            return True
    return False


def _record_failure(keys: list[str]) -> None:
    window = timedelta(seconds=current_app.config["LOGIN_LOCK_SECONDS"])
    for attempt in range(3):
        now = utcnow()
        for key in keys:
            row = db.session.get(LoginFailure, key)
            if row is None:
                db.session.add(LoginFailure(key=key, count=1, last_at=now))
                continue
            last = row.last_at if row.last_at.tzinfo else row.last_at.replace(tzinfo=now.tzinfo)
            row.count = 1 if now - last >= window else row.count + 1
            row.last_at = now
        try:
            db.session.commit()
            return
        except IntegrityError:
            # another process recorded the first failure for this key at the same moment
            db.session.rollback()
            if attempt == 2:
                raise


def _safe_next(target: str | None) -> str:
    """Only a local path may be the place to return to after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("secretariat.meetings")


@bp.route("/inloggen", methods=["GET", "POST"])
def login():
    """Log a secretariat member in."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        keys = _failure_keys(form.name.data)
        if _locked(keys):
            minutes = max(1, -(-current_app.config["LOGIN_LOCK_SECONDS"] // 60))
            form.password.errors.append(
                _("Te veel mislukte pogingen. Probeer het over %(minutes)s minuten opnieuw.", minutes=minutes)
            )
            status = 429
        else:
            user = db.session.execute(
                select(User).where(func.lower(User.name) == form.name.data.strip().lower())
            ).scalar_one_or_none()
            if user is None:
                check_password_hash(_DUMMY_HASH, form.password.data)
            elif user.check_password(form.password.data):
                for row in db.session.execute(
                    select(LoginFailure).where(LoginFailure.key == keys[0])
                ).scalars():
                    db.session.delete(row)
                db.session.commit()
                session.clear()
                session["user_id"] = user.id
                session.permanent = True
                return redirect(_safe_next(request.args.get("next")))
            _record_failure(keys)
            form.password.errors.append(_("Naam of wachtwoord klopt niet."))
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/uitloggen")
@login_required
def logout():
    """Log out."""
    session.clear()
    flash(_("U bent uitgelogd."), "info")
    return redirect(url_for("auth.login"))
