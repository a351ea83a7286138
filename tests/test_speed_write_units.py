"""Unit tests of the write side's pure parts: output tree, fingerprint, freshness, rendering."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from output_writer.freshness import earliest_after, next_midnight, pick_expiry
from output_writer.render import RenderJob, render_all
from output_writer.settings import OutputWriterSettings
from site_build import driver, output_tree
from site_build.fingerprint import BuildManifest, _stable, input_roots, is_up_to_date
from site_build.output_tree import (
    apply_to_output,
    link_all_if_changed,
    link_if_changed,
    list_ahead,
    previous_file_for,
    staging_dir_for,
    write_if_changed,
)

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def test_write_if_changed_keeps_an_identical_file_and_replaces_a_changed_one(tmp_path):
    path = tmp_path / "a" / "page.html"
    assert write_if_changed(path, b"one") is True
    first = path.stat()
    assert write_if_changed(path, b"one") is False
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    assert write_if_changed(path, b"two") is True
    assert path.read_bytes() == b"two"
    assert path.stat().st_ino != first.st_ino  # a new file, renamed into place


def test_write_if_changed_never_writes_through_a_hard_link(tmp_path):
    shared = tmp_path / "previous.html"
    shared.write_bytes(b"old")
    linked = tmp_path / "linked.html"
    os.link(shared, linked)
    write_if_changed(linked, b"new")
    assert shared.read_bytes() == b"old"
    assert linked.read_bytes() == b"new"


def test_staging_paths_map_to_the_previous_output(tmp_path):
    final = tmp_path / "out"
    staging = staging_dir_for(final)
    assert staging.parent == tmp_path and staging.name.startswith(".out.building-")
    assert previous_file_for(staging / "columns" / "x" / "index.html") == final / "columns" / "x" / "index.html"
    assert previous_file_for(tmp_path / "elsewhere" / "index.html") is None


def test_inside_staging_an_identical_file_is_not_written_and_applying_keeps_it(tmp_path):
    final = tmp_path / "out"
    (final / "columns").mkdir(parents=True)
    (final / "columns" / "same.html").write_bytes(b"same")
    (final / "columns" / "changed.html").write_bytes(b"before")
    (final / "gone" / "x").mkdir(parents=True)
    (final / "gone" / "x" / "index.html").write_bytes(b"no longer produced")
    kept = (final / "columns" / "same.html").stat()
    staging = staging_dir_for(final)
    staging.mkdir()
    assert write_if_changed(staging / "columns" / "same.html", b"same") is False
    assert write_if_changed(staging / "columns" / "changed.html", b"after") is True
    assert write_if_changed(staging / "columns" / "new.html", b"new") is True
    assert not (staging / "columns" / "same.html").exists()
    assert (final / "columns" / "changed.html").read_bytes() == b"before", "the output is untouched until applied"
    (staging / "static.css").write_bytes(b"css")  # written by code that does not use the helper
    (final / "static.css").write_bytes(b"css")
    count = apply_to_output(staging, final)
    assert (count.kept, count.written, count.removed) == (2, 2, 1)
    assert not staging.exists()
    assert sorted(str(p.relative_to(final)) for p in final.rglob("*") if p.is_file()) == [
        "columns/changed.html", "columns/new.html", "columns/same.html", "static.css"]
    assert not (final / "gone").exists(), "emptied folders are removed"
    same = (final / "columns" / "same.html").stat()
    assert (same.st_ino, same.st_mtime_ns) == (kept.st_ino, kept.st_mtime_ns)
    assert (final / "columns" / "changed.html").read_bytes() == b"after"


def test_inside_staging_a_link_the_output_already_has_is_kept_and_a_new_one_is_made(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "a.webp").write_bytes(b"a")
    (cache / "b.webp").write_bytes(b"b")
    final = tmp_path / "out"
    (final / "images").mkdir(parents=True)
    os.link(cache / "a.webp", final / "images" / "a.webp")
    staging = staging_dir_for(final)
    staging.mkdir()
    assert link_if_changed(cache / "a.webp", staging / "images" / "a.webp") is False
    assert link_if_changed(cache / "b.webp", staging / "images" / "b.webp") is True
    assert not (staging / "images" / "a.webp").exists()
    assert (staging / "images" / "b.webp").stat().st_ino == (cache / "b.webp").stat().st_ino
    count = apply_to_output(staging, final)
    assert (count.kept, count.written, count.removed) == (1, 1, 0)
    assert (final / "images" / "a.webp").stat().st_ino == (cache / "a.webp").stat().st_ino
    assert (final / "images" / "b.webp").read_bytes() == b"b"


def test_inside_staging_a_new_file_is_written_in_place_and_a_staged_one_replaced(tmp_path, monkeypatch):
    final = tmp_path / "out"
    staging = staging_dir_for(final)
    staging.mkdir()
    renames = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: renames.append(b) or real_replace(a, b))
    assert write_if_changed(staging / "columns" / "new" / "index.html", b"new") is True
    assert (staging / "columns" / "new" / "index.html").read_bytes() == b"new"
    assert renames == [], "a file no reader can see yet needs no temporary and rename"
    assert sorted(p.name for p in (staging / "columns" / "new").iterdir()) == ["index.html"]
    # a file already in the staging folder (here a hard link to a cache) goes the safe way
    (tmp_path / "cache.html").write_bytes(b"cached")
    os.link(tmp_path / "cache.html", staging / "linked.html")
    assert write_if_changed(staging / "linked.html", b"cached") is False
    assert write_if_changed(staging / "linked.html", b"other") is True
    assert (tmp_path / "cache.html").read_bytes() == b"cached", "never written through a link"
    assert (staging / "linked.html").read_bytes() == b"other"
    assert [Path(p).name for p in renames] == ["linked.html"]


def test_without_a_previous_output_staging_becomes_the_output(tmp_path):
    final = tmp_path / "out"
    staging = staging_dir_for(final)
    write_if_changed(staging / "index.html", b"home")
    count = apply_to_output(staging, final)
    assert (count.written, count.kept, count.removed) == (1, 0, 0)
    assert (final / "index.html").read_bytes() == b"home" and not staging.exists()


def test_stable_settings_form_has_no_memory_addresses():
    class Opaque:
        pass

    def a_filter(value):
        return value

    form = _stable({"F": a_filter, "O": Opaque(), "S": {3, 1}, "D": NOW, "L": (1, "x")})
    assert form["F"].endswith("a_filter")
    assert form["O"].endswith("Opaque")
    assert form == _stable({"L": [1, "x"], "D": NOW, "S": {1, 3}, "O": Opaque(), "F": a_filter})


def test_input_roots_leave_out_the_output_caches_and_the_project_folder(tmp_path):
    project = tmp_path / "site"
    (project / "content").mkdir(parents=True)
    (project / "data").mkdir()
    (project / "extra").mkdir()
    settings_file = project / "conf.py"
    settings_file.write_text("", encoding="utf-8")
    settings = {"OUTPUT_PATH": str(project / "output"), "PATH": str(project / "content"),
                "ROOT": str(project), "CACHE_ROOT": str(project / ".cache"),
                "LISTED": [str(project / "extra")], "RELATIVE": "data/x.json"}
    (project / "output").mkdir()
    roots = input_roots(settings, settings_file)
    assert roots == sorted([project / "content", project / "data", project / "extra", settings_file])


def test_up_to_date_needs_the_same_fingerprint_output_folder_and_time(tmp_path):
    output = tmp_path / "out"
    output.mkdir()
    inode = output.stat().st_ino
    later = NOW + dt.timedelta(hours=2)
    manifest = BuildManifest("abc", inode, later, 3)
    assert is_up_to_date(manifest, "abc", output, NOW)
    assert not is_up_to_date(manifest, "abd", output, NOW)
    assert not is_up_to_date(manifest, "abc", output, later)
    assert not is_up_to_date(BuildManifest("abc", inode + 1, None, 3), "abc", output, NOW)
    assert not is_up_to_date(manifest, "abc", tmp_path / "missing", NOW)
    assert not is_up_to_date(None, "abc", output, NOW)


def test_freshness_dates():
    tbilisi = ZoneInfo("Asia/Tbilisi")
    assert next_midnight(NOW, tbilisi) == dt.datetime(2026, 11, 20, 20, 0, tzinfo=dt.UTC)
    soon = NOW + dt.timedelta(minutes=5)
    assert earliest_after(NOW, [None, NOW - dt.timedelta(days=1), NOW, soon, soon + dt.timedelta(days=1)]) == soon
    assert earliest_after(NOW, [NOW - dt.timedelta(days=1)]) is None
    assert earliest_after(NOW, [dt.date(2026, 11, 21)]) == dt.datetime(2026, 11, 21, tzinfo=dt.UTC)
    assert pick_expiry(NOW) == NOW + dt.timedelta(microseconds=1)
    assert pick_expiry(None) is None


@pytest.mark.parametrize("bad", [-1, "2", 1.5, True])
def test_worker_setting_errors_name_the_option(bad):
    with pytest.raises(ValueError, match="OUTPUT_WRITER_WORKERS must be a whole number >= 0"):
        OutputWriterSettings.from_settings({"OUTPUT_WRITER_WORKERS": bad})


class _Template:
    def render(self, context):
        if context.get("boom"):
            raise RuntimeError(f"cannot render page {context['n']}")
        return f"<p>page {context['n']}</p>"


def _jobs(folder: Path, count: int, boom_at: int | None = None) -> list[RenderJob]:
    return [RenderJob(str(folder / f"p{i}.html"), _Template(), {"n": i, "boom": i == boom_at})
            for i in range(count)]


def test_forked_rendering_writes_the_same_files_as_sequential(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    first = render_all(_jobs(one, 100), workers=1)
    second = render_all(_jobs(two, 100), workers=2)
    assert (first.rendered, first.written, first.errors) == (100, 100, [])
    assert (second.rendered, second.written, second.errors) == (100, 100, [])
    assert {p.name: p.read_bytes() for p in one.iterdir()} == {p.name: p.read_bytes() for p in two.iterdir()}
    assert render_all(_jobs(two, 100), workers=2).written == 0


def test_a_failing_page_in_a_worker_is_reported(tmp_path):
    outcome = render_all(_jobs(tmp_path, 100, boom_at=1), workers=2)  # page 1 is in the child's share
    assert any("cannot render page 1" in message for message in outcome.errors)


def test_a_kept_file_needs_its_key_and_the_same_file_as_recorded(tmp_path):
    from site_build.kept_files import record_of, still_valid, write_atomically

    page = tmp_path / "page.html"
    assert write_atomically(page, b"one", b" two") and page.read_bytes() == b"one two"
    record = record_of("key", page)
    assert still_valid(record, "key", page)
    assert not still_valid(record, "other key", page)
    assert not still_valid(record, None, page)
    assert not still_valid(None, "key", page)
    page.write_bytes(b"edited by hand")
    assert not still_valid(record, "key", page)
    page.unlink()
    assert not still_valid(record, "key", page) and record_of("key", page) is None
    (tmp_path / "blocked").write_text("a file where a folder should be")
    assert write_atomically(tmp_path / "blocked" / "records", b"x") is False


def test_a_queued_page_makes_no_folder_until_it_is_written(tmp_path):
    import copy

    from jinja2 import DictLoader, Environment
    from output_writer.writer import ChangedOnlyWriter
    from pelican.settings import DEFAULT_CONFIG

    settings = copy.deepcopy(DEFAULT_CONFIG)
    settings["OUTPUT_PATH"] = str(tmp_path)
    writer = ChangedOnlyWriter(str(tmp_path), settings=settings)
    template = Environment(loader=DictLoader({"p.html": "hi {{ x }}"})).get_template("p.html")
    writer.write_file("a/b/index.html", template, {"x": 1})
    assert list(tmp_path.iterdir()) == [], "a folder was made for a page not yet rendered"
    writer.flush()
    assert (tmp_path / "a" / "b" / "index.html").read_text(encoding="utf-8") == "hi 1"
    assert os.makedirs is not None and os.path.isdir(tmp_path / "a")  # os itself untouched


def test_a_page_context_is_the_same_mapping_over_a_shared_base():
    from output_writer.render import PageContext

    shared_list, own_list = [1], [2]
    base = {"SITENAME": "Site", "articles": shared_list, "gone": 1, "kept": None}
    context = {**base, "articles": own_list, "page_name": "tag/x"}
    del context["gone"]
    page = PageContext.of(context, base)
    assert page.own == {"articles": own_list, "page_name": "tag/x"}
    assert page.removed == {"gone"}
    whole = page.as_dict()
    assert whole == context and all(whole[k] is context[k] for k in context)
    assert dict(page) == context and len(page) == len(context) and set(page) == set(context)
    assert "gone" not in page and page.get("gone") is None and page["kept"] is None
    with pytest.raises(KeyError):
        page["gone"]
    assert PageContext.of(dict(base), base).own == {}
    # with the base's variable names given: the same answers, removed names included
    for candidate in (context, {**base, "articles": own_list, "page_name": "tag/x"}, dict(base), {"kept": None}):
        slow, fast = PageContext.of(candidate, base), PageContext.of(candidate, base, list(base))
        assert (fast.own, fast.removed) == (slow.own, slow.removed)
        assert fast.as_dict() == candidate and all(fast[k] is candidate[k] for k in candidate)
    assert PageContext.of({**base, "page_name": "x"}, base, list(base)).own == {"page_name": "x"}


def test_queued_pages_keep_only_their_own_values_and_render_as_pelican_gives_them(tmp_path):
    from output_writer.render import PageContext
    from output_writer.writer import ChangedOnlyWriter
    from pelican.settings import read_settings
    from pelican.writers import Writer

    class Recording:
        def __init__(self):
            self.contexts = []

        def render(self, context):
            self.contexts.append(dict(context))
            return ""

    settings = read_settings(None, override={"OUTPUT_PATH": str(tmp_path), "DEFAULT_PAGINATION": 2,
                                             "PAGINATED_TEMPLATES": {"tag": None}})
    site = {**settings, **{f"var{i}": object() for i in range(100)}, "articles": list(range(5))}
    stock_template, ours_template = Recording(), Recording()
    stock = Writer(str(tmp_path / "stock"), settings=settings)
    ours = ChangedOnlyWriter(str(tmp_path / "ours"), settings=settings)
    for writer, template in ((stock, stock_template), (ours, ours_template)):
        for name in ("a/index.html", "b/index.html"):
            writer.write_file(name, template, site, articles=list(range(5)), paginated={"articles": list(range(5))},
                              template_name="tag", page_name=name.split("/")[0])
    jobs = list(ours._jobs.values())
    assert len(jobs) == len(stock_template.contexts) == 6  # three pages of two per listing
    for job, expected in zip(jobs, stock_template.contexts, strict=True):
        assert isinstance(job.context, PageContext) and len(job.context.own) < 16
        got = job.full_context()
        assert got.keys() == expected.keys()
        differ = {k for k in expected if got[k] is not expected[k] and got[k] != expected[k]}
        assert differ <= {"articles_paginator", "articles_page", "articles_previous_page", "articles_next_page"}
        assert "articles_page" in differ  # paginator objects are made anew for each page
        assert got["articles_page"].object_list == expected["articles_page"].object_list
    assert len({id(job.context.base) for job in jobs}) == 1
    site["var0"] = "changed after queueing"
    assert jobs[0].full_context()["var0"] is not site["var0"]  # queued pages keep what they were given


def test_a_page_that_cannot_be_written_fails_the_render(tmp_path):
    (tmp_path / "blocked").write_text("a file where a folder should be")
    jobs = [*_jobs(tmp_path / "ok", 40), RenderJob(str(tmp_path / "blocked" / "p.html"), _Template(), {"n": 1})]
    with pytest.raises(OSError):
        render_all(jobs, workers=1)
    forked = render_all(jobs * 1, workers=2)  # the blocked page is the parent's (index 40 of 41)
    assert any("blocked" in message or "Not a directory" in message for message in forked.errors)
    assert len(list((tmp_path / "ok").iterdir())) == 40  # the other pages were all written


def test_keeping_many_previous_files_notes_them_all_in_one_ledger_write(tmp_path, monkeypatch):
    import site_build.output_tree as tree
    from site_build.output_tree import keep_all_previous

    final = tmp_path / "out"
    for n in range(5):
        (final / f"p{n}").mkdir(parents=True)
        (final / f"p{n}" / "index.html").write_bytes(b"page %d" % n)
    staging = staging_dir_for(final)
    staging.mkdir()
    notes = []
    real_note = tree._note_produced
    monkeypatch.setattr(tree, "_note_produced", lambda *args: (notes.append(args), real_note(*args)))
    keep_all_previous([staging / f"p{n}" / "index.html" for n in range(5)])
    assert len(notes) == 1
    with pytest.raises(ValueError):
        keep_all_previous([tmp_path / "elsewhere.html"])
    count = apply_to_output(staging, final)
    assert (count.kept, count.written, count.removed) == (5, 0, 0)
    assert (final / "p3" / "index.html").read_bytes() == b"page 3"


def test_applying_removes_exactly_the_folders_left_empty(tmp_path):
    final = tmp_path / "out"
    for relative in ("tag/a/index.html", "tag/b/page/2/index.html", "tag/index.html", "keep/x/index.html"):
        (final / relative).parent.mkdir(parents=True, exist_ok=True)
        (final / relative).write_bytes(b"old")
    (final / "was-empty" / "inner").mkdir(parents=True)
    (final / "linked").mkdir()
    (final / "linked" / "to-keep").symlink_to(final / "keep", target_is_directory=True)
    staging = staging_dir_for(final)
    staging.mkdir()
    for relative in ("tag/index.html", "keep/x/index.html"):
        assert write_if_changed(staging / relative, b"old") is False
    count = apply_to_output(staging, final)
    assert count.removed == 2
    assert not (final / "tag" / "a").exists() and not (final / "tag" / "b").exists()
    assert (final / "tag" / "index.html").is_file() and (final / "keep" / "x" / "index.html").is_file()
    assert not (final / "was-empty").exists()
    assert (final / "linked" / "to-keep").is_symlink()


@pytest.mark.parametrize("path, expected", [
    ("/site/.out.building-12/columns/a/index.html", ("/site/out", "columns/a/index.html")),
    ("/site/.out.building-12//columns/./a/index.html", ("/site/out", "columns/a/index.html")),
    ("/site/.out.building-12/feeds/", ("/site/out", "feeds")),
    ("site/.out.building-7/x.xml", ("site/out", "x.xml")),
    ("/site/.out.building-12", None),
    ("/site/out/columns/a/index.html", None),
])
def test_a_staged_path_is_read_as_a_path_whatever_its_spelling(path, expected):
    from site_build.output_tree import staged_location

    for given in (path, Path(path)):
        found = staged_location(given)
        assert (found if found is None else (str(found[0]), found[1])) == expected


def test_a_page_written_in_place_gets_the_mode_a_replaced_page_gets(tmp_path):
    staging = staging_dir_for(tmp_path / "out")
    staging.mkdir()
    (staging / "old.html").write_bytes(b"before")
    previous = os.umask(0o002)
    try:
        write_if_changed(staging / "new.html", b"new")  # created in place
        write_if_changed(staging / "old.html", b"after")  # replaced through a temporary file
    finally:
        os.umask(previous)
    modes = {name: (staging / name).stat().st_mode & 0o777 for name in ("new.html", "old.html")}
    assert modes == {"new.html": 0o664, "old.html": 0o664}


def _output_with_stale_files(tmp_path: Path) -> tuple[Path, Path]:
    final = tmp_path / "out"
    for relative, data in (("columns/same.html", b"same"), ("gone/x/index.html", b"no longer produced"),
                           ("gone/y/index.html", b"removed meanwhile"), ("deep/a/b/c.html", b"stale")):
        (final / relative).parent.mkdir(parents=True, exist_ok=True)
        (final / relative).write_bytes(data)
    staging = staging_dir_for(final)
    staging.mkdir()
    return final, staging


def test_the_output_listed_ahead_is_applied_as_the_output_walked(tmp_path, monkeypatch):
    # the build's process lists the previous output in a child meanwhile, not at the end
    final, staging = _output_with_stale_files(tmp_path)
    listing = list_ahead(final)
    assert listing is not None
    write_if_changed(staging / "columns" / "same.html", b"same")
    write_if_changed(staging / "gone" / "x" / "new.html", b"a new file where all else went")
    (final / "gone" / "y" / "index.html").unlink()  # between the listing and the apply
    walked = []
    real_walk = os.walk
    monkeypatch.setattr(os, "walk", lambda top, **kw: walked.append(str(top)) or real_walk(top, **kw))
    count = apply_to_output(staging, final, listing)
    assert str(final) not in walked  # the listing stood in for the walk
    assert (count.kept, count.written, count.removed) == (1, 1, 2)
    assert sorted(str(p.relative_to(final)) for p in final.rglob("*")) == [
        "columns", "columns/same.html", "gone", "gone/x", "gone/x/new.html"]


def test_a_listing_that_failed_leaves_the_walk_to_the_apply(tmp_path, monkeypatch):
    final, staging = _output_with_stale_files(tmp_path)
    monkeypatch.setattr(output_tree, "_listing", lambda root: 1 / 0)  # the child fails
    listing = list_ahead(final)
    write_if_changed(staging / "columns" / "same.html", b"same")
    count = apply_to_output(staging, final, listing)
    assert (count.kept, count.written, count.removed) == (1, 0, 3)
    assert sorted(str(p.relative_to(final)) for p in final.rglob("*")) == ["columns", "columns/same.html"]
    assert listing.done


def test_a_build_applies_the_listing_of_its_output_and_a_failed_one_stops_it(tmp_path, monkeypatch):
    from conftest import ROOT, build

    assert build(tmp_path / "out", CACHE_ROOT=str(tmp_path / "cache")).ok
    (tmp_path / "out" / "stray" / "old").mkdir(parents=True)
    (tmp_path / "out" / "stray" / "old" / "index.html").write_bytes(b"no longer produced")
    started: list = []
    real_list_ahead = output_tree.list_ahead
    monkeypatch.setattr(driver, "list_ahead", lambda final: started.append(real_list_ahead(final)) or started[-1])
    options = {"OUTPUT_PATH": str(tmp_path / "out"), "BUILD_TIME": NOW, "CACHE_ROOT": str(tmp_path / "cache")}
    result = driver.build_site(ROOT / "pelicanconf.py", options, force=True)
    assert result.ok and result.files_removed == 1 and not (tmp_path / "out" / "stray").exists()
    assert len(started) == 1 and started[0].done
    broken = driver.build_site(ROOT / "pelicanconf.py", {**options, "TIMEZONE": "Nowhere/Void"}, force=True)
    assert not broken.ok and len(started) == 2 and started[1].done  # stopped and reaped


def test_a_copy_stopped_halfway_leaves_no_file_behind(tmp_path, monkeypatch):
    # on another file system derivatives are copied: a copy that stops (disk full, a child
    # killed) must leave nothing a later pass would take for the whole file
    import errno
    import shutil

    source = tmp_path / "cache.webp"
    source.write_bytes(b"x" * 10_000)
    target = tmp_path / "out" / "images" / "d.webp"

    def cross_device(*_args):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    def disk_full(src, dst):
        Path(dst).write_bytes(Path(src).read_bytes()[:4096])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "link", cross_device)
    with monkeypatch.context() as patch:
        patch.setattr(shutil, "copyfile", disk_full)
        with pytest.raises(OSError):
            link_all_if_changed([(source, target)])
    assert not target.exists() and list(target.parent.iterdir()) == []
    assert link_all_if_changed([(source, target)]) == 1
    assert target.read_bytes() == source.read_bytes()
