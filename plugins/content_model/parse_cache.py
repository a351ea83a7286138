"""Parse every content file once per build, in parallel, remembered across builds.

One parse = the file's front-matter (with line numbers), its Markdown body rendered to HTML,
and the plain-text facts derived from that HTML (word count, first paragraph). Validation
and the Pelican reader both use this one result, so no file is parsed twice in a build.

Results are kept in `<cache_dir>/<content folder key>-NN.pickle` shards, keyed by the file's
path as editors see it and the SHA-256 of its bytes, under a version key that changes with
this package's code and the Markdown/YAML libraries: an edited file misses and is parsed
again, a deleted file's entry is dropped at the next save, and an unreadable cache is ignored.
A shard is a header, the pickled parses, then their HTML: parses loaded from a shard (or
saved to one) point at their HTML there (`stored_html.StoredHtml`) instead of holding it.
Beside the shards, `<key>.stamps` notes each file's stamp with its digest, so that a file
whose stamp is unchanged is not read and hashed again. No Pelican here.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import struct
import sys
import zlib
from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path

import markdown
import yaml
from site_build.fingerprint import source_digest
from site_build.forks import start_in_fork
from site_build.kept_files import write_atomically

from .body_check import check_body
from .errors import ContentError
from .fast_markdown import fast_markdown
from .frontmatter import ParsedFile, parse_content_bytes
from .stored_html import ShardFile, StoredHtml, html_digest, html_text
from .text import count_html_words, first_paragraph_text

logger = logging.getLogger(__name__)

MARKDOWN_EXTENSIONS = [
    "markdown.extensions.tables",
    "markdown.extensions.footnotes",
    "markdown.extensions.fenced_code",
    "markdown.extensions.abbr",
    "markdown.extensions.def_list",
    "markdown.extensions.sane_lists",
    "markdown.extensions.smarty",
]

# Below this many files to parse, forking workers costs more than it saves.
PARALLEL_MIN_FILES = 24
CACHE_FORMAT = 7
SHARDS = 32
_SHARD_MAGIC = b"ridge-parses 7\n"
# lengths of the pickle and of the HTML after it, and the HTML's CRC-32 (checked on load)
_SHARD_HEADER = struct.Struct("<QQI")
_CHECK_PIECE = 1 << 20


@dataclass(frozen=True, eq=False)
class FileParse:
    """Everything taken from one content file's bytes."""

    digest: str  # SHA-256 of the bytes parsed
    parsed: ParsedFile  # with an empty `body`: only its HTML and its check are needed later
    # the body rendered by Markdown (the text, or where a cache file holds it: `html` reads
    # either); None when the front-matter is unusable
    body_html: str | StoredHtml | None
    word_count: int
    first_paragraph: str  # plain text of the first paragraph, cut for a standfirst
    body_problems: tuple[ContentError, ...] = ()  # `check_body` on the body
    # The file's own checks (schema, links, slug: see `validate.FileChecker`), done with the
    # parse when `parse_files` is given a checker, so an unchanged file is not checked again.
    checked: object = None

    @property
    def html(self) -> str | None:
        return html_text(self.body_html)

    def __eq__(self, other: object) -> bool:
        """Equal parses hold the same values; the HTML compares as text, wherever it is kept."""
        if type(other) is not FileParse:
            return NotImplemented
        return self._compared() == other._compared()

    __hash__ = None  # type: ignore[assignment]  # as the dataclass would have it

    def _compared(self) -> tuple:
        return (self.digest, self.parsed, self.html, self.word_count, self.first_paragraph, self.body_problems,
                self.checked)


def new_markdown() -> markdown.Markdown:
    return fast_markdown(MARKDOWN_EXTENSIONS)


def digest_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def parse_bytes(raw: bytes, display: str, md: markdown.Markdown) -> FileParse:
    """Parse one file's bytes; `md` is reset first, so one instance serves many files."""
    parsed = parse_content_bytes(raw, display)
    if parsed.meta is None:
        return FileParse(digest_of(raw), replace(parsed, body=""), None, 0, "")
    md.reset()
    html = md.convert(parsed.body)
    return FileParse(digest_of(raw), replace(parsed, body=""), html, count_html_words(html),
                     first_paragraph_text(html), tuple(check_body(parsed.body, parsed.body_line, display)))


@functools.cache
def _process_markdown() -> markdown.Markdown:
    # one Markdown instance per worker process, built on its first file
    return new_markdown()


def _parse_job(job: tuple[str, str, Callable | None]) -> FileParse:
    path, display, checker = job
    return _parse_and_check(Path(path), display, _process_markdown(), checker)


def _parse_and_check(path: Path, display: str, md: markdown.Markdown, checker: Callable | None) -> FileParse:
    done = parse_bytes(path.read_bytes(), display, md)
    if checker is not None:
        done = replace(done, checked=checker(path, display, done))
    return done


@functools.cache
def version_key() -> str:
    """Changes whenever parsing could give a different result: our code or the libraries."""
    return source_digest(Path(__file__).parent, str(CACHE_FORMAT), str(sys.version_info[:2]), markdown.__version__,
                         yaml.__version__, repr(MARKDOWN_EXTENSIONS)).hex()


def cache_file_for(cache_dir: Path, content_dir: Path) -> Path:
    """One cache per content folder, so a test's temporary copy never evicts the site's.

    The cache is split into `SHARDS` files `<stem>-NN.pickle` by display path, so a one-file
    edit rewrites one shard, not the whole cache."""
    key = hashlib.sha256(str(Path(content_dir).resolve()).encode()).hexdigest()[:16]
    return Path(cache_dir) / f"parsed-{key}.pickle"


def shard_of(display: str) -> int:
    return int(hashlib.sha1(display.encode()).hexdigest()[:6], 16) % SHARDS


def shard_file(cache_file: Path, shard: int) -> Path:
    return cache_file.with_name(f"{cache_file.stem}-{shard:02d}{cache_file.suffix}")


def shard_files(cache_file: Path) -> list[Path]:
    return sorted(cache_file.parent.glob(f"{cache_file.stem}-[0-9][0-9]{cache_file.suffix}"))


def content_cache_file(cache_dir: Path, content_dir: Path) -> Path:
    """`cache_file_for`, with housekeeping: a `.source` note beside each cache names its
    content folder, and caches of folders that are gone (tests' temporary copies) are removed."""
    cache_dir = Path(cache_dir)
    cache_file = cache_file_for(cache_dir, content_dir)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for note in cache_dir.glob("parsed-*.source"):
            source = note.read_text(encoding="utf-8").strip()
            if note.stem != cache_file.stem and source and not Path(source).exists():
                for shard in shard_files(note.with_suffix(".pickle")):
                    shard.unlink(missing_ok=True)
                stamps_file(note.with_suffix(".pickle")).unlink(missing_ok=True)
                note.unlink(missing_ok=True)
        for orphan in cache_dir.glob("parsed-*.pickle"):  # made before notes existed
            note = orphan.with_name(orphan.name.rsplit("-", 1)[0] + ".source")
            if orphan.name.count("-") != 2 or not note.exists():
                orphan.unlink(missing_ok=True)
        note = cache_file.with_suffix(".source")
        if not note.is_file():
            note.write_text(str(Path(content_dir).resolve()), encoding="utf-8")
    except OSError as exc:
        logger.warning("content cache housekeeping failed in %s (%s)", cache_dir, exc)
    return cache_file


def _html_intact(shard: ShardFile) -> bool:
    """Whether the shard's HTML matches its checksum (True when there is no header to go by:
    loading it then finds no cache anyway). The HTML is read later, a column at a time: damage
    must show when the shard is loaded, as "no cache"."""
    head = shard.read(0, len(_SHARD_MAGIC) + _SHARD_HEADER.size)
    if not head.startswith(_SHARD_MAGIC) or len(head) < len(_SHARD_MAGIC) + _SHARD_HEADER.size:
        return True
    pickle_length, html_length, html_crc = _SHARD_HEADER.unpack_from(head, len(_SHARD_MAGIC))
    html_start = len(head) + pickle_length
    crc = 0
    for piece in range(html_start, html_start + html_length, _CHECK_PIECE):
        crc = zlib.crc32(shard.read(piece, min(_CHECK_PIECE, html_start + html_length - piece)), crc)
    return crc == html_crc


def _shards_intact(shards: list[ShardFile | None]) -> list[bool]:
    intact = []
    for shard in shards:
        try:
            intact.append(shard is not None and _html_intact(shard))
        except Exception:  # any damage (a length no read can take...) means "not intact"
            intact.append(False)
    return intact


def _open_shard(path: Path) -> ShardFile | None:
    try:
        return ShardFile(path)
    except OSError:
        return None


def _load_shard(path: Path, context: str | None, check_html: bool = True,
                shard: ShardFile | None = None) -> dict[tuple[str, str], FileParse]:
    """A shard's parses, each pointing at its HTML in the shard file (opened once, kept open;
    `shard` when the caller opened it); with `check_html` False, the caller checks the HTML's
    checksum on that same opened file (`_shards_intact`)."""
    try:
        shard = shard if shard is not None else ShardFile(path)
        head = shard.read(0, len(_SHARD_MAGIC) + _SHARD_HEADER.size)
        if not head.startswith(_SHARD_MAGIC):
            return {}
        pickle_length, html_length, _crc = _SHARD_HEADER.unpack_from(head, len(_SHARD_MAGIC))
        html_start = len(head) + pickle_length
        if os.fstat(shard.fd).st_size != html_start + html_length:
            raise ValueError("truncated")
        if check_html and not _html_intact(shard):
            raise ValueError("the HTML does not match its checksum")
        stored = pickle.loads(shard.read(len(head), pickle_length))
        if not (isinstance(stored, dict) and stored.get("version") == version_key()
                and stored.get("context") == context):
            return {}
        entries = stored["entries"]
        if not isinstance(entries, dict):
            return {}
        for entry in entries.values():
            span = entry.body_html
            if type(span) is tuple:
                offset, length, digest, has_image, may_link = span
                if offset < 0 or length < 0 or offset + length > html_length:
                    raise ValueError("an HTML span lies outside the file")
                # the entry was made by this unpickling: nothing else has seen it yet
                stored_html = StoredHtml(shard, html_start + offset, length, digest, has_image, may_link)
                object.__setattr__(entry, "body_html", stored_html)
        return entries
    except Exception as exc:  # any damage means "no cache", never a failed build
        logger.warning("ignoring unreadable content cache %s (%s)", path, exc)
        return {}


def load_cache(cache_file: Path | None, context: str | None = None) -> dict[tuple[str, str], FileParse]:
    """The entries saved by the last build, or nothing when missing, stale or unreadable.

    `context` is the checker's key (see `parse_files`): entries checked in another context
    (another site time zone, or no checks) are not used."""
    if cache_file is None:
        return {}
    paths = shard_files(cache_file)
    # The checksums over every shard's HTML (~0.05 s at 10,000 columns) are worked out by a
    # child meanwhile when there is much of it, on the very files this process then loads
    # (opened before the child is forked: a shard replaced meanwhile is not the one checked);
    # a child that fails leaves them to this process.
    checking = None
    shards: list[ShardFile | None] = []
    if sum(_size(path) for path in paths) >= _CHECK_APART_BYTES:
        shards = [_open_shard(path) for path in paths]
        checking = start_in_fork(lambda: _shards_intact(shards))
    if checking is None:
        loaded = [_load_shard(path, context) for path in paths]
    else:
        loaded = [_load_shard(path, context, False, shard) if shard is not None else {}
                  for path, shard in zip(paths, shards, strict=True)]
        done, intact = checking.take()
        if not (done and type(intact) is list and len(intact) == len(paths)):
            intact = _shards_intact(shards)
        for index, path in enumerate(paths):
            if not intact[index] and loaded[index]:
                logger.warning("ignoring unreadable content cache %s (%s)", path,
                               "the HTML does not match its checksum")
                loaded[index] = {}
    entries: dict[tuple[str, str], FileParse] = {}
    for found in loaded:
        entries.update(found)
    return entries


_CHECK_APART_BYTES = 8 << 20


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def stamps_file(cache_file: Path) -> Path:
    return cache_file.with_suffix(".stamps")


def load_stamps(cache_file: Path | None, context: str | None = None) -> dict[str, tuple[Hashable, str]]:
    """Display path -> (stamp, digest) of the files `parse_files` last saw with a stamp."""
    if cache_file is None:
        return {}
    try:
        with stamps_file(cache_file).open("rb") as handle:
            stored = pickle.load(handle)
    except FileNotFoundError:
        return {}
    except Exception as exc:  # damage means "read every file"
        logger.warning("ignoring unreadable content stamps %s (%s)", stamps_file(cache_file), exc)
        return {}
    if (isinstance(stored, dict) and stored.get("version") == version_key() and stored.get("context") == context
            and isinstance(stored.get("stamps"), dict)):
        return stored["stamps"]
    return {}


def save_stamps(cache_file: Path, context: str | None, stamps: dict[str, tuple[Hashable, str]]) -> None:
    data = pickle.dumps({"version": version_key(), "context": context, "stamps": stamps},
                        protocol=pickle.HIGHEST_PROTOCOL)
    if not write_atomically(stamps_file(cache_file), data):
        logger.warning("could not save the content stamps %s", stamps_file(cache_file))


def _write_shard(path: Path, context: str | None, entries: dict[tuple[str, str], FileParse]) -> None:
    """Write one shard atomically (a crash leaves the old file or the new one), then point
    `entries` at their HTML in it, so the text they held can go."""
    spans: dict[tuple[str, str], tuple[int, int, bytes, bool, bool]] = {}
    html: list[bytes] = []
    offset = 0
    for key, entry in entries.items():
        body = entry.body_html
        if body is None:
            continue
        if type(body) is StoredHtml:
            data, digest = body.file.read(body.offset, body.length), body.digest
        else:
            data = body.encode("utf-8", "surrogatepass")
            digest = html_digest(data)
        # the last one is stored_html.may_hold_link, tested on the bytes
        spans[key] = (offset, len(data), digest, b"<img" in data, b"{" in data or b"|" in data)
        html.append(data)
        offset += len(data)
    pickled = {key: replace(entry, body_html=spans.get(key)) for key, entry in entries.items()}
    payload = pickle.dumps({"version": version_key(), "context": context, "entries": pickled},
                           protocol=pickle.HIGHEST_PROTOCOL)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    crc = 0
    for data in html:
        crc = zlib.crc32(data, crc)
    with partial.open("wb") as handle:
        handle.write(_SHARD_MAGIC + _SHARD_HEADER.pack(len(payload), offset, crc))
        handle.write(payload)
        handle.writelines(html)
    shard = ShardFile(partial)  # opened before the rename: the very bytes just written
    os.replace(partial, path)
    html_start = len(_SHARD_MAGIC) + _SHARD_HEADER.size + len(payload)
    for key, (start, length, digest, has_image, may_link) in spans.items():
        object.__setattr__(entries[key], "body_html",
                           StoredHtml(shard, html_start + start, length, digest, has_image, may_link))


def save_cache(cache_file: Path, entries: dict[tuple[str, str], FileParse],
               before: dict[tuple[str, str], FileParse] | None = None, context: str | None = None) -> None:
    """Write the shards whose entries differ from `before` (all when not given); failures only warn.

    The entries of the shards written point at their HTML in the new files afterwards."""
    shards: dict[int, dict] = {index: {} for index in range(SHARDS)}
    for key, value in entries.items():
        shards[shard_of(key[0])][key] = value
    old: dict[int, set] = {index: set() for index in range(SHARDS)}
    for key in before or {}:
        old[shard_of(key[0])].add(key)
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        for index, shard in shards.items():
            path = shard_file(cache_file, index)
            if before is not None and shard.keys() == old[index] and (shard or not path.exists()):
                continue
            if shard:
                _write_shard(path, context, shard)
            else:
                path.unlink(missing_ok=True)
    except OSError as exc:
        logger.warning("could not save the content cache %s (%s)", cache_file, exc)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _parse_many(jobs: list[tuple[str, str, Callable | None]], workers: int) -> list[FileParse]:
    if not jobs:
        return []
    if workers <= 1 or len(jobs) < PARALLEL_MIN_FILES:
        md = new_markdown()
        return [_parse_and_check(Path(path), display, md, checker) for path, display, checker in jobs]
    # fork: workers start at once with the parent's imports; results come back as plain data
    chunk = max(1, min(64, len(jobs) // (workers * 4)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        return list(pool.map(_parse_job, jobs, chunksize=chunk))


def parse_files(
    files: Iterable[tuple[Path, str]], cache_file: Path | None = None, workers: int | None = None,
    checker: Callable | None = None, stamps: Mapping[Path, Hashable | None] | None = None,
) -> dict[Path, FileParse]:
    """Parse each (path, display) pair, reusing cached results for unchanged bytes.

    The returned mapping is keyed by the path as given. The cache file, when given, is
    rewritten only when its entries change: new parses, or files that are gone.

    `checker(path, display, parse)`, when given, runs on each new parse (in the workers) and
    its result is kept as `checked`; its `key` attribute names everything besides the bytes
    that the result depends on (cached results with another key are not used).

    `stamps`, when given, holds each file's stamp taken before this call reads it (None:
    not to be trusted); a file whose stamp is the one noted with its digest last time is
    taken to have that digest, without reading and hashing it (about 0.1 s at 10,000 files).
    """
    files = list(files)
    context = getattr(checker, "key", None) if checker is not None else None
    cached = load_cache(cache_file, context)
    noted = load_stamps(cache_file, context) if stamps is not None else {}
    fresh_stamps: dict[str, tuple[Hashable, str]] = {}
    results: dict[Path, FileParse] = {}
    keep: dict[tuple[str, str], FileParse] = {}
    misses: list[tuple[Path, str]] = []
    for path, display in files:
        stamp = stamps.get(path) if stamps is not None else None
        seen = noted.get(display)
        if stamp is not None and seen is not None and seen[0] == stamp:
            key = (display, seen[1])
        else:
            key = (display, digest_of(path.read_bytes()))
        hit = cached.get(key)
        if hit is None:
            misses.append((path, display))
        else:
            results[path] = hit
            keep[key] = hit
            if stamp is not None:
                fresh_stamps[display] = (stamp, key[1])
    parsed = _parse_many([(str(path), display, checker) for path, display in misses],
                         available_cores() if workers is None else workers)
    for (path, display), result in zip(misses, parsed, strict=True):
        results[path] = result
        keep[(display, result.digest)] = result
        # the stamp is from before the parse read the file: a later write changes it
        stamp = stamps.get(path) if stamps is not None else None
        if stamp is not None:
            fresh_stamps[display] = (stamp, result.digest)
    if cache_file is not None and keep.keys() != cached.keys():
        save_cache(cache_file, keep, cached, context)
    if cache_file is not None and stamps is not None and fresh_stamps != noted:
        save_stamps(cache_file, context, fresh_stamps)
    return results
