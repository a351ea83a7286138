"""Columns' digests computed in forked workers equal the ones computed in place
(output_writer/parallel_digests.py)."""

from __future__ import annotations

import pytest
from output_writer.page_keys import Unkeyable, ValueHasher
from output_writer.parallel_digests import precompute_article_digests
from pelican.contents import Article


def columns(count: int) -> list[Article]:
    items = [Article(f"<p>Body {n}</p>", metadata={"title": f"Column {n}", "slug": f"c{n}"},
                     source_path=f"/content/c{n}.md") for n in range(count)]
    for n, item in enumerate(items):
        item.related_articles = [items[(n + 1) % count], items[(n + 7) % count]]
    return items


def test_digests_from_the_workers_are_the_ones_computed_in_place():
    items = columns(900)
    items[5].unreadable = (n for n in range(3))  # unkeyable, and so are the two pointing at it
    hasher = ValueHasher()
    known = precompute_article_digests(hasher, items, workers=3)
    in_place = ValueHasher()
    keyable = 0
    for item in items:
        try:
            expected = in_place.digest(item)
        except Unkeyable:
            with pytest.raises(Unkeyable):
                hasher.digest(item)
            continue
        keyable += 1
        assert hasher.digest(item) == expected
    assert known == keyable == len(items) - 3


def test_one_worker_or_few_columns_compute_nothing_ahead():
    hasher = ValueHasher()
    assert precompute_article_digests(hasher, columns(900), workers=1) == 0
    assert precompute_article_digests(hasher, columns(20), workers=2) == 0


def test_page_keys_from_the_workers_are_the_ones_computed_in_place(monkeypatch, request):
    import site_build.forks as forks
    from output_writer.render import RenderJob
    from output_writer.unchanged import page_keys
    from test_speed_render_listings import column, environment, listing_contexts

    articles = [column(n) for n in range(90)]
    jobs = []
    for name in ("listing.html", "everything.html"):
        template = environment().get_template(name)
        jobs += [RenderJob(f"{name}/{n}", template, context) for n, context in enumerate(listing_contexts(articles))]
    unkeyable = dict(listing_contexts(articles)[0], articles=(n for n in range(3)))
    jobs.append(RenderJob("odd", environment().get_template("listing.html"), unkeyable))
    in_place = page_keys(ValueHasher(), "build", jobs, workers=1)
    monkeypatch.setattr(forks, "MIN_PER_WORKER", 1)
    forked = request.getfixturevalue("forked_pids")  # counted from here on
    assert page_keys(ValueHasher(), "build", jobs, workers=3) == in_place
    assert len(forked) == 2
    assert in_place[-1] is None and all(in_place[:-1]) and len(set(in_place[:-1])) == len(jobs) - 1


def test_the_parent_hashes_only_its_own_share_of_the_columns(monkeypatch):
    items = columns(900)  # each points at columns in the other shares
    hasher = ValueHasher()
    pickled = []
    real = ValueHasher._pickled

    def counting(self, value):
        if self is hasher:
            pickled.append(value)
        return real(self, value)

    monkeypatch.setattr(ValueHasher, "_pickled", counting)
    assert precompute_article_digests(hasher, items, workers=3) == len(items)
    assert len(pickled) == len(items[0::3])
    in_place = ValueHasher()
    assert [hasher.digest(item) for item in items] == [in_place.digest(item) for item in items]


@pytest.fixture
def children_fail(monkeypatch) -> None:
    """Computing digests fails in any process but this one (a worker or child dies)."""
    import os

    import output_writer.parallel_digests as parallel

    parent = os.getpid()
    real = parallel._shallow_share

    def failing_in_children(hasher, share, position_of):
        if os.getpid() != parent:
            raise RuntimeError("worker died")
        return real(hasher, share, position_of)

    monkeypatch.setattr(parallel, "_shallow_share", failing_in_children)


def test_a_failed_worker_leaves_its_share_to_the_parent(children_fail):
    items = columns(600)
    hasher = ValueHasher()
    assert precompute_article_digests(hasher, items, workers=2) == len(items)
    in_place = ValueHasher()
    assert [hasher.digest(item) for item in items] == [in_place.digest(item) for item in items]


def test_metadata_counts_once_where_it_is_the_field_and_fully_where_it_is_not():
    def digest_of(item):
        return ValueHasher().digest(item)

    item = columns(3)[0]
    assert item.metadata["title"] is item.title
    base = digest_of(item)
    item.metadata["title"] = "Column 0 (edited)"  # now differs from the field: counts on its own
    edited = digest_of(item)
    assert edited != base
    item.title = item.metadata["title"]  # the same object again
    assert digest_of(item) not in (base, edited)
    assert digest_of(columns(3)[0]) == base  # equal content, other objects: the same digest


def test_digests_computed_ahead_in_a_child_are_the_ones_computed_in_place(forked_pids):
    from output_writer.parallel_digests import start_digests_ahead

    items = columns(900)
    items[5].unreadable = (n for n in range(3))  # unkeyable: left to the parent
    ahead = start_digests_ahead(items)
    assert ahead is not None and len(forked_pids) == 1
    hasher = ValueHasher()
    assert ahead.give_to(hasher) == len(items) - 1
    assert not hasher.knows_shallow(items[5])
    assert precompute_article_digests(hasher, items, workers=2) == len(items) - 3
    assert len(forked_pids) == 1, "nothing left for workers: the one unkeyable column is tried here"
    in_place = ValueHasher()
    for item in items:
        try:
            expected = in_place.digest(item)
        except Unkeyable:
            continue
        assert hasher.digest(item) == expected


def test_a_failed_child_ahead_leaves_every_digest_to_the_build(children_fail):
    from output_writer.parallel_digests import start_digests_ahead

    items = columns(600)
    ahead = start_digests_ahead(items)
    hasher = ValueHasher()
    assert ahead.give_to(hasher) == 0
    assert precompute_article_digests(hasher, items, workers=2) == len(items)
    assert [hasher.digest(item) for item in items] == [ValueHasher().digest(item) for item in items]


def test_a_child_ahead_that_is_never_taken_is_stopped_and_reaped():
    import os
    import time

    from output_writer.parallel_digests import start_digests_ahead

    ahead = start_digests_ahead(columns(3000))  # more than a pipe holds: it blocks until read
    pid = ahead._forked.pid
    for _ in range(100):  # wait until it is blocked writing (its digests take well under 5 s)
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().split(") ")[1][0]
        if state == "S" and os.waitpid(pid, os.WNOHANG) == (0, 0):
            break
        time.sleep(0.05)
    time.sleep(0.3)
    assert os.waitpid(pid, os.WNOHANG) == (0, 0), "still there, its result unread"
    ahead.abandon()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    assert ahead.give_to(ValueHasher()) == 0
    assert start_digests_ahead(columns(20)) is None, "too few columns to be worth a process"


def test_the_demo_build_takes_digests_ahead_equal_to_those_of_the_articles_it_renders(tmp_path, monkeypatch):
    """Nothing may change an article between the first page queued and the render: the
    digests taken ahead must be those of the articles as the pages show them."""
    import output_writer.parallel_digests as parallel
    import site_build.forks as forks
    from conftest import build
    from output_writer.parallel_digests import DigestsAhead

    monkeypatch.setattr(forks, "MIN_PER_WORKER", 1)  # the demo site is small
    checked: list[int] = []
    real_give = DigestsAhead.give_to

    def give_and_compare(self, hasher):
        # the child's work done again here, now, in the same order: only a change to an
        # article (or to what it holds) since the child was forked can make them differ
        articles = list(self._articles)
        position_of = {id(article): position for position, article in enumerate(articles)}
        now = parallel._shallow_share(ValueHasher(), articles, position_of)
        known = real_give(self, hasher)
        stale = [article.source_path for article, found in zip(articles, now, strict=True)
                 if found is not None and hasher.knows_shallow(article)
                 and hasher.shallow_digest(article)[0] != found[0]]
        assert stale == []
        assert known == sum(1 for found in now if found is not None)
        checked.append(known)
        return known

    monkeypatch.setattr(DigestsAhead, "give_to", give_and_compare)
    result = build(tmp_path / "out", CACHE_ROOT=str(tmp_path / "cache"))
    assert result.ok, result.errors
    assert len(checked) == 1 and checked[0] >= 17, "every column of the demo (and its draft), taken ahead"


def test_pelicans_memos_on_an_article_and_its_tags_do_not_change_its_digest():
    from pelican.settings import DEFAULT_CONFIG
    from pelican.urlwrappers import Category, Tag
    from speedups.urls import Article as RemembersUrls

    settings = dict(DEFAULT_CONFIG)
    item = RemembersUrls("<p>Body</p>", settings=settings, source_path="/content/a.md",
                         metadata={"title": "A", "slug": "a", "category": Category("Local News", settings),
                                   "tags": [Tag("Press freedom", settings)]})
    before = ValueHasher().digest(item)
    assert item.url and item.save_as and item.tags[0].url and item.category.url  # memos made
    assert {"_speedups_url", "_speedups_save_as"} <= set(vars(item))
    assert {"name", "slug"} <= set(vars(item.tags[0])) and item.tags[0]._slug == "press-freedom"
    assert ValueHasher().digest(item) == before
    item.tags[0].name = "Press Freedom Day"  # what a page shows still counts
    assert ValueHasher().digest(item) != before
