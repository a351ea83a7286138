"""The needle-skipping inline and block processors give stock Python-Markdown's output, byte for byte."""

from __future__ import annotations

import random
import re
from pathlib import Path

import markdown
import pytest
from content_model.block_needles import GUARDED, use_block_needles
from content_model.frontmatter import parse_content_bytes
from content_model.inline_needles import NeedleInlineProcessor, needles_of, use_needle_inline
from content_model.parse_cache import MARKDOWN_EXTENSIONS, new_markdown
from content_model.preprocessor_needles import GUARDED as GUARDED_PREPROCESSORS
from content_model.preprocessor_needles import use_preprocessor_needles
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
    # block level: each guarded processor both matching and missing, next to the others
    "# Title #\n## Sub\nText with a # inside\n\n#not a header?\n\n####### seven",
    "---\n\n* * *\n\n_ _ _\n\n- - -x\n\nText -- with dashes\n___",
    "> quoted\n> > nested\nlazy line\n\na > b is not a quote\n\n   > indented quote",
    "Term\n: definition\n\nTerm two\n:    far definition\n\nA colon: not a list",
    "[ref]: http://example.com \"T\"\n[other]: <http://x.org>\nText [ref] here.\n\n[x]:nope",
    "Note[^a].\n\n[^a]: The note\n    continues.\n[^b]: Another.\n\nA [^ not a note",
    "*[W3C]: World Wide Web Consortium\n*[]: empty\nW3C and *[x] text",
    "para\n---\n\npara\n===\n\n1. one\n2. two\n\n* a\n* b\n\n    code #\n    > not quote",
    # preprocessors: each one's needles present and absent, next to the others'
    "```\ncode 'x' -- y\n```\n\n~~~ python\nprint('a')\n~~~\n\n``not a fence`` and ~~ no",
    "Windows\r\nline ends\rand old Mac ones\r\n\r\nnew para",
    "tabs\tinside\tlines\n\tcode by tab\n  \n   \nspace-only lines above ",
    "control \u0002characters\u0003 that Markdown itself uses",
    "AT&T and &amp; and &#8212; and &copy but no tag",
    "<div>\nraw block\n</div>\n\n<p>and</p> text <b>bold</b>",
]

# Lines that start or look like every kind of block, for the block-level fuzz.
BLOCK_LINES = ["# h", "## h #", "#x", "> q", ">", "a > b", "---", "* * *", "___", "- item", "* item", "1. one",
               "Term", ": def", ":   def", "a: b", "[r]: http://e.com", "[r]:", "[^n]: note", "[^n]",
               "*[AB]: abbr", "AB text", "    code", "\tcode", "", "", "plain text", "=====", "| a | b |", "|---|---|"]


def stock_markdown() -> markdown.Markdown:
    return markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html")


def texts() -> list[str]:
    found = [parse_content_bytes(p.read_bytes(), str(p)).body for p in sorted((ROOT / "content").rglob("*.md"))]
    rng = random.Random(20261122)
    fuzz = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 240))) for _ in range(1500)]
    blocks = ["\n".join(rng.choice(BLOCK_LINES) for _ in range(rng.randint(1, 14))) for _ in range(1500)]
    return [t for t in found if t] + TRICKY + fuzz + blocks


def test_output_equals_stock_markdown_on_demo_content_tricky_text_and_fuzz():
    stock, fast = stock_markdown(), new_markdown()
    corpus = texts()
    assert len(corpus) > 3000
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


def test_the_listed_block_processors_are_guarded_by_the_text_their_expressions_need():
    md = new_markdown()
    guarded = {type(p).__name__: p._needles for p in md.parser.blockprocessors if getattr(p, "_needles", None)}
    assert guarded == {"HashHeaderProcessor": ("#",), "HRProcessor": ("*", "-", "_"), "BlockQuoteProcessor": (">",),
                       "DefListProcessor": (":",), "ReferenceProcessor": ("]:",), "AbbrBlockprocessor": ("*[",),
                       "FootnoteBlockProcessor": ("[^",)}
    assert len(guarded) == len(GUARDED)
    stock_order = [type(p) for p in stock_markdown().parser.blockprocessors]
    assert [type(p) for p in md.parser.blockprocessors] == stock_order


def test_the_stock_preprocessors_are_guarded_by_the_text_they_change():
    md = new_markdown()
    guarded = {type(p).__name__: p._needles for p in md.preprocessors if getattr(p, "_needles", None)}
    assert guarded == {"NormalizeWhitespace": ("\x02", "\x03", "\r", "\t", " \n"),
                       "FencedBlockPreprocessor": ("~~~", "```"), "HtmlBlockPreprocessor": ("<", "&")}
    assert len(guarded) == len(GUARDED_PREPROCESSORS)
    assert [type(p) for p in md.preprocessors] == [type(p) for p in stock_markdown().preprocessors]


@pytest.mark.parametrize(("text", "scanned"), [
    ("A plain column.\n\nIt has 'quotes' -- and *emphasis*.", []),
    ("```\nx\n```", ["FencedBlockPreprocessor"]),
    ("a &amp; b", ["HtmlBlockPreprocessor"]),
    ("a <b>c</b>", ["HtmlBlockPreprocessor"]),
    ("a\r\nb", ["NormalizeWhitespace"]),
    ("a \n\nb", ["NormalizeWhitespace"]),
    ("a\tb ~~~", ["NormalizeWhitespace", "FencedBlockPreprocessor"]),
    ("ends in a space ", ["NormalizeWhitespace"]),  # the two newlines it appends make " \n"
])
def test_a_stock_preprocessor_scans_only_text_holding_one_of_its_needles(text, scanned):
    calls: list[str] = []
    md = stock_markdown()
    for processor in md.preprocessors:  # count the stock runs, then guard them
        processor.run = (lambda run, name: lambda lines: calls.append(name) or run(lines))(
            processor.run, type(processor).__name__)
    use_preprocessor_needles(md)
    assert md.convert(text) == stock_markdown().convert(text)
    assert calls == scanned


def test_swapping_twice_changes_nothing():
    md = use_preprocessor_needles(use_block_needles(use_needle_inline(new_markdown())))
    assert md.parser.blockprocessors["hashheader"]._needles == ("#",)
    assert md.preprocessors["html_block"]._needles == ("<", "&")
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
    (r"^(?=(?P<run>-{3}|_{3}))(?P=run)$", {"---", "___"}),  # a lookahead's text is in the text
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
