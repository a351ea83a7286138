"""Image derivatives linked into a staged output in one batch, kept files noted once."""

from __future__ import annotations

import os

from site_build.output_tree import LEDGER, apply_to_output, link_all_if_changed, staging_dir_for


def test_batch_keeps_what_the_output_has_links_the_rest_and_notes_kept_files_in_one_ledger(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in "abcd":
        (cache / f"{name}.webp").write_bytes(name.encode() * 3)
    final = tmp_path / "out"
    (final / "images").mkdir(parents=True)
    os.link(cache / "a.webp", final / "images" / "a.webp")  # the same link: kept
    (final / "images" / "b.webp").write_bytes(b"bbb")  # a copy with the same bytes: kept
    (final / "images" / "c.webp").write_bytes(b"old")  # different bytes: linked again
    (final / "images" / "gone.webp").write_bytes(b"x")  # no longer produced: removed
    staging = staging_dir_for(final)
    staging.mkdir()
    pairs = [(cache / f"{name}.webp", staging / "images" / f"{name}.webp") for name in "abcd"]
    assert link_all_if_changed(iter(pairs)) == 2
    assert sorted((staging / LEDGER).read_text().split()) == ["images/a.webp", "images/b.webp"]
    assert sorted(p.name for p in (staging / "images").iterdir()) == ["c.webp", "d.webp"]
    assert link_all_if_changed(pairs) == 0  # made already: nothing more
    count = apply_to_output(staging, final)
    assert (count.kept, count.written, count.removed) == (2, 2, 1)
    for name in "acd":
        assert (final / "images" / f"{name}.webp").stat().st_ino == (cache / f"{name}.webp").stat().st_ino
    assert (final / "images" / "b.webp").read_bytes() == b"bbb"
    assert not (final / "images" / "gone.webp").exists()


def test_outside_staging_links_are_made_once(tmp_path):
    (tmp_path / "s.png").write_bytes(b"s")
    target = tmp_path / "site" / "img" / "s.png"
    assert link_all_if_changed([(tmp_path / "s.png", target)]) == 1
    assert link_all_if_changed([(str(tmp_path / "s.png"), str(target))]) == 0
    assert target.read_bytes() == b"s"
