"""Two-step login for local accounts: TOTP (RFC 6238, pyotp) with one-time recovery codes.

Enrolment (logged in): a fresh secret is shown as a QR code and as text; the first code
confirms it, and only then is it stored, with ten recovery codes shown once (only their
SHA-256 is kept: they are 50 random bits each, so a slow hash adds nothing). After that the
password login asks for a 6-digit code, or a recovery code (used up), on a second page.

A code is accepted one 30-second step either side of now, and never for a step at or before
the last one accepted (a code seen over a shoulder cannot be used again). A wrong code counts
as a failed login for the same throttle as a wrong password, and the throttle's count for this
client is reset only once the code is right: a known password gives no fresh tries.
Organisation accounts (OIDC) have their own provider's multi-factor and no enrolment here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

import pyotp
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import delete, or_, update
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..audit.trail import record
from ..extensions import db
from ..models import LoginFailure, User
from ..qr import qr_svg
from .routes import (
    PENDING_KEY,
    PENDING_SECONDS,
    _failure_keys,
    _locked,
    _record_failure,
    current_user,
    login_required,
    sign_in,
)

bp = Blueprint("totp", __name__, url_prefix="/secretariaat")

ENROL_KEY = "totp_enrol"
STEP = 30
RECOVERY_CODES = 10
ISSUER_NAME = "Facilitator"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt


class CodeForm(FlaskForm):
    """One code: six digits from the app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Vul de code in.")), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"},
    )


@bp.after_request
def _no_store(response: Any) -> Any:
    """The key, its QR code and the recovery codes are never kept in a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


# -- codes ---------------------------------------------------------------------------------------


def _digits(raw: str) -> str | None:
    code = "".join(raw.split())
    return code if len(code) == 6 and code.isascii() and code.isdigit() else None


def accept_code(user: User, raw: str, secret: str | None = None, now: float | None = None) -> bool:
    """Whether ``raw`` is this step's code (±1 step) and newer than the last accepted; if so, mark it used.

    The mark is one UPDATE that only succeeds while the stored step is older, so two requests
    with the same code at the same moment cannot both be accepted.
    """
    code = _digits(raw)
    secret = secret or user.totp_secret
    if code is None or not secret:
        return False
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP)
    for step in (current - 1, current, current + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP), code):
            done = db.session.execute(
                update(User)
                .where(User.id == user.id)
                .where(or_(User.totp_last_step.is_(None), User.totp_last_step < step))
                .values(totp_last_step=step)
            )
            db.session.commit()
            db.session.refresh(user)
            return bool(getattr(done, "rowcount", 0) == 1)
    return False


def _normalise_recovery(raw: str) -> str:
    return "".join(ch for ch in raw.lower() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise_recovery(code).encode()).hexdigest()


def new_recovery_codes() -> list[str]:
    """Ten codes of ten characters (about 50 bits each), shown as ``abcde-fghjk``."""
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _i in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def use_recovery_code(user: User, raw: str) -> bool:
    """Whether ``raw`` is one of the unused recovery codes; if so it is used up."""
    if len(_normalise_recovery(raw)) != 10 or not user.totp_recovery:
        return False
    wanted = _hash(raw)
    remaining = [stored for stored in user.totp_recovery if not hmac.compare_digest(stored, wanted)]
    if len(remaining) == len(user.totp_recovery):
        return False
    user.totp_recovery = remaining
    db.session.commit()
    return True


def _failure_sentence() -> str:
    return _("De code klopt niet of is al gebruikt. Probeer de volgende code uit de app.")


def _locked_sentence() -> str:
    minutes = max(1, -(-current_app.config["LOGIN_LOCK_SECONDS"] // 60))
    return _("Te veel mislukte pogingen. Probeer het over %(minutes)s minuten opnieuw.", minutes=minutes)


# -- the second step of the password login -------------------------------------------------------


def _pending_user() -> tuple[User | None, dict[str, Any]]:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None, {}
    user_id = pending.get("user_id")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return (user if user is not None and user.totp_secret else None), pending


@bp.route("/inloggen/code", methods=["GET", "POST"])
def code():
    """The second step: the code from the app, or a recovery code."""
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Log eerst in met uw naam en wachtwoord."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        keys = _failure_keys(user.name)
        raw = form.code.data or ""
        if _locked(keys):
            form.code.errors.append(_locked_sentence())
            record("signin_failed", actor=user.name, reason="locked", step="code")
            status = 429
        elif accept_code(user, raw) or (_digits(raw) is None and use_recovery_code(user, raw)):
            db.session.execute(delete(LoginFailure).where(LoginFailure.key == keys[0]))
            db.session.commit()
            method = "password+totp" if _digits(raw) else "password+recovery"
            return sign_in(user, pending.get("next") or None, method=method)
        else:
            _record_failure(keys)
            record("signin_failed", actor=user.name, reason="code")
            form.code.errors.append(_failure_sentence())
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/code.html", form=form), status


# -- enrolment and switching off (logged in) -----------------------------------------------------


def _uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.name, issuer_name=ISSUER_NAME)


@bp.route("/tweestapsverificatie", methods=["GET", "POST"])
@login_required
def enrol():
    """Turn two-step login on: scan, confirm with a code, keep the recovery codes."""
    user = current_user()
    assert user is not None
    form = CodeForm()
    if user.oidc_subject is not None:
        return render_template("auth/totp.html", form=form, organisation=True)
    if user.totp_secret:
        return render_template("auth/totp.html", form=form, enrolled=True, left=len(user.totp_recovery or []))
    secret = session.get(ENROL_KEY)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
        session[ENROL_KEY] = secret
    status = 200
    if form.validate_on_submit():
        if accept_code(user, form.code.data or "", secret=secret):
            codes = new_recovery_codes()
            user.totp_secret = secret
            user.totp_recovery = [_hash(each) for each in codes]
            db.session.commit()
            session.pop(ENROL_KEY, None)
            record("totp_enabled")
            return render_template("auth/totp.html", form=form, codes=codes)
        form.code.errors.append(_failure_sentence())
        status = 400
    elif request.method == "POST":
        status = 400
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    qr = qr_svg(_uri(user, secret), _("QR-code voor uw authenticator-app"))
    return render_template("auth/totp.html", form=form, qr=qr, secret=grouped), status


@bp.post("/tweestapsverificatie/uitzetten")
@login_required
def disable():
    """Turn two-step login off, with a current code (not a recovery code)."""
    user = current_user()
    assert user is not None
    form = CodeForm()
    if not user.totp_secret:
        return redirect(url_for("totp.enrol"))
    if form.validate_on_submit() and accept_code(user, form.code.data or ""):
        user.totp_secret = None
        user.totp_last_step = None
        user.totp_recovery = None
        db.session.commit()
        record("totp_disabled")
        flash(_("Tweestapsverificatie staat uit."), "info")
        return redirect(url_for("totp.enrol"))
    form.code.errors.append(_failure_sentence())
    left = len(user.totp_recovery or [])
    return render_template("auth/totp.html", form=form, enrolled=True, left=left), 400
