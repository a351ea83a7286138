"""The feed plugin's plain functions: settings errors, id rules, URL rewriting, CTA footer."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from feeds.html import absolutize_urls
from feeds.ids import IdRegistry, IdRequest, alias_slug, find_clashes
from feeds.records import item_from_content
from feeds.settings import FeedSettingsError, read_feed_settings

ENTITY = "ridgeledger.example,2025"
BASE = {"SITEURL": "", "FEED_FALLBACK_SITEURL": "http://127.0.0.1:8000", "FEED_TAGGING_ENTITY": ENTITY,
        "PATH": "/site/content", "SITENAME": "The Ridge Ledger"}


@pytest.mark.parametrize(("override", "message"), [
    ({"FEED_FALLBACK_SITEURL": "127.0.0.1:8000"}, "FEED_FALLBACK_SITEURL: '127.0.0.1:8000' is not an absolute"),
    ({"FEED_MAX_ITEMS": 0}, "FEED_MAX_ITEMS: 0 should be a whole number of at least 1"),
    ({"FEED_MAX_ITEMS": "50"}, "FEED_MAX_ITEMS: '50' should be a whole number"),
    ({"FEED_TAGGING_ENTITY": "ridgeledger.example"}, "FEED_TAGGING_ENTITY: 'ridgeledger.example' should be a domain"),
    ({"FEED_WEBSUB_HUB": "hub.example"}, "FEED_WEBSUB_HUB: 'hub.example' should be an absolute http(s) URL"),
])
def test_bad_settings_name_the_option(override, message):
    with pytest.raises(FeedSettingsError) as raised:
        read_feed_settings({**BASE, **override})
    assert message in str(raised.value)


def test_siteurl_wins_over_the_fallback_and_registry_sits_beside_content():
    local = read_feed_settings({**BASE, "FEED_ID_REGISTRY": "data/feed-ids.json"})
    assert local.site_url == "http://127.0.0.1:8000"
    assert str(local.id_registry) == "/site/data/feed-ids.json"
    prod = read_feed_settings({**BASE, "SITEURL": "https://ridgeledger.example/opinion/"})
    assert prod.site_url == "https://ridgeledger.example/opinion" and prod.site_path == "/opinion"


@pytest.mark.parametrize("alias", ["old-slug", "/columns/old-slug/", "https://x.example/columns/old-slug/?a=1"])
def test_alias_forms_name_the_old_slug(alias):
    assert alias_slug(alias) == "old-slug"


def test_registry_rules_explicit_then_recorded_then_alias_then_minted(tmp_path):
    path = tmp_path / "feed-ids.json"
    registry = IdRegistry({"column": {"old": "urn:legacy:1"}})
    assert registry.resolve(IdRequest("column", "x", (), "my-id"), ENTITY) == f"tag:{ENTITY}:id/my-id"
    assert registry.resolve(IdRequest("column", "x", (), "urn:uuid:9"), ENTITY) == "urn:uuid:9"
    assert registry.resolve(IdRequest("column", "new", ("/columns/old/",)), ENTITY) == "urn:legacy:1"
    assert registry.resolve(IdRequest("column", "fresh", ("first-name",)), ENTITY) == f"tag:{ENTITY}:column/first-name"
    assert registry.resolve(IdRequest("story", "fresh"), ENTITY) == f"tag:{ENTITY}:story/fresh"
    assert registry.save(path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["column"] == {"fresh": f"tag:{ENTITY}:column/first-name", "new": "urn:legacy:1", "old": "urn:legacy:1"}
    again = IdRegistry.load(path)
    assert again.resolve(IdRequest("column", "fresh"), ENTITY) == f"tag:{ENTITY}:column/first-name"
    assert not again.save(path), "nothing new: the file is not rewritten"
    assert [c.slugs for c in find_clashes([("a", "1"), ("b", "2"), ("c", "1")])] == [("a", "c")]


def test_urls_in_html_become_absolute():
    base = "https://s.example/columns/x/"
    html = ('<a href="/about/">a</a><a href="#fn:1">n</a><img src="../y.jpg" srcset="/a.jpg 1x, /b.jpg 2x">'
            '<a href="https://other.example/">o</a><a href="mailto:e@s.example">m</a>')
    assert absolutize_urls(html, base) == (
        '<a href="https://s.example/about/">a</a><a href="https://s.example/columns/x/#fn:1">n</a>'
        '<img src="https://s.example/columns/y.jpg" srcset="https://s.example/a.jpg 1x, https://s.example/b.jpg 2x">'
        '<a href="https://other.example/">o</a><a href="mailto:e@s.example">m</a>')


def _column(**extra):
    term = SimpleNamespace(name="Economy", slug="economy", url="section/economy/")
    return SimpleNamespace(
        title="T", slug="t", url="columns/t/", date=dt.datetime(2026, 1, 2, 9, 0), content='<p><a href="/x/">x</a></p>',
        standfirst="S", category=term, authors=[SimpleNamespace(name="A", slug="a", url="author/a/")], tags=[],
        **extra)


def test_items_from_plain_records_with_cta_footer_and_story_kind(tmp_path):
    settings = read_feed_settings(BASE)
    tz = dt.timezone(dt.timedelta(hours=4))
    item = item_from_content(_column(), settings, IdRegistry(), tmp_path, tz,
                             footer_for=lambda c: '<p class="cta"><a href="/membership/">Join</a></p>')
    assert item.content_html.endswith('<a href="http://127.0.0.1:8000/membership/">Join</a></p>')
    assert '<a href="http://127.0.0.1:8000/x/">' in item.content_html
    assert item.published.utcoffset() == dt.timedelta(hours=4) and item.updated == item.published
    assert [t.label for t in item.categories] == ["Economy"]
    story = item_from_content(_column(kind="story"), settings, IdRegistry(), tmp_path, tz, footer_for=lambda c: None)
    assert story.kind == "story" and story.item_id == f"tag:{ENTITY}:story/t"


def test_content_html_is_pelicans_content_and_skips_only_the_link_pass_that_cannot_apply():
    from feeds import content_html
    from pelican.contents import Article
    from pelican.settings import DEFAULT_CONFIG

    settings = {**DEFAULT_CONFIG, "SITEURL": "https://s.example"}
    context = {"localsiteurl": "", "generated_content": {}, "static_content": {}, "static_links": set()}
    metadata = {"title": "T", "date": dt.datetime(2026, 1, 2, 9, 0)}

    def article(html: str, cls: type = Article) -> Article:
        return cls(html, metadata=dict(metadata), settings=settings, context=context, source_path="/c/t.md")

    plain = article('<p>Plain <a href="/columns/x/">x</a> &amp; <img src="/i.jpg"></p>')
    assert content_html(plain) == plain.content and content_html(plain) is plain._content
    linked = article('<p><a href="{filename}/other.md">other</a> | <a href="{tag}energy">energy</a></p>')
    assert content_html(linked) == linked.content  # read through Pelican: "{" is there
    assert content_html(article("")) == "" == (article("").content or "")

    class Decorated(Article):
        def _get_content(self):
            return self._content + "<p>added</p>"

    decorated = article("<p>Plain</p>", Decorated)
    assert content_html(decorated) == decorated.content == "<p>Plain</p><p>added</p>"
    story = SimpleNamespace(content="<p>A story</p>")
    assert content_html(story) == "<p>A story</p>"
    other_links = article("<p>Plain</p>")
    other_links.settings = {**settings, "INTRASITE_LINK_REGEX": "[<](?P<what>.*?)[>]"}
    assert content_html(other_links) == other_links.content


def test_resolve_ids_follows_the_registry_rules_and_names_items_sharing_an_id():
    from feeds.build import FeedIdClash, resolve_ids

    settings = read_feed_settings(BASE)
    registry = IdRegistry({"column": {"a": "urn:a", "empty": "", "old": "urn:old"}})
    items = [SimpleNamespace(slug="a"), SimpleNamespace(slug="empty"), SimpleNamespace(slug="new", aliases=["old"]),
             SimpleNamespace(slug="x", stable_id="mine"), SimpleNamespace(slug="s", kind="story")]
    ids = resolve_ids(items, registry, settings)
    assert [ids[id(i)] for i in items] == ["urn:a", f"tag:{ENTITY}:column/empty", "urn:old", f"tag:{ENTITY}:id/mine",
                                           f"tag:{ENTITY}:story/s"]
    with pytest.raises(FeedIdClash) as raised:
        resolve_ids([*items, SimpleNamespace(slug="b", stable_id="urn:a")], registry, settings)
    assert str(raised.value) == "column 'a' and column 'b' would share the feed id urn:a"


def test_content_html_skips_pelicans_link_pass_only_where_no_link_can_be(monkeypatch):
    import re

    from feeds import content_html
    from pelican.contents import Article, Content
    from pelican.settings import DEFAULT_CONFIG

    passes = []
    real = Content._update_content
    monkeypatch.setattr(Content, "_update_content", lambda self, text, siteurl: passes.append(1) or real(
        self, text, siteurl))

    class OwnSyntax(Article):
        def _get_intrasite_link_regex(self):
            return re.compile(r"<<(?P<what>\w+)>>(?P<value>\S+)")

    def make(cls, body, **extra):
        return cls(body, {"title": "T", "slug": "t"}, settings={**DEFAULT_CONFIG, "SITEURL": "", **extra},
                   source_path="/c/t.md")

    assert content_html(make(Article, "<p>Plain</p>")) == "<p>Plain</p>" and passes == []
    for article in (make(Article, "<p>a | b</p>"), make(OwnSyntax, "<p>Plain</p>"),
                    make(Article, "<p>Plain</p>", INTRASITE_LINK_REGEX="[<](?P<what>.*?)[>]")):
        before = len(passes)
        content_html(article)
        assert len(passes) == before + 1, "Pelican's link pass decides"
