"""Skip inline patterns that cannot match a piece of text, with Python-Markdown's exact output.

Python-Markdown applies every inline pattern (about 16 core ones, and 18 more for `smarty`'s
quotes, dashes and ellipses) to every text node, one Python call each, and almost all of them
find nothing: that loop is more than half of the Markdown time of a column. Every match of a
pattern's regular expression must contain some literal text (a `[` for links, a `"` or `'` for
smart quotes, `...` for an ellipsis), read here from the compiled expression itself. When none
of those "needles" is in the text, the pattern is skipped exactly where Markdown would have
tried it and found nothing, so the output does not change. A pattern whose needles cannot be
worked out always runs.

This replaces two private methods of `markdown.treeprocessors.InlineProcessor` (the version is
pinned); `tests/test_inline_needles.py` compares the output with stock Markdown's.
"""

from __future__ import annotations

import re
from bisect import bisect_left

# The regex parser's own modules (private, stable within a Python version): the pinned 3.11 is what is tested.
from re import _constants as sre
from re import _parser as sre_parse

import markdown
from markdown import util
from markdown.inlinepatterns import InlineProcessor as InlinePattern
from markdown.treeprocessors import InlineProcessor

Needles = frozenset[str]  # every match contains at least one of these strings

_MAX_LITERAL_REPEAT = 8
_needle_memo: dict[tuple[str, int], Needles | None] = {}


def needles_of(pattern: re.Pattern[str]) -> Needles | None:
    """Strings of which every match of `pattern` contains one; None when that is not known."""
    key = (pattern.pattern, pattern.flags)
    if key not in _needle_memo:
        if pattern.flags & (re.IGNORECASE | re.VERBOSE):
            found = None
        else:
            try:
                found = _sequence_needles(sre_parse.parse(pattern.pattern, pattern.flags))
            except (re.error, TypeError, ValueError, AttributeError):
                found = None
        _needle_memo[key] = found if found and all(found) else None
    return _needle_memo[key]


def _better(a: Needles | None, b: Needles | None) -> Needles | None:
    """The more selective of two needle sets: longer shortest needle, then fewer needles."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b, key=lambda s: (min(map(len, s)), -len(s)))


def _sequence_needles(items) -> Needles | None:
    best: Needles | None = None
    run = ""  # literal text the match holds in a row
    for op, av in items:
        if op is sre.LITERAL:
            run += chr(av)
            continue
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            if op is sre.ASSERT and av[0] == 1:  # a lookahead's text must be in the text searched
                best = _better(best, _sequence_needles(av[1]))
            continue  # zero-width: the literals on each side are still next to each other
        if run:
            best = _better(best, frozenset([run]))
        run = ""
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, high, inner = av
            if low < 1:
                continue
            if low == high <= _MAX_LITERAL_REPEAT and len(inner) == 1 and inner[0][0] is sre.LITERAL:
                run = chr(inner[0][1]) * low
                continue
            best = _better(best, _sequence_needles(inner))
        elif op is sre.SUBPATTERN:
            add_flags = av[1]
            if not add_flags & re.IGNORECASE:
                best = _better(best, _sequence_needles(av[-1]))
        elif op is sre.ATOMIC_GROUP:
            best = _better(best, _sequence_needles(av))
        elif op is sre.BRANCH:
            best = _better(best, _branch_needles(av[1]))
        elif op is sre.IN:
            best = _better(best, _class_needles(av))
    if run:
        best = _better(best, frozenset([run]))
    return best


def _branch_needles(branches) -> Needles | None:
    union: set[str] = set()
    for branch in branches:
        found = _sequence_needles(branch)
        if found is None:
            return None
        union |= found
    return frozenset(union)


def _class_needles(members) -> Needles | None:
    if all(op is sre.LITERAL for op, _ in members) and len(members) <= _MAX_LITERAL_REPEAT:
        return frozenset(chr(av) for _, av in members)
    return None


class _Plan:
    """The registry's patterns with their needles, and which patterns can match given the needles found."""

    def __init__(self, patterns: list) -> None:
        self.patterns = patterns
        self.needles = [needles_of(p.getCompiledRegExp()) if isinstance(p, InlinePattern) else None
                        for p in patterns]
        self.all_needles = tuple(sorted({n for found in self.needles if found for n in found}))
        self._by_present: dict[tuple[str, ...], tuple[int, ...]] = {}

    def candidates(self, data: str) -> tuple[int, ...]:
        """Indices, in order, of the patterns that may match somewhere in `data`."""
        present = tuple(n for n in self.all_needles if n in data)
        found = self._by_present.get(present)
        if found is None:
            found = self._by_present[present] = tuple(
                i for i, needles in enumerate(self.needles) if needles is None or not needles.isdisjoint(present))
        return found


class NeedleInlineProcessor(InlineProcessor):
    """Markdown's inline tree processor, skipping patterns whose needles are not in the text."""

    _plan: _Plan | None = None
    _plan_for: tuple[int, int] = (0, -1)

    def _current_plan(self) -> _Plan:
        registry = self.inlinePatterns
        if self._plan is None or self._plan_for != (id(registry), len(registry)):
            self._plan = _Plan(list(registry))
            self._plan_for = (id(registry), len(registry))
        return self._plan

    # `InlineProcessor.__handleInline`'s loop, visiting only the patterns that may match. The
    # candidates are worked out again after every match, because a match changes `data`.
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, util.AtomicString):
            return data
        plan = self._current_plan()
        apply = self._InlineProcessor__applyPattern
        candidates = plan.candidates(data)
        at = bisect_left(candidates, patternIndex)
        start = 0
        while at < len(candidates):
            index = candidates[at]
            if start and index != patternIndex:
                start = 0  # Markdown restarts at 0 on the next pattern
            patternIndex = index
            data, matched, start = apply(plan.patterns[index], data, index, start)
            if matched:
                candidates = plan.candidates(data)
                at = bisect_left(candidates, index)
            else:
                at += 1
        return data


def use_needle_inline(md: markdown.Markdown) -> markdown.Markdown:
    """Swap each of `md`'s stock inline tree processors (core and smarty's) for the needle one."""
    for item in list(md.treeprocessors._priority):  # the registry keeps priorities here
        current = md.treeprocessors[item.name] if item.name in md.treeprocessors else None
        if type(current) is InlineProcessor:
            fast = NeedleInlineProcessor(md)
            fast.inlinePatterns = current.inlinePatterns
            md.treeprocessors.register(fast, item.name, item.priority)
    return md
