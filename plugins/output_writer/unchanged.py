"""Leave out of rendering every page whose inputs are those of the page already in the output.

Only inside a `site_build` staging folder, with `CACHE_ROOT` set: the previous output is then
known, and a kept page is noted in the staging ledger instead of being written. Keys are
described in page_keys.py, records in page_records.py.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from pelican.contents import Content
from site_build.fingerprint import inputs_but_documents
from site_build.forks import map_in_forks
from site_build.kept_files import Record, record_of, still_valid
from site_build.output_tree import keep_all_previous, staged_location
from site_build.session import BuildSession

from .page_keys import ValueHasher, page_key
from .page_records import load_records, records_file, save_records
from .parallel_digests import DigestsAhead, precompute_article_digests
from .render import RenderJob
from .template_uses import preload_uses

logger = logging.getLogger(__name__)

def build_key(settings: dict, roots: Iterable[Path], session: BuildSession | None = None) -> str:
    """Settings, code, theme and every input file except content documents (see page_keys.py):
    every content document becomes an object in the context and is hashed there, so an edited
    column changes the keys of the pages that show it, not of every page."""
    return inputs_but_documents(settings, roots, session.remembered if session is not None else None)


def _page_articles(jobs: Sequence[RenderJob]) -> list[Content]:
    """The articles of the column pages, once each: the listings show the same objects."""
    seen: dict[int, Content] = {}
    for job in jobs:
        article = job.context.get("article")
        if isinstance(article, Content):
            seen.setdefault(id(article), article)
    return list(seen.values())


def page_keys(hasher: ValueHasher, build_key: str, jobs: Sequence[RenderJob], workers: int) -> list[str | None]:
    """Each job's page key, computed on `workers` processes (forked: they share the built site
    and the columns' digests already in `hasher`; a key is the same wherever it is computed).
    This process hashes a share too: leaving every share to children saved ~7 MB of peak
    memory at 10,000 columns but cost ~0.2 s (each child's copy-on-write faults)."""
    def keys_of(share: Sequence[RenderJob]) -> list[str | None]:
        return [page_key(hasher, build_key, job.template, job.context, job.shared) for job in share]

    return map_in_forks(keys_of, jobs, workers)


class UnchangedPages:
    """Splits a build's render jobs into pages to render and pages kept as they are."""

    @staticmethod
    def applies_to(settings: dict, session: BuildSession | None) -> bool:
        """Whether a build with these settings keeps unchanged pages (see the module docstring)."""
        return bool(settings.get("CACHE_ROOT") and session is not None and session.input_roots)

    def __init__(self, settings: dict, session: BuildSession | None) -> None:
        cache_root = settings.get("CACHE_ROOT")
        self._enabled = self.applies_to(settings, session)
        self._keys: dict[str, str] = {}  # output-relative path -> key, for pages with a key
        self._where: dict[str, str] = {}  # output-relative path -> path in the previous output
        self._records: dict[str, Record] = {}
        self._file: Path | None = None
        if self._enabled:
            self._build_key = build_key(settings, session.input_roots, session)
            self._cache_root = cache_root

    def split(self, jobs: Sequence[RenderJob], workers: int = 1,
              ahead: DigestsAhead | None = None) -> tuple[list[RenderJob], int]:
        """(jobs still to render, number of pages kept); digests and keys on `workers` processes,
        with the digests `ahead` computed (parallel_digests.py) when given."""
        if not self._enabled or not jobs:
            return list(jobs), 0
        # before any worker is forked, so that they all inherit the templates' variable uses
        preload_uses({id(job.template): job.template for job in jobs}.values(), Path(self._cache_root) / "render")
        hasher = ValueHasher()
        if ahead is not None:
            ahead.give_to(hasher)
        precompute_article_digests(hasher, _page_articles(jobs), workers)
        to_render: list[RenderJob] = []
        locations = [staged_location(job.path) for job in jobs]
        keys = iter(page_keys(hasher, self._build_key,
                              [job for job, location in zip(jobs, locations, strict=True) if location], workers))
        kept_paths: list[str] = []
        for job, location in zip(jobs, locations, strict=True):
            if location is None:
                to_render.append(job)
                continue
            key = next(keys)
            previous_root, relative = location
            if self._file is None:
                self._file = records_file(self._cache_root, previous_root)
                self._records = load_records(self._file)
            previous = os.path.join(previous_root, relative)
            self._where[relative] = previous
            if key is not None:
                self._keys[relative] = key
            if still_valid(self._records.get(relative), key, previous) and not os.path.exists(job.path):
                kept_paths.append(job.path)
            else:
                to_render.append(job)
        keep_all_previous(kept_paths)
        return to_render, len(kept_paths)

    def remember(self, rendered: Sequence[RenderJob]) -> None:
        """Record what each page became: the staged file when written, else the kept one."""
        if not self._enabled or self._file is None:
            return
        fresh: dict[str, Record] = {}
        staging_of = {}
        for job in rendered:
            location = staged_location(job.path)
            if location is not None:
                staging_of[location[1]] = job.path
        for relative, key in self._keys.items():
            if relative in staging_of:
                staged = staging_of[relative]
                record = record_of(key, staged if os.path.exists(staged) else self._where[relative])
            else:
                record = self._records.get(relative)
            if record is not None:
                fresh[relative] = record
        save_records(self._file, fresh)
