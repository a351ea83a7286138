"""Related lists ranked in a child while Pelican reads (related/ahead.py), and what they read."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import related
from conftest import BUILD_TIME, ROOT, build
from pelican import signals
from related import ahead
from related.explain import ranking_of, validated_index
from related.settings import read_settings as read_related_settings
from site_build.forks import ForkedWork
from test_related_site import card_slugs


@pytest.fixture
def takes(monkeypatch) -> list[bool]:
    """Whether each build took the child's lists (True) or ranked the articles itself (False)."""
    taken: list[bool] = []
    real_take = ahead.RankingAhead.take

    def take(self, expected_view):
        lists = real_take(self, expected_view)
        taken.append(lists is not None)
        return lists

    monkeypatch.setattr(ahead.RankingAhead, "take", take)
    return taken


def all_cards(output: Path) -> dict[str, list[str]]:
    return {page.parent.name: card_slugs(page) for page in sorted((output / "columns").glob("*/index.html"))}


def in_process_cards(tmp_path: Path, monkeypatch, **overrides) -> dict[str, list[str]]:
    with monkeypatch.context() as patch:
        patch.setattr(related, "start_ranking", lambda *args: None)
        result = build(tmp_path / "alone", CACHE_ROOT=str(tmp_path / "alone-cache"), **overrides)
    assert result.ok, result.errors
    return all_cards(tmp_path / "alone")


def test_the_build_takes_the_childs_lists_and_they_are_the_ones_ranking_the_articles_gives(
        tmp_path, monkeypatch, takes):
    result = build(tmp_path / "out", CACHE_ROOT=str(tmp_path / "cache"))
    assert result.ok, result.errors
    assert takes == [True]
    cards = all_cards(tmp_path / "out")
    assert sum(len(slugs) for slugs in cards.values()) > 20
    assert cards == in_process_cards(tmp_path, monkeypatch)


def test_articles_changed_after_reading_are_ranked_as_they_are(tmp_path, monkeypatch, takes):
    # a plugin that retags a column after Pelican read it: the child ranked the old tags
    def retag(generator):
        for article in generator.articles:
            if article.slug == "a-newsroom-in-a-suitcase":
                article.tags = [*article.tags, *next(a for a in generator.articles
                                                    if a.slug == "the-quiet-arithmetic-of-foreign-agent-laws").tags]

    signals.article_generator_finalized.connect(retag)
    try:
        result = build(tmp_path / "out", CACHE_ROOT=str(tmp_path / "cache"))
        assert result.ok, result.errors
        expected = in_process_cards(tmp_path, monkeypatch)
    finally:
        signals.article_generator_finalized.disconnect(retag)
    assert takes == [False]
    cards = all_cards(tmp_path / "out")
    assert cards == expected
    assert "the-quiet-arithmetic-of-foreign-agent-laws" in cards["a-newsroom-in-a-suitcase"]


def test_a_child_that_fails_leaves_the_ranking_to_the_build(tmp_path, monkeypatch, takes, demo_site):
    def broken(*args):
        raise RuntimeError("ranking failed in the child")

    monkeypatch.setattr(ahead, "_rank", broken)
    result = build(tmp_path / "out", CACHE_ROOT=str(tmp_path / "cache"))
    assert result.ok, result.errors
    assert takes == [False]
    assert all_cards(tmp_path / "out") == all_cards(demo_site)


def demo_settings(**overrides) -> dict:
    from pelican.settings import read_settings

    return {**read_settings(str(ROOT / "pelicanconf.py")), "BUILD_TIME": BUILD_TIME, **overrides}


def test_the_build_shows_the_cards_invoke_related_explains(demo_site, tmp_path):
    # the ranking reads each column's own body, not the membership block placed into it
    settings = demo_settings(CACHE_ROOT=str(tmp_path))
    explained, _ = ranking_of(validated_index(settings), settings)
    built = all_cards(demo_site)
    assert len(built) > 10
    for slug, slugs in built.items():
        assert explained.related_id_lists([slug])[0] == slugs, slug


class Generator:
    def __init__(self, index, settings: dict):
        self.context = {"site_index": index}
        self.settings = settings


def test_one_child_per_build_and_the_build_ending_stops_a_child_it_never_took(monkeypatch, forked_pids):
    from pelican import generators
    from site_build.session import SESSION_SETTING, BuildSession
    from speedups.urls import ReadArticle

    session = BuildSession()
    settings = {"BUILD_TIME": BUILD_TIME, SESSION_SETTING: session}  # no CACHE_ROOT: nothing written
    index = validated_index(demo_settings())
    stock = Generator(index, settings)
    related.rank_ahead(stock)  # stock articles: their HTML may be edited in place, the view can't tell
    assert forked_pids == [] and stock._related_ahead is None
    monkeypatch.setattr(generators, "Article", ReadArticle)  # as while our generator reads
    generator = Generator(index, settings)
    for _ in range(3):  # Pelican sends the signal before every file it reads
        related.rank_ahead(generator)
    assert len(forked_pids) == 1
    session.end()  # the build failed before taking the lists
    with pytest.raises(ChildProcessError):
        os.waitpid(forked_pids[0], os.WNOHANG)  # stopped and reaped
    assert generator._related_ahead.take(b"view") is None
    related.rank_ahead(Generator(generator.context["site_index"], {**settings, SESSION_SETTING: BuildSession()}))
    assert len(forked_pids) == 2
    without_session = Generator(generator.context["site_index"], {"BUILD_TIME": BUILD_TIME})
    related.rank_ahead(without_session)  # Pelican run by itself: nothing would stop a child
    assert len(forked_pids) == 2 and without_session._related_ahead is None


def test_the_view_is_the_same_whatever_order_and_differs_with_any_input_ranking_reads():
    settings = read_related_settings({})
    date = BUILD_TIME
    item = related.ranker.Item(id="a", title="T", section="s", tags=("x",), authors=("p",), text="",
                               date=date)
    other = related.ranker.Item(id="b", title="T", section="s", tags=("x",), authors=("p",), text="",
                                date=date)
    rows = [ahead.view_row(item, "stand", b"d1"), ahead.view_row(other, "stand", b"d2")]
    digest = ahead.view_digest(rows, settings)
    assert digest == ahead.view_digest(list(reversed(rows)), settings)
    assert digest == ahead.view_digest(rows, read_related_settings({"CACHE_ROOT": "/elsewhere"}))
    for changed in ([rows[0], ahead.view_row(other, "stand", b"d3")],  # another body
                    [rows[0], ahead.view_row(other, "other standfirst", b"d2")],
                    [rows[0], ahead.view_row(replace(other, tags=("y",)), "stand", b"d2")],
                    [rows[0], ahead.view_row(replace(other, related=("a",)), "stand", b"d2")],
                    rows[:1]):
        assert ahead.view_digest(changed, settings) != digest
    assert ahead.view_digest(rows, read_related_settings({"RELATED_COUNT": 1})) != digest
    # equal rows digest the same however their strings were made (interned or not, one object
    # or two): the child's rows come from validation, the build's from Pelican's articles
    fresh = [tuple("".join(list(v)) if isinstance(v, str) else v for v in row) for row in rows]
    interned = [tuple(sys.intern(v) if isinstance(v, str) else v for v in row) for row in rows]
    assert ahead.view_digest(fresh, settings) == ahead.view_digest(interned, settings) == digest


def test_the_builds_own_process_needs_no_numpy_when_it_takes_the_childs_lists(tmp_path):
    # numpy (and the ranker) are imported by the child that ranks, not by the build
    script = (
        "import sys, datetime as dt\n"
        "from site_build import build_site\n"
        "from related import ahead\n"
        "taken = []\n"
        "real = ahead.RankingAhead.take\n"
        "ahead.RankingAhead.take = lambda self, view: taken.append(real(self, view)) or taken[-1]\n"
        f"result = build_site({str(ROOT / 'pelicanconf.py')!r}, {{'OUTPUT_PATH': {str(tmp_path / 'out')!r},\n"
        f"    'CACHE_ROOT': {str(tmp_path / 'cache')!r},\n"
        "    'BUILD_TIME': dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)})\n"
        "print(result.ok, [lists is not None for lists in taken], 'numpy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "plugins")}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[-2] == "True [True] False"


class _OsWithoutFork:
    """The os module as site_build.forks sees it, where starting a process fails."""

    def __getattr__(self, name):
        return getattr(os, name)

    @staticmethod
    def fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")


def open_descriptors() -> int:
    gc.collect()  # a build's cache files are closed when its cycles are collected
    return len(os.listdir("/proc/self/fd"))


def test_when_no_child_can_be_started_the_build_ranks_every_article_itself(tmp_path, monkeypatch, demo_site):
    import site_build.forks as forks

    def start_without_fork(work, own_group=False):
        with monkeypatch.context() as patch:  # only the ranking child's fork fails
            patch.setattr(forks, "os", _OsWithoutFork())
            return forks.start_in_fork(work, own_group)

    monkeypatch.setattr(ahead, "start_in_fork", start_without_fork)
    build(tmp_path / "first", CACHE_ROOT=str(tmp_path / "cache"))  # descriptors a first build opens for good
    before = open_descriptors()
    result = build(tmp_path / "out", CACHE_ROOT=str(tmp_path / "cache"))
    assert result.ok, result.errors
    assert all_cards(tmp_path / "out") == all_cards(demo_site)
    assert open_descriptors() <= before


@pytest.fixture
def started(monkeypatch) -> list:
    children: list = []
    real_start = related.start_ranking

    def start(*args):
        child = real_start(*args)
        children.append(child)
        return child

    monkeypatch.setattr(related, "start_ranking", start)
    return children


def test_a_build_that_fails_after_reading_stops_its_child(tmp_path, started):
    def fail(generator):
        raise RuntimeError("a plugin failed after the articles were read")

    signals.article_generator_finalized.connect(fail)
    try:
        result = build(tmp_path / "out", CACHE_ROOT=str(tmp_path / "cache"))
    finally:
        signals.article_generator_finalized.disconnect(fail)
    assert not result.ok and "a plugin failed after the articles were read" in "\n".join(result.errors)
    assert len(started) == 1 and started[0].done
    with pytest.raises(ChildProcessError):
        os.waitpid(started[0].pid, os.WNOHANG)  # reaped, not a zombie
    assert not list((tmp_path / "cache" / "related").glob(".related-terms-*"))
    again = build(tmp_path / "out", CACHE_ROOT=str(tmp_path / "cache"))
    assert again.ok, again.errors


def test_abandoning_stops_the_childs_workers_and_removes_its_scratch_files(tmp_path):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # stands in for the ranking child: a worker, and a scratch folder of its own
        os.setpgid(0, 0)
        (tmp_path / f".related-terms-{os.getpid()}-x").mkdir()
        worker = os.fork()
        if worker == 0:
            time.sleep(60)
            os._exit(0)
        os.write(write_end, str(worker).encode())
        os.close(write_end)
        time.sleep(60)
        os._exit(0)
    os.close(write_end)
    worker = int(os.read(read_end, 20))
    (tmp_path / ".related-terms-1-other-build").mkdir()
    child = ahead.RankingAhead(ForkedWork(pid, read_end, own_group=True), tmp_path)
    child.abandon()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    for _ in range(100):  # the worker is not this process's child: wait until it is gone
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            break
        try:
            with open(f"/proc/{worker}/stat") as stat:
                if stat.read().split(") ")[1].startswith("Z"):
                    break  # killed; its parent died first, so init reaps it (or not, in a container)
        except FileNotFoundError:
            break  # reaped meanwhile
        time.sleep(0.05)
    else:
        raise AssertionError("the worker outlived the abandoned child")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".related-terms-1-other-build"]
    child.abandon()  # a second time does nothing
    assert child.take(b"view") is None


def test_a_take_interrupted_before_the_child_is_reaped_leaves_it_to_abandon(tmp_path, monkeypatch):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # sends nothing and lives on
        os.setpgid(0, 0)
        os.close(write_end)
        time.sleep(60)
        os._exit(0)
    os.close(write_end)
    child = ahead.RankingAhead(ForkedWork(pid, read_end, own_group=True), tmp_path)

    def interrupted(*args):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(os, "waitpid", interrupted)
        with pytest.raises(KeyboardInterrupt):
            child.take(b"view")
    spare = os.open(os.devnull, os.O_RDONLY)  # may get the pipe's old number
    try:
        child.abandon()
        os.fstat(spare)  # still open: abandon closed nothing of anyone else's
    finally:
        os.close(spare)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_the_text_ranked_is_the_columns_own_body_without_later_edits(tmp_path):
    from content_model.parse_cache import parse_files
    from content_model.stored_html import HtmlFromCache
    from cta.placement import BlockSplice
    from pelican import contents
    from pelican.settings import DEFAULT_CONFIG
    from related.items import article_text
    from speedups.urls import ReadArticle

    path = tmp_path / "content" / "columns" / "own.md"
    path.parent.mkdir(parents=True)
    path.write_text("---\ntitle: Own\ndate: 2025-03-01 09:00\nsection: politics\nauthors: [nino]\n---\n"
                    "The harbour tariff debate.\n", encoding="utf-8")
    parse = parse_files([(path, "content/columns/own.md")], tmp_path / "cache" / "parsed.pickle", workers=1)[path]
    settings = {**DEFAULT_CONFIG, "PATH": str(tmp_path / "content")}
    metadata = {"title": "Own", "slug": "own", "standfirst": "A standfirst."}
    stored = ReadArticle(HtmlFromCache(parse.body_html), metadata, settings=settings, source_path=str(path))
    stored.edit_html(BlockSplice("<aside>Become a member</aside>", 0))
    assert "Become a member" in stored._content
    text = article_text(stored)
    assert "harbour tariff" in text and "A standfirst." in text and "member" not in text
    # a class that keeps no reader's HTML apart: its HTML as it is now
    plain = contents.Article("<p>The harbour tariff debate.</p><aside>Become a member</aside>", metadata,
                             settings=settings, source_path=str(path))
    assert "harbour tariff" in article_text(plain) and "Become a member" in article_text(plain)
