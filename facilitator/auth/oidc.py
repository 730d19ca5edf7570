"""Sign-in through the organisation: OpenID Connect, authorization code flow with PKCE.

Set by the environment (config.py, README "Configuration"): OIDC_ISSUER, OIDC_CLIENT_ID,
OIDC_CLIENT_SECRET, OIDC_ALLOWED_DOMAINS and/or OIDC_ALLOWED_GROUPS, OIDC_LABEL. The flow:

1. ``start``: a fresh ``state``, ``nonce`` and PKCE verifier (S256) go into the session (signed,
   HttpOnly, SameSite=Lax); the browser goes to the provider's authorization endpoint, found
   through the issuer's ``.well-known/openid-configuration``.
2. ``callback``: the ``state`` must be the session's (one use, ten minutes); the code is exchanged
   at the token endpoint with the verifier and the client's secret; the ID token's signature is
   checked against the provider's JWKS (only the algorithms it announces, never "none"), then
   its ``iss``, ``aud`` (and ``azp``), ``exp``/``iat``, ``nonce`` and ``at_hash`` (Authlib's
   ``CodeIDToken``). Then the person must be allowed: an e-mail domain of OIDC_ALLOWED_DOMAINS
   and/or a group of OIDC_ALLOWED_GROUPS (every list that is set must match).
3. An allowed person gets their own account, linked by (issuer, subject), never by name or
   e-mail (so nobody takes over a local account by choosing its name at the provider); it has no
   usable password.

Every refusal logs nobody in, changes no account, is recorded in the audit trail with its
reason, counts as a failed sign-in for the client's throttle, and is said in one sentence on
the login page. The HTTP calls use the standard library (no HTTP client at run time).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..audit.trail import record
from ..extensions import db
from ..models import LoginFailure, User
from .routes import _client_address, _locked, _record_failure, _safe_next, sign_in

log = logging.getLogger(__name__)

bp = Blueprint("oidc", __name__, url_prefix="/secretariaat/inloggen/organisatie")

SESSION_KEY = "oidc_pending"
PENDING_SECONDS = 600  # how long a started sign-in may take at the provider
LEEWAY_SECONDS = 60  # clock difference allowed on exp and iat
HTTP_TIMEOUT = 10
MAX_BODY = 1024 * 1024
METADATA_SECONDS = 3600  # how long discovery and JWKS are kept before they are fetched again
SCOPES = "openid email profile"


class Refused(Exception):
    """A sign-in refused for ``reason`` (a key of ``messages()``)."""

    def __init__(self, reason: str, detail: str = "", actor: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.actor = actor  # who the provider said it was, when it said so (the audit trail's "who")


def messages() -> dict[str, str]:
    """Each refusal as one sentence for the person at the login page, in the page's language."""
    return {
        "state": _(
            "Het inloggen via uw organisatie kon niet worden afgerond: het verzoek klopt niet "
            "of is verlopen. Begin opnieuw met de knop."
        ),
        "denied": _("Uw organisatie heeft het inloggen geweigerd of afgebroken."),
        "provider": _(
            "De inlogdienst van uw organisatie is niet bereikbaar of gaf een fout. Probeer het later opnieuw."
        ),
        "invalid": _(
            "De inlogdienst gaf een bewijs dat niet klopt (handtekening, uitgever of kenmerk). "
            "U bent niet ingelogd."
        ),
        "audience": _(
            "Het bewijs van de inlogdienst is voor een andere toepassing bedoeld. U bent niet ingelogd."
        ),
        "expired": _("Het bewijs van de inlogdienst is verlopen. Log opnieuw in."),
        "not_allowed": _(
            "U bent bij uw organisatie ingelogd, maar uw account heeft geen toegang tot het "
            "secretariaat. Vraag de beheerder om toegang."
        ),
        "disabled": _("Dit account is uitgeschakeld. Vraag een beheerder om het weer aan te zetten."),
        "locked": _(
            "Te veel mislukte pogingen. Probeer het over %(minutes)s minuten opnieuw.",
            minutes=max(1, -(-current_app.config["LOGIN_LOCK_SECONDS"] // 60)),
        ),
    }


def configured() -> bool:
    """Whether the organisation's sign-in is set up (config.check_signin refused half a setting)."""
    return bool(current_app.config.get("OIDC_ISSUER"))


def label() -> str:
    """The button's text: OIDC_LABEL, or a plain default."""
    return current_app.config.get("OIDC_LABEL") or _("Inloggen via uw organisatie")


# -- the provider: discovery and keys, kept a while per issuer -----------------------------------


@dataclass
class _Cached:
    value: dict[str, Any]
    at: float


_cache: dict[str, _Cached] = {}


def clear_cache() -> None:
    """Forget every provider's discovery document and keys (tests; a changed provider)."""
    _cache.clear()


def _loopback(url: str) -> bool:
    return url.startswith(
        ("http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/")
    )


def _check_url(url: object, issuer: str) -> str:
    """An endpoint the provider names: https, or plain http only for a provider on loopback."""
    if not isinstance(url, str) or not (url.startswith("https://") or (_loopback(issuer) and _loopback(url))):
        raise Refused("provider", f"unusable endpoint {url!r}")
    return url


def _http_json(
    url: str, form: dict[str, str] | None = None, auth: tuple[str, str] | None = None
) -> dict[str, Any]:
    """GET (or POST a form to) ``url`` and return its JSON object; any failure is Refused("provider")."""
    headers = {"Accept": "application/json"}
    data = None
    if form is not None:
        data = urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if auth is not None:
        import base64
        from urllib.parse import quote

        # RFC 6749 2.3.1: the id and secret are form-encoded before they are joined
        pair = f"{quote(auth[0], safe='')}:{quote(auth[1], safe='')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    try:
        with urlopen(Request(url, data=data, headers=headers), timeout=HTTP_TIMEOUT) as response:  # noqa: S310 - https or loopback only (_check_url)
            body = response.read(MAX_BODY)
    except URLError as exc:
        # an OAuth error answer (400 with a JSON body) says why; it is logged, not shown
        detail = exc.read(2000).decode("utf-8", "replace") if hasattr(exc, "read") else str(exc.reason)
        raise Refused("provider", f"{url}: {detail}") from exc
    except OSError as exc:
        raise Refused("provider", f"{url}: {exc}") from exc
    try:
        value = json.loads(body)
    except ValueError as exc:
        raise Refused("provider", f"{url}: not JSON") from exc
    if not isinstance(value, dict):
        raise Refused("provider", f"{url}: not a JSON object")
    return value


def metadata(issuer: str) -> dict[str, Any]:
    """The issuer's discovery document (OpenID Connect Discovery 1.0), checked and kept a while."""
    cached = _cache.get("meta:" + issuer)
    if cached and time.monotonic() - cached.at < METADATA_SECONDS:
        return cached.value
    meta = _http_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if meta.get("issuer") != issuer:
        raise Refused("provider", f"discovery names issuer {meta.get('issuer')!r}, not {issuer!r}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        _check_url(meta.get(key), issuer)
    _cache["meta:" + issuer] = _Cached(meta, time.monotonic())
    return meta


def _keys(issuer: str, meta: dict[str, Any], fresh: bool = False) -> KeySet:
    cached = _cache.get("jwks:" + issuer)
    if fresh or not cached or time.monotonic() - cached.at >= METADATA_SECONDS:
        cached = _Cached(_http_json(meta["jwks_uri"]), time.monotonic())
        _cache["jwks:" + issuer] = cached
    try:
        return KeySet.import_key_set(cached.value)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise Refused("provider", f"unusable JWKS: {exc}") from exc


# -- the flow ------------------------------------------------------------------------------------


def _redirect_uri() -> str:
    return url_for("oidc.callback", _external=True)


@bp.get("/")
def start():
    """Send the browser to the organisation's sign-in, with state, nonce and PKCE (S256)."""
    if not configured():
        abort(404)
    config = current_app.config
    issuer = config["OIDC_ISSUER"]
    try:
        meta = metadata(issuer)
    except Refused as refused:
        return _refuse(refused)
    verifier = secrets.token_urlsafe(48)  # 64 characters: RFC 7636 asks 43 to 128
    pending = {
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "verifier": verifier,
        "next": _safe_next(request.args.get("next")),
        "at": int(time.time()),
    }
    session[SESSION_KEY] = pending
    query = urlencode(
        {
            "response_type": "code",
            "client_id": config["OIDC_CLIENT_ID"],
            "redirect_uri": _redirect_uri(),
            "scope": SCOPES,
            "state": pending["state"],
            "nonce": pending["nonce"],
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    endpoint = meta["authorization_endpoint"]
    return redirect(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}")


@bp.get("/terug")
def callback():
    """The provider sends the browser back here: check everything, then sign in or refuse."""
    if not configured():
        abort(404)
    keys = (f"oidc-pair:{_client_address()}", "oidc-all")
    pending = session.pop(SESSION_KEY, None)  # one use, whatever happens next
    if _locked(keys):
        return _refuse(Refused("locked"))
    try:
        user = _complete(pending)
    except Refused as refused:
        if refused.reason != "denied":  # someone who cancels at the provider is no attacker
            _record_failure(keys)
        return _refuse(refused)
    for row in db.session.execute(select(LoginFailure).where(LoginFailure.key == keys[0])).scalars():
        db.session.delete(row)
    db.session.commit()
    return sign_in(user, pending["next"] if isinstance(pending, dict) else None, method="oidc")


def _complete(pending: object) -> User:
    """The checks of the callback, in order; the account to sign in, or Refused."""
    if request.args.get("error"):
        # before the state: some providers (this test's mock among them) send no state with an
        # error; a forged error can only tell the person that their sign-in was not completed
        raise Refused("denied", request.args.get("error", "")[:100])
    state = request.args.get("state", "")
    if (
        not isinstance(pending, dict)
        or not state
        or not secrets.compare_digest(str(pending.get("state", "")), state)
        or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS
    ):
        raise Refused("state")
    code = request.args.get("code", "")
    if not code:
        raise Refused("state", "no code")
    config = current_app.config
    issuer = config["OIDC_ISSUER"]
    meta = metadata(issuer)
    token = _exchange(meta, code, str(pending["verifier"]))
    claims = validate_id_token(token, meta, nonce=str(pending["nonce"]))
    allowed(claims)
    return _account(issuer, claims)


def _exchange(meta: dict[str, Any], code: str, verifier: str) -> dict[str, Any]:
    """The authorization code for tokens at the token endpoint (client_secret_basic, or _post)."""
    config = current_app.config
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": _redirect_uri(),
        "code_verifier": verifier,
    }
    methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth: tuple[str, str] | None = (config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"])
    if "client_secret_basic" not in methods and "client_secret_post" in methods:
        form |= {"client_id": config["OIDC_CLIENT_ID"], "client_secret": config["OIDC_CLIENT_SECRET"]}
        auth = None
    token = _http_json(meta["token_endpoint"], form=form, auth=auth)
    if not isinstance(token.get("id_token"), str):
        raise Refused("provider", "the token answer has no id_token")
    return token


def validate_id_token(token: dict[str, Any], meta: dict[str, Any], nonce: str) -> dict[str, Any]:
    """The ID token's claims once its signature, iss, aud, azp, exp, iat, nonce and at_hash hold."""
    config = current_app.config
    issuer = config["OIDC_ISSUER"]
    algorithms = [
        alg for alg in meta.get("id_token_signing_alg_values_supported") or ["RS256"] if alg != "none"
    ]
    registry = JWSRegistry(algorithms=algorithms or ["RS256"])
    try:
        try:
            decoded = jwt.decode(token["id_token"], _keys(issuer, meta), registry=registry)
        except InvalidKeyIdError:  # the provider rolled its keys over: fetch them once more
            decoded = jwt.decode(token["id_token"], _keys(issuer, meta, fresh=True), registry=registry)
    except JoseError as exc:
        raise Refused("invalid", f"signature: {exc}") from exc
    except ValueError as exc:
        raise Refused("invalid", f"token: {exc}") from exc
    params: dict[str, Any] = {"nonce": nonce, "client_id": config["OIDC_CLIENT_ID"]}
    if isinstance(token.get("access_token"), str):
        params["access_token"] = token["access_token"]
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": config["OIDC_CLIENT_ID"]},
            "sub": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
        },
        params,
    )
    try:
        claims.validate(leeway=LEEWAY_SECONDS)
    except ExpiredTokenError as exc:
        raise Refused("expired", str(exc)) from exc
    except ClaimError as exc:
        reason = "audience" if exc.claim in ("aud", "azp") else "expired" if exc.claim == "iat" else "invalid"
        raise Refused(reason, f"claim {exc.claim}: {exc}") from exc
    if not isinstance(claims.get("sub"), str) or not claims["sub"] or len(claims["sub"]) > 255:
        raise Refused("invalid", "sub")
    return dict(claims)


def allowed(claims: dict[str, Any]) -> None:
    """Refused("not_allowed") unless every configured list matches: e-mail domain, group."""
    config = current_app.config
    domains, groups = config["OIDC_ALLOWED_DOMAINS"], config["OIDC_ALLOWED_GROUPS"]
    who = next(
        (str(claims[key])[:80] for key in ("email", "preferred_username", "sub") if claims.get(key)), ""
    )
    if domains:
        email = claims.get("email")
        domain = email.rpartition("@")[2].lower() if isinstance(email, str) and "@" in email else ""
        if claims.get("email_verified") is False or domain not in domains:
            raise Refused("not_allowed", f"domain {domain!r}", actor=who)
    if groups:
        have = claims.get("groups")
        have = [have] if isinstance(have, str) else have if isinstance(have, list) else []
        if not set(groups) & {str(group) for group in have}:
            raise Refused("not_allowed", "groups", actor=who)


def _account(issuer: str, claims: dict[str, Any]) -> User:
    """The account linked to (issuer, subject); made on the first sign-in."""
    subject = claims["sub"]
    user = db.session.execute(
        select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
    ).scalar_one_or_none()
    if user is not None:
        if user.disabled_at is not None:  # switched off by an administrator (auth/accounts.py)
            raise Refused("disabled", "account switched off", actor=user.name)
        return user
    wanted = next(
        (
            value.strip()[:70]
            for key in ("email", "preferred_username", "name")
            if isinstance(value := claims.get(key), str) and value.strip()
        ),
        f"oidc-{subject[:60]}",
    )
    for attempt in range(20):
        name = wanted if attempt == 0 else f"{wanted} ({attempt + 1})"
        if db.session.execute(select(User.id).where(func.lower(User.name) == name.lower())).first():
            continue
        user = User(name=name, password_hash="", oidc_issuer=issuer, oidc_subject=subject)
        db.session.add(user)
        try:
            db.session.commit()
            return user
        except IntegrityError:  # the same name, or the same person, at the same moment
            db.session.rollback()
            again = db.session.execute(
                select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
            ).scalar_one_or_none()
            if again is not None:
                return again
    raise Refused("invalid", "no free account name")


def _refuse(refused: Refused) -> Any:
    """Say why on the login page; record it; nobody is signed in."""
    log.warning("organisation sign-in refused: %s", refused)
    record("signin_failed", actor=refused.actor, method="oidc", reason=refused.reason)
    flash(messages()[refused.reason], "error")
    return redirect(url_for("auth.login"), code=303)
