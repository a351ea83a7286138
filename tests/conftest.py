"""Shared fixtures: build the demo site (or a modified copy) into a temp folder."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from site_build import BuildResult, build_site  # noqa: E402

# Fixed "now" for every test build, so scheduled columns and windows are reproducible.
BUILD_TIME = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def build(output: Path, content: Path | None = None, **overrides) -> BuildResult:
    """Build with pelicanconf.py into `output`, optionally from another content folder."""
    settings = {"OUTPUT_PATH": str(output), "BUILD_TIME": BUILD_TIME, **overrides}
    if content is not None:
        settings["PATH"] = str(content)
    return build_site(ROOT / "pelicanconf.py", settings)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    """The demo content built once per test session (per xdist worker)."""
    output = tmp_path_factory.mktemp("demo") / "output"
    result = build(output)
    assert result.ok, "\n".join(result.errors)
    return output


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A private copy of content/ that a test may break or edit."""
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    return target


@pytest.fixture(scope="session")
def demo_site_prod(tmp_path_factory) -> Path:
    """The demo site with absolute URLs, as publishconf.py builds it."""
    output = tmp_path_factory.mktemp("demo-prod") / "output"
    result = build_site(ROOT / "publishconf.py", {"OUTPUT_PATH": str(output), "BUILD_TIME": BUILD_TIME})
    assert result.ok, "\n".join(result.errors)
    return output


@pytest.fixture
def forked_pids(monkeypatch) -> list[int]:
    """The pids of the processes this test forks (os.fork counted while the test runs)."""
    pids: list[int] = []
    real_fork = os.fork

    def counting_fork() -> int:
        pid = real_fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counting_fork)
    return pids
