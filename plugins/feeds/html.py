"""Make every link and image URL in an item's HTML absolute.

Feed readers show content away from the site, where `/images/x.jpg` or `#fn:1` mean
nothing. The content comes from our own Markdown renderer, so attributes are always
double-quoted; a regular expression is enough and much faster than a parser at 10,000 items.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

# Each pattern starts with the literal `="`, which the regex engine finds with a fast scan;
# the lookbehinds then check the attribute name before it. The same matches as
# `\s(?:href|src|...)="([^"]*)"`, which tries the name at every space of the text: about 50x
# slower on a column.
_URL_ATTR = re.compile(r'="(?:(?<=\shref=")|(?<=\ssrc=")|(?<=\scite=")|(?<=\sposter=")|(?<=\saction="))([^"]*)"',
                       re.IGNORECASE)
_SRCSET_ATTR = re.compile(r'="(?<=\ssrcset=")([^"]*)"', re.IGNORECASE)


_ALREADY_ABSOLUTE = ("http://", "https://", "mailto:", "data:", "tel:")


def _absolute(url: str, base: str) -> str:
    url = url.strip()
    if not url:
        return base
    if url.startswith(_ALREADY_ABSOLUTE):  # most links: skip urljoin, the slow part at scale
        return url
    if url.startswith("#"):
        return base.split("#", 1)[0] + url
    return urljoin(base, url)


def _srcset(value: str, base: str) -> str:
    candidates = []
    for candidate in value.split(","):
        parts = candidate.strip().split(None, 1)
        if parts:
            parts[0] = _absolute(parts[0], base)
            candidates.append(" ".join(parts))
    return ", ".join(candidates)


def absolutize_urls(html: str, base: str) -> str:
    """`html` with href/src/poster/cite/action/srcset values resolved against `base`.

    `base` is the item's own absolute URL, so `#fn:1` points at the footnote on the page.
    """
    html = _URL_ATTR.sub(lambda m: '="' + _absolute(m.group(1), base) + '"', html)
    return _SRCSET_ATTR.sub(lambda m: '="' + _srcset(m.group(1), base) + '"', html)
