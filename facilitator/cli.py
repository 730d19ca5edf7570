"""Command line: `flask --app wsgi session import|export|links`, `user create`, `annex`, `minutes`,
`archive`, `data`.

Every command first creates or upgrades the schema, so it may be the very first
command run against a fresh DATABASE_URL. Errors: one line per problem on
stderr, exit status 1, nothing changed (console.py). `annex` lives with the export
(export/cli.py); ``prepare_first_run`` is what `python -m facilitator` prints before it serves.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from .audit.trail import record  # also its guards: the trail is append-only
from .console import fail, meeting_or_fail, one_line_errors
from .database import ensure_schema
from .export.cli import annex_command, archive_command, data_command, minutes_command
from .extensions import db
from .models import USER_ROLES, Meeting, User

if TYPE_CHECKING:
    from .meeting_data import MeetingData

# The session file (TOML) and the operations are imported by the commands
# that use them: `annex` and `archive` (wsgi.py's lean app) start without what they never run.

session_cli = AppGroup("session", help="Import, export and list links of meetings.")
user_cli = AppGroup("user", help="Secretariat accounts.")


def read_session_file(path: str) -> MeetingData:
    """Read and validate a session file from disk, or exit with its problems."""
    from . import sessionfile

    file = Path(path)
    try:
        if file.stat().st_size > sessionfile.MAX_FILE_BYTES:
            fail(f"{path}: te groot; een sessiebestand is hoogstens 2 MB")
        raw = file.read_bytes()
    except OSError as exc:
        fail(f"{path}: kan het bestand niet lezen ({exc.strerror or exc})")
    try:
        return sessionfile.loads(raw)
    except sessionfile.SessionFileError as exc:
        fail([f"{path}: {p}" for p in exc.problems])


@session_cli.command("import")
@click.argument("path")
@one_line_errors
def session_import(path: str) -> None:
    """Import a session file as a new meeting; print its links JSON."""
    from . import operations

    data = read_session_file(path)
    ensure_schema()
    meeting = operations.import_meeting(data)
    record("meeting_imported", meeting, file=Path(path).name[:120], tables=len(meeting.tables))
    click.echo(json.dumps(operations.links(meeting, current_app.config["PUBLIC_URL"]), indent=2))


@session_cli.command("export")
@click.argument("slug")
@one_line_errors
def session_export(slug: str) -> None:
    """Print the meeting as a session file, with all content typed so far."""
    from . import operations, sessionfile
    from .meeting_data import meeting_to_data

    ensure_schema()
    meeting = meeting_or_fail(slug, operations.get_meeting)
    text = sessionfile.dumps(meeting_to_data(meeting))
    record("session_exported", meeting)
    click.echo(text, nl=False)


@session_cli.command("links")
@click.argument("slug")
@one_line_errors
def session_links(slug: str) -> None:
    """Print the meeting's links JSON."""
    from . import operations

    ensure_schema()
    meeting = meeting_or_fail(slug, operations.get_meeting)
    click.echo(json.dumps(operations.links(meeting, current_app.config["PUBLIC_URL"]), indent=2))


@user_cli.command("create")
@click.argument("name")
@click.option("--password", help="The password; asked for when left out.")
@click.option(
    "--role",
    type=click.Choice(USER_ROLES),
    default="secretariat",
    show_default=True,
    help="administrator: also accounts, house style and the audit trail (the first account always is one).",
)
@one_line_errors
def user_create(name: str, password: str | None, role: str) -> None:
    """Create an account of the secretariat."""
    from . import operations

    ensure_schema()
    if password is None:
        password = click.prompt("Wachtwoord", hide_input=True, confirmation_prompt=True)
    try:
        user = operations.create_user(name, password, role)
    except ValueError as exc:
        fail(str(exc))
    record("account_created", actor="", account=user.name, role=user.role)
    kind = "beheerder" if user.is_admin else "secretariaat"
    click.echo(f"Account {name} aangemaakt ({kind}).")


@user_cli.command("local-login")
@click.argument("state", type=click.Choice(["on", "off"]))
@one_line_errors
def user_local_login(state: str) -> None:
    """Allow signing in with a local name and password again (on), or only via the organisation (off)."""
    from .auth import signin_settings

    ensure_schema()
    if state == "off" and not signin_settings.organisation_configured():
        fail("zonder inloggen via de organisatie (OIDC_ISSUER) kan dan niemand meer inloggen; het blijft aan")
    signin_settings.set_local_login(state == "on")
    record("signin_settings_changed", actor="", local_login=state == "on")
    click.echo(f"Inloggen met naam en wachtwoord staat {'aan' if state == 'on' else 'uit'}.")


def public_url_warning(config, explicit: bool) -> str | None:
    """A warning when the printed links cannot work on other devices (HOST=0.0.0.0, no PUBLIC_URL)."""
    host = urlsplit(config["PUBLIC_URL"]).hostname or ""
    if explicit or host not in ("0.0.0.0", "::", ""):  # noqa: S104 - comparing, not binding
        return None
    return (
        "LET OP: de links hieronder wijzen naar 0.0.0.0 en werken niet op andere apparaten. "
        "Start opnieuw met PUBLIC_URL=http://<adres-van-deze-laptop>:"
        f"{config['PORT']} (het adres dat telefoons en laptops in de zaal kunnen bereiken)."
    )


def prepare_first_run(app: Flask) -> list[str]:
    """Upgrade the schema; on an empty database load the demo and create a first account.

    Returns the lines to print (credentials and links).
    """
    from . import operations, sessionfile

    lines: list[str] = []
    ensure_schema()
    public = app.config["PUBLIC_URL"]
    if db.session.execute(select(func.count(Meeting.id))).scalar_one() == 0:
        demo = Path(app.root_path).parent / "sessions" / "ser-raad-2023-01-27.toml"
        if demo.exists():
            operations.import_meeting(sessionfile.loads(demo.read_bytes()))
            lines.append(f"Demovergadering geladen uit {demo.name}.")
    if db.session.execute(select(func.count(User.id))).scalar_one() == 0:
        password = secrets.token_urlsafe(12)
        operations.create_user("secretariaat", password, "administrator")
        lines += [
            "Eerste account aangemaakt, een beheerder (dit wachtwoord wordt maar één keer getoond):",
            "  naam:       secretariaat",
            f"  wachtwoord: {password}",
        ]
    lines.append(f"Secretariaat: {public}/secretariaat/")
    warning = public_url_warning(app.config, explicit="PUBLIC_URL" in os.environ)
    if warning:
        lines.append(warning)
    from .network import venue_lines

    lines += venue_lines(app.config)
    for meeting in db.session.execute(select(Meeting).order_by(Meeting.date)).scalars():
        data = operations.links(meeting, public)
        lines.append(f"\n{meeting.title} ({meeting.slug})")
        lines.append(f"  secretariaat: {data['secretariat']}")
        lines.append(f"  scherm:       {data['screen']['url']}")
        lines.append(f"  voorzitter:   {data['chair']['url']}")
        for number, roles in data["tables"].items():
            lines.append(f"  tafel {number} verslag:   {roles['rapporteur']['url']}")
            lines.append(f"  tafel {number} deelnemer: {roles['participant']['url']}")
    return lines


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(session_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(annex_command)
    app.cli.add_command(minutes_command)
    app.cli.add_command(archive_command)
    app.cli.add_command(data_command)
