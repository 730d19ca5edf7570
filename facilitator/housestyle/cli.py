"""`flask --app wsgi style set [--name ORG] [--logo FILE] [--accent '#RRGGBB'] [--cover|--no-cover]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..console import fail, one_line_errors
from ..database import ensure_schema
from .logo import MAX_LOGO_BYTES, LogoError, sanitise_logo
from .style import accent_problem, name_problem

style_cli = AppGroup("style", help="The organisation's house style for every annex.")


@style_cli.command("set")
@click.option("--name", help="The organisation's name (empty to remove).")
@click.option("--logo", "logo_path", help="A PNG, JPEG or SVG of at most 1 MB ('' to remove).")
@click.option(
    "--accent", help="The accent colour as #RRGGBB, at least 4.5:1 against white ('' for the default)."
)
@click.option("--cover/--no-cover", default=None, help="Start every annex with a cover page.")
def style_set(name: str | None, logo_path: str | None, accent: str | None, cover: bool | None) -> None:
    """Change the house style; options left out keep their current value."""
    from . import store

    problems = []
    if name is not None and (message := name_problem(name.strip())):
        problems.append(f"--name: {message}")
    if accent and (message := accent_problem(accent.strip())):
        problems.append(f"--accent: {message}")
    logo = None
    if logo_path:
        try:
            with Path(logo_path).open("rb") as handle:
                raw = handle.read(MAX_LOGO_BYTES + 1)
        except OSError as exc:
            problems.append(f"{logo_path}: kan het bestand niet lezen ({exc.strerror or exc})")
        else:
            try:
                logo = sanitise_logo(raw)
            except LogoError as exc:
                problems.append(f"{logo_path}: {exc}")
    if problems:
        fail(problems)

    @one_line_errors
    def save() -> None:
        ensure_schema()
        style = store.organisation_style()
        if name is not None:
            style.name = name.strip()
        if accent is not None:
            style.accent = accent.strip().lower()
        if cover is not None:
            style.cover = cover
        if logo is not None:
            style.logo, style.logo_type, style.logo_png = logo
        elif logo_path == "":
            style.logo, style.logo_type, style.logo_png = None, "", None
        store.save_organisation_style(style)
        click.echo(
            f"Huisstijl opgeslagen: naam „{style.name}”, accent {style.accent_or_default}, "
            f"logo {style.logo_type.upper() or 'geen'}, voorblad {'aan' if style.cover else 'uit'}."
        )

    save()
