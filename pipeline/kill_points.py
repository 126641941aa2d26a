"""Test-only fault injection: kill this process with SIGKILL at a named point of the pipeline.

The kill tests (tests/test_kill_points.py) set ``BAOCAO_TEST_KILL_AT=NAME`` (or ``NAME#N``: the N-th time
this process reaches it) so that a kill lands exactly where it is meant to, without sleeps. With
``BAOCAO_TEST_KILL_ONCE=FILE`` the kill happens only if FILE does not exist yet (it is created first), so a
replaced worker does not die again. Unset, as in every real run, ``kill_point`` is one dictionary lookup.
The names are listed in ``KILL_POINTS``; the README's "Reliability" section says what each one proves.
"""

from __future__ import annotations

import os
import signal

KILL_POINTS = (
    "run.discovered",  # inputs found and hashed, nothing staged yet
    "stage.part_written",  # a document's part written, not yet renamed into _staging
    "stage.done",  # a document staged
    "page.rendered",  # in a worker: a page rendered, its OCR not started
    "page.checkpointed",  # a page's OCR saved as a checkpoint (main process)
    "commit.started",  # staging finished, nothing of the new generation written
    "commit.between_tables",  # one table of the new generation written, the next not
    "commit.generation_written",  # the new generation complete, not yet published
    "commit.between_links",  # between two table links being put in place (first commit of a folder)
    "commit.published",  # the new generation published, the staged parts not yet removed
    "commit.between_part_removals",  # one staged part removed, the others not
)

_seen: dict[str, int] = {}


def kill_point(name: str) -> None:
    target = os.environ.get("BAOCAO_TEST_KILL_AT")
    if not target:
        return
    wanted, _, nth = target.partition("#")
    if wanted != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if nth and _seen[name] != int(nth):
        return
    once = os.environ.get("BAOCAO_TEST_KILL_ONCE")
    if once:
        try:
            os.close(os.open(once, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
    os.kill(os.getpid(), signal.SIGKILL)
