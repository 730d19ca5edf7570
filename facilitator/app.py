"""The application factory: configuration, extensions, blueprints."""

from __future__ import annotations

from typing import Any, Literal

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from . import i18n
from .config import INSTANCE_DIR, REPO_ROOT, Config
from .database import init_migrations
from .extensions import babel, csrf, db
from .files import create_sqlite_privately, private_dir, tighten_sqlite


@event.listens_for(Engine, "do_connect")
def _sqlite_file_private(dialect: Any, connection_record: Any, cargs: Any, cparams: Any) -> None:
    """SQLite: a new database file is created 0600 (its -wal and -shm follow), not by the umask."""
    if dialect.name == "sqlite" and not cparams.get("uri"):
        create_sqlite_privately(cargs[0] if cargs else cparams.get("database", ""))


def _async_mode() -> Literal["gevent", "threading"]:
    """gevent when the process was monkey-patched for serving, threads otherwise (tests, CLI)."""
    try:
        from gevent import monkey

        if monkey.is_module_patched("socket"):
            return "gevent"
    except ImportError:  # pragma: no cover - gevent is in requirements
        pass
    return "threading"


def create_app(test_config: Config | dict[str, Any] | None = None, *, pages: bool = True) -> Flask:
    """Application factory: configuration, extensions, blueprints.

    ``pages=False`` leaves out the pages and the live protocol (blueprints, Flask-SocketIO,
    response headers) and Flask-Migrate (whose `db` group it then lacks; ``ensure_schema``
    binds it only when the database is behind), and keeps the other extensions, the models
    and the app's own commands: for a command that serves nothing, such as `flask --app wsgi
    annex …` (wsgi.py), so that it does not import what only a server needs (python-socketio,
    Alembic: about half of the app's start-up).
    """
    app = Flask(
        __name__,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    if isinstance(test_config, Config):
        app.config.from_object(test_config)
    else:
        app.config.from_object(Config())
        if test_config:
            app.config.update(test_config)
    private_dir(app.config["INSTANCE_DIR"])
    app.session_interface = PageSessionInterface()
    tighten_sqlite(app.config["SQLALCHEMY_DATABASE_URI"])

    if pages:
        # the /live handlers must be registered before socketio.init_app creates its server
        from .live import events  # noqa: F401

    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    if pages:
        init_migrations(app)
        _init_socketio(app)

    from . import cli, models, round_reports, votes  # noqa: F401  (models register their tables)
    from .housestyle.cli import style_cli
    from .retention.cli import retention_cli

    app.cli.add_command(style_cli)
    app.cli.add_command(retention_cli)
    cli.register(app)
    if pages:
        _register_pages(app)
    return app


def _init_socketio(app: Flask) -> None:
    """Flask-SocketIO: the live protocol's server, and the message queue of a cluster."""
    from .extensions import socketio

    queue_url = app.config.get("SOCKETIO_MESSAGE_QUEUE")
    socketio.init_app(
        app,
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE") or _async_mode(),
        message_queue=queue_url,
        **queue_manager(queue_url),
        max_http_buffer_size=app.config.get("SOCKETIO_MAX_BUFFER", 1_000_000),
        cors_allowed_origins=_allowed_origins(app),
    )


def queue_manager(queue_url: str | None) -> dict:
    """The client manager of a message queue on Redis (redis://, rediss://, or unix:// for Redis
    on a socket): ours, which publishes by meeting; any other queue is Flask-SocketIO's choice."""
    if not queue_url or not queue_url.startswith(("redis://", "rediss://", "unix://")):
        return {}
    from .messagequeue import PipelinedRedisManager

    # Flask-SocketIO's channel, so a command line process's emits still reach everyone
    return {"client_manager": PipelinedRedisManager(queue_url, channel="flask-socketio")}


def _register_pages(app: Flask) -> None:
    """The blueprints (every page), the security headers and the trusted proxies."""
    from .audit.routes import bp as audit_bp
    from .auth.accounts import bp as accounts_bp
    from .auth.oidc import bp as oidc_bp
    from .auth.routes import bp as auth_bp
    from .auth.totp import bp as totp_bp
    from .capture.routes import bp as capture_bp
    from .core.routes import bp as core_bp
    from .curation.groups import bp as groups_bp
    from .curation.routes import bp as curation_bp
    from .export.routes import bp as export_bp
    from .minutes.routes import bp as minutes_bp
    from .screen.routes import bp as screen_bp
    from .secretariat.routes import bp as secretariat_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(oidc_bp)
    app.register_blueprint(totp_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(secretariat_bp)
    app.register_blueprint(capture_bp)
    app.register_blueprint(screen_bp)
    app.register_blueprint(export_bp)
    app.register_blueprint(curation_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(minutes_bp)
    from .housestyle.routes import bp as housestyle_bp
    from .retention.routes import bp as retention_bp

    app.register_blueprint(housestyle_bp)
    app.register_blueprint(retention_bp)
    _security_headers(app)
    _trusted_proxies(app)


class PageSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, left closed for the live connection's Socket.IO events.

    Flask-SocketIO pushes a request context (the connection's handshake request) for every
    event, and Flask opens the cookie session for each: build the signer, parse the cookie,
    check its signature. Nothing on /live reads the session (the token authorises, the
    language comes from the cookie `lang`), so those events get Flask's empty null session;
    pages and forms get the real one as before.
    """

    def open_session(self, app: Flask, request: Any) -> Any:
        if request.path.strip("/") == "socket.io":
            return None  # Flask then uses make_null_session: empty, refuses writes
        return super().open_session(app, request)


def _allowed_origins(app: Flask) -> list[str]:
    """The origins a browser may open the live connection from: this server's own addresses."""
    origins = {app.config["PUBLIC_URL"], f"http://{app.config['HOST']}:{app.config['PORT']}"}
    if app.config["HOST"] in ("127.0.0.1", "localhost"):
        origins.add(f"http://localhost:{app.config['PORT']}")
        origins.add(f"http://127.0.0.1:{app.config['PORT']}")
    return sorted(origins)


def _trusted_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto only from as many proxies as TRUSTED_PROXIES names.

    Without it (the default, 0) a client could claim any address in that header and so
    dodge the login throttle; with it, each person behind the proxy is throttled apart.
    Wraps the whole WSGI app, Socket.IO included.
    """
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _security_headers(app: Flask) -> None:
    """A strict Content-Security-Policy: no inline script, nothing from elsewhere."""

    @app.after_request
    def headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
            "form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response
