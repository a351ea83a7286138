"""Article and page URLs computed once per build instead of on every template lookup.

Pelican recomputes `url` and `save_as` from the settings and a copy of the metadata on each
access (about 100k times for a 2,000-column site). Once every plugin has finished changing
content (the writer is about to be made), each Article and Page is given a subclass of the
same name whose `url` / `save_as` remember their first value.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from typing import Any

from content_model.stored_html import HtmlReadFromCache
from pelican import contents

# The setting each stock class's `_expand_settings` reads a URL pattern from ("draft_url"...)
_PATTERN_KIND = {
    contents.Article._expand_settings: lambda item: "draft" if item.status == "draft" else "article",
    contents.Page._expand_settings: lambda item: "draft_page" if item.status == "draft" else type(item).__name__,
}
_MEMOS = (("url", "_speedups_url"), ("save_as", "_speedups_save_as"))


class _RemembersUrls:
    @property
    def url(self) -> str:
        known = self.__dict__.get("_speedups_url")
        if known is None:
            known = self._remember_urls("url", lambda: super(_RemembersUrls, self).url)
        return known

    @property
    def save_as(self) -> str:
        known = self.__dict__.get("_speedups_save_as")
        if known is None:
            known = self._remember_urls("save_as", lambda: super(_RemembersUrls, self).save_as)
        return known

    def _remember_urls(self, wanted: str, pelicans: Any) -> str:
        """`wanted` ("url" or "save_as") and the other one too, from one `url_format`: Pelican
        works that out for each (a copy of the metadata, the source path...), about 6 us a time.
        With any of Pelican's URL methods replaced, each is Pelican's own."""
        cls = type(self)
        kind = _PATTERN_KIND.get(cls._expand_settings)
        if (kind is None or cls.get_url_setting is not contents.Content.get_url_setting
                or cls.url_format is not contents.Content.url_format):
            value = self.__dict__["_speedups_" + wanted] = pelicans()
            return value
        state, values = self.__dict__, None
        for key, memo in _MEMOS:
            if memo in state:
                continue
            # Pelican's get_url_setting and _expand_settings, with the format values worked out once
            if hasattr(self, "override_" + key):
                value = getattr(self, "override_" + key)
            else:
                if values is None:
                    values = self.url_format
                setting = key if self.in_default_lang else f"lang_{key}"
                try:
                    value = str(self.settings[f"{kind(self)}_{setting}".upper()]).format(**values)
                except Exception:
                    if key == wanted:
                        raise
                    continue  # the other one fails when it is read, as without this
            state[memo] = value
        return state["_speedups_" + wanted]


class _RemembersSourcePath:
    def get_relative_source_path(self, source_path: str | None = None) -> str | None:
        """Pelican's answer, remembered for this object's own source path: Pelican asks for it
        about six times per article (each time two `abspath` and a `relpath`)."""
        path = source_path or self.source_path
        if path is None or path != self.__dict__.get("source_path"):
            return super().get_relative_source_path(source_path)
        key = (path, self.settings["PATH"])
        known = self.__dict__.get("_speedups_source_path")
        if known is None or known[0] != key:
            known = self.__dict__["_speedups_source_path"] = (key, _relative_source_path(path, key[1])
                                                               or super().get_relative_source_path(source_path))
        return known[1]


@functools.lru_cache(maxsize=8)
def _content_root(path_setting: str) -> str:
    return os.path.normpath(path_setting)


def _relative_source_path(path: str, path_setting: str) -> str | None:
    """Pelican's `relpath(abspath(join(PATH, path)), abspath(PATH))` by slicing, for the usual
    case of a normalised absolute path inside PATH (the generators give every article one);
    None otherwise. Pelican's own took ~15 us per article, mostly in `relpath`."""
    if not isinstance(path, str) or not isinstance(path_setting, str) or not os.path.isabs(path_setting):
        return None  # (a relative PATH depends on the working folder, which may change)
    root = _content_root(path_setting)
    if not (path.startswith(root) and path[len(root):len(root) + 1] == os.sep and len(path) > len(root) + 1):
        return None
    if os.path.normpath(path) != path:
        return None
    return path[len(root) + 1:].replace(os.sep, "/")


# Same class names as Pelican's: `Content._expand_settings` picks the URL setting by name.
class ReadArticle(HtmlReadFromCache, _RemembersSourcePath, contents.Article):
    """What the articles generator makes while it reads (see `generator._linear_reading`);
    its HTML stays in the content cache's file until read (content_model.stored_html)."""


ReadArticle.__name__ = "Article"


class Article(_RemembersUrls, ReadArticle):
    pass


Article.__name__ = "Article"


class Page(_RemembersUrls, contents.Page):
    pass


_FROZEN = {contents.Article: Article, ReadArticle: Article, contents.Page: Page}

_CONTENT_LISTS = ("articles", "translations", "drafts", "drafts_translations", "hidden_articles",
                  "hidden_translations", "pages", "hidden_pages", "draft_pages", "draft_translations")


def freeze_urls(generators: Iterable[object]) -> int:
    """Switch every stock Article/Page the generators hold to its URL-remembering class."""
    frozen = 0
    for generator in generators:
        for name in _CONTENT_LISTS:
            for item in getattr(generator, name, None) or ():
                target = _FROZEN.get(type(item))
                if target is not None:
                    item.__class__ = target
                    frozen += 1
    return frozen
