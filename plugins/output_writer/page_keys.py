"""What each page is rendered from, as one hash: an unchanged key means an unchanged page.

A page's key covers
- the build-wide key: the theme's files, our plugins' code, the settings, and every input file
  that is not a content document (images, YAML, analytics...), since filters read those
  without going through the page's context;
- the template's name;
- the value of every context variable that the template, or anything it extends, includes or
  imports, names (found in Jinja's syntax tree, so a variable no template uses cannot make
  pages stale, and one a template starts using is covered at once); where the templates only
  read some attributes of a variable, its length or its truth, or read it only under a
  condition, those reads instead of the whole value (template_uses.py, projections.py): a
  listing page counts its own columns and the paginator's counts, not every column listed.

Values are hashed by what they hold, not by identity, through a pickle in a canonical form:
an article by its fields (its HTML, metadata, taxonomy objects...), and the articles it
points at (related cards, story backlinks) by their own fields in turn. Articles more than one
step away are represented by their source path only: a page shows its articles and their
cards, not the cards' cards. Other objects (tags, authors, stories, paginators) are hashed
once each, by their own fields; the articles one holds count where the value holding it
counts its own, so no digest depends on what was hashed before it (a story and its columns
hold each other). A value that cannot be pickled (an iterator, a lambda) makes the key `None`,
and such a page is always rendered.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import hashlib
import io
import pickle
import types
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, meta
from pelican.contents import Content
from pelican.urlwrappers import URLWrapper

from .projections import ProjectionFailed, active_uses, term_names, truth, use_digest
from .render import PageContext
from .template_uses import Use, variable_uses

# Per-object attributes that are not what the object shows: the site-wide settings (covered
# by the build-wide key) and Pelican's back reference from every article to the whole context.
# Also the memos speedups/urls.py keeps on an article (its URL, save_as and relative source
# path, computed from fields hashed here and the settings): made on first use, so whether one
# is there yet says when it was first read, not what the page shows.
_SKIPPED_ATTRIBUTES = frozenset({"settings", "_context", "_speedups_url", "_speedups_save_as",
                                 "_speedups_source_path"})
_SCALARS = (str, int, float, bool, type(None))
# Values whose content is not in their __dict__, subclassed or not.
_VALUE_TYPES = (dt.date, dt.time, dt.timedelta, dt.tzinfo, decimal.Decimal, str, bytes, int, float, complex,
                tuple, list, dict, set, frozenset)
_SAVED_AS_NAMES = frozenset({types.FunctionType, types.BuiltinFunctionType, type})


class Unkeyable(Exception):
    """A value whose content cannot be hashed reliably."""


def _object(kind: str, state: list) -> None:
    raise RuntimeError("a page key is never unpickled")


def _article(kind: str, source_path: str) -> None:
    raise RuntimeError("a page key is never unpickled")


def _hashed(digest: bytes) -> None:
    raise RuntimeError("a page key is never unpickled")


def _in_stable_order(value: Any) -> Any:
    """A set as its sorted members (a set pickles in hash order, which changes from one process
    to the next: a page reading one, a story's premium details or the tags that have pages,
    got a new key on every build); anything else as it is."""
    if type(value) in (set, frozenset):
        return (type(value).__name__, sorted(value, key=repr))
    return value


def _fields(state: dict[str, Any]) -> list[tuple[str, Any]]:
    """An object's fields in a stable order, sets held directly sorted (`_in_stable_order`;
    a set deeper inside a list or dict would only cost a render that was not needed)."""
    return [(k, _in_stable_order(v)) for k, v in sorted(state.items()) if k not in _SKIPPED_ATTRIBUTES]


def _wrapper_state(wrapper: URLWrapper, state: dict[str, Any]) -> dict[str, Any]:
    """A tag's, category's or author's fields without Pelican's memos: its slug is worked out
    on first use (`_slug` stays None until then), and its URL's first use copies `name` and
    `slug` into its fields (`as_dict`), where nothing reads them (both are properties). The
    same wrapper then hashes the same before and after its URL is used."""
    state = {k: v for k, v in state.items() if k not in ("name", "slug")}
    state["_slug"] = wrapper.slug
    return state


_EQUAL_KINDS = (int, str, bool)
_ABSENT = object()


def _metadata_split(state: dict[str, Any]) -> dict[str, Any]:
    """An article's fields with its `metadata` as the names of the entries that are the same
    values as the same-named fields (Pelican makes nearly all of them so), and the other
    entries: the same content, without hashing tags, authors and dates twice. The field gets
    a name no attribute can have, so the split form never equals a plain `metadata` dict."""
    metadata = state.get("metadata")
    if type(metadata) is not dict:
        return state
    same, other = [], {}
    missing = _ABSENT
    for name, value in metadata.items():
        field = state.get(name, missing)
        # one value: the same object, or equal numbers or strings of one type (an article taken
        # back from the memo of articles as read, speedups/articles_as_read.py, has two equal
        # ints where the reader's has one)
        if field is value or (field is not missing and type(field) is type(value)
                              and type(value) in _EQUAL_KINDS and field == value):
            same.append(name)
        else:
            other[name] = value
    split = {k: v for k, v in state.items() if k != "metadata"}
    split["metadata\0split"] = (tuple(same), other)
    return split


_AS_IT_PICKLES, _ARTICLE, _FIELDS = "as it pickles", "article", "fields"
_KINDS: dict[type, str] = {}  # how `_KeyPickler` pickles an object of each type (`_kind_of`)


def _kind_of(cls: type) -> str:
    """Decided once per type: ~47 objects per article reach `reducer_override`."""
    if cls in _SAVED_AS_NAMES:  # the reduce functions below, classes...: the common case
        return _AS_IT_PICKLES
    if issubclass(cls, Content):
        return _ARTICLE
    if issubclass(cls, (type, types.FunctionType, types.BuiltinFunctionType, types.ModuleType,
                        types.MethodType)):
        # a bound method pickles as getattr(its object, name): the object is hashed in turn
        return _AS_IT_PICKLES
    if issubclass(cls, _VALUE_TYPES):
        # pickled as it pickles itself: a datetime subclass (Pelican's SafeDatetime) has an
        # empty __dict__, and a dict subclass its items elsewhere, so their fields would say
        # nothing (every date hashed the same)
        return _AS_IT_PICKLES
    return _FIELDS  # by its fields (those in its __dict__; without one, as it pickles)


class _KeyPickler(pickle.Pickler):
    """Pickle as a canonical byte form: articles inside a value become references (and are
    collected), other objects their digest, computed once per build from their class name and
    sorted fields minus the skipped ones."""

    def __init__(self, hasher: ValueHasher) -> None:
        self._buffer = io.BytesIO()
        super().__init__(self._buffer, protocol=pickle.HIGHEST_PROTOCOL)
        # No memo: with it, a string shared by two objects is written once and then referred
        # to, so the bytes would depend on which objects happen to share strings in a process.
        # (A cycle then ends in RecursionError: that value is unkeyable.)
        self.fast = True
        self._hasher = hasher
        self._top: Any = None
        self.articles: list[Content] = []

    def dump_bytes(self, value: Any) -> bytes:
        self._top = value
        self.dump(value)
        return self._buffer.getvalue()

    def reset(self) -> None:
        """Ready for another value (a pickler costs more to make than to reuse)."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._top = None
        self.articles = []

    def reducer_override(self, obj: Any) -> Any:
        kind = _KINDS.get(type(obj))
        if kind is None:
            kind = _KINDS[type(obj)] = _kind_of(type(obj))
        if kind is _AS_IT_PICKLES:
            return NotImplemented
        if kind is _ARTICLE:
            self.articles.append(obj)
            return _article, (type(obj).__qualname__, str(obj.source_path))
        state = getattr(obj, "__dict__", None)
        if state is None:
            return NotImplemented
        if obj is not self._top and self._hasher.can_hash_apart(obj):
            # Hashed once and referred to by digest: tags, authors, sections... are shared by
            # thousands of articles, and a paginator by every page of its listing. The articles
            # it holds count where this value counts its own (`object_digest`).
            digest, nested = self._hasher.object_digest(obj)
            self.articles.extend(nested)
            return _hashed, (digest,)
        if isinstance(obj, URLWrapper):
            state = _wrapper_state(obj, state)
        return _object, (f"{type(obj).__module__}.{type(obj).__qualname__}", _fields(state))


class ValueHasher:
    """Hashes context values; one instance per build, so shared values are hashed once."""

    def __init__(self) -> None:
        self._values: dict[int, bytes] = {}
        self._objects: dict[int, tuple[bytes, list[Content]]] = {}
        self._scalars: dict[tuple[type, Any], bytes] = {}
        self._shared_digests: dict[tuple[int, tuple[str, ...]], bytes] = {}
        self._shallow: dict[int, tuple[bytes, list[Content]]] = {}
        self._articles: dict[int, bytes] = {}
        self._uses: dict[tuple[int, str, str | int | None], bytes] = {}
        self._keep: list[Any] = []  # memo keys are ids: keep the objects alive
        self._in_progress: set[int] = set()
        self._picklers: list[_KeyPickler] = []
        # page_key's per-build lookups: each template's variables split by how they are read,
        # and which names a kind of page hashes itself (see `page_key`)
        self.plans: dict[int, Any] = {}
        self.layouts: dict[tuple, Any] = {}

    def keep(self, value: Any) -> None:
        """Keep `value` alive for this hasher's life (its id is a memo key)."""
        self._keep.append(value)

    def can_hash_apart(self, value: Any) -> bool:
        """False while `value` is being hashed (it holds itself): then it is pickled in place."""
        return id(value) not in self._in_progress

    def _pickled(self, value: Any) -> tuple[bytes, list[Content]]:
        # one pickler per depth of nesting (a value met while pickling another is pickled apart)
        depth = len(self._in_progress)
        if depth == len(self._picklers):
            self._picklers.append(_KeyPickler(self))
        pickler = self._picklers[depth]
        pickler.reset()
        self._in_progress.add(id(value))
        try:
            data = pickler.dump_bytes(value)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
            self._picklers[depth] = _KeyPickler(self)  # a fresh one after a failure, to be sure
            raise Unkeyable(f"{type(value).__qualname__}: {exc}") from exc
        finally:
            self._in_progress.discard(id(value))
        return data, pickler.articles

    def object_digest(self, value: Any) -> tuple[bytes, list[Content]]:
        """A value's own digest (its fields, the articles it holds as references) and those
        articles, once per build. Never the articles' digests: whoever holds the value counts
        them, at its own depth (a page: each article and its cards; an article: their own
        fields). Hashing one never starts hashing another article, so a story holding its
        columns, each holding the story, is hashed the same whichever comes first."""
        known = self._objects.get(id(value))
        if known is None:
            data, nested = self._pickled(_in_stable_order(value))
            known = self._objects[id(value)] = (hashlib.blake2b(data, digest_size=20).digest(), nested)
            self._keep.append(value)
        return known

    def _shallow_of(self, article: Content) -> tuple[bytes, list[Content]]:
        """The article's own fields, with the articles it points at as references."""
        known = self._shallow.get(id(article))
        if known is None:
            state = _fields(_metadata_split(vars(article)))
            data, nested = self._pickled((type(article).__qualname__, state))
            known = self._shallow[id(article)] = (hashlib.blake2b(data, digest_size=20).digest(), nested)
            self._keep.append(article)
        return known

    def shallow_digest(self, article: Content) -> tuple[bytes, list[Content]]:
        """An article's own digest and the articles it points at; raises Unkeyable."""
        return self._shallow_of(article)

    def knows_shallow(self, article: Content) -> bool:
        return id(article) in self._shallow

    def know_shallow(self, article: Content, digest: bytes, nested: list[Content]) -> None:
        """Take an article's own digest and the articles it points at, computed elsewhere from
        the same objects (parallel_digests.py)."""
        self._shallow[id(article)] = (digest, nested)
        self._keep.append(article)

    def _article_digest(self, article: Content) -> bytes:
        """The article as a page shows it: its fields, and the fields of the articles it points at."""
        known = self._articles.get(id(article))
        if known is None:
            own, nested = self._shallow_of(article)
            h = hashlib.blake2b(own, digest_size=20)
            for other in nested:
                h.update(self._shallow_of(other)[0])
            known = self._articles[id(article)] = h.digest()
        return known

    def article_digest(self, article: Content) -> bytes:
        """An article's digest as every page counts it; raises Unkeyable."""
        return self._article_digest(article)

    def shared_digest(self, names: tuple[str, ...], shared: dict[str, Any]) -> bytes:
        """The digest of the site-wide values of `names`, computed once per build."""
        key = (id(shared), names)
        known = self._shared_digests.get(key)
        if known is None:
            h = hashlib.blake2b(digest_size=20)
            for name in names:
                h.update(name.encode() + b"=")
                h.update(self.digest(shared[name]))
            known = self._shared_digests[key] = h.digest()
            self._keep.append(shared)
        return known

    def use_digest(self, environment: Any, value: Any, use: Use) -> bytes:
        """The digest of what `use` reads of `value` (projections.py), once per build and value."""
        key = (id(value), use.kind, use.name)
        known = self._uses.get(key)
        if known is None:
            known = self._uses[key] = use_digest(self, environment, value, use)
            self._keep.append(value)
        return known

    def digest(self, value: Any) -> bytes:
        """A context value's digest (see the module docstring); raises Unkeyable."""
        if isinstance(value, _SCALARS):
            # (a float by its exact form: -0.0 equals 0.0 as a key, and prints otherwise)
            scalar = (type(value), value.hex() if type(value) is float else value)
            known = self._scalars.get(scalar)
            if known is None:
                known = self._scalars[scalar] = hashlib.blake2b(
                    f"{type(value).__name__}:{value!r}".encode("utf-8", "surrogatepass"), digest_size=20).digest()
            return known
        known = self._values.get(id(value))
        if known is None:
            if isinstance(value, Content):
                known = self._article_digest(value)
            else:
                own, nested = self.object_digest(value)
                h = hashlib.blake2b(own, digest_size=20)
                for article in nested:
                    h.update(self._article_digest(article))
                known = h.digest()
            self._values[id(value)] = known
            self._keep.append(value)
        return known


@functools.cache
def _names_in(environment: Environment, name: str) -> frozenset[str] | None:
    source, _filename, _uptodate = environment.loader.get_source(environment, name)
    tree = environment.parse(source, name)
    names = set(meta.find_undeclared_variables(tree))
    for other in meta.find_referenced_templates(tree):
        if other is None:  # an include chosen at render time: anything could be read
            return None
        found = _names_in(environment, other)
        if found is None:
            return None
        names |= found
    return frozenset(names)


def template_variables(template: Any) -> frozenset[str] | None:
    """Every free variable `template` (and what it extends/includes/imports) reads, or None."""
    environment, name = getattr(template, "environment", None), getattr(template, "name", None)
    if environment is None or name is None or environment.loader is None:
        return None
    try:
        return _names_in(environment, name)
    except Exception:
        return None


@dataclass(frozen=True)
class _KeyPlan:
    """A template's variables split once: those read through projections (their uses), and
    those hashed whole (sorted)."""

    projected: tuple[tuple[str, Any], ...]
    whole: tuple[str, ...]
    whole_names: frozenset[str]


def _plan_of(hasher: ValueHasher, uses_of: Any) -> _KeyPlan:
    known = hasher.plans.get(id(uses_of))
    if known is None:
        whole = tuple(sorted(n for n, u in uses_of.items() if u is None))
        known = hasher.plans[id(uses_of)] = _KeyPlan(
            tuple((n, u) for n, u in uses_of.items() if u is not None), whole, frozenset(whole))
        hasher.keep(uses_of)
    return known


Entries = tuple[tuple[str, tuple[Use, ...]], ...]


@dataclass
class _PageLayout:
    """How a page's variables split, the same for every page of one kind (one plan, one site
    context, the same names of their own and lacked): the whole-read names the page hashes
    itself (True: it lacks it) and those it takes unchanged from the site context; the
    projected variables read on each page (its own values, names it lacks) and those it takes
    from the site context. What the latter contribute only varies with the tests that read a
    page's own values (`varying`), so it is worked out once per combination of their truths
    (`parts`)."""

    hashed: tuple[tuple[str, bool], ...]
    from_shared: tuple[str, ...]
    per_page: Entries
    site_wide: Entries
    varying: tuple[Any, ...] = ()
    parts: dict[tuple[bool | None, ...], bytes | None] = field(default_factory=dict)


def _page_layout(hasher: ValueHasher, plan: _KeyPlan, context: Any, shared: dict[str, Any] | None) -> _PageLayout:
    if not (isinstance(context, PageContext) and context.base is shared):
        return _layout(plan, context, shared)
    # A PageContext's own values are exactly those that are not the site-wide objects, so the
    # layout only depends on which names the page has of its own or lacks: one layout serves
    # the thousands of pages of one kind.
    key = (id(plan), id(shared), tuple(context.own), context.removed)
    layout = hasher.layouts.get(key)
    if layout is None:
        layout = hasher.layouts[key] = _layout(plan, context, shared)
        own = set(context.own)
        varying: dict[Any, None] = {}  # in first-seen order: the same on every page
        for _name, uses in layout.site_wide:
            for use in uses:
                for term, _wanted in use.guards:
                    if term not in varying and _reads_any(term, own):
                        varying[term] = None
        layout.varying = tuple(varying)
        hasher.keep(shared)
    return layout


def _layout(plan: _KeyPlan, context: Any, shared: dict[str, Any] | None) -> _PageLayout:
    def from_shared(name: str) -> bool:
        return shared is not None and name in shared and context[name] is shared[name]

    hashed: list[tuple[str, bool]] = []
    whole_shared: list[str] = []
    for name in plan.whole:
        if name not in context:
            hashed.append((name, True))
        elif from_shared(name):
            whole_shared.append(name)
        else:
            hashed.append((name, False))
    per_page, site_wide = [], []
    for name, uses in plan.projected:
        (site_wide if name in context and from_shared(name) else per_page).append((name, uses))
    return _PageLayout(tuple(hashed), tuple(whole_shared), tuple(per_page), tuple(site_wide))


def _reads_any(term: Any, names: set[str]) -> bool:
    """Whether the test reads one of `names` (a test of a form not known is taken to)."""
    try:
        return not names.isdisjoint(term_names(term))
    except (ValueError, IndexError, TypeError):
        return True


def _projected_part(hasher: ValueHasher, environment: Environment, entries: Entries, context: Any,
                    truths: dict) -> bytes:
    """The digest of what the page reads of these variables (raises Unkeyable, ProjectionFailed)."""
    h = hashlib.blake2b(digest_size=20)
    for name, uses in entries:
        h.update(name.encode() + b":")
        value = context[name]
        for use in active_uses(uses, context, environment, truths):
            h.update(use.label)
            h.update(hasher.use_digest(environment, value, use))
    return h.digest()


def _site_wide_part(hasher: ValueHasher, environment: Environment, layout: _PageLayout, context: Any,
                    truths: dict) -> bytes | None:
    """The digest of the projected variables the page takes from the site context, or None when
    they cannot be keyed: once per truths of the tests that vary between pages of a kind."""
    if not layout.site_wide:
        return b""
    state = tuple(truth(term, context, environment, truths) for term in layout.varying)
    if state in layout.parts:
        return layout.parts[state]
    try:
        part = _projected_part(hasher, environment, layout.site_wide, context, truths)
    except (Unkeyable, ProjectionFailed):
        part = None
    layout.parts[state] = part
    return part


def page_key(hasher: ValueHasher, build_key: str, template: Any, context: dict[str, Any],
             shared: dict[str, Any] | None = None) -> str | None:
    """The page's key (see the module docstring), or None when it cannot be known.

    `shared` is the site-wide context the page's context was copied from: the values the page
    takes from it unchanged are hashed once per build, not once per page; a value the page
    overrides (a tag page's own `articles`) counts instead of the site-wide one. A variable the
    templates only read in some ways (template_uses.py) counts by those reads."""
    uses_of = variable_uses(template)
    if uses_of is None:
        return None
    plan = _plan_of(hasher, uses_of)
    environment = template.environment
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{build_key}\0{template.name}\0".encode())
    truths: dict[tuple, bool] = {}
    layout = _page_layout(hasher, plan, context, shared)
    site_wide = _site_wide_part(hasher, environment, layout, context, truths)
    if site_wide is None:
        return None
    try:
        for name, uses in layout.per_page:  # in name order
            if name not in context:
                h.update(name.encode() + b"=<missing>")
                continue
            h.update(name.encode() + b":")
            value = context[name]
            for use in active_uses(uses, context, environment, truths):
                h.update(use.label)
                h.update(hasher.use_digest(environment, value, use))
        h.update(b"site-wide reads:" + site_wide)
        for name, missing in layout.hashed:  # in name order
            if missing:
                h.update(name.encode() + b"=<missing>")
            else:
                h.update(name.encode() + b"=")
                h.update(hasher.digest(context[name]))
        if layout.from_shared:
            h.update(b"shared:" + hasher.shared_digest(layout.from_shared, shared))
    except (Unkeyable, ProjectionFailed):
        return None
    return h.hexdigest()
