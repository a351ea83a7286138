"""Articles as read are kept between builds (speedups/articles_as_read.py): an unchanged column
is taken back instead of read, and gives the same site as reading it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import marshal
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import BUILD_TIME, ROOT
from content_model.reader import ColumnReader
from site_build import build_site
from speedups import articles_as_read

EDITED = "columns/2026/a-library-card-in-three-alphabets.md"
SCHEDULED = "columns/2026/subtitles-are-a-political-choice.md"


def digest(output: Path) -> dict[str, str]:
    return {str(p.relative_to(output)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(output.rglob("*")) if p.is_file()}


@pytest.fixture
def reads(monkeypatch) -> Counter:
    """How often the reader made each column (by its path relative to the content folder;
    pages are few, and always read)."""
    counted: Counter = Counter()
    real = ColumnReader.read

    def read(self, source_path):
        name = Path(source_path).relative_to(self._content_dir).as_posix()
        if name.startswith("columns/"):
            counted[name] += 1
        return real(self, source_path)

    monkeypatch.setattr(ColumnReader, "read", read)
    return counted


def run(output: Path, content: Path, cache: Path, **overrides):
    settings = {"OUTPUT_PATH": str(output), "PATH": str(content), "CACHE_ROOT": str(cache),
                "BUILD_TIME": BUILD_TIME, **overrides}
    result = build_site(ROOT / "pelicanconf.py", settings, force=True)
    assert result.ok, "\n".join(result.errors)
    return result


def columns(content: Path) -> list[str]:
    return sorted(p.relative_to(content).as_posix() for p in (content / "columns").rglob("*.md"))


def memo(cache: Path) -> Path:
    (found,) = (cache / "articles").glob("as-read-*.memo")  # one content folder, one settings
    return found


def memo_parts(cache: Path) -> tuple[bytes, str, dict]:
    """(the header with the content folder, the key, the entries) of the build's memo."""
    data = memo(cache).read_bytes()
    start = 4 + int.from_bytes(data[:4], "big")
    key, entries = marshal.loads(data[start:])
    return data[:start], key, entries


def memo_entries(cache: Path, content: Path) -> dict:
    return memo_parts(cache)[2]


@pytest.mark.parametrize("in_child", [False, True], ids=["here", "in a child"])
def test_a_rebuild_takes_every_column_back_and_gives_the_same_site(content_copy, tmp_path, reads,
                                                                    monkeypatch, in_child):
    # the demo has too few columns to pickle them in a child; with the threshold at 1 it does
    monkeypatch.setattr(articles_as_read, "MIN_PER_WORKER", 1 if in_child else 10**6)
    children = []
    real_fork = articles_as_read.start_in_fork
    monkeypatch.setattr(articles_as_read, "start_in_fork",
                        lambda work: children.append(real_fork(work)) or children[-1])
    output, cache = tmp_path / "out", tmp_path / ".cache"
    run(output, content_copy, cache)
    assert len(children) == (1 if in_child else 0) and None not in children
    every = columns(content_copy)
    assert set(reads) == set(every)
    assert sorted(memo_entries(cache, content_copy)) == every

    reads.clear()
    first = digest(output)
    import related

    ranked_ahead = []
    real_start = related.start_ranking
    monkeypatch.setattr(related, "start_ranking", lambda *a: ranked_ahead.append(1) or real_start(*a))
    again = run(output, content_copy, cache)
    assert not reads, f"read again: {sorted(reads)}"
    assert ranked_ahead == [1]  # no file is read, yet the ranking still starts ahead of the reading
    # taken back, each column is the same article: every page keeps its key
    assert again.pages_rendered == 0 and again.files_written == 0
    assert digest(output) == first


def test_an_edited_column_is_read_again_and_the_site_equals_a_cold_build(content_copy, tmp_path, reads):
    output, cache = tmp_path / "out", tmp_path / ".cache"
    run(output, content_copy, cache)
    column = content_copy / EDITED
    text = column.read_text(encoding="utf-8")
    column.write_text(text.replace("title: ", "title: Edited, ", 1) + "\nA paragraph added in a test.\n",
                      encoding="utf-8")
    reads.clear()
    run(output, content_copy, cache)
    assert dict(reads) == {EDITED: 1}
    cold = tmp_path / "cold"
    run(cold, content_copy, tmp_path / ".cold-cache")
    assert digest(output) == digest(cold)
    added = content_copy / "columns/2026/a-column-added-in-a-test.md"
    added.write_text(text.replace("title: ", "title: Added, ", 1), encoding="utf-8")
    (content_copy / "columns/2026/a-library-card-in-three-alphabets.md").write_text(text, encoding="utf-8")
    reads.clear()
    run(output, content_copy, cache)
    assert dict(reads) == {EDITED: 1, "columns/2026/a-column-added-in-a-test.md": 1}
    run(cold, content_copy, tmp_path / ".cold-cache-2")
    assert digest(output) == digest(cold)
    page = output / "columns/a-library-card-in-three-alphabets/index.html"
    assert "Edited, " not in page.read_text(encoding="utf-8")


def test_a_renamed_author_means_every_column_is_read_again(content_copy, tmp_path, reads):
    output, cache = tmp_path / "out", tmp_path / ".cache"
    run(output, content_copy, cache)
    profile = content_copy / "authors/nino-kapanadze.yml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("name: Nino Kapanadze", "name: Nino K. Renamed"),
                       encoding="utf-8")
    reads.clear()
    run(output, content_copy, cache)
    assert set(reads) == set(columns(content_copy))
    page = (output / "columns/the-quiet-arithmetic-of-foreign-agent-laws/index.html").read_text(encoding="utf-8")
    assert "Nino K. Renamed" in page and "Nino Kapanadze" not in page


def test_a_scheduled_column_whose_time_came_is_read_again_and_published(content_copy, tmp_path, reads):
    path = content_copy / SCHEDULED
    path.write_text(re.sub(r"^date: .*$", "date: 2026-12-24 09:00 +04:00", path.read_text(encoding="utf-8"),
                           count=1, flags=re.M), encoding="utf-8")
    output, cache = tmp_path / "out", tmp_path / ".cache"
    run(output, content_copy, cache)
    assert not (output / "columns/subtitles-are-a-political-choice").exists()
    reads.clear()
    run(output, content_copy, cache, BUILD_TIME=dt.datetime(2026, 12, 25, tzinfo=dt.UTC))
    assert dict(reads) == {SCHEDULED: 1}
    assert (output / "columns/subtitles-are-a-political-choice/index.html").exists()


def test_a_damaged_memo_is_read_around_and_replaced(content_copy, tmp_path, reads):
    output, cache = tmp_path / "out", tmp_path / ".cache"
    run(output, content_copy, cache)
    first = digest(output)
    file = memo(cache)
    file.write_bytes(b"not a memo")
    reads.clear()
    run(output, content_copy, cache)
    assert set(reads) == set(columns(content_copy))
    assert digest(output) == first and sorted(memo_entries(cache, content_copy)) == columns(content_copy)

    header, key, entries = memo_parts(cache)
    damaged, malformed = columns(content_copy)[:2]
    digest_of, scheduled, _data = entries[damaged]
    entries[damaged] = (digest_of, scheduled, b"\x80\x05damaged")
    entries[malformed] = entries[malformed][:2]  # a memo with the right key, an entry of another shape
    file.write_bytes(header + marshal.dumps((key, entries)))
    reads.clear()
    run(output, content_copy, cache)
    assert dict(reads) == {damaged: 1, malformed: 1} and digest(output) == first


def test_a_new_parser_means_every_column_is_read_again(content_copy, tmp_path, reads, monkeypatch):
    """A new Markdown or YAML library may count words differently (the "min read" of a page)."""
    from content_model import parse_cache

    output, cache = tmp_path / "out", tmp_path / ".cache"
    run(output, content_copy, cache)
    real_key = parse_cache.version_key
    monkeypatch.setattr(parse_cache, "version_key", lambda: real_key() + "-other markdown")
    reads.clear()
    run(output, content_copy, cache)
    assert set(reads) == set(columns(content_copy))


def test_a_data_file_saved_during_a_build_counts_as_it_was_read(content_copy, tmp_path, monkeypatch):
    """The memo's key describes the files as they were before the build read any: a profile
    saved while a build runs is seen by the next build, which then reads every column again."""
    from content_model import content_validation

    profile = content_copy / "authors/nino-kapanadze.yml"
    saved = []

    def save_during_the_build(index, settings, **_kwargs):
        if not saved:
            saved.append(1)
            profile.write_text(profile.read_text(encoding="utf-8").replace(
                "name: Nino Kapanadze", "name: Nino K. Renamed"), encoding="utf-8")
        return []

    content_validation.connect(save_during_the_build)
    try:
        output, cache = tmp_path / "out", tmp_path / ".cache"
        run(output, content_copy, cache)
        run(output, content_copy, cache)
    finally:
        content_validation.disconnect(save_during_the_build)
    cold = tmp_path / "cold"
    run(cold, content_copy, tmp_path / ".cold-cache")
    assert digest(output) == digest(cold)
    page = "columns/the-quiet-arithmetic-of-foreign-agent-laws/index.html"
    assert "Nino K. Renamed" in (output / page).read_text(encoding="utf-8")


def test_publishing_settings_keep_a_memo_of_their_own(content_copy, tmp_path, reads):
    output, cache = tmp_path / "out", tmp_path / ".cache"
    run(output, content_copy, cache)
    run(tmp_path / "published", content_copy, cache, SITEURL="https://example.org")
    assert len(list((cache / "articles").glob("as-read-*.memo"))) == 2
    reads.clear()
    run(output, content_copy, cache)
    assert not reads


def test_a_removed_column_leaves_the_memo(content_copy, tmp_path):
    output, cache = tmp_path / "out", tmp_path / ".cache"
    run(output, content_copy, cache)
    assert EDITED in memo_entries(cache, content_copy)
    (content_copy / EDITED).unlink()
    run(output, content_copy, cache)
    assert sorted(memo_entries(cache, content_copy)) == columns(content_copy)
    assert EDITED not in memo_entries(cache, content_copy)


def test_a_taken_back_column_still_reports_an_image_without_alt_text(content_copy, tmp_path, reads, caplog):
    column = content_copy / EDITED
    column.write_text(column.read_text(encoding="utf-8") + "\n![](/images/missing-alt.png)\n", encoding="utf-8")
    output, cache = tmp_path / "out", tmp_path / ".cache"
    run(output, content_copy, cache)
    reads.clear()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        run(output, content_copy, cache)
    assert not reads
    assert "Empty alt attribute for image missing-alt.png" in caplog.text


def test_another_locale_means_every_column_is_read_again(content_copy, tmp_path, reads, monkeypatch):
    """The month names of a column's date are written in the process's locale."""
    output, cache = tmp_path / "out", tmp_path / ".cache"
    run(output, content_copy, cache)
    real = articles_as_read.locale.setlocale

    def setlocale(category, value=None):
        return "xx_XX.UTF-8" if value is None and category == articles_as_read.locale.LC_TIME else real(category, value)

    monkeypatch.setattr(articles_as_read.locale, "setlocale", setlocale)
    reads.clear()
    run(output, content_copy, cache)
    assert set(reads) == set(columns(content_copy))


@pytest.mark.parametrize("settings", [{"CACHE_CONTENT": True}, {"WITH_FUTURE_DATES": False},
                                      {"DEFAULT_DATE_FORMAT": ("C", "%d %B %Y")},
                                      {"DATE_FORMATS": {"en": ("C", "%d %B %Y")}}],
                         ids=["pelican's cache", "future dates drafts", "locale date format", "locale date formats"])
def test_the_memo_is_off_where_an_article_taken_back_could_differ(settings):
    from pelican.settings import DEFAULT_CONFIG

    assert articles_as_read._applies(dict(DEFAULT_CONFIG))
    assert not articles_as_read._applies({**DEFAULT_CONFIG, **settings})


def test_the_memo_is_off_while_a_plugin_works_on_each_article_as_it_is_made():
    from pelican import signals
    from pelican.settings import DEFAULT_CONFIG

    def receiver(*_args, **_kwargs):
        return None

    for signal in (signals.content_object_init, signals.article_generator_context):
        signal.connect(receiver)
        try:
            assert not articles_as_read._applies(dict(DEFAULT_CONFIG))
        finally:
            signal.disconnect(receiver)
    assert articles_as_read._applies(dict(DEFAULT_CONFIG))
