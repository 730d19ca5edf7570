"""Starting a render child process, and starting one early for a command that will need it.

Imports nothing of the app (no Flask, no SQLAlchemy), so that ``wsgi.py`` can start the
render child for `flask --app wsgi annex …` before the app itself is imported: the child
imports WeasyPrint (only what the command's format needs) on the second core while this
process imports Flask, SQLAlchemy and the app and makes the HTML, and the export finds it
ready (``child._take``). It renders no warm-up annex: the job is there by the time the
imports are done, so a warm-up would only delay it (docs/performance.md). What runs in the
child: ``render.py``; the rest of the machinery (the spare child, the deadline, the outcome):
``child.py``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # facilitator/

# The child imports only facilitator.export, not the app package: facilitator/__init__
# loads Flask, SQLAlchemy and Socket.IO (about 0.9 s) that a render never needs.
BOOTSTRAP = (
    "import sys, types; "
    "package = types.ModuleType('facilitator'); package.__path__ = [sys.argv[1]]; "
    "sys.modules['facilitator'] = package; "
    "from facilitator.export.render import main, exit_now; exit_now(main(sys.argv[2:]))"
)

DEFAULT_TIMEOUT = 300.0
DEFAULT_MEMORY_MB = 1536

Key = tuple[int, int]  # (memory MB, timeout s): a child is only used for the limits it has


def limits_from(env: Mapping[str, str]) -> tuple[float, int]:
    """The render child's time (s) and memory (MB) limits as the environment sets them
    (config.Config reads them the same way: ANNEX_TIMEOUT, ANNEX_MEMORY_MB)."""
    return float(env.get("ANNEX_TIMEOUT", str(DEFAULT_TIMEOUT))), int(
        env.get("ANNEX_MEMORY_MB", str(DEFAULT_MEMORY_MB))
    )


def key(memory_mb: int, timeout: float) -> Key:
    return (memory_mb, int(timeout))


def command(memory_mb: int, timeout: float, warm: bool, formats: Iterable[str] | None = None) -> list[str]:
    """The render child's command line; ``formats``: the only formats it will render, so that it
    imports and warms up only what they need (None: every format, as a server's spare child)."""
    scope = ["--formats", ",".join(sorted(formats))] if formats else []
    return [
        sys.executable,
        "-I",  # isolated: no PYTHON* variables, no user site, no current directory on the path
        "-c",
        BOOTSTRAP,
        str(PACKAGE_DIR),
        "--memory-mb",
        str(memory_mb),
        "--cpu-seconds",
        str(int(timeout) + 5),
        "--warm-up",
        "yes" if warm else "no",
        *scope,
    ]


def child_env() -> dict[str, str]:
    """A small environment: no secrets (DATABASE_URL, SECRET_KEY …) reach the child."""
    keep = (
        "PATH",
        "HOME",
        "LANG",
        "LC_ALL",
        "TMPDIR",
        "FONTCONFIG_PATH",
        "FONTCONFIG_FILE",
        "XDG_CACHE_HOME",
        "FACILITATOR_RENDER_PARTS",  # how many processes a large annex may use (export/parts.py)
    )
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    return env


def popen(
    memory_mb: int, timeout: float, warm: bool, formats: Iterable[str] | None = None
) -> subprocess.Popen:
    """Start a render child (raises OSError when it cannot start)."""
    return subprocess.Popen(
        command(memory_mb, timeout, warm, formats),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tempfile.gettempdir(),
        env=child_env(),
        close_fds=True,
    )


# ---------------------------------------------------------------------------------------------
# The command line: a render child started before the app is imported

# the commands that render in a child: the formats they may render there, and whether the format
# is the command's --format (annex) or all of them (archive: the PDF and the ODT)
RENDERING_COMMANDS: dict[str, tuple[frozenset[str], bool]] = {
    "annex": (frozenset({"pdf", "docx", "odt"}), True),
    "archive": (frozenset({"pdf", "odt"}), False),
}
# flask's own options that take a value (flask --app wsgi --env-file .env annex …)
_VALUE_OPTIONS = ("--app", "-A", "--env-file", "-e")

_early: tuple[Key, subprocess.Popen] | None = None


def child_formats(argv: Sequence[str]) -> frozenset[str]:
    """The formats ``argv``, a `flask` command line, renders in a child (empty: none)."""
    program = argv[0] if argv else ""
    if Path(program).name != "flask" and not program.endswith(os.path.join("flask", "__main__.py")):
        return frozenset()
    words = list(argv[1:])
    if any(word in ("--help", "-h", "--version") for word in words):
        return frozenset()
    while words and words[0].startswith("-"):
        option = words.pop(0)
        if option in _VALUE_OPTIONS and words:
            words.pop(0)
    if not words or words[0] not in RENDERING_COMMANDS:
        return frozenset()
    formats, by_option = RENDERING_COMMANDS[words[0]]
    if not by_option:
        return formats
    fmt = "pdf"
    for i, word in enumerate(words):
        if word == "--format" and i + 1 < len(words):
            fmt = words[i + 1]
        elif word.startswith("--format="):
            fmt = word.split("=", 1)[1]
    return formats & {fmt}


def command_needs_child(argv: Sequence[str]) -> bool:
    """Whether ``argv`` is the `flask` command line running a command that renders in a child."""
    return bool(child_formats(argv))


def start_for_command(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> bool:
    """For `flask … annex …` (and the archive): start the render child now, importing what
    it needs while the app imports. Returns whether one was started; does nothing elsewhere (a server,
    the tests), nor with ANNEX_PRESTART=0."""
    global _early
    env = os.environ if env is None else env
    formats = child_formats(sys.argv if argv is None else argv)
    if _early is not None or not formats:
        return False
    if env.get("ANNEX_PRESTART", "1") in ("0", "false", "no"):
        return False
    try:
        timeout, memory_mb = limits_from(env)
        # a child for these formats only (a DOCX needs no WeasyPrint, a PDF no python-docx), and
        # no warm-up: the command's job arrives about when the imports are done (a warm-up's
        # small annex would delay it: 1.76x -> 1.58x WeasyPrint alone without it, at load 3.4)
        _early = (key(memory_mb, timeout), popen(memory_mb, timeout, warm=False, formats=formats))
    except (OSError, ValueError):  # only an optimisation: the export starts its own and reports
        return False
    return True


def take_early() -> tuple[Key, subprocess.Popen] | None:
    """The child started early, once (child._take checks its limits)."""
    global _early
    early, _early = _early, None
    return early


def end(proc: subprocess.Popen) -> None:
    """Stop a render child that has no job (it holds nothing worth waiting for) and close its pipes."""
    with contextlib.suppress(OSError):
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired, OSError):
        proc.wait(timeout=5)
    for pipe in (proc.stdin, proc.stderr):
        if pipe:
            with contextlib.suppress(OSError):
                pipe.close()


@atexit.register
def _end_early() -> None:
    """A command that failed before its export (an unknown meeting): its child goes at once."""
    early = take_early()
    if early is not None:
        end(early[1])
