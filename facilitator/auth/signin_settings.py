"""Whether local accounts may sign in with a password: the server's LOCAL_LOGIN, and the
administrator's switch on the accounts page (kept in the database, so every process sees it).

Switched off only while the organisation's sign-in (OIDC) is set up: otherwise nobody could
sign in. `flask user local-login on` switches it back on from the command line."""

from __future__ import annotations

from flask import current_app

from ..extensions import db
from ..models import SiteSetting

KEY = "local_login"


def organisation_configured() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def local_login_by_server() -> bool:
    """What the environment allows (LOCAL_LOGIN=0 switches passwords off whatever the page says)."""
    return bool(current_app.config.get("LOCAL_LOGIN", True))


def local_login_by_administrator() -> bool:
    row = db.session.get(SiteSetting, KEY)
    return True if row is None else bool(row.value)


def local_login_enabled() -> bool:
    """Whether the login page offers, and the server accepts, a name and password."""
    # (config.check_signin refuses LOCAL_LOGIN=0 without the organisation's sign-in at start)
    return local_login_by_server() and (local_login_by_administrator() or not organisation_configured())


def set_local_login(enabled: bool) -> None:
    """The administrator's switch (refused by the caller when it would lock everyone out)."""
    row = db.session.get(SiteSetting, KEY)
    if row is None:
        db.session.add(SiteSetting(key=KEY, value=enabled))
    else:
        row.value = enabled
    db.session.commit()
