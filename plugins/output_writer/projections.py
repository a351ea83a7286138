"""The digest of what a page's templates read of one context value (uses from template_uses.py).

Each use is evaluated the way the template evaluates it (Jinja's own getattr/getitem, len,
truthiness), and the result is hashed whole. A method call counts by its result only for
methods known to read nothing but the object's small state; any other call covers the whole
object. Uses under a guard count only when the page's guard variable takes that branch.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

from jinja2 import StrictUndefined, Undefined
from pelican.paginator import Page

from .template_uses import Term, Use

if TYPE_CHECKING:
    from .page_keys import ValueHasher

# Methods that only read the page's number and its paginator's counts (pelican/paginator.py),
# never the paginator's full object list.
PURE_CALLS: dict[type, frozenset[str]] = {
    Page: frozenset({"has_next", "has_previous", "has_other_pages", "next_page_number",
                     "previous_page_number", "start_index", "end_index"}),
}
# An undefined attribute renders the same whatever object it was read from.
_PLAIN_UNDEFINED = (Undefined, StrictUndefined)


class ProjectionFailed(Exception):
    """A use could not be evaluated safely (the page is then always rendered)."""


_COMPARE = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "gt": operator.gt,
            "lteq": operator.le, "gteq": operator.ge}


def evaluate(term: Term, context: dict[str, Any], environment: Any) -> Any:
    """A guard's test (template_uses.Term) as the template computes it for this context."""
    kind = term[0]
    if kind == "name":
        name = term[1]
        if name in context:
            return context[name]
        if name in environment.globals:
            return environment.globals[name]
        return environment.undefined(name=name)
    if kind == "attr":
        return environment.getattr(evaluate(term[1], context, environment), term[2])
    if kind == "const":
        return term[1]
    if kind == "not":
        return not evaluate(term[1], context, environment)
    if kind == "and":
        return evaluate(term[1], context, environment) and evaluate(term[2], context, environment)
    if kind == "or":
        return evaluate(term[1], context, environment) or evaluate(term[2], context, environment)
    if kind == "compare":
        left = evaluate(term[1], context, environment)
        for op, right_term in term[2]:
            right = evaluate(right_term, context, environment)
            if not _COMPARE[op](left, right):
                return False
            left = right
        return True
    if kind == "test":
        defined = not isinstance(evaluate(term[1], context, environment), Undefined)
        return defined if term[2] == "defined" else not defined
    raise ValueError(f"unknown term {term!r}")


def term_names(term: Term) -> frozenset[str]:
    """The context names a guard's test (template_uses.Term) reads."""
    kind = term[0]
    if kind == "name":
        return frozenset((term[1],))
    if kind == "const":
        return frozenset()
    if kind in ("attr", "not", "test"):
        return term_names(term[1])
    if kind in ("and", "or"):
        return term_names(term[1]) | term_names(term[2])
    if kind == "compare":
        return term_names(term[1]).union(*(term_names(right) for _op, right in term[2]))
    raise ValueError(f"unknown term {term!r}")


def truth(term: Term, context: dict[str, Any], environment: Any, truths: dict[Term, bool]) -> bool | None:
    """The test's truth on this page (remembered in `truths`), or None where evaluating it fails:
    `active_uses` then fails only if a use needs it."""
    try:
        return _truth(term, context, environment, truths)
    except Exception:
        return None


def _truth(term: Term, context: dict[str, Any], environment: Any, truths: dict[Term, bool]) -> bool:
    found = truths.get(term)
    if found is None:
        found = truths[term] = bool(evaluate(term, context, environment))
    return found


def active_uses(uses: tuple[Use, ...], context: dict[str, Any], environment: Any,
                truths: dict[Term, bool] | None = None) -> tuple[Use, ...]:
    """The uses whose guards this page's context satisfies; raises ProjectionFailed.

    `truths` remembers each test's value for one page: many uses share a test."""
    if not any(use.guards for use in uses):
        return uses
    truths = {} if truths is None else truths

    def holds(term: Term, wanted: bool) -> bool:
        return _truth(term, context, environment, truths) == wanted

    try:
        return tuple(use for use in uses if all(holds(term, wanted) for term, wanted in use.guards))
    except Exception as exc:
        raise ProjectionFailed(f"guard: {exc}") from exc


def _read(environment: Any, value: Any, use: Use) -> Any:
    """What the template reads through `use`."""
    if use.kind == "whole":
        return value
    if use.kind == "bool":
        return bool(value)
    if use.kind == "len":
        return len(value)
    if use.kind == "attr":
        return environment.getattr(value, use.name)
    if use.kind == "item":
        return environment.getitem(value, use.name)
    if use.kind == "call":
        if use.name in PURE_CALLS.get(type(value), ()):
            return getattr(value, use.name)()
        return value  # what an unknown method reads is not known: all of it
    raise ValueError(f"unknown use {use}")


def use_digest(hasher: ValueHasher, environment: Any, value: Any, use: Use) -> bytes:
    """The digest of one use of `value`; raises ProjectionFailed, or Unkeyable from the hasher."""
    try:
        read = _read(environment, value, use)
    except Exception as exc:
        raise ProjectionFailed(f"{use}: {exc}") from exc
    if type(read) in _PLAIN_UNDEFINED:
        return b"undefined:" + type(read).__name__.encode()
    return hasher.digest(read)
