"""Articles as the reader made them, kept between builds: an unchanged column is not read again.

Pelican makes every article on every build: its reader machinery, metadata processing and
`Article.__init__` cost about 90 us per column (0.9 s at 10,000), although after an edit only
the edited column differs from the last build. Here each article is pickled where Pelican's
generator caches it (`cache_data`: just made and checked; pickled once all are made, before
any plugin changes one) and taken back instead of read (`get_cached_data`) when all of these
are as they were:
- everything the build reads but the content documents (settings, code, theme, data files,
  Python and Pelican, as the files were before the build read any), the parser and its
  libraries, and the locale dates are written in: the whole memo is keyed on them;
- the file's bytes: the digest of the parse the reader made the article from, against
  validation's parse of the file now (which is checked to be what the file still holds);
- whether the column is scheduled (its date against this build's reference time).

What the build shares is not copied into an entry but named, and the names are resolved in the
next build: the settings, the generator's context, the reader's one Tag, Category and Author
per name, the values it took from validation's metadata and parse, and the body's place in the
content cache (the current parse's `StoredHtml`). The memo is one file per content folder and
settings (site_build/folder_memo.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import locale
import logging
import os
import pickle
import sys
from pathlib import Path
from typing import Any

from content_model import parse_cache
from content_model.parse_cache import FileParse
from content_model.reader import ColumnReader, warn_empty_alt
from content_model.stored_html import StoredHtml
from pelican import signals
from pelican.contents import Content
from pelican.urlwrappers import URLWrapper
from site_build.fingerprint import declared_settings, files_but_documents, input_fingerprint
from site_build.folder_memo import load_memo, memo_path, save_memo
from site_build.forks import MIN_PER_WORKER, ForkedWork, start_in_fork
from site_build.session import BuildSession, session_of

logger = logging.getLogger(__name__)

# path relative to the content folder -> (parse digest, scheduled, the pickled article)
Entries = dict[str, tuple[str, bool, bytes]]
_WHAT = "articles as read"


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
    if parse.first_paragraph:
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


def memo_file(cache_root: str | os.PathLike[str], content_dir: str | os.PathLike[str], variant: str) -> Path:
    """One memo per content folder and settings (`variant`): a test's copy of the content does
    not evict the site's, nor a build with the publishing settings the one with the others."""
    return memo_path(cache_root, "articles", "as-read", content_dir, variant)


def _entries_of(kept: dict) -> Entries:
    """The well-formed entries of a memo (a damaged one is read again, never fails a build)."""
    return {name: entry for name, entry in kept.items()
            if type(name) is str and type(entry) is tuple and len(entry) == 3 and type(entry[0]) is str
            and type(entry[1]) is bool and type(entry[2]) is bytes}


def _applies(settings: dict) -> bool:
    """Whether an article taken back is the one Pelican would make: not when Pelican's own
    content cache is on (it pickles articles itself), the clock makes future columns drafts
    (WITH_FUTURE_DATES off), a date format sets the process's locale, or a plugin works on
    each article as it is made (receivers of `content_object_init` or `article_generator_context`)."""
    formats = [settings.get("DEFAULT_DATE_FORMAT"), *(settings.get("DATE_FORMATS") or {}).values()]
    return (not settings.get("CACHE_CONTENT") and settings.get("WITH_FUTURE_DATES", True)
            and not any(isinstance(f, tuple) for f in formats)
            and not signals.content_object_init.receivers and not signals.article_generator_context.receivers)


def _memo_key(settings_digest: str, settings: dict, roots: tuple[Path, ...], remembered: dict) -> str:
    """Everything an article as read comes from but its own file: the settings, every other
    input file, the parser and its libraries (validation's parses; a new Markdown version counts
    words anew), and the locale the dates are written in."""
    h = hashlib.blake2b(settings_digest.encode(), digest_size=20)
    h.update(files_but_documents(settings, roots, remembered).encode())
    h.update(parse_cache.version_key().encode())
    h.update(repr(locale.setlocale(locale.LC_TIME)).encode())
    return h.hexdigest()


def _reap(writer: ForkedWork, file: Path | None) -> None:
    done, written = writer.take()
    if not (done and written):  # (a child that was stopped or failed; a refused write said so)
        logger.warning("%s: the process keeping them in %s did not finish", _WHAT, file)


class ArticlesAsRead:
    """The articles generator's memo for one build (see the module docstring)."""

    def __init__(self, file: Path | None, key: str, reader: ColumnReader, settings: dict, context: dict,
                 base_path: str, session: BuildSession | None = None) -> None:
        self.file, self.key = file, key
        self.reader, self.settings, self.context = reader, settings, context
        self._base_path = base_path
        self._kept = _entries_of(load_memo(file, key, _WHAT))
        self._used: Entries = {}
        # (name, article, parse, metadata, scheduled) of each article made this build
        self._pending: list[tuple[str, Any, FileParse, Any, bool]] = []
        self._done = False
        self._writing = False
        self._session = session
        reader.keep_made()

    @classmethod
    def open_for(cls, generator: Any) -> ArticlesAsRead | None:
        """The memo for this articles generator's build, or None where it does not apply: no
        build session or cache folder, another reader for Markdown, or `_applies` says no."""
        settings = generator.settings
        session = session_of(settings)
        reader = generator.readers.readers.get("md")
        if (session is None or not session.input_roots or not settings.get("CACHE_ROOT")
                or type(reader) is not ColumnReader or not _applies(settings)):
            return None
        # (Python's and Pelican's versions and the settings: the memo's file, and part of its key)
        settings_digest = input_fingerprint(declared_settings(settings), "")
        key = _memo_key(settings_digest, settings, session.input_roots, session.remembered)
        return cls(memo_file(settings["CACHE_ROOT"], settings["PATH"], settings_digest), key, reader, settings,
                   generator.context, generator.path, session)

    def _source(self, name: str) -> str:
        return os.path.abspath(os.path.join(self._base_path, name))  # as Pelican's read_file

    def take(self, name: str) -> Any | None:
        """The article Pelican would make of file `name` (relative to the content folder), if
        it was kept and nothing it was made from changed; else None."""
        entry = self._kept.get(name)
        if entry is None:
            return None
        source = self._source(name)
        found = self.reader.unchanged_column(source)
        if found is None:
            return None
        parse, meta = found
        digest, was_scheduled, data = entry
        if digest != parse.digest or was_scheduled != self.reader.is_scheduled(meta):
            return None
        try:
            article = _Unpickler(data, self, parse, meta).load()
            _share_common_strings(article)
        except Exception:  # a damaged entry: the file is read as without it
            logger.debug("%s: %s not taken", _WHAT, name, exc_info=True)
            return None
        warn_empty_alt(parse.body_html, source)  # Pelican's warning, as when it reads the file
        self._used[name] = entry
        return article

    def add(self, name: str, article: Any) -> None:
        """Keep the article Pelican just made of file `name` (pickled once reading is done),
        with what the reader made it from."""
        source = self._source(name)
        made = self.reader.made_from(source)
        scheduled = getattr(article, "scheduled", None)
        if made is not None and type(scheduled) is bool and article.source_path == source:
            self._pending.append((name, article, *made, scheduled))

    def _entries_with_pending(self) -> Entries:
        entries = dict(self._used)
        for name, article, parse, meta, scheduled in self._pending:
            try:
                entries[name] = (parse.digest, scheduled, _Pickler(self, article, parse, meta).dump_bytes())
            except Exception:  # an object that does not pickle: that column is read every build
                logger.debug("%s: %s not kept", _WHAT, name, exc_info=True)
        return entries

    def _save(self, entries: Entries) -> bool:
        return save_memo(self.file, self.key, self.settings["PATH"], entries, _WHAT)

    def reading_done(self) -> None:
        """Every article is made, and none changed yet: pickle the new ones (into the file, in a
        child meanwhile when there are many: 50 us each, 0.5 s for a first build at 10,000)."""
        if self._done:
            return
        self._done = True
        self.reader.stop_keeping_made()
        if len(self._pending) >= MIN_PER_WORKER:
            writer = start_in_fork(lambda: self._save(self._entries_with_pending()))
            if writer is not None:
                self._writing = True
                if self._session is not None:
                    self._session.at_end(lambda: _reap(writer, self.file))
                self._forget()
                return
        self._used = self._entries_with_pending()
        self._pending = []

    def _forget(self) -> None:
        self._kept, self._used, self._pending = {}, {}, []

    def save(self) -> None:
        """Keep the entries this build used or made (those of removed files go); a child
        started by `reading_done` writes them itself."""
        self.reading_done()
        if not self._writing and self._used != self._kept:
            self._save(self._used)
        self._forget()
