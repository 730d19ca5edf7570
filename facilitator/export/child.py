"""Run one render in a child process, with a time and a memory limit.

WeasyPrint never runs in the server process: a document that is too big, too slow or
crafted to misbehave costs one child, which is killed at its deadline, and the caller gets
a RenderError with one sentence for a person. Works the same under gevent (its subprocess
and threads are cooperative), so waiting for a child never blocks the server.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..i18n import N_
from . import process
from .render import TAG, pack_build

__all__ = ["RenderError", "pack_build", "prestart", "run"]

# the child's command, environment and default limits (process.py, importable without the app)
DEFAULT_TIMEOUT, DEFAULT_MEMORY_MB = process.DEFAULT_TIMEOUT, process.DEFAULT_MEMORY_MB
_child_env = process.child_env


TOO_LONG = N_("Het opmaken duurde langer dan %(seconds)s seconden en is afgebroken.")


class RenderError(Exception):
    """A render that failed; str() is one sentence for the person who asked for it (Dutch).

    ``msgid`` and ``params`` let a page say it in its reader's language (export/jobs.py).
    """

    def __init__(self, msgid: str, **params: Any):
        dutch = {k: _seconds(v) if isinstance(v, float) else v for k, v in params.items()}
        super().__init__(msgid % dutch if params else msgid)
        self.msgid, self.params = msgid, params


@dataclass
class RenderResult:
    """What the child reported: its result, peak memory and time."""

    result: dict[str, Any]
    maxrss_kb: int
    seconds: float
    log: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the child's CPU time for this job (imports done ahead excluded)


# One child started ahead of need, so that an export does not wait for the imports
# (WeasyPrint alone takes about 0.6 s). It sits idle on its stdin; when this process
# ends, the pipe closes and the child ends with it.
_spare_lock = threading.Lock()
_spare: tuple[tuple[int, int], subprocess.Popen] | None = None


@atexit.register
def _retire_spare() -> None:
    """Let the spare child go: closing its stdin ends it."""
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    if spare is not None:
        _retire(spare[1])


def _retire(proc: subprocess.Popen) -> None:
    for pipe in (proc.stdin, proc.stderr):
        if pipe:
            with contextlib.suppress(OSError):
                pipe.close()
    try:
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        _kill(proc)


def _spawn(memory_mb: int, timeout: float, warm: bool = False) -> subprocess.Popen:
    try:
        return process.popen(memory_mb, timeout, warm)
    except OSError as exc:
        raise RenderError(
            N_("Het opmaakproces kon niet starten (%(reason)s)."), reason=str(exc.strerror or exc)
        ) from exc


def prestart(memory_mb: int = DEFAULT_MEMORY_MB, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Start a spare child with these limits now, unless one is waiting already."""
    global _spare
    with _spare_lock:
        if _spare is not None and _spare[1].poll() is None:
            return
        # a spare child also renders a small annex while it waits (see render._warm_up)
        _spare = (process.key(memory_mb, timeout), _spawn(memory_mb, timeout, warm=True))


def _take(memory_mb: int, timeout: float) -> subprocess.Popen:
    """The spare child if it has these limits and is alive, else a new one."""
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    # the command line's child, started before the app was imported (process.start_for_command)
    for candidate in (spare, process.take_early()):
        if candidate is not None:
            key, proc = candidate
            if key == process.key(memory_mb, timeout) and proc.poll() is None:
                return proc
            _retire(proc)
    return _spawn(memory_mb, timeout)


def run(
    job: dict[str, Any],
    out: Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    keep_spare: bool = True,
) -> RenderResult:
    """Render ``job`` into ``out`` in a child process; raise RenderError on any failure.

    With ``keep_spare`` a fresh child is started for the next export once this one ends
    (not before: its imports would compete with this render for the CPU).
    """
    # the child writes a private file; only a complete render replaces ``out``
    partial = out.with_name(f".{out.name}.{os.getpid()}.{threading.get_ident()}.part")
    # 0600 from the start: the child's writer truncates this file and keeps its mode
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    payload = json.dumps({**job, "out": str(partial)}).encode()
    started = time.monotonic()
    proc = _take(memory_mb, timeout)
    try:
        return _run(proc, payload, partial, out, started, timeout, memory_mb, on_progress)
    finally:
        if keep_spare:
            prestart(memory_mb, timeout)


def _run(
    proc: subprocess.Popen,
    payload: bytes,
    partial: Path,
    out: Path,
    started: float,
    timeout: float,
    memory_mb: int,
    on_progress: Callable[[dict[str, Any]], None] | None,
) -> RenderResult:
    """Feed the job to the child, relay its progress, enforce the deadline, judge the outcome."""

    lines: queue.Queue[bytes | None] = queue.Queue()
    assert proc.stdin is not None and proc.stderr is not None  # both are pipes
    stdin, stderr = proc.stdin, proc.stderr

    def feed() -> None:
        # a child that died early breaks the pipe; its stderr says why
        with contextlib.suppress(OSError):
            stdin.write(payload)
        with contextlib.suppress(OSError):
            stdin.close()

    def pump() -> None:
        try:
            for line in stderr:
                lines.put(line)
        except (OSError, ValueError):
            pass  # the pipe was closed under us: the run is over anyway
        finally:
            lines.put(None)

    threading.Thread(target=feed, daemon=True).start()
    threading.Thread(target=pump, daemon=True).start()

    outcome: dict[str, Any] | None = None
    log: list[str] = []
    deadline = started + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RenderError(TOO_LONG, seconds=float(timeout))
            try:
                line = lines.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                continue
            if line is None:
                break
            text = line.decode("utf-8", "replace").rstrip("\n")
            if not text.startswith(TAG):
                log.append(text[:300])
                continue
            message = json.loads(text[len(TAG) :])
            if "result" in message or "error" in message:
                outcome = message
            elif "log" in message:
                log.append(message["log"])
            elif on_progress:
                on_progress(message)
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except BaseException:
        _kill(proc)
        partial.unlink(missing_ok=True)
        raise
    finally:
        if proc.stderr:
            proc.stderr.close()

    if outcome and "result" in outcome and proc.returncode == 0 and partial.is_file():
        os.chmod(partial, 0o600)  # whatever a writer did, an export is for its owner only
        os.replace(partial, out)
        return RenderResult(
            outcome["result"],
            outcome.get("maxrss_kb", 0),
            time.monotonic() - started,
            log[-20:],
            outcome.get("cpu_seconds", 0.0),
        )
    partial.unlink(missing_ok=True)
    if outcome and outcome.get("error") == "memory":
        raise RenderError(
            N_("Het opmaken had meer dan %(memory)s MB geheugen nodig en is afgebroken."), memory=memory_mb
        )
    if proc.returncode == -signal_number("SIGXCPU"):
        raise RenderError(TOO_LONG, seconds=float(timeout))
    if proc.returncode < 0:
        raise RenderError(
            N_(
                "Het opmaakproces stopte onverwacht (signaal %(signal)s), "
                "mogelijk door de geheugengrens van %(memory)s MB."
            ),
            signal=-proc.returncode,
            memory=memory_mb,
        )
    detail = (outcome or {}).get("detail") or (log[-1] if log else f"exit status {proc.returncode}")
    raise RenderError(N_("Het opmaken is mislukt: %(detail)s"), detail=detail)


def _seconds(value: float) -> str:
    """A number of seconds as Dutch writes it: 300, 0,5."""
    return f"{value:g}".replace(".", ",")


def signal_number(name: str) -> int:
    """The number of a signal by name (0 where the platform lacks it)."""
    import signal

    return int(getattr(signal, name, 0))


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):  # a killed process always ends
        proc.wait(timeout=5)
