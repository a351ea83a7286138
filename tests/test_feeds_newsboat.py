"""A real feed reader reads our feeds: Debian's newsboat, run non-interactively against the
demo site served on 127.0.0.1, must list every published column by its title."""

from __future__ import annotations

import functools
import http.server
import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import ROOT
from test_feeds_build import published_columns

pytestmark = [
    pytest.mark.xdist_group("feeds"),
    pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat is not installed (invoke setup-test-deps)"),
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def served_site(demo_site):
    handler = functools.partial(_QuietHandler, directory=str(demo_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)  # port 0: a free one
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def newsboat_titles(base_url: str, feed_paths: list[str], home: Path) -> tuple[str, dict[str, list[str]]]:
    """Run `newsboat -x reload print-unread` in a private HOME; titles per feed from its cache."""
    home.mkdir()
    urls = home / "urls"
    urls.write_text("".join(f"{base_url}/{p}\n" for p in feed_paths), encoding="utf-8")
    config = home / "config"
    config.write_text("", encoding="utf-8")
    cache = home / "cache.db"
    done = subprocess.run(
        ["newsboat", "-u", str(urls), "-c", str(cache), "-C", str(config), "-x", "reload", "print-unread"],
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "dumb"},
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    titles: dict[str, list[str]] = {}
    with sqlite3.connect(cache) as db:
        for feed_url, title in db.execute("SELECT feedurl, title FROM rss_item ORDER BY pubDate DESC"):
            titles.setdefault(feed_url.removeprefix(base_url + "/"), []).append(title)
        feed_titles = dict(db.execute("SELECT rssurl, title FROM rss_feed"))
    assert all(feed_titles.get(f"{base_url}/{p}") for p in feed_paths), feed_titles
    return done.stdout, titles


# RSS and Atom carry the same guids, and newsboat keeps one copy per guid: one run per format.
@pytest.mark.parametrize("feed_path", ["feeds/all.rss.xml", "feeds/all.atom.xml"])
def test_newsboat_lists_every_demo_column(served_site, feed_path, tmp_path):
    live = published_columns(ROOT / "content")
    newest_first = [m.title for m in sorted(live.values(), key=lambda m: m.date, reverse=True)]
    stdout, titles = newsboat_titles(served_site, [feed_path], tmp_path / "home")
    assert f"{len(live)} unread articles" in stdout
    assert titles[feed_path] == newest_first


def test_newsboat_reads_section_and_tag_feeds(served_site, tmp_path):
    live = published_columns(ROOT / "content")
    economy = sorted(m.title for m in live.values() if m.section == "economy")
    energy = sorted(m.title for m in live.values() if "Energy" in m.tags)
    assert economy and energy
    _stdout, titles = newsboat_titles(
        served_site, ["feeds/section/economy.rss.xml", "feeds/tag/energy.atom.xml"], tmp_path / "home")
    # one copy per guid: together the two feeds hold exactly the economy and energy columns
    assert sorted(titles.get("feeds/section/economy.rss.xml", []) + titles.get("feeds/tag/energy.atom.xml", [])) \
        == sorted(set(economy) | set(energy))
