"""Articles as the reader made them, kept between builds: an unchanged column is not read again.

Pelican makes every article on every build: its reader machinery, metadata processing and
`Article.__init__` cost about 90 us per column (0.9 s at 10,000), although after an edit only
the edited column differs from the last build. Here each article is pickled where Pelican's
generator caches it (`cache_data`: just made and checked, before any plugin changes it) and
taken back instead of read (`get_cached_data`) when all of these are as they were:
- everything the build reads but the content documents: settings, code, theme, data files,
  Python and Pelican (the whole memo is keyed on them: a renamed author empties it);
- the file's bytes: validation's parse of it (its digest), and the file not written since;
- whether the column is scheduled (its date against this build's reference time).

What the build shares is not copied into an entry but named, and the names are resolved in the
next build: the settings, the generator's context, the reader's one Tag, Category and Author
per name, and the body's place in the content cache (the current parse's `StoredHtml`).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import marshal
import os
import pickle
import sys
from pathlib import Path
from typing import Any

from content_model.parse_cache import FileParse
from content_model.reader import ColumnReader
from content_model.stored_html import StoredHtml
from pelican.contents import Content
from pelican.readers import find_empty_alt
from pelican.urlwrappers import URLWrapper
from site_build.fingerprint import inputs_but_documents
from site_build.forks import MIN_PER_WORKER, ForkedWork, start_in_fork
from site_build.kept_files import write_atomically
from site_build.session import BuildSession, session_of

logger = logging.getLogger(__name__)

_FORMAT = 1
# path relative to the content folder -> (parse digest, scheduled, the pickled article)
Entries = dict[str, tuple[bytes, bool, bytes]]


def _shared_values(meta: Any, parse: FileParse) -> dict[int, tuple[str, str]]:
    """The values an article as read shares with validation's metadata and parse (its title,
    date, author ids, standfirst...), by id: named in an entry instead of copied, so an article
    taken back shares them again (about 2 KB per column otherwise)."""
    shared = {id(value): ("meta", name) for name, value in vars(meta).items()
              if isinstance(value, (str, dt.datetime)) and value}
    for name, values in vars(meta).items():
        if type(values) is list:
            shared.update((id(value), ("meta-item", name, i)) for i, value in enumerate(values)
                          if isinstance(value, str))
    shared[id(parse.first_paragraph)] = ("parse", "first_paragraph")
    return shared


class _Pickler(pickle.Pickler):
    def __init__(self, memo: ArticlesAsRead, article: Any, parse: FileParse, meta: Any) -> None:
        self._buffer = io.BytesIO()
        super().__init__(self._buffer, protocol=pickle.HIGHEST_PROTOCOL)
        self._memo, self._article = memo, article
        self._body = parse.body_html if type(parse.body_html) is StoredHtml else None
        self._shared = _shared_values(meta, parse)

    def persistent_id(self, obj: Any) -> Any:
        found = self._shared.get(id(obj))
        if found is not None:
            return found
        if obj is self._memo.settings:
            return ("settings",)
        if obj is self._memo.context:
            return ("context",)
        if obj is self._body and obj is not None:
            return ("body",)
        if isinstance(obj, URLWrapper):
            key = self._memo.reader.term_key(obj)
            return None if key is None else ("term", *key)
        if isinstance(obj, Content) and obj is not self._article:
            # another article (a translation): it is not part of this one's entry
            raise pickle.PicklingError("an article as read refers to another article")
        return None

    def dump_bytes(self) -> bytes:
        self.dump(self._article)
        return self._buffer.getvalue()


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, memo: ArticlesAsRead, parse: FileParse, meta: Any) -> None:
        super().__init__(io.BytesIO(data))
        self._memo, self._parse, self._meta = memo, parse, meta

    def persistent_load(self, pid: Any) -> Any:
        kind = pid[0]
        if kind == "meta":
            return getattr(self._meta, pid[1])
        if kind == "meta-item":
            return getattr(self._meta, pid[1])[pid[2]]
        if kind == "parse":
            return getattr(self._parse, pid[1])
        if kind == "term":
            return self._memo.reader.term_of(pid[1:])
        if kind == "settings":
            return self._memo.settings
        if kind == "context":
            return self._memo.context
        if kind == "body" and type(self._parse.body_html) is StoredHtml:
            return self._parse.body_html
        raise pickle.UnpicklingError(f"unknown reference {pid!r}")


_SHORT = 24  # strings up to this long are made the process's one copy (sys.intern)


def _share_common_strings(article: Any) -> None:
    """Give an article taken back the strings every article shares when read: its metadata's
    keys (literals of the reader's code, each a copy per article when unpickled: 1.4 KB per
    column) and short values such as its reader's name, status, template and language."""
    state = article.__dict__
    for name, value in state.items():
        if type(value) is str and len(value) <= _SHORT:
            state[name] = sys.intern(value)
    metadata = state.get("metadata")
    if type(metadata) is dict:
        state["metadata"] = {sys.intern(k) if type(k) is str else k:
                             sys.intern(v) if type(v) is str and len(v) <= _SHORT else v
                             for k, v in metadata.items()}


def memo_file(cache_root: str | os.PathLike[str], content_dir: str | os.PathLike[str]) -> Path:
    """One file per content folder (a test's copy of the content does not evict the site's)."""
    import hashlib

    name = hashlib.blake2b(str(Path(content_dir).resolve()).encode(), digest_size=8).hexdigest()
    return Path(cache_root) / "articles" / f"as-read-{name}.marshal"


def _load(file: Path, key: str) -> Entries:
    try:
        version, stored_key, entries = marshal.loads(file.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return entries if version == _FORMAT and stored_key == key and isinstance(entries, dict) else {}


class ArticlesAsRead:
    """The articles generator's memo for one build (see the module docstring)."""

    def __init__(self, file: Path, key: str, reader: ColumnReader, settings: dict, context: dict,
                 base_path: str, session: BuildSession | None = None) -> None:
        self.file, self.key = file, key
        self.reader, self.settings, self.context = reader, settings, context
        self._base_path = base_path
        self._kept = _load(file, key)
        self._used: Entries = {}
        # (name, article, parse, metadata, scheduled) of each article made this build
        self._pending: list[tuple[str, Any, FileParse, Any, bool]] = []
        self._done = False
        self._writer: ForkedWork | None = None
        self._session = session
        self.taken = 0

    @classmethod
    def open_for(cls, generator: Any) -> ArticlesAsRead | None:
        """The memo for this articles generator's build, or None where it does not apply: no
        build session or cache folder, Pelican's own content cache on (it pickles articles
        itself), future dates made drafts by the clock (WITH_FUTURE_DATES off), or another
        reader for Markdown."""
        settings = generator.settings
        session = session_of(settings)
        reader = generator.readers.readers.get("md")
        if (session is None or not session.input_roots or not settings.get("CACHE_ROOT")
                or settings.get("CACHE_CONTENT") or not settings.get("WITH_FUTURE_DATES", True)
                or type(reader) is not ColumnReader):
            return None
        key = inputs_but_documents(settings, session.input_roots, session.remembered)
        return cls(memo_file(settings["CACHE_ROOT"], settings["PATH"]), key, reader, settings,
                   generator.context, generator.path, session)

    def _column(self, name: str) -> tuple[str, FileParse, Any, bool] | None:
        source = os.path.abspath(os.path.join(self._base_path, name))  # as Pelican's read_file
        found = self.reader.unchanged_column(source)
        return None if found is None else (source, *found)

    def take(self, name: str) -> Any | None:
        """The article Pelican would make of file `name` (relative to the content folder), if
        it was kept and nothing it was made from changed; else None."""
        entry = self._kept.get(name)
        if entry is None:
            return None
        found = self._column(name)
        if found is None:
            return None
        source, parse, meta, scheduled = found
        digest, was_scheduled, data = entry
        if digest != parse.digest or was_scheduled != scheduled:
            return None
        body = parse.body_html
        try:
            article = _Unpickler(data, self, parse, meta).load()
            _share_common_strings(article)
        except Exception:  # a damaged entry: the file is read as without it
            logger.debug("articles as read: %s not taken", name, exc_info=True)
            return None
        if type(body) is StoredHtml and body.has_image:
            find_empty_alt(body.text(), source)  # Pelican's warning, as when it reads the file
        self._used[name] = entry
        self.taken += 1
        return article

    def add(self, name: str, article: Any) -> None:
        """Keep the article Pelican just made of file `name` (pickled once reading is done)."""
        found = self._column(name)
        if found is not None and getattr(article, "source_path", None) == found[0]:
            self._pending.append((name, article, *found[1:]))

    def _entries_with_pending(self) -> Entries:
        entries = dict(self._used)
        for name, article, parse, meta, scheduled in self._pending:
            try:
                entries[name] = (parse.digest, scheduled, _Pickler(self, article, parse, meta).dump_bytes())
            except Exception:  # an object that does not pickle: that column is read every build
                logger.debug("articles as read: %s not kept", name, exc_info=True)
        return entries

    def _write(self, entries: Entries) -> bool:
        return write_atomically(self.file, marshal.dumps((_FORMAT, self.key, entries)))

    def reading_done(self) -> None:
        """Every article is made, and none changed yet: pickle the new ones (into the file, in a
        child meanwhile when there are many: 50 us each, 0.5 s for a first build at 10,000)."""
        if self._writer is not None or self._done:
            return
        self._done = True
        if len(self._pending) >= MIN_PER_WORKER:
            self._writer = start_in_fork(lambda: self._write(self._entries_with_pending()))
            if self._writer is not None:
                self._pending = []
                if self._session is not None:
                    self._session.at_end(self._reap_writer)
                return
        self._used = self._entries_with_pending()
        self._pending = []

    def _reap_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            done, written = writer.take()
            if not (done and written):
                logger.warning("articles as read: could not write %s", self.file)

    def save(self) -> None:
        """Keep the entries this build used or made (those of removed files go); the child
        started by `reading_done` writes them itself."""
        self.reading_done()
        if self._writer is None and self._used != self._kept and not self._write(self._used):
            logger.warning("articles as read: could not write %s", self.file)
