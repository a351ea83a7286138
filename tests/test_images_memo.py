"""The image plan kept between builds (images/memo.py): used only while its inputs stand."""

from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
from pathlib import Path

import content_model.validate
import images
import pytest
from conftest import build
from images.memo import manifest_key, memo_file, recall, remember
from images.pipeline import AuthorInput, ColumnInput, ImageRef, process_images
from PIL import Image
from site_build.clean import clean
from test_images_derive import FONTS, settings_for


@pytest.fixture
def settled(monkeypatch):
    """Files count as settled at once (normally two seconds after their last write)."""
    monkeypatch.setattr(content_model.validate, "_SETTLED_NS", 0)


def _inputs(tmp_path: Path):
    content = tmp_path / "content"
    (content / "images").mkdir(parents=True)
    Image.new("RGB", (900, 600), "olive").save(content / "images" / "cover.jpg")
    Image.new("RGB", (300, 300), "teal").save(content / "images" / "face.png")
    columns = [ColumnInput("with-cover", "With a cover", "Insider", ("a",), "images/cover.jpg",
                           ImageRef("content/columns/with-cover.md", 7, "image")),
               ColumnInput("no-cover", "Without a cover", "Insider", ("a", "b"), None, None)]
    authors = [AuthorInput("a", "Ana Beridze", "images/face.png", None), AuthorInput("b", "Bo Li", None, None)]
    return content, columns, authors


def test_a_kept_manifest_comes_back_equal_and_counts_everything_as_reused(tmp_path, settled):
    content, columns, authors = _inputs(tmp_path)
    settings = settings_for(tmp_path)
    manifest, errors = process_images(content, settings, columns, authors, "Site")
    assert not errors and manifest.stats.generated > 20
    key = manifest_key(content, settings, columns, authors, "Site", "")
    memo = memo_file(tmp_path / "build-cache")
    assert key is not None and recall(memo, key) is None  # nothing kept yet
    remember(memo, key, manifest)
    again = recall(memo, key)
    assert again is not None and again is not manifest
    assert dataclasses.replace(again, stats=manifest.stats) == manifest
    assert (again.stats.generated, again.stats.reused, again.stats.sources) == (
        0, manifest.stats.generated + manifest.stats.reused, manifest.stats.sources)
    assert recall(memo, "another key") is None
    assert memo_file(None) is None and recall(None, key) is None  # no CACHE_ROOT: nothing kept


def test_the_key_follows_every_input_but_where_a_field_is_written(tmp_path, settled):
    content, columns, authors = _inputs(tmp_path)
    settings = settings_for(tmp_path)
    key = manifest_key(content, settings, columns, authors, "Site", "")
    assert key == manifest_key(content, settings, list(columns), list(authors), "Site", "")
    moved = [dataclasses.replace(columns[0], ref=ImageRef("content/columns/with-cover.md", 12, "image")), columns[1]]
    assert manifest_key(content, settings, moved, authors, "Site", "") == key
    retitled = [dataclasses.replace(columns[0], title="Another title"), columns[1]]
    others = [
        manifest_key(content, settings, retitled, authors, "Site", ""),
        manifest_key(content, settings, columns[:1], authors, "Site", ""),
        manifest_key(content, settings, columns, [authors[0], dataclasses.replace(authors[1], name="Bo Lee")],
                     "Site", ""),
        manifest_key(content, settings, columns, authors, "Another site", ""),
        manifest_key(content, settings, columns, authors, "Site", "A tagline"),
        manifest_key(content, settings_for(tmp_path, IMAGE_COVER_WIDTHS=[400, 800]), columns, authors, "Site", ""),
    ]
    assert key not in others and len(set(others)) == len(others)
    # an image or a font written again (its stamp differs) makes another plan
    seen = {key, *others}
    Image.new("RGB", (900, 600), "navy").save(content / "images" / "cover.jpg")
    seen.add(manifest_key(content, settings, columns, authors, "Site", ""))
    Image.new("RGB", (300, 300), "navy").save(content / "images" / "face.png")
    seen.add(manifest_key(content, settings, columns, authors, "Site", ""))
    fonts = tmp_path / "fonts"
    shutil.copytree(FONTS, fonts)
    own_fonts = settings_for(tmp_path, IMAGE_FONT_DIR=str(fonts))
    seen.add(manifest_key(content, own_fonts, columns, authors, "Site", ""))
    font = next(fonts.glob("*.ttf"))
    font.write_bytes(font.read_bytes())
    seen.add(manifest_key(content, own_fonts, columns, authors, "Site", ""))
    assert None not in seen and len(seen) == len(others) + 5


def test_an_image_written_moments_ago_is_not_trusted_by_its_stamp(tmp_path):
    content, columns, authors = _inputs(tmp_path)  # written just now, and not `settled`
    assert manifest_key(content, settings_for(tmp_path), columns, authors, "Site", "") is None


def test_a_derivative_gone_from_the_cache_or_a_damaged_memo_means_planning_again(tmp_path, settled):
    content, columns, authors = _inputs(tmp_path)
    settings = settings_for(tmp_path)
    manifest, _errors = process_images(content, settings, columns, authors, "Site")
    key = manifest_key(content, settings, columns, authors, "Site", "")
    memo = memo_file(tmp_path / "build-cache")
    remember(memo, key, manifest)
    assert recall(memo, key) is not None
    Path(next(iter(manifest.files.values()))).unlink()
    assert recall(memo, key) is None
    memo.write_bytes(b"not a pickle")
    assert recall(memo, key) is None
    memo.write_bytes(pickle.dumps({"format": 1, "key": key, "manifest": "?"}))
    assert recall(memo, key) is None


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_builds_use_the_kept_plan_and_make_a_removed_derivative_again(content_copy, tmp_path, settled, monkeypatch):
    planned = []
    real = images.process_images

    def counting(*args, **kwargs):
        planned.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(images, "process_images", counting)
    # laid out as pelicanconf.py has it: the image cache inside CACHE_ROOT
    caches = {"CACHE_ROOT": str(tmp_path / "build-cache"), "IMAGE_CACHE_DIR": str(tmp_path / "build-cache" / "images")}
    memo = memo_file(tmp_path / "build-cache")
    first = build(tmp_path / "one", content_copy, **caches)
    assert first.ok, first.errors
    assert len(planned) == 1 and memo.is_file()

    second = build(tmp_path / "two", content_copy, **caches)
    assert second.ok, second.errors
    assert len(planned) == 1  # the kept plan, not a new one
    assert _tree(tmp_path / "two") == _tree(tmp_path / "one")

    with open(memo, "rb") as handle:
        kept = pickle.load(handle)["manifest"]
    url, cached = next((u, c) for u, c in sorted(kept.files.items()) if "-cover-" in u)
    os.unlink(cached)
    third = build(tmp_path / "three", content_copy, **caches)
    assert third.ok, third.errors
    assert len(planned) == 2 and os.path.isfile(cached)
    assert (tmp_path / "three" / url).read_bytes() == (tmp_path / "one" / url).read_bytes()

    # `make clean` removes the plan with the other build caches; the derivatives stay
    clean(tmp_path / "three", tmp_path / "build-cache")
    assert not memo.exists() and os.path.isfile(cached)


def test_a_build_with_image_errors_keeps_no_plan(content_copy, tmp_path, settled):
    (content_copy / "images" / "covers" / "a-library-card-in-three-alphabets.jpg").write_text("not a picture")
    result = build(tmp_path / "out", content_copy, IMAGE_CACHE_DIR=str(tmp_path / "image-cache"),
                   CACHE_ROOT=str(tmp_path / "build-cache"))
    assert not result.ok and any("is not an image that can be read" in e for e in result.errors)
    assert not memo_file(tmp_path / "build-cache").exists()
