"""The images plugin in real builds: pages use the derivatives; cache; bad input as content errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build, soup
from PIL import Image
from test_images_derive import _jpeg_bytes, gps_rotated_jpeg


def _files(output: Path, srcset: str) -> list[tuple[Path, str]]:
    pairs = []
    for item in srcset.split(","):
        url, descriptor = item.split()
        pairs.append((output / url.lstrip("/"), descriptor))
    return pairs


def test_cover_is_a_picture_with_avif_webp_and_jpeg_at_several_widths(demo_site):
    page = soup(demo_site / "columns" / "a-library-card-in-three-alphabets" / "index.html")
    picture = page.select_one("figure.cover picture")
    types = [source["type"] for source in picture.find_all("source")]
    assert types == ["image/avif", "image/webp"]
    img = picture.find("img")
    assert img["fetchpriority"] == "high" and not img.has_attr("loading")
    assert img["alt"].startswith("Soft green hills")
    for srcset, fmt in [(s["srcset"], s["type"].split("/")[1].upper()) for s in picture.find_all("source")] + [
            (img["srcset"], "JPEG")]:
        widths = []
        for path, descriptor in _files(demo_site, srcset):
            with Image.open(path) as made:
                assert made.format == fmt
                assert f"{made.width}w" == descriptor
                widths.append(made.width)
                # the aspect ratio matches the width/height attributes (no layout shift)
                assert abs(made.height / made.width - int(img["height"]) / int(img["width"])) < 0.01
        assert len(widths) >= 3 and widths == sorted(widths)
    assert (demo_site / img["src"].lstrip("/")).is_file()


def test_avatars_use_square_derivatives_with_2x_and_initials_without_photo(demo_site):
    page = soup(demo_site / "columns" / "a-library-card-in-three-alphabets" / "index.html")
    avatar = page.select_one(".byline img.avatar")
    assert "avatar--s40" in avatar["class"] and avatar["alt"] == ""
    (one, d1), (two, d2) = _files(demo_site, avatar["srcset"])
    assert (d1, d2) == ("1x", "2x")
    assert Image.open(one).size == (40, 40) and Image.open(two).size == (80, 80)
    author_page = soup(demo_site / "author" / "elvin-huseynov" / "index.html")
    generated = author_page.select_one("img.avatar.avatar--s128")
    assert "avatar--generated" in generated["class"]
    assert Image.open(demo_site / generated["src"].lstrip("/")).size == (128, 128)


@pytest.mark.parametrize("slug", ["a-library-card-in-three-alphabets", "kto-platit-za-tishinu"])
def test_every_column_has_a_1200x630_social_card(demo_site, slug):
    page = soup(demo_site / "columns" / slug / "index.html")
    meta = {tag.get("property") or tag.get("name"): tag["content"] for tag in page.find_all("meta")
            if tag.get("property") or tag.get("name")}
    assert meta["og:type"] == "article" and meta["twitter:card"] == "summary_large_image"
    assert meta["og:image"] == meta["twitter:image"]
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["og:url"] == f"/columns/{slug}/"
    with Image.open(demo_site / meta["og:image"].lstrip("/")) as card:
        assert card.size == (1200, 630) and card.format == "JPEG"


def test_social_urls_are_absolute_in_production(demo_site_prod):
    page = soup(demo_site_prod / "index.html")
    image = page.find("meta", property="og:image")["content"]
    assert image.startswith("https://") and "/images/derived/social-site-" in image
    assert page.find("meta", property="og:type")["content"] == "website"


def test_gps_photo_is_published_upright_and_stripped_and_second_build_regenerates_nothing(content_copy, tmp_path):
    cover = content_copy / "images" / "covers" / "a-library-card-in-three-alphabets.jpg"
    gps_rotated_jpeg(cover, size=(1500, 1000))
    cache = tmp_path / "image-cache"
    output = tmp_path / "out"
    result = build(output, content_copy, IMAGE_CACHE_DIR=str(cache))
    assert result.ok, result.errors
    published = output / "images" / "covers" / "a-library-card-in-three-alphabets.jpg"
    assert published.read_bytes() != cover.read_bytes()
    with Image.open(published) as image:
        assert image.size == (1000, 1500) and not image.getexif()
    page = soup(output / "columns" / "a-library-card-in-three-alphabets" / "index.html")
    img = page.select_one("figure.cover img")
    assert (img["width"], img["height"]) == ("800", "1200")  # portrait now; the widest derivative <= 1000
    for path, _ in _files(output, img["srcset"]):
        assert b"GPS" not in path.read_bytes() and not Image.open(path).getexif()

    before = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in cache.rglob("*") if p.is_file()}
    assert len(before) > 100
    again = build(tmp_path / "out2", content_copy, IMAGE_CACHE_DIR=str(cache))
    assert again.ok, again.errors
    after = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in cache.rglob("*") if p.is_file()}
    assert after == before  # nothing regenerated, nothing added
    assert sorted(p.name for p in (tmp_path / "out2" / "images" / "derived").iterdir()) == sorted(
        p.name for p in (output / "images" / "derived").iterdir())


def _line(path: Path, prefix: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(prefix))


def test_every_bad_image_is_a_content_error_with_file_and_line(content_copy, tmp_path):
    covers = content_copy / "images" / "covers"
    (covers / "a-library-card-in-three-alphabets.jpg").write_text("not a picture at all")
    (covers / "energy-bills-and-the-winter-vote.jpg").write_bytes(_jpeg_bytes()[:2000])
    Image.new("1", (20000, 20000)).save(covers / "a-newsroom-in-a-suitcase.jpg", "PNG")
    Image.new("1", (8000, 6000)).save(covers / "the-tourism-boom-eats-its-own-city.jpg", "PNG")
    author = content_copy / "authors" / "giorgi-beridze.yml"
    author.write_text(author.read_text().replace("avatars/giorgi-beridze.jpg", "avatars/missing.jpg"))
    output = tmp_path / "out"
    result = build(output, content_copy, IMAGE_CACHE_DIR=str(tmp_path / "cache"))
    assert not result.ok and not output.exists()
    report = "\n".join(result.errors)
    columns = content_copy / "columns"
    expected = [
        ("2026/a-library-card-in-three-alphabets.md", "is not an image that can be read"),
        ("2026/energy-bills-and-the-winter-vote.md", "is damaged or truncated"),
        ("2025/a-newsroom-in-a-suitcase.md", "is far too large to process safely"),
        ("2026/the-tourism-boom-eats-its-own-city.md", "8000x6000 pixels (48.0 megapixels), over the limit of 40.0"),
    ]
    for name, message in expected:
        line = _line(columns / name, "image:")
        assert f"content/columns/{name}:{line}: image: '" in report
        assert any(row.startswith(f"content/columns/{name}:{line}: image:") and message in row
                   for row in report.splitlines()), (name, report)
    line = _line(author, "avatar:")
    assert f"content/authors/giorgi-beridze.yml:{line}: avatar: file 'images/avatars/missing.jpg' not found" in report
    assert "Traceback" not in report and "5 content problems" in report


def _tree(output: Path) -> dict[str, bytes]:
    return {str(p.relative_to(output)): p.read_bytes() for p in sorted(output.rglob("*")) if p.is_file()}


def test_derivatives_written_by_a_child_meanwhile_equal_those_written_at_the_end(content_copy, tmp_path, monkeypatch):
    # the derivatives are linked in a child started once the static files are known
    import images
    from images import pipeline

    started, taken = [], []
    real_start, real_write = pipeline.start_writing_into_output, images.write_into_output
    monkeypatch.setattr(images, "start_writing_into_output",
                        lambda *args: started.append(real_start(*args)) or started[-1])
    monkeypatch.setattr(images, "write_into_output",
                        lambda manifest, output, done=None: taken.append(len(done or {})) or real_write(
                            manifest, output, done))
    cache = {"CACHE_ROOT": str(tmp_path / "cache"), "IMAGE_CACHE_DIR": str(tmp_path / "images")}
    assert build(tmp_path / "ahead", content_copy, **cache).ok
    assert len(started) == 1 and started[0][0].done and taken[0] == len(started[0][1]) > 50
    monkeypatch.setattr(images, "start_writing_into_output", lambda *args: None)
    assert build(tmp_path / "at-end", content_copy, **cache).ok
    assert _tree(tmp_path / "ahead") == _tree(tmp_path / "at-end")
    # a child that fails leaves every file to the end
    monkeypatch.setattr(images, "start_writing_into_output",
                        lambda manifest, output, leave_out: (pipeline.start_in_fork(lambda: 1 / 0), {}))
    assert build(tmp_path / "failed", content_copy, **cache).ok
    assert _tree(tmp_path / "failed") == _tree(tmp_path / "at-end")


def test_a_static_file_at_a_derivatives_path_is_never_written_through_the_cache(content_copy, tmp_path):
    cache = {"CACHE_ROOT": str(tmp_path / "cache"), "IMAGE_CACHE_DIR": str(tmp_path / "images")}
    assert build(tmp_path / "first", content_copy, **cache).ok
    derived = sorted((tmp_path / "first" / "images" / "derived").glob("*.webp"))[0]
    cached = {p: p.read_bytes() for p in (tmp_path / "images").rglob("*") if p.is_file()}
    clash = content_copy / "images" / "derived" / derived.name
    clash.parent.mkdir(parents=True)
    clash.write_bytes(b"an editor's file of that name")
    assert build(tmp_path / "out", content_copy, **cache).ok
    assert (tmp_path / "out" / "images" / "derived" / derived.name).read_bytes() == b"an editor's file of that name"
    assert {p: p.read_bytes() for p in (tmp_path / "images").rglob("*") if p.is_file()} == cached


def test_attached_files_still_move_next_to_their_column(content_copy, tmp_path, monkeypatch):
    # listing the static files' places for the child must not fix them where they are
    import images

    (content_copy / "images" / "handout.pdf").write_bytes(b"%PDF-1.4 handout")
    column = next((content_copy / "columns").rglob("*.md"))
    column.write_text(column.read_text(encoding="utf-8") + "\n\n[The handout]({attach}../../images/handout.pdf)\n",
                      encoding="utf-8")
    cache = {"CACHE_ROOT": str(tmp_path / "cache"), "IMAGE_CACHE_DIR": str(tmp_path / "images")}
    assert build(tmp_path / "ahead", content_copy, **cache).ok
    moved = sorted((tmp_path / "ahead" / "columns").glob("*/handout.pdf"))
    assert len(moved) == 1 and not (tmp_path / "ahead" / "images" / "handout.pdf").exists()
    monkeypatch.setattr(images, "write_ahead", lambda generator: None)
    assert build(tmp_path / "at-end", content_copy, **cache).ok
    assert _tree(tmp_path / "ahead") == _tree(tmp_path / "at-end")


def test_no_child_where_an_attached_file_could_land_among_the_derivatives():
    from types import SimpleNamespace

    from images import _attach_may_reach

    ours = {"PATH": "/site/content", "ARTICLE_SAVE_AS": "columns/{slug}/index.html",
            "PAGE_SAVE_AS": "{slug}/index.html", "ARTICLE_LANG_SAVE_AS": "{slug}-{lang}.html",
            "PAGE_LANG_SAVE_AS": "{slug}-{lang}.html", "DRAFT_SAVE_AS": ""}
    static = SimpleNamespace(staticfiles=[SimpleNamespace(source_path="/site/content/images/a.jpg")],
                             context={"pages": []})
    assert not _attach_may_reach(ours, static, "images/derived")
    for changed in ({"ARTICLE_SAVE_AS": "images/{slug}/index.html"},  # a column's folder could be it
                    {"ARTICLE_LANG_SAVE_AS": "images/derived/{slug}.html"},
                    {"EXTRA_PATH_METADATA": {"pages/x.md": {"save_as": "anywhere.html"}}}):
        assert _attach_may_reach({**ours, **changed}, static, "images/derived"), changed
    below_a_column = SimpleNamespace(staticfiles=[SimpleNamespace(source_path="/site/content/columns/derived/x.pdf")],
                                     context={})
    assert _attach_may_reach(ours, below_a_column, "images/derived")


def test_a_build_where_an_attached_file_could_land_among_the_derivatives_starts_no_child(
        content_copy, tmp_path, monkeypatch):
    import images

    started = []
    monkeypatch.setattr(images, "start_writing_into_output", lambda *args: started.append(args))
    cache = {"CACHE_ROOT": str(tmp_path / "cache"), "IMAGE_CACHE_DIR": str(tmp_path / "images")}
    assert build(tmp_path / "out", content_copy, **cache,
                 EXTRA_PATH_METADATA={"images/logo.svg": {"save_as": "images/derived/logo.svg"}}).ok
    assert started == []
    assert (tmp_path / "out" / "images" / "derived").is_dir()  # written at the end instead
