"""`{% fragment key, ... %}...{% endfragment %}`: render a block once per build and key.

A column appears as a teaser in about five listings (home, section, author, its tags) and as
a related card on about three column pages; each of those renders the same HTML. The block's
output must depend only on its key and on values that are the same all build long (settings,
filters): the key names the column (its URL) and anything else that varies, such as the
heading level. The store belongs to the Jinja environment, and Pelican makes new ones for
every build, so nothing outlives the build it was made in.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup


class FragmentCache(Extension):
    tags = {"fragment"}  # noqa: RUF012 - Jinja reads this class attribute

    def __init__(self, environment) -> None:
        super().__init__(environment)
        environment.extend(rendered_fragments={})

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        parts = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            parts.append(parser.parse_expression())
        body = parser.parse_statements(("name:endfragment",), drop_needle=True)
        key = nodes.Tuple(parts, "load")
        return nodes.CallBlock(self.call_method("_render_once", [key]), [], [], body).set_lineno(lineno)

    def _render_once(self, key: tuple[Hashable, ...], caller: Callable[[], Markup]) -> Markup:
        store = self.environment.rendered_fragments
        found = store.get(key)
        if found is None:
            found = store[key] = caller()
        return found
