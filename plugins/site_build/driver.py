"""Run Pelican into a temporary folder and swap it into place only when all went well."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from content_model.dates import reference_time
from content_model.errors import ContentErrors
from pelican import Pelican
from pelican.settings import read_settings

from .fingerprint import (
    BuildManifest,
    files_hashes,
    forget_manifest,
    input_fingerprint,
    input_roots,
    is_up_to_date,
    load_manifest,
    manifest_path,
    quick_key,
    save_manifest,
)
from .logs import ErrorRecords, reset_pelican_log_dedup
from .memory import collector_paused, forget_pelican_memos
from .output_tree import apply_to_output, list_ahead, staging_dir_for
from .quick import save_pointer
from .result import BuildResult
from .session import SESSION_SETTING, BuildSession
from .timing import StageClock, timed_signals


def _stderr_line(message: str) -> None:
    print(f"build: {message}", file=sys.stderr, flush=True)


def build_site(settings_file: str | Path, overrides: dict | None = None, *,
               progress: Callable[[str], None] | None = None, force: bool = False) -> BuildResult:
    """Build the site described by `settings_file`; `overrides` win over its values.

    Returns at once, writing nothing, when no input changed since the last successful build
    (unless `force`). Otherwise builds into an empty staging folder that receives only new
    and changed files, then applies them to the output (see output_tree.py). `progress` gets
    one line per stage (default: printed when stderr is a terminal).
    """
    started = time.perf_counter()
    reset_pelican_log_dedup()  # every build reports its own warnings, also under `invoke serve`
    if progress is None and sys.stderr.isatty():
        progress = _stderr_line
    settings_file = Path(settings_file)
    overrides = dict(overrides or {})
    settings = read_settings(str(settings_file), override=overrides)
    final = Path(settings["OUTPUT_PATH"]).resolve()
    manifest_file = manifest_path(settings, settings_file)
    roots = input_roots(settings, settings_file)
    remembered: dict = {}  # the session's, once there is one
    roots_hash = files_hashes(settings, roots, remembered)
    fingerprint = input_fingerprint(settings, roots_hash)
    pinned = settings.get("BUILD_TIME") if "BUILD_TIME" not in overrides else None

    def remember(output_inode: int, valid_until, files: int) -> None:
        key = quick_key(settings_file, overrides)
        save_manifest(manifest_file, BuildManifest(
            fingerprint, output_inode, valid_until, files, key, [str(r) for r in roots], roots_hash,
            pinned if isinstance(pinned, dt.datetime) else None, str(final)))
        save_pointer(settings_file, overrides, key, manifest_file)

    fingerprint_seconds = time.perf_counter() - started
    previous = load_manifest(manifest_file)
    if not force and is_up_to_date(previous, fingerprint, final, reference_time(settings)):
        if previous.quick_key != quick_key(settings_file, overrides):
            remember(previous.output_inode, previous.valid_until, previous.files)
        if progress:
            progress(f"nothing changed since the last build of {final}")
        return BuildResult(True, final, time.perf_counter() - started, up_to_date=True,
                           stages={"fingerprint": fingerprint_seconds})

    staging = staging_dir_for(final)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    listing = list_ahead(final)  # the previous output, listed meanwhile for apply_to_output
    try:
        session = BuildSession(progress_line=progress, input_roots=tuple(roots), remembered=remembered)
        settings = read_settings(str(settings_file), override={
            **overrides, "OUTPUT_PATH": str(staging), SESSION_SETTING: session})

        counter = ErrorRecords()
        pelican_logger = logging.getLogger("pelican")
        pelican_logger.addHandler(counter)
        errors: list[str] = []
        clock = StageClock()
        run_started = time.perf_counter()
        session.progress("reading and validating content")
        try:
            with timed_signals(clock), collector_paused():
                Pelican(settings).run()
        except ContentErrors as exc:
            errors = [exc.report()]
        except Exception as exc:
            errors = [f"build failed: {type(exc).__name__}: {exc}"]
        finally:
            pelican_logger.removeHandler(counter)
            forget_pelican_memos()
            session.end()  # e.g. stops a helper process a failed build never waited for
        if counter.messages and not errors:
            errors = [f"build failed: Pelican reported {len(counter.messages)} error(s):", *counter.messages]
        if errors:
            shutil.rmtree(staging, ignore_errors=True)
            return BuildResult(False, final, time.perf_counter() - started, errors)

        stages = clock.phases(run_started, time.perf_counter())
        stages["fingerprint"] = fingerprint_seconds
        apply_started = time.perf_counter()
        forget_manifest(manifest_file)  # a crash while applying must not leave a valid-looking manifest
        count = apply_to_output(staging, final, listing)
        stages["apply to output"] = time.perf_counter() - apply_started
        session.progress(f"{count.written} files new or changed, {count.kept} unchanged, "
                         f"{count.removed} removed")
        earliest = session.earliest_change()
        remember(final.stat().st_ino, earliest[0] if earliest else None, count.written + count.kept)
        if earliest:
            session.progress(f"output valid until {earliest[0].isoformat()} ({earliest[1]})")
        return BuildResult(True, final, time.perf_counter() - started, stages=stages,
                           files_written=count.written, files_kept=count.kept, files_removed=count.removed,
                           pages_rendered=session.pages_rendered, pages_kept=session.pages_skipped)
    finally:
        if listing is not None:
            listing.abandon()  # (once taken, nothing to stop)
