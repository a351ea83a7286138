"""The W3C Nu HTML checker (npm vnu-jar, run with the system Java) on the whole built site."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def run_vnu(files: list[Path]) -> list[dict]:
    if shutil.which("java") is None or not VNU.exists():
        pytest.fail("the Nu HTML checker needs Java and node_modules: run `make test`, which installs both")
    proc = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--also-check-css", "--also-check-svg",
         "--format", "json", *map(str, files)],
        capture_output=True, text=True, check=False,
    )
    messages = json.loads(proc.stderr or '{"messages": []}')["messages"]
    return [m for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]


def checkable_files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*") if p.suffix in {".html", ".css", ".svg"} and p.is_file())


def test_whole_demo_site_has_no_html_errors(demo_site):
    files = checkable_files(demo_site)
    assert len([f for f in files if f.suffix == ".html"]) > 40
    errors = run_vnu(files)
    report = "\n".join(f"{e['url']}:{e.get('lastLine')}: {e['message']}" for e in errors[:40])
    assert errors == [], f"{len(errors)} Nu HTML checker error(s):\n{report}"


def test_checker_does_report_errors(tmp_path):
    """Guards the test above: a broken page must be caught, so zero errors means something."""
    page = tmp_path / "broken.html"
    page.write_text("<!doctype html><html lang=en><title>x</title><p><div></p></span>", encoding="utf-8")
    assert run_vnu([page])
