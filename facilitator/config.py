"""Configuration read from the environment: the variables the README's Configuration table lists."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .export.process import limits_from
from .files import private_dir, private_file

REPO_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("FACILITATOR_INSTANCE") or REPO_ROOT / "instance")


def _secret_key(instance_dir: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    private_dir(instance_dir)
    path = instance_dir / "secret_key"
    if not path.exists():
        # write atomically and privately (0600 from the first byte): several processes may start at once
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    private_file(path)
    return path.read_text().strip()


def _milliseconds(raw: str, name: str, most: float) -> float:
    """A duration given in milliseconds, as seconds; refused with a clear message when out of range."""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= most:
        raise ValueError(f"{name} moet een aantal milliseconden zijn tussen 0 en {most:g}, niet {raw!r}")
    return value / 1000


def _whole(raw: str, name: str, low: int, high: int) -> int:
    """A whole number setting; refused with a clear message when it is not one or out of range."""
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ValueError(f"{name} moet een heel getal zijn van {low} tot {high}, niet {raw!r}")
    return value


def _words(raw: str, lower: bool = False) -> tuple[str, ...]:
    """A list from the environment, separated by commas or spaces."""
    words = (word.strip() for word in raw.replace(",", " ").split())
    return tuple(word.lower() if lower else word for word in words if word)


def check_signin(
    issuer: str,
    client_id: str,
    secret: str,
    domains: tuple[str, ...],
    groups: tuple[str, ...],
    local_login: bool,
) -> None:
    """Refuse at start, with a clear message, a sign-in setting that locks everyone out or lets anyone in."""
    if issuer:
        if not issuer.startswith("https://") and not issuer.startswith(
            ("http://127.0.0.1", "http://localhost")
        ):
            raise ValueError(f"OIDC_ISSUER moet een https-adres zijn, niet {issuer!r}")
        if not client_id or not secret:
            raise ValueError("OIDC_ISSUER is gezet: zet ook OIDC_CLIENT_ID en OIDC_CLIENT_SECRET")
        if not domains and not groups:
            # without a list, every account the provider knows (for Entra ID: any tenant's) would get in
            raise ValueError("OIDC_ISSUER is gezet: zet ook OIDC_ALLOWED_DOMAINS en/of OIDC_ALLOWED_GROUPS")
    elif not local_login:
        raise ValueError("LOCAL_LOGIN staat uit maar OIDC_ISSUER is niet gezet: dan kan niemand inloggen")


class Config:
    """Settings for a real run; every value can come from the environment."""

    def __init__(self) -> None:
        env = os.environ
        self.INSTANCE_DIR = str(INSTANCE_DIR)
        self.HOST = env.get("HOST", "127.0.0.1")
        self.PORT = int(env.get("PORT", "5000"))
        self.PUBLIC_URL = env.get("PUBLIC_URL", f"http://{self.HOST}:{self.PORT}").rstrip("/")
        self.SECRET_KEY = _secret_key(INSTANCE_DIR)
        self.SQLALCHEMY_DATABASE_URI = env.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'facilitator.db'}")
        # a pooled connection is tested before use: a restarted database costs one reconnect,
        # not an error for whoever happens to get that connection first
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.SOCKETIO_MESSAGE_QUEUE = env.get("SOCKETIO_MESSAGE_QUEUE") or None
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.PUBLIC_URL.startswith("https://")
        # the cookie is sent again only when the session changes: a refresh on every answer let a
        # slow answer to the page before (a stylesheet) put back an older session over a newer
        # one, e.g. without the two-step key being enrolled; a login lasts 31 days from sign-in
        self.SESSION_REFRESH_EACH_REQUEST = False
        self.MAX_CONTENT_LENGTH = 4 * 1024 * 1024
        self.WTF_CSRF_TIME_LIMIT = None
        self.BABEL_DEFAULT_LOCALE = "nl"
        # the annex render child: its deadline, its memory limit, and one kept started ahead
        self.ANNEX_TIMEOUT, self.ANNEX_MEMORY_MB = limits_from(env)
        self.ANNEX_PRESTART = env.get("ANNEX_PRESTART", "1") not in ("0", "false", "no")
        # a load or fault test sends far more per link than a person can type: it widens the
        # per-link storage budget (rules.STORAGE_BUDGET) by this factor instead of testing it
        self.STORAGE_BUDGET_FACTOR = float(env.get("STORAGE_BUDGET_FACTOR", "1"))
        # the live writer's group-commit window: changes that arrive within it share one
        # transaction (docs/performance.md); longer = less CPU per change, more latency. 1 ms since
        # 6 December 2026: at the summit load p95 2× the bare server's against 5× with 4 ms, for
        # the same CPU per change relative to it (issue 20 part 4)
        window = env.get("LIVE_BATCH_WINDOW_MS", "1")
        self.LIVE_BATCH_WINDOW = _milliseconds(window, "LIVE_BATCH_WINDOW_MS", 100)
        # login throttling: per (account, client address), and a slower limit per account
        self.LOGIN_MAX_FAILURES = 5
        self.LOGIN_LOCK_SECONDS = 300
        self.LOGIN_ACCOUNT_MAX_FAILURES = 50
        self.LOGIN_ACCOUNT_WINDOW_SECONDS = 3600
        # retention (AVG): the default days after a meeting's date until its personal data is
        # erased, and how ("anonymise" keeps the texts, "delete" removes the meeting); the server
        # runs it every RETENTION_INTERVAL_HOURS (0: only `flask retention run`)
        self.RETENTION_DAYS = _whole(env.get("RETENTION_DAYS", "365"), "RETENTION_DAYS", 1, 36500)
        self.RETENTION_MODE = env.get("RETENTION_MODE", "anonymise")
        if self.RETENTION_MODE not in ("anonymise", "delete"):
            raise ValueError(f"RETENTION_MODE moet anonymise of delete zijn, niet {self.RETENTION_MODE!r}")
        self.RETENTION_INTERVAL_HOURS = _whole(
            env.get("RETENTION_INTERVAL_HOURS", "24"), "RETENTION_INTERVAL_HOURS", 0, 8760
        )
        # how many reverse proxies stand in front: only then is X-Forwarded-For believed
        self.TRUSTED_PROXIES = int(env.get("TRUSTED_PROXIES", "0"))
        # sign-in through the organisation (OpenID Connect, auth/oidc.py): on when OIDC_ISSUER is set
        self.OIDC_ISSUER = env.get("OIDC_ISSUER", "").strip()
        self.OIDC_CLIENT_ID = env.get("OIDC_CLIENT_ID", "").strip()
        self.OIDC_CLIENT_SECRET = env.get("OIDC_CLIENT_SECRET", "")
        self.OIDC_ALLOWED_DOMAINS = _words(env.get("OIDC_ALLOWED_DOMAINS", ""), lower=True)
        self.OIDC_ALLOWED_GROUPS = _words(env.get("OIDC_ALLOWED_GROUPS", ""))
        self.OIDC_LABEL = env.get("OIDC_LABEL", "").strip()
        # local accounts' password login; off ("0") leaves only the organisation's sign-in
        self.LOCAL_LOGIN = env.get("LOCAL_LOGIN", "1").strip().lower() not in ("0", "false", "no", "off")
        check_signin(
            self.OIDC_ISSUER,
            self.OIDC_CLIENT_ID,
            self.OIDC_CLIENT_SECRET,
            self.OIDC_ALLOWED_DOMAINS,
            self.OIDC_ALLOWED_GROUPS,
            self.LOCAL_LOGIN,
        )
        self.TESTING = False


class TestingConfig(Config):
    """Settings for the test suite: a throwaway database; CSRF stays on, as in production."""

    __test__ = False  # not a pytest test class

    def __init__(self, database_url: str | None = None) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret"  # noqa: S105 - the test suite only
        self.SQLALCHEMY_DATABASE_URI = database_url or "sqlite://"
        self.PUBLIC_URL = "http://127.0.0.1:5000"
        self.SESSION_COOKIE_SECURE = False
