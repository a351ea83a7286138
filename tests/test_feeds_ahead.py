"""The feeds are written in a forked child while the build renders its pages (feeds/ahead.py)."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import feeds
import feeds.ahead as ahead
from conftest import BUILD_TIME, ROOT
from site_build import build_site


def digest(output: Path) -> dict[str, str]:
    return {str(p.relative_to(output)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(output.rglob("*")) if p.is_file()}


def run(output: Path, content: Path, cache: Path):
    return build_site(ROOT / "pelicanconf.py", {"OUTPUT_PATH": str(output), "PATH": str(content),
                                                "CACHE_ROOT": str(cache), "BUILD_TIME": BUILD_TIME}, force=True)


def test_feeds_written_by_a_child_are_those_written_here(content_copy, tmp_path, monkeypatch):
    children = []
    real = ahead.start_in_fork
    monkeypatch.setattr(ahead, "start_in_fork", lambda work: children.append(real(work)) or children[-1])
    forked = run(tmp_path / "forked", content_copy, tmp_path / ".cache-forked")
    assert forked.ok, forked.errors
    assert len(children) == 1 and children[0] is not None and children[0].done  # joined
    monkeypatch.setattr(feeds, "write_ahead", lambda *args: None)
    here = run(tmp_path / "here", content_copy, tmp_path / ".cache-here")
    assert here.ok, here.errors
    made = digest(tmp_path / "forked")
    assert any(name.startswith("feeds/") for name in made)
    assert made == digest(tmp_path / "here")


def test_a_failure_while_writing_the_feeds_fails_the_build_and_keeps_the_output(content_copy, tmp_path,
                                                                                 monkeypatch):
    output = tmp_path / "out"
    assert run(output, content_copy, tmp_path / ".cache").ok
    before = digest(output)

    def broken(**_kwargs):
        raise ValueError("a feed that cannot be written")

    monkeypatch.setattr(feeds, "write_all_feeds", broken)
    column = next((content_copy / "columns").rglob("*.md"))
    column.write_text(column.read_text(encoding="utf-8") + "\nA paragraph added in a test.\n", encoding="utf-8")
    failed = run(output, content_copy, tmp_path / ".cache")
    assert not failed.ok
    assert any("a feed that cannot be written" in error for error in failed.errors)
    assert digest(output) == before


def test_what_the_child_logs_is_logged_once_by_the_build(content_copy, tmp_path, monkeypatch, caplog):
    real = feeds.write_all_feeds

    def warning_then_write(**kwargs):
        logging.getLogger("feeds.build").warning("a warning from the feeds' process")
        return real(**kwargs)

    monkeypatch.setattr(feeds, "write_all_feeds", warning_then_write)
    with caplog.at_level(logging.WARNING):
        result = run(tmp_path / "out", content_copy, tmp_path / ".cache")
    assert result.ok, result.errors
    assert [r.getMessage() for r in caplog.records].count("a warning from the feeds' process") == 1
    assert any(r.name == "feeds.build" for r in caplog.records if "feeds' process" in r.getMessage())
