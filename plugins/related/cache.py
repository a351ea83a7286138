"""Term counts of each text kept between builds, keyed by a hash of the text they come from.

Tokenising every column is most of the cost of indexing 10,000 columns, and between two
builds almost every text is unchanged. One file holds {text hash: {term: count}}: marshal
(builtin types only, no code runs on load) behind a checksum, so a truncated or damaged
file is simply ignored and rebuilt. The tokeniser's own source is part of the checksum
input, so changing how text becomes terms invalidates the whole cache by itself.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from . import tokens
from .forks import map_in_forks
from .tokens import TermFolder, term_counts

CACHE_FILE_NAME = "terms.marshal"
_MAGIC = b"ridge-related-terms 1\n"
_DIGEST_SIZE = 32


def _tokeniser_version() -> bytes:
    return hashlib.blake2b(Path(tokens.__file__).read_bytes(), digest_size=16).digest()


def text_key(title: str, text: str) -> bytes:
    """What a text's counts are filed under: title and text both feed the counts."""
    data = f"{title}\x00{text}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).digest()


def _checksum(payload: bytes, version: bytes) -> bytes:
    return hashlib.blake2b(payload, key=version, digest_size=_DIGEST_SIZE).digest()


def load_entries(path: Path) -> dict[bytes, dict[str, int]]:
    """The cached counts, or {} when the file is missing, damaged or from another tokeniser."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    start = len(_MAGIC) + _DIGEST_SIZE
    if not data.startswith(_MAGIC) or len(data) < start:
        return {}
    payload = memoryview(data)[start:]
    if _checksum(payload, _tokeniser_version()) != data[len(_MAGIC):start]:
        return {}
    try:
        entries = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return {}
    return entries if isinstance(entries, dict) else {}


def save_entries(path: Path, entries: dict[bytes, dict[str, int]]) -> None:
    """Write atomically (temp file + rename): a concurrent build reads an old or new file, never half."""
    payload = marshal.dumps(entries)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".terms-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(_MAGIC + _checksum(payload, _tokeniser_version()) + payload)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def cached_term_counts(texts: Sequence[tuple[str, str]], folder: TermFolder,
                       cache_dir: Path | None) -> tuple[list[dict[str, int]], int]:
    """Term counts of each (title, text), tokenising only texts not seen by an earlier build.

    Returns the counts in input order and how many texts were tokenised. The cache keeps the
    entries of this call only, so it never grows past the current corpus; it is rewritten
    only when that set changed.
    """
    def tokenise(share: Sequence[tuple[str, str]]) -> list[dict[str, int]]:
        return [dict(term_counts(title, text, folder)) for title, text in share]

    if cache_dir is None:
        return map_in_forks(tokenise, texts), len(texts)
    path = cache_dir / CACHE_FILE_NAME
    old = load_entries(path)
    keys = [text_key(title, text) for title, text in texts]
    missing = {key: pair for key, pair in zip(keys, texts, strict=True)
               if not isinstance(old.get(key), dict)}
    new_counts = dict(zip(missing, map_in_forks(tokenise, list(missing.values())), strict=True))
    fresh: dict[bytes, dict[str, int]] = {}
    counts: list[dict[str, int]] = []
    for key in keys:
        found = fresh.get(key)
        if found is None:
            found = new_counts[key] if key in new_counts else old[key]
            fresh[key] = found
        counts.append(found)
    tokenised = len(missing)
    if fresh.keys() != old.keys():
        try:
            save_entries(path, fresh)
        except OSError:
            pass  # a read-only or full disk costs speed next time, never the build
    return counts, tokenised
