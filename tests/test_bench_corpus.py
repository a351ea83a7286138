"""`invoke bench`'s generated corpus: deterministic, and it turns every feature on."""

from __future__ import annotations

import hashlib
from pathlib import Path

from benchmark.child import ours
from benchmark.corpus import generate
from conftest import soup


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_same_seed_gives_the_same_corpus(tmp_path):
    one, two = generate(tmp_path / "one", 30, seed=4), generate(tmp_path / "two", 30, seed=4)
    assert tree_digest(one.root) == tree_digest(two.root)
    assert tree_digest(generate(tmp_path / "three", 30, seed=5).root) != tree_digest(one.root)


def test_the_corpus_builds_with_membership_blocks_and_story_coverage(tmp_path):
    info = generate(tmp_path / "corpus", 40, seed=2)
    assert info.stories == 3
    ours(Path(__file__).resolve().parents[1], info.root, info.root / "out")
    out = info.root / "out"
    columns = sorted((out / "columns").glob("col-*/index.html"))
    assert len(columns) == 40
    assert all(soup(page).select_one(".cta") is not None for page in columns), "a membership block on every column"
    variants = {soup(page).select_one(".cta .cta__headline").get_text(strip=True) for page in columns}
    assert len(variants) >= 2, "targeted variants as well as the default"
    stories = sorted((out / "stories").glob("story-*/index.html"))
    assert len(stories) == 3
    story = soup(stories[0])
    assert len(story.select("a[href^='https://outlet-']")) >= 4, "coverage from other outlets"
    linked = [a["href"] for a in story.select("a[href*='columns/col-']")]
    assert linked, "the story links its columns"
    column_pages = {page.parent.name: page for page in columns}
    slug = linked[0].rstrip("/").rsplit("/", 1)[1]
    assert soup(column_pages[slug]).select("a[href*='stories/story-']"), "and each column its stories"
