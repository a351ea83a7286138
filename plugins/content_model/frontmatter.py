"""Split a content file into YAML front-matter and Markdown body, keeping line numbers."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError

try:  # the C parser is ~10x faster; fall back where libyaml is missing
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

FENCE = "---"

# A location inside a YAML document: keys and list indexes from the root.
YamlPath = tuple[Any, ...]


def _packed_document(packed: bytes, first_line: int) -> YamlDocument:
    document = YamlDocument.__new__(YamlDocument)
    document._data = document._lines = None
    document._packed, document.first_line = packed, first_line
    return document


class YamlDocument:
    """A YAML document's data and the line of each node (for error messages).

    Pickled (the content cache keeps one per file) as one byte string that is unpacked on
    first use: a build with no content errors reads the data and lines of few files, and
    loading 10,000 unpacked documents was half of loading the cache.
    """

    __slots__ = ("_data", "_lines", "_packed", "first_line")

    def __init__(self, data: Any, lines: dict[YamlPath, int] | None = None, first_line: int = 1) -> None:
        self._data, self._lines, self._packed = data, {} if lines is None else lines, None
        self.first_line = first_line

    def _unpack(self) -> None:
        self._data, self._lines = pickle.loads(self._packed)
        self._packed = None

    @property
    def data(self) -> Any:
        if self._packed is not None:
            self._unpack()
        return self._data

    @property
    def lines(self) -> dict[YamlPath, int]:
        if self._packed is not None:
            self._unpack()
        return self._lines

    def __reduce__(self):
        packed = self._packed
        if packed is None:
            packed = pickle.dumps((self._data, self._lines), protocol=pickle.HIGHEST_PROTOCOL)
        return _packed_document, (packed, self.first_line)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, YamlDocument):
            return NotImplemented
        return (self.data, self.lines, self.first_line) == (other.data, other.lines, other.first_line)

    __hash__ = None  # mutable, like the dataclass it replaces

    def __repr__(self) -> str:
        return f"YamlDocument(data={self.data!r}, lines={self.lines!r}, first_line={self.first_line!r})"

    def line_of(self, loc: YamlPath) -> int:
        """Line of the deepest known node on `loc` (falls back to the document start)."""
        for end in range(len(loc), 0, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return self.first_line


@dataclass
class ParsedFile:
    path: str
    meta: YamlDocument | None
    body: str
    body_line: int  # 1-based line where the body starts
    errors: list[ContentError]


def read_text(path: Path, display: str) -> tuple[str | None, list[ContentError]]:
    """Read a file as UTF-8; a clear error instead of a traceback when it is not."""
    return decode_text(path.read_bytes(), display)


def decode_text(raw: bytes, display: str) -> tuple[str | None, list[ContentError]]:
    """A file's bytes as UTF-8 text with `\n` line ends, or the error an editor can act on."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            ContentError(
                display,
                line,
                "file",
                f"is not UTF-8 text (bad byte 0x{raw[exc.start]:02x}); "
                "save it as UTF-8 in your editor",
            )
        ]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def _record_lines(node: yaml.Node, loc: YamlPath, lines: dict, dups: list, offset: int):
    lines[loc] = node.start_mark.line + 1 + offset
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                dups.append((key, key_node.start_mark.line + 1 + offset))
            seen.add(key)
            lines[(*loc, key)] = key_node.start_mark.line + 1 + offset
            _record_lines_children(value_node, (*loc, key), lines, dups, offset)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*loc, index), lines, dups, offset)


def _record_lines_children(node, loc, lines, dups, offset):
    # a key's own line is where the key stands; children keep their own lines
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        keep = lines[loc]
        _record_lines(node, loc, lines, dups, offset)
        lines[loc] = keep


def parse_yaml(text: str, display: str, line_offset: int = 0) -> tuple[YamlDocument | None, list[ContentError]]:
    """Parse one YAML document, recording the line of every key and list item."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument({}, {}, line_offset + 1), []
        lines: dict[YamlPath, int] = {}
        dups: list[tuple[str, int]] = []
        _record_lines(node, (), lines, dups, line_offset)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        problem = exc.problem or str(exc)
        hint = ""
        if "mapping values are not allowed" in problem:
            hint = " (a value containing ': ' must be quoted)"
        return None, [ContentError(display, line, "yaml", f"syntax error: {problem}{hint}")]
    except yaml.YAMLError as exc:
        return None, [ContentError(display, line_offset + 1, "yaml", f"syntax error: {exc}")]
    finally:
        loader.dispose()
    errors = [ContentError(display, line, str(key), "is given twice; keep one") for key, line in dups]
    return YamlDocument(data, lines, line_offset + 1), errors


def split_front_matter(text: str, display: str) -> ParsedFile:
    """`---` fenced YAML at the very top, then the Markdown body."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE:
        return ParsedFile(
            display, None, text, 1,
            [ContentError(display, 1, "front-matter",
                          "missing: the file must start with a line '---', the YAML fields, "
                          "and another line '---'")],
        )
    for index in range(1, len(lines)):
        if lines[index].strip() in (FENCE, "..."):
            yaml_text = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            doc, errors = parse_yaml(yaml_text, display, line_offset=1)
            if doc is not None and not isinstance(doc.data, dict):
                errors.append(ContentError(display, 2, "front-matter",
                                           "must be YAML fields such as 'title: ...'"))
                doc = None
            return ParsedFile(display, doc, body, index + 2, errors)
    return ParsedFile(
        display, None, "", len(lines),
        [ContentError(display, 1, "front-matter",
                      "never closes: add a line '---' after the last field")],
    )


def parse_content_file(path: Path, display: str) -> ParsedFile:
    return parse_content_bytes(path.read_bytes(), display)


def parse_content_bytes(raw: bytes, display: str) -> ParsedFile:
    """Same as `parse_content_file`, for bytes already read (the parse cache hashes them)."""
    text, errors = decode_text(raw, display)
    if text is None:
        return ParsedFile(display, None, "", 1, errors)
    return split_front_matter(text, display)
