"""Skip Python-Markdown's preprocessors on text they would give back unchanged, with the exact output.

Each stock preprocessor joins a column's lines and scans the whole text: whitespace
normalisation with a look-behind expression (`(?<=\\n) +\\n`), fenced code with a multi-line
expression, raw HTML with the standard library's `HTMLParser`. Together they were about 1.2 s
of CPU per 10,000 columns, nearly always to change nothing. Each scan can only change the text
where it finds certain characters (below); where the text it scans has none of them, the
result is known: the lines, joined and split again (for whitespace, with the two blank lines
it adds before scanning).

- `NormalizeWhitespace`: removes STX/ETX, turns `\\r` into `\\n`, expands tabs and blanks
  lines of spaces (every match of its expression holds " \\n");
- `FencedBlockPreprocessor`: every fence opens with three "~" or three "`";
- `HtmlBlockPreprocessor`: `HTMLParser` hands everything up to its first "<" or "&" over as
  plain data, which the extractor keeps as it is.

Only the stock classes are guarded (a processor an extension replaced keeps running in full);
`tests/test_speed_inline_needles.py` compares the output with stock Markdown's.
"""

from __future__ import annotations

from collections.abc import Callable

import markdown
from markdown import preprocessors as core
from markdown import util
from markdown.extensions.fenced_code import FencedBlockPreprocessor

# class -> (text without which its run changes nothing, what its run appends before scanning);
# without any of that text, the run gives back the lines joined, with that suffix, split again
GUARDED: dict[type, tuple[tuple[str, ...], str]] = {
    core.NormalizeWhitespace: ((util.STX, util.ETX, "\r", "\t", " \n"), "\n\n"),
    FencedBlockPreprocessor: (("~~~", "```"), ""),
    core.HtmlBlockPreprocessor: (("<", "&"), ""),
}


def _guarded_run(run: Callable[[list[str]], list[str]], needles: tuple[str, ...],
                 suffix: str) -> Callable[[list[str]], list[str]]:
    def run_with_needles(lines: list[str]) -> list[str]:
        scanned = "\n".join(lines) + suffix  # a column ending in a space gains " \n" here
        for needle in needles:
            if needle in scanned:
                return run(lines)
        return scanned.split("\n")

    return run_with_needles


def use_preprocessor_needles(md: markdown.Markdown) -> markdown.Markdown:
    """Guard each of `md`'s stock preprocessors listed in GUARDED (once; again is a no-op)."""
    for processor in md.preprocessors:
        guarded = GUARDED.get(type(processor))
        if guarded is None or getattr(processor, "_needles", None) is not None:
            continue
        needles, suffix = guarded
        processor.run = _guarded_run(processor.run, needles, suffix)
        processor._needles = needles
    return md
