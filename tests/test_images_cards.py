"""Generated social cards and initials avatars: size, text that fits, every script drawn."""

from __future__ import annotations

from pathlib import Path

import pytest
from images.cards import (
    MARGIN,
    DrawnText,
    FontSet,
    SocialCardSpec,
    draw_initials,
    fit_text,
    render_social_card,
    script_runs,
)
from PIL import Image, ImageChops

FONTS = FontSet(str(Path(__file__).resolve().parents[1] / "theme" / "fonts"))

TITLES = {
    "long latin": "A very long headline about energy tariffs, municipal budgets, cross-border trade corridors "
                  "and the quiet arithmetic of household debt that keeps going well past any sensible length "
                  "for a column title, because editors sometimes paste the standfirst into the wrong field",
    "georgian": "სუფრა როგორც პარლამენტი: რას გვასწავლის ქართული მაგიდა დემოკრატიაზე და რატომ არის ეს მნიშვნელოვანი",
    "armenian": "Գյումրին փառատոնից հետո. ինչ է մնում քաղաքին, երբ հյուրերը մեկնում են, և ով է վճարում",
    "cyrillic": "Кто платит за тишину: региональные медиа между грантами, рекламой и государственным заказом",
    "one giant word": "Ա" * 120,
    "mixed": "Tbilisi, თბილისი, Թբիլիսի, Тбилиси: one city, four alphabets, 2026",
}


def spec(title: str, authors=("Nino Kapanadze",), label="Insider") -> SocialCardSpec:
    return SocialCardSpec(title, label, authors, "The Ridge Ledger", None, None, 1200, 630, 82, FONTS.font_dir)


@pytest.mark.parametrize("name", list(TITLES))
def test_card_is_1200x630_and_all_text_stays_inside_the_margins(name):
    drawn = DrawnText()
    card = render_social_card(spec(TITLES[name]), drawn)
    assert card.size == (1200, 630)
    assert len(drawn.boxes) >= 4  # site name, label, at least one title line, author
    for left, top, right, bottom in drawn.boxes:
        assert MARGIN <= left and right <= 1200 - MARGIN + 1, (name, left, right)
        assert 0 < top and bottom < 630, (name, top, bottom)
    # title lines never run into the footer (avatar and names start at 630 - 50 - 72)
    title_boxes = drawn.boxes[2:-1]
    assert max(b[3] for b in title_boxes) < 630 - 122


def test_title_shrinks_before_it_is_cut():
    short_size, short_lines = fit_text("A short title", FONTS, (1040, 280), range(76, 29, -4))
    long_size, long_lines = fit_text(TITLES["cyrillic"], FONTS, (1040, 280), range(76, 29, -4))
    assert short_lines == ["A short title"]
    assert long_size < short_size
    assert " ".join(long_lines) == TITLES["cyrillic"]  # shrunk, nothing lost
    sizes = range(76, 29, -4)
    cut_size, cut_lines = fit_text(TITLES["long latin"] * 2, FONTS, (1040, 280), sizes)
    assert cut_size == sizes[-1] and cut_lines[-1].endswith("…")
    assert len(cut_lines) * cut_size * 1.22 <= 280


def _notdef_mask(font):
    return bytes(font.getmask("\ue000"))


@pytest.mark.parametrize("name", ["georgian", "armenian", "cyrillic", "mixed"])
def test_every_letter_has_a_real_glyph_in_the_font_chosen_for_it(name):
    for script, run in script_runs(TITLES[name]):
        font = FONTS.font(script, True, 40)
        notdef = _notdef_mask(font)
        for char in set(run) - {" "}:
            assert bytes(font.getmask(char)) != notdef, f"{char!r} (U+{ord(char):04X}) has no glyph in {script}"


def test_script_runs_keep_punctuation_in_a_font_that_has_it():
    assert script_runs("სუფრა: Итог") == [("georgian", "სუფრა"), ("latin", ": Итог")]
    assert script_runs("Գյումրի 2026") == [("armenian", "Գյումրի "), ("latin", "2026")]


def test_card_differs_by_title_and_shows_the_avatar_photo(tmp_path):
    face = tmp_path / "face.png"
    Image.new("RGB", (200, 200), (255, 0, 0)).save(face)
    plain = render_social_card(spec("One title"))
    other = render_social_card(spec("Another title"))
    assert ImageChops.difference(plain, other).getbbox() is not None
    with_photo = render_social_card(SocialCardSpec("One title", "Insider", ("Nino Kapanadze",), "The Ridge Ledger",
                                                   str(face), "h", 1200, 630, 82, FONTS.font_dir))
    # the avatar circle (80..152, 508..580) is red from the photo
    assert with_photo.getpixel((116, 544))[0] > 200 and with_photo.getpixel((116, 544))[1] < 40


def test_initials_avatar_draws_letters_centred():
    image = draw_initials("Elvin Huseynov", 128, FONTS)
    assert image.size == (128, 128)
    background = image.getpixel((2, 2))
    ink = ImageChops.difference(image, Image.new("RGB", image.size, background)).getbbox()
    assert ink is not None
    left, top, right, bottom = ink
    assert abs((left + right) / 2 - 64) <= 4 and abs((top + bottom) / 2 - 64) <= 6


@pytest.mark.parametrize("name", ["long latin", "georgian", "armenian", "cyrillic", "mixed"])
@pytest.mark.parametrize("xy", [(80, 300), (80.5, 300.25), (131.3, 287.9)])
def test_glyph_by_glyph_drawing_matches_pillow_drawing_the_whole_run(name, xy):
    from images.cards import DrawnText, draw_line
    from PIL import ImageDraw

    text = TITLES[name][:60]
    stamped = Image.new("RGB", (1400, 400), (250, 246, 240))
    draw_line(ImageDraw.Draw(stamped), xy, text, FONTS, True, 52, (43, 36, 64), DrawnText())
    reference = Image.new("RGB", (1400, 400), (250, 246, 240))
    draw = ImageDraw.Draw(reference)
    x, y = xy
    for script, run in script_runs(text):
        font = FONTS.font(script, True, 52)
        draw.text((x, y), run, font=font, fill=(43, 36, 64), anchor="ls")
        x += font.getlength(run)
    assert ImageChops.difference(stamped, reference).getbbox() is None
