"""A deterministic synthetic corpus: N columns of ~1,000 words, in our format and Pelican's."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

SECTIONS = ["insider", "commentary", "economy", "culture", "politics", "society", "region", "media"]
_SYLLABLES = ["ka", "ri", "to", "ma", "len", "sar", "vi", "do", "ne", "gra", "pol", "tur", "mi", "sha",
              "ber", "lo", "zan", "ti", "quo", "ar", "el", "vet", "mon", "ush"]


@dataclass(frozen=True)
class CorpusInfo:
    root: Path
    content: Path
    stock_content: Path
    analytics: Path
    columns: int
    authors: int
    tags: int
    images: int
    stories: int = 0

    def column_path(self, index: int) -> Path:
        return next(self.content.glob(f"columns/*/col-{index:05d}.md"))


def _vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def _body(rng: random.Random, vocab: list[str], weights: list[float], words: int) -> str:
    parts: list[str] = []
    remaining = words
    while remaining > 0:
        roll = rng.random()
        if roll < 0.08:
            parts.append("## " + " ".join(rng.choices(vocab, weights, k=4)).capitalize())
        elif roll < 0.14:
            items = [" ".join(rng.choices(vocab, weights, k=6)) for _ in range(3)]
            parts.append("\n".join(f"- {item}" for item in items))
            remaining -= 18
        elif roll < 0.18:
            parts.append("> " + " ".join(rng.choices(vocab, weights, k=25)).capitalize() + ".")
            remaining -= 25
        else:
            n = rng.randint(40, 90)
            sentences = []
            for _ in range(max(1, n // 15)):
                sentences.append(" ".join(rng.choices(vocab, weights, k=15)).capitalize() + ".")
            parts.append(" ".join(sentences))
            remaining -= n
    return "\n\n".join(parts) + "\n"


def _image(path: Path, rng: random.Random, size: tuple[int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, tuple(rng.randrange(40, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        r = rng.randrange(20, size[1] // 2)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    image.save(path, "JPEG", quality=80)


def generate(root: Path, n: int, seed: int = 1, *, authors: int = 60, tags: int = 300,
             image_share: float = 0.05, words: int = 1000) -> CorpusInfo:
    """Write the corpus under `root` (content/, stock-content/, data/analytics/)."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]  # Zipf-like, as real text is
    content, stock, analytics = root / "content", root / "stock-content", root / "data" / "analytics"
    for folder in (content / "columns", content / "authors", content / "pages", stock, analytics):
        folder.mkdir(parents=True, exist_ok=True)

    (content / "sections.yml").write_text(
        "".join(f"- id: {s}\n  name: {s.title()}\n  description: The {s} desk.\n" for s in SECTIONS),
        encoding="utf-8",
    )
    author_ids = [f"author-{i:02d}" for i in range(authors)]
    for i, author in enumerate(author_ids):
        avatar = ""
        if i % 3 == 0:
            _image(content / "images" / "avatars" / f"{author}.jpg", rng, (400, 400))
            avatar = f"avatar: images/avatars/{author}.jpg\n"
        (content / "authors" / f"{author}.yml").write_text(
            f"name: Author {i:02d} {rng.choice(vocab).title()}\nrole: Columnist\nbio: Writes about things.\n{avatar}",
            encoding="utf-8",
        )
    (content / "pages" / "about.md").write_text("---\ntitle: About\n---\n\nAbout us.\n", encoding="utf-8")
    tag_names = [f"Topic {i}" for i in range(tags)]
    tag_weights = [1 / (rank + 1) ** 0.8 for rank in range(tags)]

    start = dt.datetime(2016, 1, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=4)))
    span = (dt.datetime(2026, 11, 1, tzinfo=dt.UTC) - start).total_seconds()
    image_count = 0
    log_lines = []
    for i in range(n):
        slug = f"col-{i:05d}"
        date = start + dt.timedelta(seconds=span * i / max(n, 1))
        section = SECTIONS[rng.randrange(len(SECTIONS))]
        by = [author_ids[rng.randrange(authors)]]
        if rng.random() < 0.05:  # a few co-written columns
            by = list(dict.fromkeys([*by, author_ids[rng.randrange(authors)]]))
        chosen_tags = list(dict.fromkeys(rng.choices(tag_names, tag_weights, k=rng.randint(2, 5))))
        title = " ".join(rng.choices(vocab, weights, k=rng.randint(4, 9))).capitalize()
        summary = " ".join(rng.choices(vocab, weights, k=22)).capitalize() + "."
        body = _body(rng, vocab, weights, words)
        extra = ""
        if i > 10 and rng.random() < 0.1:
            extra += f"related: [col-{rng.randrange(i):05d}]\n"
        if rng.random() < image_share:
            image_count += 1
            _image(content / "images" / "covers" / f"{slug}.jpg", rng, (1600, 900))
            extra += f"image: images/covers/{slug}.jpg\nimage_alt: Abstract picture {i}\n"
        if rng.random() < 0.01:
            extra += "editors_pick: true\n"
        front = (
            f"---\ntitle: {title}\ndate: {date:%Y-%m-%d %H:%M %z}\nsection: {section}\n"
            f"authors: [{', '.join(by)}]\nsummary: {summary}\ntags: [{', '.join(chosen_tags)}]\n{extra}---\n\n"
        )
        path = content / "columns" / f"{date:%Y}" / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(front + body, encoding="utf-8")
        # the same column in Pelican's own metadata format, for the stock baseline
        (stock / f"{slug}.md").write_text(
            f"Title: {title}\nDate: {date:%Y-%m-%d %H:%M %z}\nCategory: {section.title()}\n"
            f"Authors: {', '.join(by)}\nTags: {', '.join(chosen_tags)}\nSlug: {slug}\nSummary: {summary}\n\n{body}",
            encoding="utf-8",
        )
        for _ in range(rng.randint(0, 3)):
            log_lines.append(slug)
    _write_access_log(analytics / "access.log", log_lines, rng)
    # Every feature on: membership blocks (one variant per kind of target) and story coverage
    # pages linking columns. Written after the columns, so their text does not depend on it.
    _write_membership_variants(content / "cta.yml", tag_names[:2])
    stories = _write_stories(content, rng, vocab, weights, tag_names, [f"col-{i:05d}" for i in range(n)],
                             count=max(3, n // 250))
    return CorpusInfo(root, content, stock, analytics, n, authors, tags, image_count, stories)


def _write_membership_variants(path: Path, top_tags: list[str]) -> None:
    variants = [
        ("default", "default: true\n", "after_paragraph: 4"),
        ("economy-desk", "target:\n    sections: [economy]\n", "end"),
        ("politics-desk", "target:\n    sections: [politics]\n  priority: 5\n", "after_paragraph: 2"),
        ("topic-appeal", f"target:\n    tags: [{', '.join(top_tags)}]\n  priority: 10\n", "top"),
        ("story-details", "upsell: story_details\n", "end"),
    ]
    path.write_text("".join(
        f"- id: {name}\n  {target}  headline: Support the {name} work\n"
        f"  pitch: |\n    Members pay for the reporting behind *this* desk, and nothing else does.\n"
        f"  button:\n    label: Become a member\n    url: /membership/\n"
        f"  placement:{' ' if ':' not in placement else chr(10) + '    '}{placement}\n"
        f"  footer: Funded by members of the {name} fund.\n\n"
        for name, target, placement in variants), encoding="utf-8")


OUTLET_LEANS = ["left", "lean left", "center", "lean right", "right", "unknown"]
OUTLET_FACTUALITY = ["very high", "high", "mixed", "low", "unknown"]


def _write_stories(content: Path, rng: random.Random, vocab: list[str], weights: list[float],
                   tag_names: list[str], columns: list[str], count: int) -> int:
    outlets = [f"outlet-{i:02d}" for i in range(12)]
    (content / "outlets.yml").write_text("".join(
        f"- id: {outlet}\n  name: Outlet {i:02d}\n  url: https://{outlet}.example\n"
        f"  lean: {OUTLET_LEANS[i % len(OUTLET_LEANS)]}\n"
        f"  factuality: {OUTLET_FACTUALITY[i % len(OUTLET_FACTUALITY)]}\n"
        f"  ownership: Private\n  country: Country {i % 4}\n  rating_source: Bench ratings, 2026\n"
        for i, outlet in enumerate(outlets)), encoding="utf-8")
    folder = content / "stories"
    folder.mkdir(parents=True, exist_ok=True)
    start = dt.datetime(2024, 11, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=4)))
    for i in range(count):
        date = start + dt.timedelta(hours=rng.randrange(24 * 700))

        def words(k: int) -> str:
            return " ".join(rng.choices(vocab, weights, k=k))

        related = list(dict.fromkeys(rng.sample(columns, k=min(len(columns), rng.randint(2, 4)))))
        coverage = "".join(
            f"  - outlet: {outlet}\n    title: {words(7).capitalize()}\n"
            f"    url: https://{outlet}.example/story-{i:04d}\n"
            f"    date: {date - dt.timedelta(hours=rng.randint(2, 60)):%Y-%m-%d %H:%M %z}\n"
            f"    excerpt: {words(25).capitalize()}.\n"
            for outlet in rng.sample(outlets, k=rng.randint(4, 8)))
        (folder / f"story-{i:04d}.md").write_text(
            f"---\ntitle: {words(8).capitalize()}\ndate: {date:%Y-%m-%d %H:%M %z}\n"
            f"summary: {words(20).capitalize()}.\n"
            f"key_points:\n" + "".join(f"  - {words(12).capitalize()}.\n" for _ in range(3)) +
            f"tags: [{', '.join(dict.fromkeys(rng.choices(tag_names[:40], k=2)))}]\n"
            f"related: [{', '.join(related)}]\ncoverage:\n{coverage}---\n\n{words(120).capitalize()}.\n",
            encoding="utf-8")
    return count


def _write_access_log(path: Path, slugs: list[str], rng: random.Random) -> None:
    day = dt.datetime(2026, 11, 14, tzinfo=dt.UTC)
    with path.open("w", encoding="utf-8") as out:
        for slug in slugs:
            when = day + dt.timedelta(seconds=rng.randrange(6 * 86400))
            out.write(
                f'203.0.113.{rng.randrange(1, 255)} - - [{when:%d/%b/%Y:%H:%M:%S +0000}] '
                f'"GET /columns/{slug}/ HTTP/1.1" 200 {rng.randrange(4000, 30000)} "-" '
                '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"\n'
            )
