"""Column HTML left in the content cache's files and read when asked for, never held by the build.

At 10,000 columns the bodies' HTML is 75 MB, and a build reads most of it only in passing
(links, related text) and renders it for a few pages after an edit. A parse kept in a cache
shard (parse_cache.py) points at its HTML in that file (`StoredHtml`: an open file, an
offset, a length); `text()` reads it with `pread` (a few microseconds from the page cache).
The file is opened once and stays open while anything points into it, so replacing a shard
(always by `os.replace`, never in place) or removing the cache does not change what an open
build reads.

Pelican makes an article as `Article(content, ...)` from what the reader returns, so the reader
hands over an `HtmlFromCache`: an empty string (Pelican tests `if content:` before looking
for images without alt text, which the reader does itself) carrying the `StoredHtml`. A content
class with `HtmlReadFromCache` mixed in keeps only that pointer, and edits to the HTML
(`edit_html`, e.g. the membership block) are applied each time the HTML is read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from pelican.contents import Content
from pelican.settings import DEFAULT_CONFIG

DIGEST_SIZE = 16


def html_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=DIGEST_SIZE).digest()


class ShardFile:
    """A cache file opened for reading; closed when the last `StoredHtml` into it goes."""

    __slots__ = ("fd", "path")

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self.fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))

    def read(self, offset: int, length: int) -> bytes:
        data = os.pread(self.fd, length, offset)
        if len(data) != length:
            raise OSError(f"content cache file {self.path} is shorter than when it was opened")
        return data

    def __del__(self) -> None:
        try:
            os.close(self.fd)
        except (OSError, AttributeError):
            pass


def _stored_html(digest: bytes) -> None:
    raise RuntimeError("a StoredHtml is never unpickled: it points into a file opened by one process")


@dataclass(frozen=True, slots=True)
class StoredHtml:
    """One column's HTML: `length` UTF-8 bytes at `offset` of `file`, and their digest."""

    file: ShardFile
    offset: int
    length: int
    digest: bytes
    has_image: bool  # an `<img` occurs: only then is the text scanned for empty alt texts
    # a "{" or a "|" occurs: without either, Pelican's default intrasite-link syntax cannot match
    may_link: bool

    def text(self) -> str:
        return self.file.read(self.offset, self.length).decode("utf-8", "surrogatepass")

    def __reduce__(self) -> tuple[Callable, tuple[bytes]]:
        # What the page keys hash (output_writer.page_keys pickles an article's fields): the
        # HTML's digest, not where the file happens to hold it.
        return _stored_html, (self.digest,)

    def __copy__(self) -> StoredHtml:
        return self  # immutable, and its file cannot be copied

    def __deepcopy__(self, memo: dict) -> StoredHtml:
        return self


class HtmlFromCache(str):
    """What the reader returns as a column's content: "" to Pelican, the `StoredHtml` to us."""

    def __new__(cls, stored: StoredHtml) -> HtmlFromCache:
        made = super().__new__(cls, "")
        made.stored = stored
        return made

    def __reduce__(self) -> tuple[Callable, tuple[bytes]]:
        return _stored_html, (self.stored.digest,)

    def __copy__(self) -> HtmlFromCache:
        return self

    def __deepcopy__(self, memo: dict) -> HtmlFromCache:
        return self


def html_text(html: str | StoredHtml | None) -> str | None:
    """The HTML as text, wherever it is kept."""
    return html.text() if type(html) is StoredHtml else html


def html_identity(html: str | StoredHtml | None) -> bytes:
    """The digest a stored copy of `html` is filed under (`StoredHtml.digest`), for any form of it."""
    if type(html) is StoredHtml:
        return html.digest
    return html_digest((html or "").encode("utf-8", "surrogatepass"))


def unedited_source(article) -> str | StoredHtml | None:
    """What the reader gave an `HtmlReadFromCache` article, before any `edit_html` edit
    (the column's own body, without e.g. the membership block). Raises AttributeError for
    other classes: their `_content` may have been changed in place."""
    state = article.__dict__
    if not getattr(article, "reads_stored_html", False) or "_html_source" not in state:
        raise AttributeError("the article does not keep its reader's HTML apart from later edits")
    return state["_html_source"]


class HtmlReadFromCache:
    """Mixin for a Pelican content class: `_content` is read from the cache file on each access.

    Assigning a plain string (as Pelican's `__init__` and any plugin may) keeps that string, as
    Pelican would; assigning an `HtmlFromCache` keeps only its pointer. `get_content` is
    Pelican's, without the memo that would keep every rendered body alive to the end.
    """

    reads_stored_html = True  # the reader hands this class HtmlFromCache (content_model.reader)

    @property
    def _content(self) -> str | None:
        state = self.__dict__
        html = html_text(state.get("_html_source"))
        for edit in state.get("_html_edits", ()):
            html = edit(html or "")
        return html

    @_content.setter
    def _content(self, value: str | None) -> None:
        state = self.__dict__
        state["_html_source"] = value.stored if type(value) is HtmlFromCache else value
        state.pop("_html_edits", None)

    def edit_html(self, edit: Callable[[str], str]) -> None:
        """Apply `edit` to the HTML whenever it is read: the same as `self._content =
        edit(self._content or "")`, without holding the result. `edit` should be a value with
        fields (a dataclass), so page keys see what it does."""
        state = self.__dict__
        state["_html_edits"] = (*state.get("_html_edits", ()), edit)

    def get_content(self, siteurl: str) -> str:
        content = self._get_content() if hasattr(self, "_get_content") else self._content
        return self._update_content(content, siteurl)

    get_content.same_as_pelican = True  # type: ignore[attr-defined]  # for feeds.content_html

    def get_static_links(self) -> set[str]:
        """Pelican's, without reading HTML that cannot hold a link in its syntax (about 0.12 s
        per build at 10,000 columns): every match of the default INTRASITE_LINK_REGEX needs a
        "{" or a "|"."""
        state = self.__dict__
        source = state.get("_html_source")
        if (type(source) is StoredHtml and not source.may_link and not state.get("_html_edits")
                and default_link_syntax(self)):
            return set()
        return super().get_static_links()


def content_identity(article) -> bytes | None:
    """A digest that stands for the HTML Pelican's `content` gives for `article` (at any
    SITEURL), worked out without reading it: the stored body's digest and what each edit does.

    Only when nothing can change under the link pass: the body holds no "{" or "|"
    (`may_link`), every edit says it adds none (its own `may_link`, False) and is a value
    (a dataclass, described by its fields), and the link syntax is Pelican's default. The
    class must read its HTML as Pelican does (the caller checks). None otherwise: read it."""
    state = article.__dict__
    source = state.get("_html_source")
    if type(source) is not StoredHtml or source.may_link or not getattr(article, "reads_stored_html", False):
        return None
    h = hashlib.blake2b(source.digest, digest_size=DIGEST_SIZE)
    for edit in state.get("_html_edits", ()):
        if getattr(edit, "may_link", True) is not False or not dataclasses.is_dataclass(edit):
            return None
        h.update(repr(edit).encode("utf-8", "surrogatepass"))
    if not default_link_syntax(article):
        return None
    return h.digest()


def may_hold_link(text: str) -> bool:
    """Whether `text` could hold a link in Pelican's default intrasite syntax: every match of
    its INTRASITE_LINK_REGEX needs a "{" or a "|"."""
    return "{" in text or "|" in text


def default_link_syntax(content) -> bool:
    """Whether `content`'s links are found with Pelican's default syntax (`may_hold_link`)."""
    return (type(content)._get_intrasite_link_regex is Content._get_intrasite_link_regex
            and content.settings.get("INTRASITE_LINK_REGEX") == DEFAULT_CONFIG["INTRASITE_LINK_REGEX"])
