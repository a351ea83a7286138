"""The last build's image manifest, kept with the build's other caches (under CACHE_ROOT).

Planning the manifest re-reads and hashes every cover and works out some 20,000 derivative
names and card keys (about 0.3 s at 10,000 columns) to find, nearly always, what the build
before found. The manifest follows from the plan's inputs alone: the columns' and authors'
image fields, the bytes of the images they name, the image settings, the fonts and this
package's code. So it is kept under a key of those, the images' bytes by their `file_stamp`
(as the content reader trusts it), and used when the key is the same and every derivative it
names is still in the image cache. Manifests with errors are never kept: errors are worked out
again. It is a plan, not a derivative: `make clean` removes it with the other build caches.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import pickle
from collections.abc import Iterable
from pathlib import Path

from content_model.validate import file_stamp
from site_build.fingerprint import source_digest
from site_build.kept_files import write_atomically

from .cards import FONT_FILES
from .config import ImageSettings
from .pipeline import AuthorInput, ColumnInput, ImageManifest, ImageStats

logger = logging.getLogger(__name__)

def memo_file(cache_root: str | os.PathLike[str] | None) -> Path | None:
    """Where a build with this CACHE_ROOT keeps the manifest (None: nowhere).

    One file, the last build's, whatever its content folder: a test's copy of the site
    replaces the site's plan, which costs one planning (~0.3 s at 10,000 columns) and never
    leaves plans of deleted copies behind."""
    return Path(cache_root) / "image-plan" / "manifest.pickle" if cache_root else None


@functools.cache
def _code_digest() -> bytes:
    return source_digest(Path(__file__).parent)


def manifest_key(content_dir: Path, settings: ImageSettings, columns: Iterable[ColumnInput],
                 authors: Iterable[AuthorInput], site_name: str, site_tagline: str) -> str | None:
    """What the manifest of these inputs is kept under; None when an image or font was written
    too recently for its stamp to be trusted (or cannot be read): then nothing is kept."""
    columns, authors = list(columns), list(authors)
    # Where a field is in a file (`ref`) only places an error message: it is left out, so an
    # edit above a column's image line does not count as a change.
    fields = [[c.key, c.title, c.label, list(c.author_ids), c.image] for c in columns]
    people = [[a.id, a.name, a.avatar] for a in authors]
    stamps: dict[str, object] = {}
    for ref in sorted({c.image for c in columns if c.image} | {a.avatar for a in authors if a.avatar}):
        path = content_dir / ref
        stamps[ref] = file_stamp(path) if os.path.isfile(path) else "not a file"
        if stamps[ref] is None:
            return None
    fonts = {}
    for name in sorted(FONT_FILES.values()):
        fonts[name] = file_stamp(Path(settings.font_dir) / name)
        if fonts[name] is None:
            return None
    material = json.dumps([str(content_dir), repr(settings), site_name, site_tagline, fields, people,
                           stamps, fonts], ensure_ascii=False)
    h = hashlib.blake2b(_code_digest(), digest_size=20)
    h.update(material.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def recall(memo: Path | None, key: str | None) -> ImageManifest | None:
    """The manifest kept in `memo` under `key`, with every derivative it names still cached; else None."""
    if memo is None or key is None:
        return None
    try:
        with memo.open("rb") as handle:
            stored = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # damage costs the planning, never the build
        logger.warning("ignoring an unreadable image manifest memo (%s)", exc)
        return None
    if not (isinstance(stored, dict) and stored.get("key") == key
            and isinstance(stored.get("manifest"), ImageManifest)):
        return None
    manifest: ImageManifest = stored["manifest"]
    if not all(os.path.exists(cached) for cached in manifest.files.values()):
        return None  # a derivative was removed from the cache: plan (and make it) again
    made = manifest.stats
    manifest.stats = ImageStats(generated=0, reused=made.generated + made.reused, sources=made.sources)
    return manifest


def remember(memo: Path | None, key: str | None, manifest: ImageManifest) -> None:
    """Keep `manifest` (planned without errors) in `memo` under `key` for the next build."""
    if memo is None or key is None:
        return
    data = pickle.dumps({"key": key, "manifest": manifest}, protocol=pickle.HIGHEST_PROTOCOL)
    write_atomically(memo, data)
