"""The Markdown reader and its helpers: slugs, standfirsts, reading time."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT, build, soup
from content_model.slugs import slug_from_title
from content_model.text import cut_at_word, first_paragraph_text, reading_minutes


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("A cynical fight: two neighbours & a border", "a-cynical-fight-two-neighbours-a-border"),
        ("Тбилиси ждёт перемен", "tbilisi-zhdet-peremen"),
        ("ქართული ოცნება და ევროპა", "kartuli-otsneba-da-evropa"),
        ("Հայաստանի ընտրությունները", "hayastani-yntrutyunnery"),
        ("!!!", "untitled"),
    ],
)
def test_slugs_from_titles_in_any_script(title, slug):
    assert slug_from_title(title) == slug


def test_standfirst_falls_back_to_the_first_paragraph():
    html = "<h2>Head</h2><p>First <em>para</em> &amp; more.</p><p>Second.</p>"
    assert first_paragraph_text(html) == "First para & more."


def test_cut_at_word_boundary():
    assert cut_at_word("one two three four", 9) == "one two…"
    assert cut_at_word("short", 20) == "short"
    assert reading_minutes(0) == 1 and reading_minutes(231) == 2


def test_reader_renders_markdown_once_per_file_with_metadata(demo_site):
    page = soup(demo_site / "columns/how-we-fact-check-a-campaign-promise/index.html")
    assert page.select_one(".column__body table")  # tables extension
    authors = [a.get_text(strip=True) for a in page.select(".byline a span")]
    assert authors == ["Nino Kapanadze", "Tamar Lomidze"]
    georgian = soup(demo_site / "columns/supra-rogorts-parlamenti/index.html")
    assert georgian.select_one("h1").get_text() == "სუფრა, როგორც პარლამენტი"


def test_invoke_new_creates_a_valid_draft(tmp_path, content_copy):
    env_code = (
        "import sys, tasks, pathlib;"
        f"tasks.ROOT = pathlib.Path({str(tmp_path / 'site')!r});"
        "from invoke import Context;"
        "tasks.new(Context(), 'Тбилиси ждёт перемен', section='economy', author='nino-kapanadze')"
    )
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "content").symlink_to(content_copy)
    proc = subprocess.run([sys.executable, "-c", env_code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    created = list(content_copy.glob("columns/*/tbilisi-zhdet-peremen.md"))
    assert len(created) == 1
    assert "status: draft" in created[0].read_text(encoding="utf-8")
    assert build(tmp_path / "out", content_copy).ok
