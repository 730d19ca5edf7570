"""The one executor of every change: ``execute(caller, command)``.

Every change is applied by the batch (batch.py), with the same op-id idempotency, close
rule, storage budget and change log: live traffic as a batch of N through the process's
writer (writer.py, which groups what arrives within a few milliseconds), curation and the
command line as a batch of one in the caller's own transaction (``direct``). The caller
broadcasts the returned events only after the commit.
"""

from __future__ import annotations

from . import batch
from .protocol import Change
from .registry import Caller, Outcome
from .writer import answer, writer


def execute(caller: Caller, command: Change, direct: bool = False) -> Outcome:
    """Run one change; return its outcome or raise its refusal (or the server's failure).

    ``direct``: now, in the caller's transaction (curation, the command line), not queued for
    the writer's next batch.
    """
    if not direct:
        return writer.submit(caller, command)
    job = batch.Job(caller, command)
    batch.apply([job], cache=False)
    return answer(job)
