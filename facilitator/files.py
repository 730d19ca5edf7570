"""Files only this account may read: the instance directory, the database, keys and exports.

The database holds every report and the secret key signs every session, so neither is left
to the umask of whoever starts the server: directories are made 0700 and files 0600.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: str | Path) -> Path:
    """Create ``path`` (and its parents) if needed; make it 0700 when it is ours."""
    path = Path(path)
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_DIR)
    return path


def private_file(path: str | Path) -> None:
    """Make an existing file of ours 0600 (nothing happens to a missing or foreign file)."""
    _tighten(Path(path), PRIVATE_FILE)


def _tighten(path: Path, mode: int) -> None:
    with contextlib.suppress(FileNotFoundError, PermissionError):
        info = path.stat()
        if info.st_uid == os.getuid() and info.st_mode & 0o777 != mode:
            path.chmod(mode)


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite URL, or None (another database, or SQLite in memory)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.database.startswith("file:"):  # a URI filename: not worth guessing
        return None
    return Path(url.database)


def tighten_sqlite(database_url: str) -> None:
    """Make an existing SQLite database and its -wal/-shm files 0600 (a missing one is left alone)."""
    path = sqlite_file(database_url)
    if path is None:
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        private_file(path.with_name(path.name + suffix))


def create_sqlite_privately(filename: str) -> None:
    """Create the SQLite file 0600 just before SQLite would create it with the umask's mode.

    SQLite gives its -wal and -shm files the mode of the database file, so they follow.
    """
    if not filename or filename == ":memory:" or filename.startswith("file:"):
        return
    path = Path(filename)
    if path.exists() or not path.parent.is_dir():
        return
    with contextlib.suppress(FileExistsError):  # another connection made it meanwhile
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
