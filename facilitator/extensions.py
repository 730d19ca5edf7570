"""Extension singletons, bound to an app in the factory with init_app.

``socketio`` (Flask-SocketIO) and ``migrate`` (Flask-Migrate) are made on first use: a
rendering command (`flask --app wsgi annex …`, ``create_app(pages=False)``) never touches
them, and so does not import python-socketio (with the requests, urllib3 and Redis client
code it brings) or Alembic, about a quarter of its start-up. Every other process gets them
from the factory as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

if TYPE_CHECKING:
    from flask_migrate import Migrate
    from flask_socketio import SocketIO

    migrate: Migrate
    socketio: SocketIO


class Base(DeclarativeBase):
    """Declarative base for every model."""


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
babel = Babel()


def __getattr__(name: str) -> Any:
    """``socketio`` and ``migrate``, made (once) when first asked for."""
    if name == "socketio":
        from flask_socketio import SocketIO

        value: Any = SocketIO()
    elif name == "migrate":
        from flask_migrate import Migrate

        value = Migrate()
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
