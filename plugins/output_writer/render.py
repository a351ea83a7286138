"""Render deferred pages, in forked workers that share the parent's built context.

A job is (output path, Jinja template, the page's context). After `fork()` every worker has
the whole site in memory already (copy-on-write), so nothing is pickled but a count and the
error messages coming back. Each page is rendered exactly as the sequential writer would,
then written with `write_if_changed`, so the bytes do not depend on the worker count.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from site_build.logs import ErrorRecords
from site_build.output_tree import write_if_changed

logger = logging.getLogger(__name__)


class Renderable(Protocol):
    def render(self, context: dict[str, Any]) -> str: ...


@dataclass
class RenderJob:
    path: str
    template: Renderable
    context: dict[str, Any]
    shared: dict[str, Any] | None = None  # the site-wide context `context` was copied from


@dataclass
class RenderOutcome:
    rendered: int = 0
    written: int = 0
    errors: list[str] = field(default_factory=list)  # logged ERROR records and exceptions




def render_share(jobs: Sequence[RenderJob], on_page: Callable[[int], None] | None = None) -> RenderOutcome:
    """Render and write `jobs` here, in this process."""
    outcome = RenderOutcome()
    for job in jobs:
        html = job.template.render(job.context)
        if write_if_changed(job.path, html.encode("utf-8")):
            outcome.written += 1
        outcome.rendered += 1
        if on_page is not None:
            on_page(outcome.rendered)
    return outcome


def _child(jobs: Sequence[RenderJob], write_end: int) -> None:
    handler = ErrorRecords()
    logging.getLogger().addHandler(handler)
    try:
        outcome = render_share(jobs)
        outcome.errors = handler.messages
    except BaseException:
        outcome = RenderOutcome(errors=[*handler.messages, traceback.format_exc()])
    payload = f"{outcome.rendered}\n{outcome.written}\n" + "\0".join(outcome.errors)
    with os.fdopen(write_end, "w", encoding="utf-8") as pipe:
        pipe.write(payload)


def render_all(jobs: Sequence[RenderJob], workers: int,
               on_page: Callable[[int], None] | None = None) -> RenderOutcome:
    """Render every job: this process takes one share, `workers - 1` forked children the rest."""
    workers = max(1, min(workers, len(jobs) // 16 or 1))
    if workers == 1 or not hasattr(os, "fork"):
        return render_share(jobs, on_page)
    children: list[tuple[int, int]] = []
    for index in range(1, workers):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: render its share, report, and leave without cleanup handlers
            os.close(read_end)
            code = 0
            try:
                _child(jobs[index::workers], write_end)
            except BaseException:
                code = 1
            os._exit(code)
        os.close(write_end)
        children.append((pid, read_end))
    total = RenderOutcome()
    try:
        mine = render_share(jobs[0::workers], None if on_page is None else lambda done: on_page(done * workers))
        total.rendered, total.written, total.errors = mine.rendered, mine.written, list(mine.errors)
    except Exception:
        total.errors.append(traceback.format_exc())
    for pid, read_end in children:
        with os.fdopen(read_end, encoding="utf-8") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(pid, 0)
        rendered, written, errors = [*payload.split("\n", 2), "", "", ""][:3]
        if os.waitstatus_to_exitcode(status) != 0 or not rendered:
            total.errors.append(f"render worker {pid} failed (exit status {status})")
            continue
        total.rendered += int(rendered)
        total.written += int(written)
        total.errors += [e for e in errors.split("\0") if e]
    return total
