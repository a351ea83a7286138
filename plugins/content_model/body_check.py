"""Checks on a Markdown body: not empty, no script, no script URLs. No Pelican here."""

from __future__ import annotations

import re

from .errors import ContentError
from .links import _squash, has_script_link

_RAW_SCRIPT = re.compile(r"<\s*script|<[^>]+\son[a-z]+\s*=", re.I)
# Every scheme `has_script_link` looks for ends in one of these, once whitespace is squashed.
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")


def check_body(body: str, body_line: int, display: str) -> list[ContentError]:
    if not body.strip():
        return [ContentError(display, body_line, "body",
                             "is empty; write the text below the closing '---'")]
    # Quick pass over the whole body first: a line can only match what the whole text
    # matches (the line patterns may span lines, the squashed body contains each squashed
    # line), so a clean body, the usual case, skips the line-by-line scan.
    squashed = _squash(body)
    if not _RAW_SCRIPT.search(body) and not any(scheme in squashed for scheme in _SCRIPT_SCHEMES):
        return []
    errors = []
    for offset, line in enumerate(body.split("\n")):
        if _RAW_SCRIPT.search(line):
            errors.append(ContentError(display, body_line + offset, "body",
                                       "contains a <script> tag or an on...= event handler; remove it"))
        elif has_script_link(line):
            errors.append(ContentError(display, body_line + offset, "body",
                                       "links to a script URL (javascript:, data:); use an https:// link"))
    return errors
