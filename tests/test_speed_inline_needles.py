"""The needle-skipping inline processor gives stock Python-Markdown's output, byte for byte."""

from __future__ import annotations

import random
import re
from pathlib import Path

import markdown
import pytest
from content_model.frontmatter import parse_content_bytes
from content_model.inline_needles import NeedleInlineProcessor, needles_of, use_needle_inline
from content_model.parse_cache import MARKDOWN_EXTENSIONS, new_markdown
from stories.build import new_markdown as new_story_markdown

ROOT = Path(__file__).resolve().parent.parent

# Markdown's special characters plus plain text, so that every pattern both matches and misses.
ALPHABET = list("ab cd\n\n\n*_`'\"-.[]()!<>&#;\\^:/@0123456789   \t|~=s")
TRICKY = [
    "It's the '90s -- or was it the \"80s\"... --- who knows?",
    "A [link](http://example.com \"title\") and ![img](a.png) and <http://x.org> and <me@x.org>",
    "Line one  \nline two &amp; &#8212; &copy; *em* **strong** ***both*** _u_ __uu__ `co`de`",
    "\\*not em\\* [^1] and [ref][r]\n\n[r]: http://example.com\n[^1]: A note.",
    "'Quoted' \"twice\" 'nested \"deep\" here' end'",
    "<span class=\"x\">raw 'html'</span> and <!-- comment --> and <?php ?>",
    "Term\n:   Definition with 'quotes'\n\n| a | b |\n|---|---|\n| 'c' | \"d\" |",
    "*[HTML]: Hyper Text\nThe HTML spec... ....",
]


def stock_markdown() -> markdown.Markdown:
    return markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html")


def texts() -> list[str]:
    found = [parse_content_bytes(p.read_bytes(), str(p)).body for p in sorted((ROOT / "content").rglob("*.md"))]
    rng = random.Random(20261122)
    fuzz = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 240))) for _ in range(1500)]
    return [t for t in found if t] + TRICKY + fuzz


def test_output_equals_stock_markdown_on_demo_content_tricky_text_and_fuzz():
    stock, fast = stock_markdown(), new_markdown()
    corpus = texts()
    assert len(corpus) > 1500
    differing = []
    for text in corpus:
        stock.reset()
        fast.reset()
        if stock.convert(text) != fast.convert(text):
            differing.append(text)
    assert differing == []


def test_story_markdown_also_matches_stock():
    from stories.build import MARKDOWN_EXTENSIONS as STORY_EXTENSIONS

    stock = markdown.Markdown(extensions=STORY_EXTENSIONS, output_format="html")
    fast = new_story_markdown()
    for text in TRICKY:
        stock.reset()
        fast.reset()
        assert fast.convert(text) == stock.convert(text)


def test_both_inline_processors_are_swapped_and_keep_their_patterns():
    md = new_markdown()
    stock = stock_markdown()
    for name in ("inline", "smarty"):
        assert isinstance(md.treeprocessors[name], NeedleInlineProcessor)
        assert list(md.treeprocessors[name].inlinePatterns) != []
        assert [type(p) for p in md.treeprocessors[name].inlinePatterns] == \
            [type(p) for p in stock.treeprocessors[name].inlinePatterns]
    assert [i.name for i in md.treeprocessors._priority] == [i.name for i in stock.treeprocessors._priority]


def test_swapping_twice_changes_nothing():
    md = use_needle_inline(new_markdown())
    assert md.convert("It's -- fine...") == stock_markdown().convert("It's -- fine...")


@pytest.mark.parametrize(("pattern", "needles"), [
    (r"\!\[", {"!["}),
    (r"(?<!\.)\.{3}(?!\.)", {"..."}),
    (r"\*|_", {"*", "_"}),
    (r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>", {"://"}),
    (r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)", {"\\\\", "`"}),
    (r"^'(?=[!\"#])", {"'"}),
    (r"[xyz]+q", {"q"}),
    (r"[xyz]+", {"x", "y", "z"}),
])
def test_needles_are_literal_text_every_match_contains(pattern, needles):
    assert needles_of(re.compile(pattern)) == needles


@pytest.mark.parametrize("pattern", [
    r"a?",  # may match the empty string
    r"(a|)",  # one branch needs nothing
    r"[^a]",  # a negated class
    r"[a-z]",  # a range: too many needles to be worth it
    r"\w+",
    r".",
])
def test_no_needles_when_a_match_needs_no_particular_text(pattern):
    assert needles_of(re.compile(pattern)) is None


def test_case_insensitive_patterns_always_run():
    assert needles_of(re.compile("abc", re.IGNORECASE)) is None
    assert needles_of(re.compile("(?i:abc)")) is None
