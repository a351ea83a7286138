"""Generated images: social cards (1200x630) for pages without a cover, and initials avatars.

Text is drawn with the bundled Noto fonts. Pillow has no font fallback, so text is split into
runs by script (Georgian, Armenian, everything else) and each run is drawn with the font that
has its glyphs, on one shared baseline.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from .derive import cache_file, normalise, open_source, save_image

# Bump when the card design changes, so cached cards are redrawn.
CARD_VERSION = 1

FONT_FILES = {
    ("latin", False): "NotoSans-Regular.ttf",
    ("latin", True): "NotoSans-Bold.ttf",
    ("georgian", False): "NotoSansGeorgian-Regular.ttf",
    ("georgian", True): "NotoSansGeorgian-Bold.ttf",
    ("armenian", False): "NotoSansArmenian-Regular.ttf",
    ("armenian", True): "NotoSansArmenian-Bold.ttf",
}

PAPER = (250, 246, 240)
INK = (43, 36, 64)
MUTED = (92, 80, 108)
LABEL = (138, 59, 18)
PEACH = (232, 162, 122)
CREAM = (246, 231, 216)
MARGIN = 80


def script_of(char: str) -> str | None:
    """Which font a character needs; None for white space, which every font has.

    Digits and punctuation go to Noto Sans: the Georgian and Armenian fonts lack most of them.
    """
    code = ord(char)
    if 0x10A0 <= code <= 0x10FF or 0x1C90 <= code <= 0x1CBF or 0x2D00 <= code <= 0x2D2F:
        return "georgian"
    if 0x0530 <= code <= 0x058F or 0xFB13 <= code <= 0xFB17:
        return "armenian"
    if char.isspace():
        return None
    return "latin"


def script_runs(text: str) -> list[tuple[str, str]]:
    """Split text into (script, run); white space joins the run it stands in."""
    runs: list[tuple[str, str]] = []
    pending = ""
    for char in text:
        script = script_of(char)
        if script is None:
            if runs:
                runs[-1] = (runs[-1][0], runs[-1][1] + char)
            else:
                pending += char
            continue
        if runs and runs[-1][0] == script:
            runs[-1] = (script, runs[-1][1] + char)
        else:
            runs.append((script, pending + char))
            pending = ""
    if pending:
        runs.append(("latin", pending))
    return runs


@functools.cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    # fonts are read-only files; caching their parsed form per process saves most of a card's time.
    # Basic layout: these scripts need no shaping, and it measures text several times faster.
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


@functools.cache
def _has_kerning(path: str) -> bool:
    # With basic layout Pillow applies only a legacy `kern` table (the Noto fonts have none),
    # so a run's width is the sum of its glyphs' advances and each glyph can be drawn on its
    # own. A font with kerning is drawn and measured run by run instead.
    font = _font(path, 100)
    return any(font.getlength(pair) != font.getlength(pair[0]) + font.getlength(pair[1])
               for pair in ("AV", "To", "Wa", "LT", "Yo", "r.", "ТА", "ГА"))


@functools.lru_cache(maxsize=100_000)
def _advance(path: str, size: int, char: str) -> float:
    return _font(path, size).getlength(char)


# Glyph origins are placed to a quarter pixel: finer steps look the same and fill the cache.
_PHASES = 4


@functools.lru_cache(maxsize=20_000)
def _glyph(path: str, size: int, char: str, phase_x: int, phase_y: int) -> tuple[object, tuple[int, int]]:
    """The anti-aliased mask of one glyph with its baseline origin at (phase_x, phase_y)/4 px.

    Rasterising is most of the cost of a card, and a site uses a few hundred glyphs per size,
    so each is rasterised once per process and stamped wherever it recurs. Bounded: four
    alphabets at every title size and phase stay under the limit (a few tens of MB).
    """
    return _font(path, size).getmask2(char, "L", anchor="ls", start=(phase_x / _PHASES, phase_y / _PHASES))


def _stamp_run(draw: ImageDraw.ImageDraw, xy: tuple[float, float], run: str, path: str, size: int, ink: int,
               drawn: DrawnText) -> float:
    """Draw a run glyph by glyph from the glyph cache; returns the x where it ended."""
    x, y = xy
    y_whole = math.floor(y)
    phase_y = min(_PHASES - 1, round((y - y_whole) * _PHASES))
    left = top = 1 << 30
    right = bottom = -(1 << 30)
    for char in run:
        x_whole = math.floor(x)
        phase_x = round((x - x_whole) * _PHASES)
        if phase_x == _PHASES:
            x_whole, phase_x = x_whole + 1, 0
        mask, (dx, dy) = _glyph(path, size, char, phase_x, phase_y)
        width, height = mask.size
        if width and height:
            gx, gy = x_whole + dx, y_whole + dy
            # the same core call ImageDraw.text makes with a whole run's mask
            draw.draw.draw_bitmap((gx, gy), mask, ink)
            left, top = min(left, gx), min(top, gy)
            right, bottom = max(right, gx + width), max(bottom, gy + height)
        x += _advance(path, size, char)
    if right > left:
        drawn.boxes.append((left, top, right, bottom))
    return x


@functools.lru_cache(maxsize=64)
def _font_path(font_dir: str, script: str, bold: bool) -> str:
    return str(Path(font_dir) / FONT_FILES[(script, bold)])


@dataclass(frozen=True)
class FontSet:
    font_dir: str

    def font(self, script: str, bold: bool, size: int) -> ImageFont.FreeTypeFont:
        return _font(self.path(script, bold), size)

    def path(self, script: str, bold: bool) -> str:
        return _font_path(self.font_dir, script, bold)

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(FONT_FILES.values()):
            path = Path(self.font_dir) / name
            digest.update(f"{name}:{path.stat().st_size}".encode())
        return digest.hexdigest()[:16]

    def missing(self) -> list[str]:
        return [name for name in FONT_FILES.values() if not (Path(self.font_dir) / name).is_file()]


@functools.lru_cache(maxsize=200_000)
def _text_length(font_dir: str, bold: bool, size: int, text: str) -> float:
    # words recur across titles and every word is measured at several sizes while fitting:
    # one dictionary lookup instead of splitting by script and summing advances again
    total = 0.0
    for script, run in script_runs(text):
        path = _font_path(font_dir, script, bold)
        if _has_kerning(path):
            total += _font(path, size).getlength(run)
        else:
            total += sum(_advance(path, size, char) for char in run)
    return total


def text_length(text: str, fonts: FontSet, bold: bool, size: int) -> float:
    return _text_length(fonts.font_dir, bold, size, text)


def _estimated_lines(words: list[float], space: float, width: float) -> int:
    lines, current = 1, -space
    for word in words:
        if current + space + word > width and current > 0:
            lines, current = lines + 1, word
        else:
            current += space + word
    return lines


def _break_long_word(word: str, fonts: FontSet, bold: bool, size: int, width: float) -> list[str]:
    pieces, current = [], ""
    for char in word:
        if current and text_length(current + char, fonts, bold, size) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    return [*pieces, current] if current else pieces


def wrap_text(text: str, fonts: FontSet, bold: bool, size: int, width: float) -> list[str]:
    """Greedy word wrap by measured width; a word wider than the line is broken by letters.

    Each word is measured once and line widths are summed (linear, not quadratic); every
    finished line is then measured whole, and a line that the sum underestimated is re-split.
    """
    space = text_length(" ", fonts, bold, size)
    lines: list[str] = []
    current, current_width = "", 0.0
    for word in text.split():
        word_width = text_length(word, fonts, bold, size)
        if current and current_width + space + word_width <= width:
            current, current_width = f"{current} {word}", current_width + space + word_width
            continue
        if current:
            lines.append(current)
        if word_width <= width:
            current, current_width = word, word_width
        else:
            *full, current = _break_long_word(word, fonts, bold, size, width)
            lines += full
            current_width = text_length(current, fonts, bold, size)
    if current:
        lines.append(current)
    index = 0
    while index < len(lines):
        line = lines[index]
        if " " in line and text_length(line, fonts, bold, size) > width:
            head, moved = line.rsplit(" ", 1)
            lines[index] = head
            if index + 1 < len(lines):
                lines[index + 1] = f"{moved} {lines[index + 1]}"
            else:
                lines.append(moved)
            continue
        index += 1
    return lines


def fit_text(text: str, fonts: FontSet, box: tuple[int, int], sizes: range, bold: bool = True,
             line_height: float = 1.22) -> tuple[int, list[str]]:
    """The largest size in `sizes` at which `text` wraps into `box`; at the smallest size the
    last line that fits ends with an ellipsis, so text never runs out of the box."""
    width, height = box
    # widths scale with the font size: measure once at a reference size to skip sizes that
    # clearly cannot fit, then wrap exactly at the candidates
    reference = 100
    words = [text_length(w, fonts, bold, reference) for w in text.split()]
    space = text_length(" ", fonts, bold, reference)
    for size in sizes:
        scale = size / reference
        estimate = _estimated_lines([w * scale * 1.03 for w in words], space * scale, width)
        if estimate * size * line_height > height * 1.15:
            continue
        lines = wrap_text(text, fonts, bold, size, width)
        if len(lines) * size * line_height <= height:
            return size, lines
    size = sizes[-1]
    lines = wrap_text(text, fonts, bold, size, width)
    keep = max(1, int(height // (size * line_height)))
    if len(lines) > keep:
        last = lines[keep - 1]
        while last and text_length(last + "…", fonts, bold, size) > width:
            last = last[:-1].rstrip()
        lines = [*lines[: keep - 1], last + "…"]
    return size, lines


@dataclass
class DrawnText:
    """Where ink went, for tests and for checking nothing crosses the margins."""

    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)


def draw_line(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, fonts: FontSet, bold: bool,
              size: int, fill: tuple[int, int, int], drawn: DrawnText) -> float:
    """Draw `text` with its baseline at xy; returns the x where it ended."""
    x, y = xy
    ink = draw.draw.draw_ink(fill)
    for script, run in script_runs(text):
        path = fonts.path(script, bold)
        if not _has_kerning(path):
            x = _stamp_run(draw, (x, y), run, path, size, ink, drawn)
            continue
        font = _font(path, size)
        draw.text((x, y), run, font=font, fill=fill, anchor="ls")
        box = draw.textbbox((x, y), run, font=font, anchor="ls")
        if box[2] > box[0]:
            drawn.boxes.append(tuple(int(v) for v in box))
        x += font.getlength(run)
    return x


def initials_of(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def _initials_colour(name: str) -> tuple[int, int, int]:
    # a stable colour per person, all dark enough for cream text (contrast above 4.5:1)
    palette = [(43, 36, 64), (88, 40, 30), (30, 70, 80), (70, 50, 20), (60, 30, 80), (25, 75, 45)]
    return palette[int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(palette)]


def draw_initials(name: str, px: int, fonts: FontSet) -> Image.Image:
    """A square initials avatar (the theme rounds it with CSS)."""
    image = Image.new("RGB", (px, px), _initials_colour(name))
    draw = ImageDraw.Draw(image)
    letters = initials_of(name)
    size = max(6, int(px * 0.42))
    runs = script_runs(letters)
    width = text_length(letters, fonts, True, size)
    x = (px - width) / 2
    for script, run in runs:
        font = fonts.font(script, True, size)
        draw.text((x, px / 2), run, font=font, fill=CREAM, anchor="lm")
        x += font.getlength(run)
    return image


@functools.lru_cache(maxsize=16)
def _circle_mask(px: int) -> Image.Image:
    mask = Image.new("L", (px * 4, px * 4), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, px * 4 - 1, px * 4 - 1), fill=255)
    return mask.resize((px, px), Image.Resampling.LANCZOS)


def _paste_circle(card: Image.Image, avatar: Image.Image, xy: tuple[int, int], px: int) -> None:
    face = avatar if avatar.size == (px, px) else ImageOps.fit(avatar, (px, px), Image.Resampling.LANCZOS)
    card.paste(face, xy, _circle_mask(px))


def _draw_logo(draw: ImageDraw.ImageDraw, x: int, y: int, scale: float) -> None:
    """The mark from content/images/logo.svg, redrawn: Pillow cannot read SVG."""
    def p(px: float, py: float) -> tuple[float, float]:
        return x + px * scale, y + py * scale

    draw.rounded_rectangle((*p(2, 6), *p(54, 58)), radius=8 * scale, fill=INK)
    ridge = [p(8, 46), p(20, 28), p(27, 36), p(36, 20), p(48, 46)]
    draw.polygon(ridge, fill=PEACH)
    draw.line(ridge, fill=CREAM, width=max(1, round(2.5 * scale)), joint="curve")
    draw.line((*p(8, 51), *p(48, 51)), fill=CREAM, width=max(1, round(2.5 * scale)))


@dataclass(frozen=True)
class SocialCardSpec:
    """Everything a generated card shows; its hash is the cache key."""

    title: str
    label: str
    authors: tuple[str, ...]
    site_name: str
    avatar_path: str | None  # a photo to show beside the names
    avatar_hash: str | None
    width: int
    height: int
    quality: int
    font_dir: str

    def cache_key(self, fonts_fingerprint: str) -> str:
        # the same JSON as asdict() minus the two paths, built directly: a warm build checks
        # every column's key, and asdict's deep copy was most of that time
        data = {"title": self.title, "label": self.label, "authors": list(self.authors),
                "site_name": self.site_name, "avatar_hash": self.avatar_hash, "width": self.width,
                "height": self.height, "quality": self.quality, "version": CARD_VERSION,
                "fonts": fonts_fingerprint}
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@functools.lru_cache(maxsize=8)
def _card_base(site_name: str, width: int, height: int, font_dir: str) -> tuple[Image.Image, tuple]:
    """The parts every card shares (stripe, logo, site name), drawn once per process."""
    fonts = FontSet(font_dir)
    scale = height / 630
    margin = round(MARGIN * scale)
    base = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(base)
    draw.rectangle((0, 0, round(16 * scale), height), fill=PEACH)
    _draw_logo(draw, margin - round(2 * scale), round(40 * scale), 1.1 * scale)
    drawn = DrawnText()
    draw_line(draw, (margin + round(72 * scale), round(92 * scale)), site_name, fonts, True, round(34 * scale),
              INK, drawn)
    return base, tuple(drawn.boxes)


@functools.lru_cache(maxsize=256)
def _avatar_face(path: str, source_hash: str | None, px: int) -> Image.Image:
    # one author writes many columns: decode their photo once per process, not once per card
    with open_source(Path(path), 40_000_000) as raw:
        return ImageOps.fit(normalise(raw), (px, px), Image.Resampling.LANCZOS)


@functools.lru_cache(maxsize=256)
def _initials_face(name: str, px: int, font_dir: str) -> Image.Image:
    # drawn at twice the size and reduced, for smooth letters; once per author and process
    return ImageOps.fit(draw_initials(name, px * 2, FontSet(font_dir)), (px, px), Image.Resampling.LANCZOS)


def render_social_card(spec: SocialCardSpec, drawn: DrawnText | None = None) -> Image.Image:
    """Section label, the title fitted to the space, author names and avatar, the site logo."""
    drawn = drawn if drawn is not None else DrawnText()
    fonts = FontSet(spec.font_dir)
    width, height = spec.width, spec.height
    scale = height / 630
    margin = round(MARGIN * scale)
    base, base_boxes = _card_base(spec.site_name, width, height, spec.font_dir)
    card = base.copy()
    drawn.boxes += base_boxes
    draw = ImageDraw.Draw(card)

    # section label
    label_y = round(180 * scale)
    if spec.label:
        draw_line(draw, (margin, label_y), spec.label.upper(), fonts, True, round(26 * scale), LABEL, drawn)

    # title: as large as fits between the label and the footer
    footer_top = height - round(130 * scale)
    title_top = label_y + round(24 * scale)
    box = (width - 2 * margin, footer_top - title_top - round(16 * scale))
    sizes = range(round(76 * scale), round(30 * scale) - 1, -round(max(2, 4 * scale)))
    size, lines = fit_text(spec.title, fonts, box, sizes)
    line_step = size * 1.22
    baseline = title_top + size * 1.0
    for line in lines:
        draw_line(draw, (margin, baseline), line, fonts, True, size, INK, drawn)
        baseline += line_step

    # footer: avatar and author names
    avatar_px = round(72 * scale)
    footer_y = height - round(50 * scale) - avatar_px
    text_x = margin
    if spec.authors:
        if spec.avatar_path:
            _paste_circle(card, _avatar_face(spec.avatar_path, spec.avatar_hash, avatar_px), (margin, footer_y),
                          avatar_px)
        else:
            _paste_circle(card, _initials_face(spec.authors[0], avatar_px, spec.font_dir), (margin, footer_y),
                          avatar_px)
        text_x = margin + avatar_px + round(20 * scale)
        names = _join_names(spec.authors)
        name_size, name_lines = fit_text(names, fonts, (width - margin - text_x, round(40 * scale)),
                                         range(round(30 * scale), round(18 * scale) - 1, -2), bold=False)
        draw_line(draw, (text_x, footer_y + avatar_px / 2 + name_size * 0.36), name_lines[0], fonts, False,
                  name_size, MUTED, drawn)
    return card


def _join_names(names: tuple[str, ...]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class CardJob:
    """A generated image to cache: a social card or an initials avatar."""

    key: str
    cache_dir: str
    social: SocialCardSpec | None = None
    initials_name: str | None = None
    initials_px: int = 0
    font_dir: str = ""

    @property
    def ext(self) -> str:
        return "jpg" if self.social else "png"


def run_card_job(job: CardJob) -> tuple[str, int]:
    """Draw and cache one generated image; (key, 1) if drawn, (key, 0) if it was cached."""
    ext = job.ext
    target = cache_file(Path(job.cache_dir), job.key, ext)
    if target.exists():
        return job.key, 0
    if job.social:
        image = render_social_card(job.social)
        save_image(image, target, "jpeg", job.social.quality, fast=True)
    else:
        save_image(draw_initials(job.initials_name or "?", job.initials_px, FontSet(job.font_dir)), target, "png", 0)
    return job.key, 1


def initials_key(name: str, px: int, fonts_fingerprint: str) -> str:
    data = f"initials|{name}|{px}|v{CARD_VERSION}|{fonts_fingerprint}"
    return hashlib.sha256(data.encode()).hexdigest()
