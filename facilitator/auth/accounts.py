"""The administrator's accounts page: who may sign in, as what; switch an account off or on,
give it a new password. Every change is in the audit trail."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import operations
from ..audit.trail import record
from ..extensions import db
from ..models import User, utcnow
from . import signin_settings
from .forms import AccountChangeForm, NewAccountForm, SigninForm
from .routes import admin_required, current_user

bp = Blueprint("accounts", __name__, url_prefix="/secretariaat/accounts")


def _page(form: NewAccountForm, status: int = 200):
    users = db.session.execute(select(User).order_by(func.lower(User.name))).scalars().all()
    return render_template(
        "secretariat/accounts.html",
        users=users,
        form=form,
        change_form=AccountChangeForm(),
        me=current_user(),
        signin_form=SigninForm(formdata=None, data={"local_login": signin_settings.local_login_enabled()}),
        signin={
            "organisation": signin_settings.organisation_configured(),
            "by_server": signin_settings.local_login_by_server(),
        },
    ), status


@bp.post("/inloggen")
@admin_required
def signin_setting():
    """Switch signing in with a local name and password on or off (off: only the organisation's)."""
    form = SigninForm()
    if not form.validate_on_submit():
        abort(400)
    wanted = bool(form.local_login.data)
    if not wanted and not signin_settings.organisation_configured():
        flash(_("Zonder inloggen via de organisatie kan dan niemand meer inloggen; het blijft aan."), "error")
        return redirect(url_for(".accounts"), code=303)
    signin_settings.set_local_login(wanted)
    record("signin_settings_changed", local_login=wanted)
    if wanted:
        flash(_("Inloggen met naam en wachtwoord staat nu aan."), "success")
    else:
        flash(_("Inloggen met naam en wachtwoord staat nu uit: alleen via de organisatie."), "success")
    return redirect(url_for(".accounts"), code=303)


def _active_admins() -> int:
    return db.session.execute(
        select(func.count(User.id)).where(User.role == "administrator", User.disabled_at.is_(None))
    ).scalar_one()


@bp.get("/")
@admin_required
def accounts():
    """Every account, with its role and state; a form for a new one."""
    return _page(NewAccountForm())


@bp.post("/")
@admin_required
def create_account():
    """Create an account (the administrator gives the person its first password)."""
    form = NewAccountForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        user = operations.create_user(
            form.name.data or "", form.password.data or "", form.role.data or "secretariat"
        )
    except ValueError:
        form.name.errors = [_("Er bestaat al een account met deze naam, of de naam is leeg.")]
        return _page(form, 400)
    record("account_created", account=user.name, role=user.role)
    flash(_("Account „%(name)s” aangemaakt.", name=user.name), "success")
    return redirect(url_for(".accounts"), code=303)


@bp.post("/<int:user_id>")
@admin_required
def change_account(user_id: int):
    """Change one account; the last administrator that can sign in stays one."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = AccountChangeForm()
    if not form.validate_on_submit():
        abort(400)
    change = form.change.data
    detail: dict[str, Any]
    last_admin = user.is_admin and user.disabled_at is None and _active_admins() == 1
    if change == "role":
        if form.role.data not in ("administrator", "secretariat"):
            abort(400)
        if last_admin and form.role.data != "administrator":
            flash(_("„%(name)s” is de laatste beheerder en blijft dat.", name=user.name), "error")
            return redirect(url_for(".accounts"), code=303)
        user.role = form.role.data
        detail = {"role": user.role}
    elif change == "disable":
        if last_admin:
            flash(
                _("„%(name)s” is de laatste beheerder en kan niet worden uitgeschakeld.", name=user.name),
                "error",
            )
            return redirect(url_for(".accounts"), code=303)
        user.disabled_at = user.disabled_at or utcnow()
        detail = {"disabled": True}
    elif change == "enable":
        user.disabled_at = None
        detail = {"disabled": False}
    else:  # password
        if not form.password.data:
            flash(_("Vul een nieuw wachtwoord in van ten minste 10 tekens."), "error")
            return redirect(url_for(".accounts"), code=303)
        user.set_password(form.password.data)
        detail = {"password": "new"}
    db.session.commit()
    record("account_changed", account=user.name, **detail)
    flash(_("Account „%(name)s” bijgewerkt.", name=user.name), "success")
    return redirect(url_for(".accounts"), code=303)
