"""Skip block processors that cannot match a block, with Python-Markdown's exact output.

Python-Markdown offers every block of a column to each block processor in turn; several of
them search the whole block with a regular expression that almost never matches (a header's
`#`, a quote's `>`, a definition's `:`, a link reference's `]:`...). Every match of those
expressions contains literal text, read from the expression itself (`inline_needles.needles_of`):
where none of it is in the block, the processor's answer is known without the search.

- processors whose `test` is the search: `test` answers False at once;
- processors whose `test` is always True and whose `run` searches, then puts the block back
  and returns False when nothing matched: `run` returns False at once, the block untouched.

Only the stock classes listed are guarded (a processor an extension replaced keeps running
in full); `tests/test_speed_inline_needles.py` compares the output with stock Markdown's.
"""

from __future__ import annotations

from collections.abc import Callable

import markdown
from markdown import blockprocessors as core
from markdown.extensions.abbr import AbbrBlockprocessor
from markdown.extensions.def_list import DefListProcessor
from markdown.extensions.footnotes import FootnoteBlockProcessor

from .inline_needles import Needles, needles_of

# class -> (the expression it searches each block with, the method that searches)
GUARDED: dict[type, tuple[str, str]] = {
    core.HashHeaderProcessor: ("RE", "test"),
    core.HRProcessor: ("SEARCH_RE", "test"),
    core.BlockQuoteProcessor: ("RE", "test"),
    DefListProcessor: ("RE", "test"),
    core.ReferenceProcessor: ("RE", "run"),
    AbbrBlockprocessor: ("RE", "run"),
    FootnoteBlockProcessor: ("RE", "run"),
}


def _holds_any(block: str, needles: tuple[str, ...]) -> bool:
    for needle in needles:
        if needle in block:
            return True
    return False


def _guarded_test(test: Callable, needles: tuple[str, ...]) -> Callable:
    def test_with_needles(parent, block):
        return _holds_any(block, needles) and test(parent, block)

    return test_with_needles


def _guarded_run(run: Callable, needles: tuple[str, ...]) -> Callable:
    def run_with_needles(parent, blocks):
        if not _holds_any(blocks[0], needles):
            return False  # what run() returns after finding nothing and putting the block back
        return run(parent, blocks)

    return run_with_needles


def block_needles(processor: object) -> Needles | None:
    """The needles guarding `processor`, or None when it is not one of the stock classes listed."""
    guarded = GUARDED.get(type(processor))
    if guarded is None:
        return None
    return needles_of(getattr(processor, guarded[0]))


def use_block_needles(md: markdown.Markdown) -> markdown.Markdown:
    """Guard each of `md`'s listed block processors with its needles (once; again is a no-op)."""
    for processor in md.parser.blockprocessors:
        if getattr(processor, "_needles", None) is not None:
            continue
        needles = block_needles(processor)
        if not needles:
            continue
        ordered = tuple(sorted(needles))
        method = GUARDED[type(processor)][1]
        guard = _guarded_test if method == "test" else _guarded_run
        setattr(processor, method, guard(getattr(processor, method), ordered))
        processor._needles = ordered
    return md
