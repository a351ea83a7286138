"""Put a rendered block into a column's HTML body without disturbing the rest of it.

Only top-level paragraphs count, so the block never lands inside a list, blockquote, table,
figure or footnote section. The body's HTML is spliced, not re-serialized: what the Markdown
renderer wrote stays byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from content_model.stored_html import may_hold_link

from .variants import Placement

# Elements that never have an end tag (HTML void elements).
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})


class _EnoughParagraphs(Exception):
    """Raised inside the parser once the wanted paragraph has ended: the rest is not read."""


class _TopLevelParagraphEnds(HTMLParser):
    """Offsets just after each top-level `</p>`, in document order, up to `wanted` of them."""

    def __init__(self, html: str, wanted: int):
        super().__init__(convert_charrefs=False)
        # where each line starts (the parser gives positions as line and column); one entry
        # per line, not a scan of every character in Python
        self._line_starts = [0]
        for line in html.split("\n"):
            self._line_starts.append(self._line_starts[-1] + len(line) + 1)
        self._html = html
        self._wanted = wanted
        self._depth = 0
        self.ends: list[int] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag not in _VOID:
            self._depth += 1

    def handle_startendtag(self, tag: str, attrs) -> None:
        pass  # <br/>: no depth change

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        self._depth = max(0, self._depth - 1)
        if tag == "p" and self._depth == 0 and len(self.ends) < self._wanted:
            start = self._offset()
            self.ends.append(self._html.index(">", start) + 1)
            if len(self.ends) == self._wanted:
                raise _EnoughParagraphs


def insertion_offset(html: str, placement: Placement) -> int:
    """Where in `html` the block goes: 0, the end, or after the Nth top-level paragraph."""
    if placement.where == "top":
        return 0
    if placement.where == "end":
        return len(html)
    parser = _TopLevelParagraphEnds(html, placement.paragraph)
    try:
        parser.feed(html)
        parser.close()
    except _EnoughParagraphs:
        pass
    if len(parser.ends) < placement.paragraph:
        return len(html)  # a short body: the block goes at the end
    return parser.ends[placement.paragraph - 1]


def place_block(html: str, block: str, placement: Placement) -> str:
    """`html` with `block` inserted at `placement`, each on its own line."""
    return splice_block(html, block, insertion_offset(html, placement))


def splice_block(html: str, block: str, offset: int) -> str:
    """`html` with `block` inserted at `offset`, each on its own line."""
    before, after = html[:offset].rstrip("\n"), html[offset:].lstrip("\n")
    return "\n".join(part for part in (before, block.strip(), after) if part)


@dataclass(frozen=True)
class BlockSplice:
    """`splice_block` as a value: an edit an article applies to its HTML whenever the HTML is
    read (content_model.stored_html), its fields saying what it does (page keys hash them).
    The offset is worked out once, by `insertion_offset`, on the HTML the edit applies to."""

    block: str
    offset: int

    def __call__(self, html: str) -> str:
        return splice_block(html, self.block, self.offset)

    @property
    def may_link(self) -> bool:
        """Whether the block could hold a link in Pelican's default syntax ("{" or "|"): the
        edit adds nothing else (see content_model.stored_html.content_identity)."""
        return may_hold_link(self.block)
