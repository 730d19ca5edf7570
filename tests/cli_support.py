"""What the command line tests share: running `flask --app wsgi …` as a process, reading a database
back, checking the links JSON."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SESSIONS = REPO / "sessions"
SER = SESSIONS / "ser-raad-2023-01-27.toml"
FOUR = SESSIONS / "veiligheid-vier-bollen.toml"
FLASK = REPO / ".venv" / "bin" / "flask"
PUBLIC_URL = "https://tafels.example.org"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22,}$")  # url-safe, at least 128 bits
SER_SLUG = "raad-nr-746-2023-01-27"
FOUR_SLUG = "werkconferentie-regioraad-lingewaard-oost-weerbare-regio-2024-03-14"


def cli(
    database_url: str, *args: str, instance: Path, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `flask --app wsgi ARGS` against DATABASE_URL in a process of its own, as a person would."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "cli-test-secret",
        "PUBLIC_URL": PUBLIC_URL,
        "FACILITATOR_INSTANCE": str(instance),
        **(env_extra or {}),
    }
    # as a person runs it: default warning filters, no queue, no other app
    for name in ("SOCKETIO_MESSAGE_QUEUE", "FLASK_APP", "PYTHONWARNINGS"):
        env.pop(name, None)
    result = subprocess.run(
        [str(FLASK), "--app", "wsgi", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    # decoded as written: text=True would turn a progress bar's carriage returns into newlines
    out, err = (stream.decode("utf-8").replace("\r\n", "\n") for stream in (result.stdout, result.stderr))
    return subprocess.CompletedProcess(result.args, result.returncode, out, err)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sqlite_snapshot(path: Path) -> str | None:
    """The whole database as SQL text, or None when the file does not exist."""
    if not path.exists():
        return None
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def sqlite_count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def pg_snapshot(url: str) -> dict[str, str]:
    """A digest of every row of every table of a PostgreSQL database."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
            )
        ]
        return {
            t: conn.execute(
                f"SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "  # noqa: S608
                f'FROM "{t}" x'
            ).fetchone()[0]
            for t in tables
        }


def check_pair(pair: dict) -> str:
    assert set(pair) == {"url", "token"}, pair
    assert TOKEN_RE.match(pair["token"]), pair
    assert pair["url"].startswith(PUBLIC_URL + "/"), pair
    assert pair["url"].endswith("/" + pair["token"]), pair
    return pair["token"]


def check_links(links: dict, slug: str, tables: list[int]) -> list[str]:
    """The links JSON as the README shows it, keys in that order; returns every token."""
    assert list(links) == ["meeting", "secretariat", "screen", "chair", "tables"]
    assert links["meeting"] == slug
    assert isinstance(links["secretariat"], str) and links["secretariat"].startswith(PUBLIC_URL + "/")
    tokens = [check_pair(links["screen"]), check_pair(links["chair"])]
    assert list(links["tables"]) == [str(n) for n in tables]
    for roles in links["tables"].values():
        assert set(roles) == {"rapporteur", "participant"}
        tokens += [check_pair(roles["rapporteur"]), check_pair(roles["participant"])]
    assert len(set(tokens)) == len(tokens) == 2 + 2 * len(tables), "tokens must be distinct"
    assert len({links["screen"]["url"], links["chair"]["url"]}) == 2
    return tokens


def ok_json(result: subprocess.CompletedProcess[str]) -> dict:
    """A successful command whose stdout is nothing but one JSON document."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return json.loads(result.stdout)


def parallel(*calls):
    """Run several independent CLI calls at once (each is a process of about a second)."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def in_process_app(url: str):
    """The app on the same DATABASE_URL, for setting up or inspecting what the CLI sees."""
    from facilitator import TestingConfig, create_app

    return create_app(TestingConfig(url))


def dispose(app) -> None:
    from facilitator.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
