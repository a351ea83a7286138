"""A Python-Markdown instance whose stock processors skip text they cannot match (same output)."""

from __future__ import annotations

from collections.abc import Sequence

import markdown

from .block_needles import use_block_needles
from .inline_needles import use_needle_inline
from .preprocessor_needles import use_preprocessor_needles


def fast_markdown(extensions: Sequence[str]) -> markdown.Markdown:
    """`markdown.Markdown(extensions=..., output_format="html")` with every needle guard on."""
    md = markdown.Markdown(extensions=list(extensions), output_format="html")
    return use_preprocessor_needles(use_block_needles(use_needle_inline(md)))
