"""Derivatives of one source: sizes, formats, orientation, metadata stripping, bad input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from images.config import ImageSettingsError, read_image_settings
from images.derive import SourceJob, cache_file, process_source, variants_for
from images.pipeline import AuthorInput, ColumnInput, ImageRef, process_images
from PIL import ExifTags, Image

ROOT = Path(__file__).resolve().parents[1]
FONTS = ROOT / "theme" / "fonts"


def settings_for(tmp_path: Path, **extra):
    return read_image_settings({"PATH": str(tmp_path / "content"), "IMAGE_CACHE_DIR": str(tmp_path / "cache"),
                                "IMAGE_FONT_DIR": str(FONTS), "IMAGE_WORKERS": 1, **extra})


def gps_rotated_jpeg(path: Path, size=(300, 200)) -> None:
    """A photo as a phone writes it: stored sideways with Orientation=6, with GPS, XMP and a comment."""
    image = Image.new("RGB", size, (40, 120, 200))
    image.paste((255, 0, 0), (0, 0, 30, 30))  # a red marker in the stored top-left corner
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (41.0, 42.0, 56.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (44.0, 48.0, 7.0),
    }
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", exif=exif, xmp=xmp, comment=b"taken at the border post", quality=95)


def test_test_photo_really_carries_gps_and_rotation(tmp_path):
    source = tmp_path / "photo.jpg"
    gps_rotated_jpeg(source)
    with Image.open(source) as image:
        exif = image.getexif()
        assert exif[ExifTags.Base.Orientation] == 6
        assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"


def test_every_width_and_format_is_made_upright_and_stripped(tmp_path):
    source = tmp_path / "content" / "images" / "photo.jpg"
    gps_rotated_jpeg(source, size=(1000, 700))
    settings = settings_for(tmp_path)
    result = process_source(SourceJob(str(source), "hash-a", ("cover",), settings, "jpeg"))
    assert result.error is None
    assert result.size == (700, 1000)  # rotated upright: portrait
    variants = variants_for(("cover",), result.size, settings, "jpeg")
    covers = [v for v in variants if v.purpose == "cover"]
    # widths above the source's 700 px are not made; no upscaling
    assert sorted({v.width for v in covers}) == [480]
    assert {v.fmt for v in covers} == {"avif", "webp", "jpeg"}
    assert result.generated == len(variants)
    expected_format = {"avif": "AVIF", "webp": "WEBP", "jpeg": "JPEG"}
    for variant in variants:
        path = cache_file(settings.cache_dir, variant.cache_key("hash-a"), variant.ext)
        with Image.open(path) as made:
            assert made.format == expected_format[variant.fmt]
            assert made.size == (variant.width, variant.height)
            assert not made.getexif(), f"{variant}: EXIF left in"
            for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"):
                assert key not in made.info, f"{variant}: {key} left in"
        raw = path.read_bytes()
        assert b"PhoneCo" not in raw and b"taken at the border" not in raw and b"xmpmeta" not in raw


def test_orientation_is_applied_not_just_dropped(tmp_path):
    source = tmp_path / "photo.jpg"
    gps_rotated_jpeg(source, size=(300, 200))
    settings = settings_for(tmp_path)
    process_source(SourceJob(str(source), "hash-b", ("cover",), settings, "jpeg"))
    original = variants_for(("cover",), (200, 300), settings, "jpeg")[0]
    assert original.purpose == "original"
    with Image.open(cache_file(settings.cache_dir, original.cache_key("hash-b"), "jpg")) as made:
        assert made.size == (200, 300)
        # Orientation 6 = turn 90 degrees clockwise: the stored top-left marker ends top-right
        top_right = made.getpixel((made.width - 5, 5))
        top_left = made.getpixel((5, 5))
        assert top_right[0] > 200 and top_right[2] < 80
        assert top_left[2] > 150


def test_avatar_squares_at_theme_sizes_with_2x(tmp_path):
    source = tmp_path / "face.jpg"
    Image.new("RGB", (500, 400), "gray").save(source)
    settings = settings_for(tmp_path)
    result = process_source(SourceJob(str(source), "hash-c", ("avatar",), settings, None))
    sizes = sorted(v.width for v in variants_for(("avatar",), result.size, settings))
    assert sizes == [24, 40, 48, 64, 80, 128, 256]
    for variant in variants_for(("avatar",), result.size, settings):
        with Image.open(cache_file(settings.cache_dir, variant.cache_key("hash-c"), "jpg")) as made:
            assert made.size == (variant.width, variant.width)


@pytest.mark.parametrize(("write", "expected"), [
    (lambda p: p.write_text("this is a text file named like a photo"), "is not an image that can be read"),
    (lambda p: p.write_bytes(_jpeg_bytes()[:1500]), "is damaged or truncated"),
    (lambda p: p.write_bytes(_jpeg_bytes()[:2] + b"\x00" * 400), "is not an image that can be read"),
    (lambda p: Image.new("1", (9000, 6000)).save(p, "PNG"), "9000x6000 pixels (54.0 megapixels), over the limit"),
])
def test_bad_sources_become_errors_naming_the_content_file_and_line(tmp_path, write, expected):
    content = tmp_path / "content"
    bad = content / "images" / "bad.png"
    bad.parent.mkdir(parents=True)
    write(bad)
    settings = settings_for(tmp_path)
    column = ColumnInput("x", "Title", "Insider", ("a",), "images/bad.png",
                         ImageRef("content/columns/2026/x.md", 9, "image"))
    author = AuthorInput("a", "Ana Beridze", "images/bad.png", ImageRef("content/authors/a.yml", 4, "avatar"))
    _manifest, errors = process_images(content, settings, [column], [author], "Site")
    assert [(e.path, e.line, e.field) for e in errors] == [
        ("content/columns/2026/x.md", 9, "image"), ("content/authors/a.yml", 4, "avatar")]
    assert all("'bad.png'" in e.message and expected in e.message for e in errors)


def _jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 64).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_second_run_regenerates_nothing(tmp_path):
    content = tmp_path / "content"
    gps_rotated_jpeg(content / "images" / "cover.jpg", size=(900, 600))
    Image.new("RGB", (300, 300), "teal").save(content / "images" / "face.png")
    settings = settings_for(tmp_path)
    columns = [ColumnInput("with-cover", "With a cover", "Insider", ("a",), "images/cover.jpg", None),
               ColumnInput("no-cover", "Without a cover", "Insider", ("a", "b"), None, None)]
    authors = [AuthorInput("a", "Ana Beridze", "images/face.png", None), AuthorInput("b", "Bo Li", None, None)]
    first, errors = process_images(content, settings, columns, authors, "Site")
    assert not errors and first.stats.generated > 20 and first.stats.reused == 0
    cached = {p: p.stat().st_mtime_ns for p in settings.cache_dir.rglob("*") if p.is_file()}
    second, errors = process_images(content, settings, columns, authors, "Site")
    assert not errors
    assert second.stats.generated == 0
    assert second.stats.reused == first.stats.generated
    assert {p: p.stat().st_mtime_ns for p in settings.cache_dir.rglob("*") if p.is_file()} == cached
    assert second.files == first.files
    # an edited source gets new derivatives; the rest stay cached
    Image.new("RGB", (300, 300), "navy").save(content / "images" / "face.png")
    third, _ = process_images(content, settings, columns, authors, "Site")
    assert 0 < third.stats.generated < first.stats.generated


@pytest.mark.parametrize(("option", "value", "message"), [
    ("IMAGE_FORMATS", ["avif", "gif"], "IMAGE_FORMATS: unknown format 'gif'"),
    ("IMAGE_FORMATS", ["webp"], "IMAGE_FORMATS must include 'jpeg'"),
    ("IMAGE_COVER_WIDTHS", [480, -1], "IMAGE_COVER_WIDTHS: -1 is not a positive"),
    ("IMAGE_QUALITY", {"jpeg": 101}, "IMAGE_QUALITY['jpeg'] should be a whole number from 1 to 100"),
    ("IMAGE_MAX_PIXELS", "big", "IMAGE_MAX_PIXELS should be a whole number"),
    ("IMAGE_SOCIAL_SIZE", [1200], "IMAGE_SOCIAL_SIZE should be [width, height]"),
])
def test_bad_settings_name_the_option(tmp_path, option, value, message):
    with pytest.raises(ImageSettingsError, match=message.replace("[", r"\[").replace("(", r"\(")):
        settings_for(tmp_path, **{option: value})


def _textured(size=(1600, 900)) -> Image.Image:
    """A photo-like picture: a gradient under noise, so resampling differences show."""
    from PIL import ImageFilter

    base = Image.linear_gradient("L").resize(size).convert("RGB")
    noise = Image.merge("RGB", [Image.effect_noise(size, 60) for _ in range(3)])
    return Image.blend(base, noise, 0.5).filter(ImageFilter.GaussianBlur(1.2))


def test_smaller_sizes_come_from_a_larger_rendition_and_match_a_direct_resize(tmp_path):
    import math

    from images.derive import MIN_STEP, Renditions, render_variant
    from PIL import ImageChops, ImageStat

    picture = _textured()
    settings = settings_for(tmp_path)
    variants = variants_for(("cover",), picture.size, settings, "jpeg")
    renditions = Renditions(picture, variants)
    parents = {(v.mode, v.size): renditions.parent_size(v) for v in variants}
    # 480 is made from 800, 800 from 1200, the social crop from 1200x675 without resampling
    assert parents[("fit", (480, 270))] == (800, 450)
    assert parents[("fit", (800, 450))] == (1200, 675)
    assert parents[("fill", (1200, 630))] == (1200, 675)
    for (mode, size), parent in parents.items():
        assert parent == picture.size or parent[0] >= size[0] * MIN_STEP or (mode, size) == ("fill", (1200, 630))
    for variant in variants:
        made = renditions.render(variant)
        assert made.size == variant.size
        direct = render_variant(picture, variant)
        error = sum(v * v for v in ImageStat.Stat(ImageChops.difference(made, direct)).rms) / 3
        # visually the same as resampling the full picture: PSNR above 45 dB
        assert error == 0 or 10 * math.log10(255 ** 2 / error) > 45, (variant, error)


def test_a_derivative_has_the_same_bytes_whatever_else_the_cache_holds(tmp_path):
    source = tmp_path / "content" / "images" / "cover.png"
    source.parent.mkdir(parents=True)
    _textured((1300, 800)).save(source)
    settings = settings_for(tmp_path)
    job = SourceJob(str(source), "hash-c", ("cover",), settings, "png")
    assert process_source(job).generated > 0
    size = Image.open(source).size
    small = [v for v in variants_for(("cover",), size, settings, "png") if v.width <= 800]
    files = [cache_file(settings.cache_dir, v.cache_key("hash-c"), v.ext) for v in small]
    first = [f.read_bytes() for f in files]
    for f in files:  # only the small ones are missing now: their larger renditions are cached
        f.unlink()
    assert process_source(job).generated == len(files)
    assert [f.read_bytes() for f in files] == first


def _slug_by_path(ref: str) -> str:
    """Output names as they were made with pathlib, before `_slug_of` did without it."""
    stem = Path(ref).stem.lower()
    cleaned = "".join(c if c.isalnum() and c.isascii() else "-" for c in stem).strip("-")
    return "-".join(p for p in cleaned.split("-") if p)[:60] or "image"


@pytest.mark.parametrize("ref", [
    "images/covers/border-at-dusk.jpg", "images/covers/Border At Dusk.JPEG", "col-00042",
    "images/.hidden", "images/a/.", "images/a/", "images/tar.gz.jpg", "b.", ".", "", "/",
    "images/İstanbul_ßtraße.jpg", "images/ﬁle.png", "images/\u212aelvin.webp", "--x--.jpg",
    "images/" + "long-" * 20 + ".jpg", "images/..", "a//b//c.png", "images/ünïcödé only.jpg",
])
def test_output_names_are_what_pathlib_gave(ref):
    from images.pipeline import _slug_of

    assert _slug_of(ref) == _slug_by_path(ref)


def test_output_names_match_pathlib_on_random_refs():
    import random

    from images.pipeline import _slug_of

    rng = random.Random(7)
    alphabet = "aZ09.-_/ éİßﬁ\u212a"
    refs = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(20_000)]
    assert [_slug_of(ref) for ref in refs] == [_slug_by_path(ref) for ref in refs]
