"""Secretariat login and logout, with throttled failures."""

from __future__ import annotations

import functools
import re
import time
from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit

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
from werkzeug.wrappers.response import Response

from ..audit.trail import record
from ..extensions import db
from ..models import LoginFailure, User, utcnow
from .forms import LoginForm
from .signin_settings import local_login_enabled

bp = Blueprint("auth", __name__, url_prefix="/secretariaat")

# checked when the name is unknown, so that a wrong name takes as long as a wrong password
_DUMMY_HASH = generate_password_hash("no account has this password")


def current_user() -> User | None:
    """The logged-in account, or None (also for an account switched off since it logged in)."""
    if "user" not in g:
        user_id = session.get("user_id")
        user = db.session.get(User, user_id) if isinstance(user_id, int) else None
        g.user = user if user is not None and user.disabled_at is None else None
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


def admin_required(view):
    """Like login_required, and refuse (403, in the page's language) a member who is no administrator."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        user = current_user()
        if user is None or not user.is_admin:
            message = _("Alleen een beheerder mag dit. Vraag een beheerder van uw organisatie.")
            return render_template("errors/error.html", code=403, message=message), 403
        return view(*args, **kwargs)

    return wrapped


def _client_address() -> str:
    """The client's address: REMOTE_ADDR, which ProxyFix sets from X-Forwarded-For only
    when TRUSTED_PROXIES says how many proxies stand in front (see app._trusted_proxies)."""
    return (request.remote_addr or "?")[:64]


def _failure_keys(name: str) -> tuple[str, str]:
    """(this client's key for the account, the account's key across all clients)."""
    # normalised as the account lookup is, so "Naam " and "naam" share one count
    account = name.strip().lower()[:80]
    return f"pair:{_client_address()}|{account}", f"name:{account}"


def _as_aware(moment: datetime, now: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)


def _locked(keys: tuple[str, str]) -> bool:
    """Whether this client may not try this account now.

    Two limits, as the OWASP guidance has it: a quick one per (account, client address)
    pair, and a slower one per account across all addresses. The account limit refuses
    only clients that have failed on this account lately: a person at another address with
    no failures still logs in with the right password, so an attacker cannot lock them out.
    """
    config = current_app.config
    now = utcnow()
    rows = {
        row.key: row
        for row in db.session.execute(select(LoginFailure).where(LoginFailure.key.in_(keys))).scalars()
    }
    pair, account = rows.get(keys[0]), rows.get(keys[1])
    pair_window = timedelta(seconds=config["LOGIN_LOCK_SECONDS"])
    if (
        pair
        and pair.count >= config["LOGIN_MAX_FAILURES"]
        and now - _as_aware(pair.last_at, now) < pair_window
    ):
        return True
    account_window = timedelta(seconds=config["LOGIN_ACCOUNT_WINDOW_SECONDS"])
    return bool(
        account
        and account.count >= config["LOGIN_ACCOUNT_MAX_FAILURES"]
        and now - _as_aware(account.last_at, now) < account_window
        and pair
        and now - _as_aware(pair.last_at, now) < account_window
    )


def _record_failure(keys: tuple[str, str]) -> None:
    config = current_app.config
    windows = {
        keys[0]: timedelta(seconds=config["LOGIN_LOCK_SECONDS"]),
        keys[1]: timedelta(seconds=config["LOGIN_ACCOUNT_WINDOW_SECONDS"]),
    }
    for attempt in range(3):
        now = utcnow()
        for key, window in windows.items():
            row = db.session.get(LoginFailure, key)
            if row is None:
                db.session.add(LoginFailure(key=key, count=1, last_at=now))
                continue
            row.count = 1 if now - _as_aware(row.last_at, now) >= window else row.count + 1
            row.last_at = now
        try:
            db.session.commit()
            return
        except IntegrityError:
            # another process recorded the first failure for this key at the same moment
            db.session.rollback()
            if attempt == 2:
                raise


# Only these characters may appear in a place to return to: an ASCII path and query
# (RFC 3986), so no control character, space, backslash or look-alike can be reinterpreted
# by a browser (which drops tabs and newlines and reads "\" as "/").
_LOCAL_TARGET = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]*")


def _safe_next(target: str | None) -> str:
    """Only a same-site path may be the place to return to after login; anything else goes home."""
    home = url_for("secretariat.meetings")
    if not target or len(target) > 2000 or not _LOCAL_TARGET.fullmatch(target):
        return home
    # decoded as a server or proxy further on might decode it: still a plain local path?
    decoded = target
    for _round in range(3):
        decoded = unquote(decoded)
    if decoded.startswith(("//", "/\\")) or any(
        ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in decoded
    ):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return home
    return target


def sign_in(user: User, target: str | None, method: str = "password") -> Response:
    """Start ``user``'s session (a fresh one: nothing of the anonymous one is kept) and go on."""
    session.clear()
    session["user_id"] = user.id
    session.permanent = True
    g.user = user
    record("signin", user=user, method=method)
    return redirect(_safe_next(target))


# the second step of a password login with TOTP: who gave the right password, until when
PENDING_KEY = "totp_pending"
PENDING_SECONDS = 300


def ask_for_code(user: User, target: str | None) -> Response:
    """After the right password of an account with two-step login: remember who, ask the code."""
    session.clear()
    session[PENDING_KEY] = {"user_id": user.id, "next": target or "", "at": int(time.time())}
    return redirect(url_for("totp.code"))


def render_login(form: LoginForm, status: int = 200) -> tuple[str, int]:
    """The login page: the organisation's button when OIDC is set, the local form unless switched off."""
    config = current_app.config
    organisation = None
    if config.get("OIDC_ISSUER"):
        target = request.args.get("next")
        organisation = {
            "url": url_for("oidc.start", next=target) if target else url_for("oidc.start"),
            "label": config.get("OIDC_LABEL") or _("Inloggen via uw organisatie"),
        }
    local = local_login_enabled()
    return render_template("auth/login.html", form=form, organisation=organisation, local=local), status


@bp.route("/inloggen", methods=["GET", "POST"])
def login():
    """Log a secretariat member in."""
    form = LoginForm()
    status = 200
    if request.method == "POST" and not local_login_enabled():
        flash(_("Inloggen met naam en wachtwoord staat uit. Log in via uw organisatie."), "error")
        return render_login(form, 403)
    if form.validate_on_submit():
        keys = _failure_keys(form.name.data)
        if _locked(keys):
            minutes = max(1, -(-current_app.config["LOGIN_LOCK_SECONDS"] // 60))
            form.password.errors.append(
                _("Te veel mislukte pogingen. Probeer het over %(minutes)s minuten opnieuw.", minutes=minutes)
            )
            status = 429
            record("signin_failed", actor=form.name.data.strip()[:80], reason="locked")
        else:
            user = db.session.execute(
                select(User).where(func.lower(User.name) == form.name.data.strip().lower())
            ).scalar_one_or_none()
            if user is None:
                check_password_hash(_DUMMY_HASH, form.password.data)  # as long as a wrong password takes
                right = False
            else:
                right = user.check_password(form.password.data)
            if user is not None and right and user.disabled_at is not None:
                record("signin_failed", actor=user.name, reason="disabled")
                form.password.errors.append(
                    _("Dit account is uitgeschakeld. Vraag een beheerder om het weer aan te zetten.")
                )
                return render_login(form, 403)
            if user is not None and right and user.totp_secret:
                # the code is asked next (auth/totp.py); the count is reset only once it is right
                return ask_for_code(user, request.args.get("next"))
            if user is not None and right:
                # this client's count starts again; the account's count does not, so a
                # success in between does not give an attacker elsewhere fresh tries
                for row in db.session.execute(
                    select(LoginFailure).where(LoginFailure.key == keys[0])
                ).scalars():
                    db.session.delete(row)
                db.session.commit()
                return sign_in(user, request.args.get("next"))
            _record_failure(keys)
            record("signin_failed", actor=form.name.data.strip()[:80])
            form.password.errors.append(_("Naam of wachtwoord klopt niet."))
            status = 401
    elif request.method == "POST":
        status = 400
    return render_login(form, status)


@bp.post("/uitloggen")
@login_required
def logout():
    """Log out."""
    record("signout")
    session.clear()
    flash(_("U bent uitgelogd."), "info")
    return redirect(url_for("auth.login"))
