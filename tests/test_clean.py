"""`make clean` removes the output and every cache except image derivatives."""

from __future__ import annotations

from site_build.clean import clean


def test_clean_keeps_only_the_image_cache(tmp_path):
    output, cache = tmp_path / "output", tmp_path / ".cache"
    for folder in (output / "columns", cache / "content", cache / "related", cache / "build", cache / "images"):
        folder.mkdir(parents=True)
        (folder / "x").write_text("x", encoding="utf-8")
    clean(output, cache)
    assert not output.exists()
    assert sorted(p.name for p in cache.iterdir()) == ["images"]
    clean(output, cache, everything=True)
    assert list(cache.iterdir()) == []
