"""Each item's related ids kept between builds; a build re-ranks only the items whose list can change.

An item's list is a function of: its own vectors and fields, the postings lists of its query
terms and tags, and the fields of every item those lists lead to (and of its explicit picks).
So after a build the file `ranked.marshal` keeps, next to every item's list, what those
inputs were: each item's indexed terms with their raw weights, its tag vector, date, section,
authors and picks, and which items every postings list held. The next build compares:

- changed items R: any of those per-item values differ;
- changed keys: terms and tags whose postings held an item of R before or hold one now (a
  postings list is the top of its items' weights, so one whose old and new tops hold no item
  of R is the same list, in the same order, with the same weights);
- to re-rank: R, every item that looks up a changed key, every item with a pick in R.

Everything else keeps its list: exactly what ranking it again would give. Any other change
(the set of items, which changes every IDF; settings; this package's code; numpy) re-ranks
everything. The file is marshal behind a checksum, like the term-count cache.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from site_build.fingerprint import source_digest
from site_build.kept_files import write_atomically

STATE_FILE_NAME = "ranked.marshal"
_MAGIC = b"ridge-related-ranked 1\n"
_DIGEST_SIZE = 32


def _code_version() -> bytes:
    return source_digest(Path(__file__).parent, np.__version__)


def _fingerprint(index) -> bytes:
    settings = index.settings
    inputs = (settings.count, sorted(settings.weights.items()), settings.threshold, settings.include_newer,
              settings.half_life_days, settings.max_per_author, repr(index.tuning))
    return hashlib.blake2b(repr(inputs).encode() + _code_version(), digest_size=16).digest()


def snapshot(index) -> dict:
    """What every item's ranking depends on, as plain data."""
    text, tags = index._text, index._tags
    used = np.flatnonzero(text.df)
    return {
        "fingerprint": _fingerprint(index),
        "ids": [item.id for item in index.items],
        "terms": text.terms,
        "ranks": text.ranks.astype(np.int32).tobytes(),
        "raw": text.raw.tobytes(),
        "posting_terms": text.posting_terms.astype(np.int32).tobytes(),
        "posting_items": text.posting_items.astype(np.int32).tobytes(),
        "rows": [(tuple(vector.items()), day, item.section, item.authors, item.related)
                 for vector, day, item in zip(tags.weights, index._days, index.items, strict=True)],
        "tag_postings": {key: positions for key, (positions, _) in tags.postings.items()},
        "text_keys": text.keys,
        "df_terms": [text.vocab[term] for term in used.tolist()],
        "df": text.df[used].astype(np.int32).tobytes(),
    }


def previous_state(index) -> dict:
    """The last build's state if it was made for the same items, settings and code, else {}."""
    state = load_state(index.settings.cache_dir / STATE_FILE_NAME)
    if state.get("fingerprint") != _fingerprint(index) or state.get("ids") != [item.id for item in index.items]:
        return {}
    return state


def stale_ids(index, new: Mapping, old: Mapping) -> set[str] | None:
    """Ids whose list can differ from the one `old` recorded; None: all of them."""
    if old.get("fingerprint") != new["fingerprint"] or old.get("ids") != new["ids"]:
        return None
    text = index._text
    n, width = text.ranks.shape
    old_ranks = np.frombuffer(old["ranks"], dtype=np.int32).reshape(-1, width) if width else None
    old_raw = np.frombuffer(old["raw"], dtype=np.float64).reshape(-1, width) if width else None
    if width and (old_ranks.shape[0] != n or old_raw.shape[0] != n):
        return None
    rank_now = {term: rank for rank, term in enumerate(text.terms)}
    # old term ranks in today's numbering; -2: gone; the last entry maps padding (-1) to -1
    translate = np.array([rank_now.get(term, -2) for term in old["terms"]] + [-1], dtype=np.int64)
    changed = np.array([before != now for before, now in zip(old["rows"], new["rows"], strict=True)], dtype=bool)
    if width:
        changed |= (translate[old_ranks] != text.ranks).any(axis=1) | (old_raw != text.raw).any(axis=1)
    changed_rows = np.flatnonzero(changed)
    if not len(changed_rows):
        return set()
    ids = new["ids"]
    changed_set = set(changed_rows.tolist())
    # terms whose postings held or hold a changed item
    old_items = np.frombuffer(old["posting_items"], dtype=np.int32)
    old_terms = translate[np.frombuffer(old["posting_terms"], dtype=np.int32)]
    changed_key = np.zeros(len(text.terms) + 1, dtype=bool)  # the last entry: padding and gone terms
    changed_key[old_terms[changed[old_items]]] = True
    changed_key[text.posting_terms[changed[text.posting_items]]] = True
    changed_key[-1] = False
    queries = text.ranks[:, :index.tuning.terms_per_item]
    stale = changed | changed_key[queries].any(axis=1)
    changed_tags = {key for postings in (old["tag_postings"], new["tag_postings"])
                    for key, positions in postings.items() if not changed_set.isdisjoint(positions)}
    changed_ids = {ids[row] for row in changed_set}
    for position, (vector, item) in enumerate(zip(index._tags.weights, index.items, strict=True)):
        if not stale[position] and (not changed_tags.isdisjoint(vector) or not changed_ids.isdisjoint(item.related)):
            stale[position] = True
    return {ids[row] for row in np.flatnonzero(stale).tolist()}


def _checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_DIGEST_SIZE).digest()


def load_state(path: Path) -> dict:
    """The last build's snapshot and lists ({} when missing or damaged)."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    start = len(_MAGIC) + _DIGEST_SIZE
    if not data.startswith(_MAGIC) or _checksum(memoryview(data)[start:]) != data[len(_MAGIC):start]:
        return {}
    try:
        state = marshal.loads(memoryview(data)[start:])
    except (EOFError, ValueError, TypeError):
        return {}
    return state if isinstance(state, dict) and isinstance(state.get("lists"), dict) else {}


def save_state(path: Path, state: dict, lists: Mapping[str, Sequence[str]]) -> None:
    """Write atomically; a disk that cannot take it costs speed next time, never the build."""
    payload = marshal.dumps({**state, "lists": {key: list(value) for key, value in lists.items()}})
    write_atomically(path, _MAGIC + _checksum(payload), payload)
