"""Which links are safe to publish: no `javascript:` or other script-carrying schemes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from .errors import ContentError
from .frontmatter import YamlDocument

# Browsers ignore ASCII whitespace and control characters inside a scheme ("java\tscript:").
_INVISIBLE = dict.fromkeys([*range(0x21), 0x7F])  # deleted by str.translate (10x a regex sub)
_DANGEROUS = ("javascript:", "vbscript:", "data:", "file:")
# a dangerous scheme at the start of a value, or as a Markdown/HTML link target inside text
_EMBEDDED = re.compile(r"(?:^|\]\(|<|href=[\"']?|src=[\"']?)(?:javascript|vbscript|data):", re.I)


def _squash(value: str) -> str:
    return value.translate(_INVISIBLE).lower()


def has_script_link(text: str) -> bool:
    """True when text is, or embeds as a link target, a script-carrying URL."""
    return bool(_EMBEDDED.search(_squash(text)))


def link_problem(url: str, *, allow_relative: bool = True, allow_mailto: bool = True) -> str | None:
    """Why `url` may not be published as a link, or None when it is fine."""
    squashed = _squash(url)
    if not squashed:
        return "is empty"
    if squashed.startswith(_DANGEROUS):
        return f"'{url.strip()[:40]}' uses a scheme that can run code; use an https:// link"
    scheme = urlsplit(url.strip()).scheme.lower()
    if scheme in ("http", "https"):
        if not urlsplit(url.strip()).netloc:
            return f"'{url}' has no host name"
        return None
    if scheme == "mailto" and allow_mailto:
        return None
    if not scheme and allow_relative and not url.strip().startswith("//"):
        return None
    allowed = "http(s)://" + (", mailto:" if allow_mailto else "")
    allowed += " or a site path like /about/" if allow_relative else ""
    return f"'{url.strip()[:60]}' is not an allowed link ({allowed})"


def walk_strings(data: Any, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every string in a YAML structure with its location."""
    if isinstance(data, str):
        yield loc, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from walk_strings(value, (*loc, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk_strings(value, (*loc, index))


def check_front_matter_links(doc: YamlDocument, display: str, skip_fields: tuple[str, ...] = ()) -> list[ContentError]:
    """No `javascript:` (or data:, vbscript:) URL anywhere in a YAML document.

    `skip_fields` names fields whose URLs the schema checks more strictly (one message each).
    """
    return [
        ContentError(display, doc.line_of(loc), ".".join(map(str, loc)) or "front-matter",
                     "contains a script URL (javascript:, data: or vbscript:); use an https:// link")
        for loc, value in walk_strings(doc.data)
        if has_script_link(value) and not (loc and loc[-1] in skip_fields)
    ]
