"""How every command fails: one line per problem on stderr, exit status 1, nothing changed."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

Found = TypeVar("Found")


def fail(problems: list[str] | str) -> NoReturn:
    """Print each problem on its own stderr line and exit 1."""
    for line in [problems] if isinstance(problems, str) else problems:
        click.echo("fout: " + " ".join(str(line).splitlines()), err=True)
    sys.exit(1)


def one_line_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a database or migration failure into one line on stderr (not a traceback)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except Exception as exc:
            if not isinstance(exc, SQLAlchemyError) and not _migration_error(exc):
                raise
            db.session.rollback()
            message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            fail(f"database: {message[0] if message else type(exc).__name__}")

    return wrapper


def _migration_error(exc: Exception) -> bool:
    """An Alembic failure: only possible once Alembic is imported (ensure_schema imports it
    only for a database behind the newest migration), so a command need not import it to ask."""
    alembic = sys.modules.get("alembic.util.exc")
    return alembic is not None and isinstance(exc, alembic.CommandError)


def meeting_or_fail(slug: str, load: Callable[[str], Found | None]) -> Found:
    """What ``load`` finds for this slug (a Meeting, its plain data), else one line: unknown meeting.

    The command line's counterpart of ``access.meeting_or_404``.
    """
    found = load(slug)
    if found is None:
        fail(f"onbekende vergadering '{slug}' (zie de lijst op de secretariaatspagina)")
    return found
