"""How a template tree uses each context variable, read from Jinja's syntax tree.

A page depends on a context value only through what its templates can observe of it. When
every mention of a variable is one of a few plain forms, the page depends on those
projections, not on the whole value: a listing page that reads `articles_page.number` and
`articles_paginator.num_pages` does not depend on every article of the listing.

The forms (anything else, such as handing the variable to a filter, a loop or a `set`, is a
use of the whole value):
- `x.name` / `x["name"]` / `x[0]`   -> the attribute or item, as Jinja reads it (then whole);
- `x.name()` with no arguments      -> a call, known pure for a few types (page_keys.py);
- `x|length`, `x|count`             -> len(x);
- `x` as a condition (`if x`, `a if x else b`, `not x`, `x and y` in a condition) -> bool(x);
- `x is defined` / `x is undefined` -> nothing: whether `x` is in the context is in the key.

A use inside `{% if t %}...{% else %}` or `a if t else b`, where the test `t` is made of
variables no template assigns, their attributes, constants, comparisons, and/or/not, is
guarded by t: it counts only when the page's own context takes that branch. What t reads is
in the key through t's own uses, so a page whose branch flips gets a new key.

Every Name of the variable in every template of the tree is considered, also where a template
binds the same name locally: that only adds uses, so the analysis stays on the safe side.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import sys
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import Environment, meta, nodes
from site_build.kept_files import write_atomically

LENGTH_FILTERS = frozenset({"length", "count"})
COMPARISONS = frozenset({"eq", "ne", "lt", "gt", "lteq", "gteq"})
# A condition in a form computed from the context: ("name", n), ("attr", term, a), ("const", v),
# ("not", t), ("and"|"or", t, t), ("compare", t, ((op, t), ...)), ("test", t, "defined").
Term = tuple
DEFINED_TESTS = frozenset({"defined", "undefined"})


@dataclass(frozen=True)
class Use:
    """One way a template reads a context variable: kind is whole, attr, item, call, len or bool."""

    kind: str
    name: str | int | None = None
    guards: tuple[tuple[Term, bool], ...] = ()  # (test, its truth) all needed for the use

    @functools.cached_property
    def label(self) -> bytes:
        """What the use reads, as it enters a page key."""
        return repr((self.kind, self.name)).encode() + b"="


# name -> its uses (sorted), or None when some template uses it whole whatever the page
VariableUses = dict[str, tuple[Use, ...] | None]


def _is_plain_call(call: nodes.Call) -> bool:
    return not (call.args or call.kwargs or call.dyn_args or call.dyn_kwargs)


def _has_no_arguments(node: nodes.Filter | nodes.Test) -> bool:
    return not (node.args or node.kwargs or node.dyn_args or node.dyn_kwargs)


class _UseCollector:
    def __init__(self, interesting: frozenset[str], assigned: frozenset[str],
                 trees: dict[str, nodes.Template]) -> None:
        self._interesting = interesting
        self._assigned = assigned
        self._trees = trees
        self._including: list[str] = []
        self.uses: dict[str, set[Use]] = {}

    def _add(self, name: str, use: Use) -> None:
        if name in self._interesting:
            self.uses.setdefault(name, set()).add(use)

    def _guard_term(self, test: nodes.Node) -> Term | None:
        """The test as a term projections.evaluate can compute from the context, when it is one
        of the plain forms (variables no template assigns, attributes, constants, comparisons,
        and/or/not, `is defined`)."""
        if isinstance(test, nodes.Name):
            # a context variable: free in the tree (not `loop`, `self`, ...) and assigned nowhere
            plain = test.ctx == "load" and test.name in self._interesting and test.name not in self._assigned
            return ("name", test.name) if plain else None
        if isinstance(test, nodes.Getattr):
            inner = self._guard_term(test.node)
            return ("attr", inner, test.attr) if inner else None
        if isinstance(test, nodes.Const) and type(test.value) in (str, int, bool, type(None)):
            return ("const", test.value)
        if isinstance(test, nodes.Not):
            inner = self._guard_term(test.node)
            return ("not", inner) if inner else None
        if isinstance(test, (nodes.And, nodes.Or)):
            left, right = self._guard_term(test.left), self._guard_term(test.right)
            return (type(test).__name__.lower(), left, right) if left and right else None
        if isinstance(test, nodes.Compare) and all(op.op in COMPARISONS for op in test.ops):
            terms = [self._guard_term(test.expr), *(self._guard_term(op.expr) for op in test.ops)]
            if all(terms):
                return ("compare", terms[0], tuple((op.op, t) for op, t in zip(test.ops, terms[1:], strict=True)))
            return None
        if isinstance(test, nodes.Test) and test.name in DEFINED_TESTS and _has_no_arguments(test):
            inner = self._guard_term(test.node)
            return ("test", inner, test.name) if inner else None
        return None

    def visit(self, node: nodes.Node, guards: tuple[tuple[Term, bool], ...], condition: bool = False) -> None:
        if isinstance(node, nodes.Name):
            if node.ctx == "load":
                self._add(node.name, Use("bool" if condition else "whole", None, guards))
            return
        if isinstance(node, nodes.NSRef):  # `{% set ns.x = ... %}` changes the namespace
            self._add(node.name, Use("whole", None, guards))
            return
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr) \
                and isinstance(node.node.node, nodes.Name) and node.node.node.ctx == "load" \
                and _is_plain_call(node):
            self._add(node.node.node.name, Use("call", node.node.attr, guards))
            return
        if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name) and node.node.ctx == "load":
            self._add(node.node.name, Use("attr", node.attr, guards))
            return
        if isinstance(node, nodes.Getitem) and isinstance(node.node, nodes.Name) and node.node.ctx == "load" \
                and isinstance(node.arg, nodes.Const) and type(node.arg.value) in (str, int):
            self._add(node.node.name, Use("item", node.arg.value, guards))
            return
        if isinstance(node, nodes.Filter) and isinstance(node.node, nodes.Name) and node.node.ctx == "load" \
                and node.name in LENGTH_FILTERS and _has_no_arguments(node):
            self._add(node.node.name, Use("len", None, guards))
            return
        if isinstance(node, nodes.Test) and isinstance(node.node, nodes.Name) and node.node.ctx == "load" \
                and node.name in DEFINED_TESTS and _has_no_arguments(node):
            return  # presence only, which the key holds anyway
        if isinstance(node, (nodes.If, nodes.CondExpr)):
            self._branches(node, guards)
            return
        if isinstance(node, nodes.Include):
            self._include(node, guards)
        if condition and isinstance(node, (nodes.And, nodes.Or)):
            self.visit(node.left, guards, True)
            self.visit(node.right, guards, True)
            return
        if condition and isinstance(node, nodes.Not):
            self.visit(node.node, guards, True)
            return
        for child in node.iter_child_nodes():
            self.visit(child, guards)

    def _include(self, node: nodes.Include, guards: tuple[tuple[Term, bool], ...]) -> None:
        """An included template is read where it is included, under the conditions around it."""
        names = _included_names(node)
        for name in names:
            if name in self._trees and name not in self._including:
                self._including.append(name)
                self.visit(self._trees[name], guards)
                self._including.pop()

    def _branches(self, node: nodes.If | nodes.CondExpr, guards: tuple[tuple[Term, bool], ...]) -> None:
        self.visit(node.test, guards, True)
        term = self._guard_term(node.test)
        when_true = (*guards, (term, True)) if term else guards
        when_false = (*guards, (term, False)) if term else guards
        if isinstance(node, nodes.CondExpr):
            self.visit(node.expr1, when_true)
            if node.expr2 is not None:
                self.visit(node.expr2, when_false)
            return
        for child in node.body:
            self.visit(child, when_true)
        for child in [*node.elif_, *node.else_]:
            self.visit(child, when_false)


def _included_names(node: nodes.Include) -> list[str]:
    template = node.template
    if isinstance(template, nodes.Const):
        return [template.value] if isinstance(template.value, str) else list(template.value)
    if isinstance(template, (nodes.Tuple, nodes.List)):
        return [item.value for item in template.items if isinstance(item, nodes.Const)]
    return []


def _assigned_names(tree: nodes.Template) -> set[str]:
    """Every name some part of the template binds: set, for, with, macro arguments, imports."""
    found = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    found |= {n.name for n in tree.find_all(nodes.Macro)}
    found |= {n.target for n in tree.find_all(nodes.Import)}
    for imported in tree.find_all(nodes.FromImport):
        found |= {name if isinstance(name, str) else name[1] for name in imported.names}
    return found


# Per environment (each build makes its own, so a changed theme is read again), per template:
# its uses, and each template's tree with its free and assigned names, which every page
# template extending or including it shares (the analysis only reads the trees).
_MEMO: weakref.WeakKeyDictionary[Environment, dict[str, VariableUses | None]] = weakref.WeakKeyDictionary()
_PARSED: weakref.WeakKeyDictionary[Environment, dict[str, tuple[nodes.Template, frozenset[str], frozenset[str]]]] = \
    weakref.WeakKeyDictionary()


def _parsed(environment: Environment, name: str) -> tuple[nodes.Template, frozenset[str], frozenset[str]]:
    """`name`'s tree, free variables and assigned names, worked out once per environment."""
    known = _PARSED.setdefault(environment, {})
    if name not in known:
        source, _filename, _uptodate = environment.loader.get_source(environment, name)
        tree = environment.parse(source, name)
        known[name] = (tree, frozenset(meta.find_undeclared_variables(tree)), frozenset(_assigned_names(tree)))
    return known[name]


def _trees(environment: Environment, name: str, seen: dict[str, nodes.Template]) -> bool:
    """Parse `name` and every template it extends, includes or imports into `seen`; False when
    one is chosen at render time."""
    if name in seen:
        return True
    tree = seen[name] = _parsed(environment, name)[0]
    for other in meta.find_referenced_templates(tree):
        if other is None or not _trees(environment, other, seen):
            return False
    return True


def _uses_in(environment: Environment, name: str) -> VariableUses | None:
    memo = _MEMO.setdefault(environment, {})
    if name not in memo:
        memo[name] = _read_uses(environment, name)
    return memo[name]


def _read_uses(environment: Environment, name: str) -> VariableUses | None:
    trees: dict[str, nodes.Template] = {}
    if not _trees(environment, name, trees):
        return None
    interesting = frozenset().union(*(_parsed(environment, n)[1] for n in trees))
    assigned = frozenset().union(*(_parsed(environment, n)[2] for n in trees))
    collector = _UseCollector(interesting, assigned, trees)
    # Included templates are read at each place they are included; the others from the top.
    only_included = {name for tree in trees.values() for include in tree.find_all(nodes.Include)
                     for name in _included_names(include)}
    only_included -= {name for tree in trees.values() for node in tree.find_all((nodes.Extends, nodes.Import,
                                                                                 nodes.FromImport))
                      if isinstance(node.template, nodes.Const) for name in [node.template.value]}
    only_included.discard(name)
    for template_name, tree in trees.items():
        if template_name not in only_included:
            collector.visit(tree, ())
    unguarded_whole = Use("whole")
    return {variable: (None if unguarded_whole in uses else tuple(sorted(uses, key=repr)))
            for variable in sorted(interesting) for uses in [collector.uses.get(variable, set())]}


def variable_uses(template: Any) -> VariableUses | None:
    """Every free variable of `template`'s tree (in name order) with its uses (None: used whole), or None when
    the tree cannot be known (an include chosen at render time, no loader)."""
    environment, name = getattr(template, "environment", None), getattr(template, "name", None)
    if environment is None or name is None or environment.loader is None:
        return None
    try:
        return _uses_in(environment, name)
    except Exception:
        return None


# --- kept between builds ------------------------------------------------------------------

_STORE_PREFIX = "template-uses-"


def _theme_key(environment: Environment) -> str | None:
    """Changes with any template the environment can load, its syntax, and the code that reads
    them (this analysis and the extensions' modules, whose tags make the trees); None when any
    of that cannot be read (then nothing is kept)."""
    try:
        names = sorted(environment.loader.list_templates())
        h = hashlib.blake2b(digest_size=16)
        h.update(Path(__file__).read_bytes() + jinja2.__version__.encode())
        syntax = (environment.block_start_string, environment.block_end_string,
                  environment.variable_start_string, environment.variable_end_string,
                  environment.comment_start_string, environment.comment_end_string,
                  environment.line_statement_prefix, environment.line_comment_prefix)
        h.update(repr(syntax).encode())
        for extension in sorted(environment.extensions.values(), key=lambda e: type(e).__qualname__):
            module = sys.modules[type(extension).__module__]
            h.update(f"{module.__name__}.{type(extension).__qualname__}\0".encode())
            h.update(Path(module.__file__).read_bytes() if getattr(module, "__file__", None) else b"-")
        for name in names:
            source = environment.loader.get_source(environment, name)[0]
            h.update(name.encode() + b"\0" + source.encode("utf-8", "surrogatepass") + b"\0")
    except Exception:  # an unlistable loader, a file that is not text, one gone meanwhile...
        return None
    return h.hexdigest()


def preload_uses(templates: Iterable[Any], cache_dir: Path) -> None:
    """Have `variable_uses` of each template ready, read from `cache_dir` where the theme is
    unchanged since a build left it there, else worked out here (and left there).

    Reading the templates' syntax trees takes about 0.3 s; a build asks before forking its
    key workers, so they inherit the answers instead of each working them out again."""
    by_environment: dict[int, tuple[Environment, set[str]]] = {}
    for template in templates:
        environment, name = getattr(template, "environment", None), getattr(template, "name", None)
        if isinstance(environment, Environment) and name is not None and environment.loader is not None:
            by_environment.setdefault(id(environment), (environment, set()))[1].add(name)
    for environment, names in by_environment.values():
        key = _theme_key(environment)
        if key is None:
            continue
        path = cache_dir / f"{_STORE_PREFIX}{key}.pickle"
        try:
            with path.open("rb") as handle:
                stored = pickle.load(handle)
            if not isinstance(stored, dict):
                stored = {}
        except Exception:  # missing or damaged: work them out
            stored = {}
        memo = _MEMO.setdefault(environment, {})
        added = False
        for name in sorted(names):
            if name in stored:
                memo.setdefault(name, stored[name])
                continue
            try:
                stored[name] = _uses_in(environment, name)
                added = True
            except Exception:
                continue  # variable_uses reports it as unknowable, every time
        if added:
            _save_uses(path, stored)


def _save_uses(path: Path, stored: dict[str, VariableUses | None]) -> None:
    try:
        for old in path.parent.glob(f"{_STORE_PREFIX}*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)  # another theme's (or an older analysis')
        write_atomically(path, pickle.dumps(stored, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a read-only cache costs time next build, never this one
