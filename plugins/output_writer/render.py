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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import is_not
from typing import Any, Protocol

from site_build.logs import ErrorRecords
from site_build.output_tree import write_if_changed

logger = logging.getLogger(__name__)


class Renderable(Protocol):
    def render(self, context: dict[str, Any]) -> str: ...


_ABSENT = object()


class PageContext(Mapping):
    """A page's context as a site-wide `base` plus what the page has of its own.

    Pelican gives every page a full copy of the site context (about 130 variables); kept for
    each of 15,000 queued pages those copies cost about 100 MB. Here all pages share one base
    and each keeps only the values that differ from it (`own`) and the names it lacks."""

    __slots__ = ("base", "own", "removed")

    def __init__(self, base: dict[str, Any], own: dict[str, Any], removed: frozenset[str] = frozenset()) -> None:
        self.base, self.own, self.removed = base, own, removed

    @classmethod
    def of(cls, context: dict[str, Any], base: dict[str, Any], base_keys: list[str] | None = None) -> PageContext:
        """The same mapping as `context` (every value the very same object), over `base`.

        `base_keys` (`list(base)`, made once) allows the usual case, a copy of `base` with
        some values set and some added, to be compared without a Python loop per variable."""
        if base_keys is not None:
            keys = list(context)
            if keys[:len(base_keys)] == base_keys:  # same variables in the same order, maybe more
                changed = compress(base_keys, map(is_not, context.values(), base.values()))
                return cls(base, {k: context[k] for k in (*changed, *keys[len(base_keys):])})
        own = {k: v for k, v in context.items() if base.get(k, _ABSENT) is not v}
        added = sum(1 for k in own if k not in base)
        removed = frozenset(base.keys() - context.keys()) if len(context) - added < len(base) else frozenset()
        return cls(base, own, removed)

    def __getitem__(self, name: str) -> Any:
        if name in self.own:
            return self.own[name]
        if name in self.removed:
            raise KeyError(name)
        return self.base[name]

    def __contains__(self, name: object) -> bool:
        return name in self.own or (name in self.base and name not in self.removed)

    def __iter__(self) -> Iterator[str]:
        yield from self.own
        yield from (k for k in self.base if k not in self.own and k not in self.removed)

    def __len__(self) -> int:
        return len(self.own) + sum(1 for k in self.base if k not in self.own and k not in self.removed)

    def as_dict(self) -> dict[str, Any]:
        whole = {**self.base, **self.own}
        for name in self.removed:
            del whole[name]
        return whole


@dataclass
class RenderJob:
    path: str
    template: Renderable
    context: Mapping[str, Any]  # a dict, or a PageContext over `shared`
    shared: dict[str, Any] | None = None  # the site-wide values `context` was made from

    def full_context(self) -> dict[str, Any]:
        return self.context.as_dict() if isinstance(self.context, PageContext) else dict(self.context)


@dataclass
class RenderOutcome:
    rendered: int = 0
    written: int = 0
    errors: list[str] = field(default_factory=list)  # logged ERROR records and exceptions




def render_share(jobs: Sequence[RenderJob], on_page: Callable[[int], None] | None = None) -> RenderOutcome:
    """Render and write `jobs` here, in this process."""
    outcome = RenderOutcome()
    for job in jobs:
        html = job.template.render(job.full_context())
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
