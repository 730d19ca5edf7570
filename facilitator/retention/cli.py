"""`flask retention run`: erase the personal data of meetings past their retention period."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from ..console import fail, one_line_errors
from ..database import ensure_schema
from . import erase

retention_cli = AppGroup("retention", help="Retention (AVG): erase personal data of past meetings.")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Only say what would be erased or deleted.")
@click.option("--today", default=None, help="Act as on this day (YYYY-MM-DD), e.g. to check a plan.")
@one_line_errors
def retention_run(dry_run: bool, today: str | None) -> None:
    """Erase (or delete, as set per meeting) every meeting whose retention period has passed."""
    ensure_schema()
    try:
        day = date.fromisoformat(today) if today else None
    except ValueError:
        fail(f"--today: {today!r} is geen datum (schrijf 2026-12-05)")
    outcome = erase.run(day, dry_run=dry_run)
    would = "zou " if dry_run else ""
    for slug in outcome.anonymised:
        click.echo(f"{slug}: persoonsgegevens {would}gewist")
    for slug in outcome.deleted:
        click.echo(f"{slug}: vergadering {would}verwijderd")
    if outcome.login_failures:
        click.echo(f"{outcome.login_failures} oude inlogpogingen {would}verwijderd")
    if not outcome.changed:
        click.echo("Niets te doen: geen vergadering is over haar bewaartermijn.")
