"""Placement in real Markdown-rendered HTML: only after top-level paragraphs, end when short."""

from __future__ import annotations

from bs4 import BeautifulSoup
from content_model.reader import MARKDOWN_EXTENSIONS
from cta.placement import insertion_offset, place_block
from cta.variants import Placement
from markdown import Markdown

BLOCK = '<aside class="cta" aria-labelledby="h"><h2 id="h">Join</h2></aside>'


def render(markdown_text: str) -> str:
    return Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html").convert(markdown_text)


def after(n: int) -> Placement:
    return Placement("after_paragraph", n)


def cta_position(html: str) -> tuple[str | None, str | None, list[str]]:
    """(previous top-level sibling text, parent tag name, top-level tags) of the placed block."""
    tree = BeautifulSoup(html, "html.parser")
    aside = tree.find("aside")
    previous = aside.find_previous_sibling()
    return (previous.get_text() if previous else None, aside.parent.name,
            [tag.name for tag in tree.find_all(recursive=False)])


BODY = """First paragraph.

- a list item with text

    and a second paragraph inside the item

> A quote with one paragraph.
>
> And another one.

Second paragraph.

<figure><p>inside a figure</p><figcaption>Caption</figcaption></figure>

| a | b |
|---|---|
| c | d |

Third paragraph.

Fourth paragraph.
"""


def test_counts_only_top_level_paragraphs():
    html = render(BODY)
    for n, expected in [(1, "First paragraph."), (2, "Second paragraph."), (3, "Third paragraph."),
                        (4, "Fourth paragraph.")]:
        placed = place_block(html, BLOCK, after(n))
        previous, parent, _ = cta_position(placed)
        assert previous == expected
        assert parent == "[document]"  # never inside li, blockquote, figure or table


def test_never_lands_inside_list_blockquote_table_or_figure():
    html = render(BODY)
    for n in range(1, 8):
        tree = BeautifulSoup(place_block(html, BLOCK, after(n)), "html.parser")
        aside = tree.find("aside")
        assert not aside.find_parents(["li", "ul", "ol", "blockquote", "table", "figure"])


def test_short_body_gets_the_block_at_the_end():
    html = render("Only one.\n\n- a\n- b\n\n> quoted\n")
    placed = place_block(html, BLOCK, after(3))
    _, _, tags = cta_position(placed)
    assert tags[-1] == "aside"
    assert insertion_offset(html, after(3)) == len(html)


def test_top_and_end():
    html = render("One.\n\nTwo.\n")
    assert cta_position(place_block(html, BLOCK, Placement("top")))[2] == ["aside", "p", "p"]
    assert cta_position(place_block(html, BLOCK, Placement("end")))[2] == ["p", "p", "aside"]


def test_the_rest_of_the_body_is_unchanged():
    html = render(BODY + "\nA footnote[^1] & an <br/> entity &amp; more.\n\n[^1]: The note.\n")
    placed = place_block(html, BLOCK, after(2))
    assert placed.replace(BLOCK + "\n", "") == html


def test_paragraphs_in_footnotes_do_not_count():
    html = render("One with a note[^n].\n\n[^n]: A footnote paragraph.\n")
    placed = place_block(html, BLOCK, after(2))
    assert cta_position(placed)[2][-1] == "aside"


def test_reading_stops_at_the_wanted_paragraph_and_offsets_count_every_line(monkeypatch):
    import cta.placement as placement

    seen = []
    real = placement._TopLevelParagraphEnds.handle_endtag
    monkeypatch.setattr(placement._TopLevelParagraphEnds, "handle_endtag",
                        lambda self, tag: seen.append(tag) or real(self, tag))
    html = "\n".join(f"<p>Paragraph {n}\nwith a second line</p>" for n in range(50))
    offset = insertion_offset(html, Placement("after_paragraph", 3))
    assert html[:offset].endswith("Paragraph 2\nwith a second line</p>")
    assert seen == ["p", "p", "p"], "the other 47 paragraphs are not parsed"
