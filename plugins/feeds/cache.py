"""Which inputs each feed file was last made from, so a feed whose inputs are unchanged is kept.

A feed's key (`feed_key`) hashes everything its bytes depend on: this plugin's code and the
versions of feedgen and lxml, the feed settings and time zone, the feed's title, paths and
links, and the key of each of its items in order (`records.ItemSource.key`: id, title, HTML,
dates, authors, terms, cover file...). After a build, each feed file is recorded as (key,
size, mtime_ns) of the file it became. In the next build, a feed whose key is the recorded
one, and whose files in the output are still the recorded ones (same size and mtime), is
neither rendered nor written: inside a `site_build` staging folder its files are noted as
kept from the previous output (`keep_previous`), the way the page writer keeps its pages;
written straight into an output folder they are simply left there. A file changed or
removed by hand fails the check and is made again.

Records live in `<CACHE_ROOT>/feeds/`, one file per output folder, marshal (builtin types
only, no code runs on load) behind a checksum: a missing, truncated or damaged file means
"no records" (every feed is made), never a failed build. `make clean` removes the folder.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import marshal
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from site_build.fingerprint import source_digest
from site_build.kept_files import Record, write_atomically
from site_build.output_tree import staged_location

from .settings import FeedSettings
from .writer import FeedSpec

FORMAT = b"ridge-feeds-records 1\n"
_DIGEST_SIZE = 32



@functools.cache
def code_version() -> bytes:
    """This plugin's source and the XML libraries' versions: a change makes every feed again."""
    from lxml import etree

    versions = []
    for package in ("feedgen", "lxml"):
        try:
            versions.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package}=?")
    return source_digest(Path(__file__).parent, *versions, repr((etree.LXML_VERSION, etree.LIBXML_VERSION)))


def build_key(settings: FeedSettings, tz: dt.tzinfo, with_footer: bool) -> bytes:
    """What every feed of a build depends on besides its own spec and items."""
    text = repr((settings, str(tz), repr(tz), with_footer))
    return hashlib.blake2b(code_version() + text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def feed_key(build: bytes, spec: FeedSpec, item_keys: Iterable[bytes]) -> bytes:
    h = hashlib.blake2b(build, digest_size=16)
    h.update(repr(spec).encode("utf-8", "surrogatepass"))
    for key in item_keys:
        h.update(key)
    return h.digest()


def records_file(cache_dir: Path, output_root: Path) -> Path:
    name = hashlib.sha256(str(output_root.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return cache_dir / f"records-{name}.marshal"


def _checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, key=FORMAT, digest_size=_DIGEST_SIZE).digest()


def load_records(path: Path) -> dict[str, Record]:
    """{path below the site root: record}, or {} when the file is missing or damaged."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    start = len(FORMAT) + _DIGEST_SIZE
    if not data.startswith(FORMAT) or len(data) < start:
        return {}
    payload = memoryview(data)[start:]
    if _checksum(payload) != data[len(FORMAT):start]:
        return {}
    try:
        stored = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(stored, dict):
        return {}
    return {name: record for name, record in stored.items() if _is_record(name, record)}


def _is_record(name: object, record: object) -> bool:
    return (isinstance(name, str) and isinstance(record, tuple) and len(record) == 3
            and isinstance(record[0], bytes) and isinstance(record[1], int) and isinstance(record[2], int))


def save_records(path: Path, records: dict[str, Record]) -> None:
    """Write atomically; a read-only or full disk costs speed, not the build."""
    payload = marshal.dumps(records)
    write_atomically(path, FORMAT + _checksum(payload), payload)


@dataclass(frozen=True)
class OutputPlace:
    """Where this build writes the feeds, and where last build's files are to be found.

    Inside a staging folder (`site_build`), the previous output is the folder being replaced;
    otherwise the output folder itself holds them.
    """

    output_dir: Path
    previous_dir: Path  # the output folder whose files the records describe
    staged: bool

    @classmethod
    def of(cls, output_dir: Path) -> OutputPlace:
        found = staged_location(output_dir / "feeds")
        if found is None:
            return cls(output_dir, output_dir, False)
        return cls(output_dir, found[0], True)
