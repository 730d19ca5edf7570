"""Facilitator: round-table sessions captured live, shown on one screen, published as an annex."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "Config", "TestingConfig"]

# the release (pyproject.toml says the same; tests/test_archive.py checks): named in every archive manifest
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """The app factory and configuration, imported on first use.

    The package itself imports nothing, so that `python -m facilitator` can let gevent
    patch the standard library before Flask, SQLAlchemy or Socket.IO import ssl and socket.
    """
    if name == "create_app":
        from .app import create_app

        return create_app
    if name in __all__:
        from . import config

        return getattr(config, name)
    raise AttributeError(f"module 'facilitator' has no attribute {name!r}")
