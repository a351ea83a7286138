"""`{% fragment %}`: teasers and cards rendered once per build give the same pages."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import build
from jinja2 import DictLoader, Environment
from site_pages.fragments import FragmentCache

import pelicanconf


class RenderEveryTime(FragmentCache):
    """The same tag, with the block rendered wherever it appears (what the cache replaces)."""

    def _render_once(self, key, caller):
        return caller()


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_site_is_byte_identical_with_and_without_the_fragment_store(demo_site, tmp_path):
    plain_env = {**pelicanconf.JINJA_ENVIRONMENT, "extensions": [RenderEveryTime]}
    result = build(tmp_path / "out", JINJA_ENVIRONMENT=plain_env, CACHE_ROOT=str(tmp_path / "cache"))
    assert result.ok, result.errors
    produced = digests(tmp_path / "out")
    assert len(produced) > 50
    assert produced == digests(demo_site)


def environment(templates: dict[str, str]) -> Environment:
    return Environment(loader=DictLoader(templates), autoescape=True, extensions=[FragmentCache])


def test_block_renders_once_per_key_and_keeps_escaping():
    calls = []
    env = environment({"t": "{% fragment 'x', name %}<b>{{ note(name) }}</b>{% endfragment %}"})
    template = env.get_template("t")

    def note(name):
        calls.append(name)
        return name

    assert template.render(name="<a>", note=note) == "<b>&lt;a&gt;</b>"
    assert template.render(name="<a>", note=note) == "<b>&lt;a&gt;</b>"
    assert template.render(name="b", note=note) == "<b>b</b>"
    assert calls == ["<a>", "b"]


def test_each_environment_has_its_own_store():
    templates = {"t": "{% fragment 'x' %}{{ value }}{% endfragment %}"}
    assert environment(templates).get_template("t").render(value=1) == "1"
    assert environment(templates).get_template("t").render(value=2) == "2"
