"""Incremental builds: unchanged files are kept, nothing changed means nothing written."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BUILD_TIME, ROOT, build, soup
from site_build.fingerprint import load_manifest, manifest_path

EDITED = "columns/2026/a-library-card-in-three-alphabets.md"
EDITED_PAGE = "columns/a-library-card-in-three-alphabets/index.html"
UNRELATED_PAGE = "columns/the-border-village-that-learned-to-wait/index.html"


def snapshot(output: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder with its inode and mtime: a write of any kind changes it."""
    return {str(p.relative_to(output)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(output.rglob("*")) if p.is_file()}


def digest(output: Path) -> dict[str, str]:
    return {str(p.relative_to(output)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(output.rglob("*")) if p.is_file()}


def built(output: Path, content: Path, **overrides):
    result = build(output, content, CACHE_ROOT=str(output.parent / ".cache"), **overrides)
    assert result.ok, "\n".join(result.errors)
    return result


def test_warm_build_after_one_edit_equals_a_cold_build_and_rewrites_only_what_changed(content_copy, tmp_path):
    output = tmp_path / "out"
    built(output, content_copy)
    before = snapshot(output)
    column = content_copy / EDITED
    column.write_text(column.read_text(encoding="utf-8") + "\nA closing paragraph added in a test.\n",
                      encoding="utf-8")

    warm = built(output, content_copy)
    assert not warm.up_to_date
    assert "A closing paragraph added in a test." in soup(output / EDITED_PAGE).get_text()
    after = snapshot(output)
    assert after[EDITED_PAGE] != before[EDITED_PAGE]
    assert after[UNRELATED_PAGE] == before[UNRELATED_PAGE], "an unaffected page was rewritten"
    assert 0 < warm.files_written < len(after) // 4
    assert warm.files_kept == sum(1 for k, v in after.items() if before.get(k) == v)

    cold = tmp_path / "cold"
    built(cold, content_copy)
    assert digest(output) == digest(cold)


def test_no_change_build_writes_nothing(content_copy, tmp_path):
    output = tmp_path / "out"
    built(output, content_copy)
    before = snapshot(output)
    listing = sorted(p.name for p in tmp_path.iterdir())

    again = built(output, content_copy)
    assert again.up_to_date
    assert snapshot(output) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing, "a file or folder was created"


def test_forced_rebuild_with_no_change_keeps_every_file(content_copy, tmp_path):
    """Without the fast path every page is rendered again, yet no file is replaced."""
    output = tmp_path / "out"
    built(output, content_copy)
    before = snapshot(output)
    from site_build import build_site

    forced = build_site(ROOT / "pelicanconf.py", {"OUTPUT_PATH": str(output), "PATH": str(content_copy),
                                                  "BUILD_TIME": BUILD_TIME,
                                                  "CACHE_ROOT": str(tmp_path / ".cache")}, force=True)
    assert forced.ok and not forced.up_to_date
    assert forced.files_written == 0
    assert snapshot(output) == before
    # and every page has a key, so none is even rendered (pages showing a story and its
    # columns, which hold each other, once had none)
    assert forced.pages_rendered == 0 and forced.pages_kept > 50


def test_a_column_removed_from_the_content_disappears_from_the_output(content_copy, tmp_path):
    output = tmp_path / "out"
    built(output, content_copy)
    assert (output / EDITED_PAGE).exists()
    (content_copy / EDITED).unlink()
    result = built(output, content_copy)
    assert not (output / EDITED_PAGE).exists()
    assert result.files_removed >= 1


def test_failed_build_keeps_the_previous_output_files_and_inodes(content_copy, tmp_path):
    output = tmp_path / "out"
    built(output, content_copy)
    before = snapshot(output)
    column = content_copy / EDITED
    column.write_text(column.read_text(encoding="utf-8").replace("section: culture", "section: nowhere"),
                      encoding="utf-8")
    result = build(output, content_copy, CACHE_ROOT=str(tmp_path / ".cache"))
    assert not result.ok
    assert "section" in "\n".join(result.errors)
    assert snapshot(output) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")], "staging folder left behind"
    column.write_text(column.read_text(encoding="utf-8").replace("section: nowhere", "section: culture"),
                      encoding="utf-8")
    restored = built(output, content_copy)  # the file's mtime moved: rebuilt, but nothing differs
    assert restored.files_written == 0
    assert snapshot(output) == before


def test_theme_edit_invalidates_the_fast_path(content_copy, tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    output = tmp_path / "out"
    built(output, content_copy, THEME=str(theme))
    base = theme / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</body>", "<!-- theme edited -->\n</body>"),
                    encoding="utf-8")
    result = built(output, content_copy, THEME=str(theme))
    assert not result.up_to_date
    assert "<!-- theme edited -->" in (output / "index.html").read_text(encoding="utf-8")


def test_settings_change_invalidates_the_fast_path(content_copy, tmp_path):
    output = tmp_path / "out"
    built(output, content_copy)
    result = built(output, content_copy, SITE_TAGLINE="A tagline changed in a test")
    assert not result.up_to_date
    assert "A tagline changed in a test" in (output / "index.html").read_text(encoding="utf-8")
    assert built(output, content_copy, SITE_TAGLINE="A tagline changed in a test").up_to_date


SCHEDULED = """---
title: A column that waits for the evening
date: 2026-11-20 18:00 +04:00
section: culture
authors: [anahit-sargsyan]
summary: Written ahead and published by the clock.
tags: [Books]
status: published
---

This column was written in the morning and goes live at six in the evening.
"""


def test_the_output_expires_when_a_scheduled_column_goes_live(content_copy, tmp_path):
    (content_copy / "columns" / "2026" / "waits-for-the-evening.md").write_text(SCHEDULED, encoding="utf-8")
    output = tmp_path / "out"
    page = output / "columns" / "waits-for-the-evening" / "index.html"
    built(output, content_copy)
    assert not page.exists()
    manifest = load_manifest(manifest_path({"OUTPUT_PATH": str(output), "CACHE_ROOT": str(tmp_path / ".cache")},
                                           ROOT / "pelicanconf.py"))
    assert manifest is not None
    assert manifest.valid_until == dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)  # 18:00 +04:00

    assert built(output, content_copy, BUILD_TIME=BUILD_TIME + dt.timedelta(hours=1, minutes=59)).up_to_date
    later = built(output, content_copy, BUILD_TIME=BUILD_TIME + dt.timedelta(hours=2, minutes=1))
    assert not later.up_to_date
    assert page.exists()


@pytest.mark.parametrize("workers", [1, 2])
def test_parallel_rendering_gives_the_same_bytes_as_sequential(workers, content_copy, tmp_path, demo_site):
    output = tmp_path / "out"
    built(output, content_copy, OUTPUT_WRITER_WORKERS=workers)
    assert digest(output) == digest(demo_site)


def test_no_change_build_returns_before_pelican_is_imported(content_copy, tmp_path):
    output = tmp_path / "out"
    built(output, content_copy)
    before = snapshot(output)
    code = (
        "import datetime as dt, sys; sys.path.insert(0, 'plugins');"
        "from site_build import build_site;"
        f"r = build_site('pelicanconf.py', {{'OUTPUT_PATH': {str(output)!r}, 'PATH': {str(content_copy)!r},"
        f" 'CACHE_ROOT': {str(tmp_path / '.cache')!r}, 'BUILD_TIME': dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)}});"
        "print(r.ok, r.up_to_date, 'pelican' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["True", "True", "False"]
    assert snapshot(output) == before


def test_deferred_rendering_gives_the_same_bytes_as_pelicans_own_writer(content_copy, tmp_path, demo_site):
    from pelican.settings import read_settings

    plugins = [p for p in read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"] if p != "output_writer"]
    output = tmp_path / "out"
    built(output, content_copy, PLUGINS=plugins)
    assert digest(output) == digest(demo_site)


def test_a_build_runs_with_the_cycle_collector_off_and_leaves_it_as_it_was(content_copy, tmp_path):
    import gc

    from pelican import signals

    seen: list[bool] = []

    def note(_sender, **_kwargs):
        seen.append(gc.isenabled())

    signals.all_generators_finalized.connect(note)
    try:
        assert gc.isenabled()
        assert build(tmp_path / "out", content_copy, CACHE_ROOT=str(tmp_path / ".cache")).ok
        assert seen == [False] and gc.isenabled()
        column = content_copy / EDITED
        column.write_text(column.read_text(encoding="utf-8").replace("section: culture", "section: nowhere"),
                          encoding="utf-8")
        assert not build(tmp_path / "out", content_copy, CACHE_ROOT=str(tmp_path / ".cache")).ok
        assert gc.isenabled()  # also after a failed build
        gc.disable()
        try:
            column.write_text(column.read_text(encoding="utf-8").replace("section: nowhere", "section: culture"),
                              encoding="utf-8")
            assert build(tmp_path / "out", content_copy, CACHE_ROOT=str(tmp_path / ".cache")).ok
            assert not gc.isenabled()  # a caller that had it off keeps it off
        finally:
            gc.enable()
    finally:
        signals.all_generators_finalized.disconnect(note)
