"""Membership call-to-action blocks (issue 4): variants in content/cta.yml, targeted per column.

Wiring only; the logic is in plain modules:
- `variants.py`  schema of cta.yml, loading and checks (errors with file and line)
- `selection.py` which variant a column or a story upsell gets (rules in its docstring)
- `placement.py` where the block goes in the column's HTML
- `offsets.py`   that place kept between builds, by the body's digest
- `pitch.py`     the Markdown pitch, rendered safely
- `feed.py`      `feed_footer_html(article)` for the feeds plugin
- `settings.py`  CTA_FEED_FOOTER, CTA_BANNER_PAGES

What other plugins and templates get:
- template context: `cta_variants` (list of Variant, checked), `cta_banner_home` and
  `cta_banner_section` (the default variant when live and enabled by CTA_BANNER_PAGES);
- on each column: `article.cta_variant` (Variant or None) and `article.cta_feed_footer`;
- the column's content already holds the block (see `place_in_articles`), so pages and
  feeds show it whichever is written first.
"""

from __future__ import annotations

from pathlib import Path

from content_model import content_validation
from content_model.dates import reference_time, site_timezone
from content_model.stored_html import unedited_source
from pelican import signals

from .offsets import OffsetMemo, memo_file
from .placement import BlockSplice, place_block
from .selection import select_for_article
from .settings import CtaSettings
from .variants import check_column_overrides, check_targets, load_variants


def _load(settings: dict):
    return load_variants(Path(settings["PATH"]), site_timezone(settings.get("TIMEZONE") or "UTC"))


def validate_cta(index, settings: dict) -> list:
    """cta.yml itself, its rules against sections/authors, and every column's `cta:`."""
    loaded, errors = _load(settings)
    errors += check_targets(loaded, index.catalog)
    errors += check_column_overrides(loaded, index.columns.values())
    return errors


def add_variants_to_context(generator) -> None:
    """After content_model validated everything: the variants and banners for templates."""
    cta_settings = CtaSettings.from_settings(generator.settings)
    loaded, _errors = _load(generator.settings)  # errors were reported by validate_cta
    now = reference_time(generator.settings)
    default = next((v for v in loaded.variants if v.default and v.is_live(now)), None)
    generator.context.update(
        cta_variants=loaded.variants,
        cta_settings=cta_settings,
        cta_banner_home=default if "home" in cta_settings.banner_pages else None,
        cta_banner_section=default if "section" in cta_settings.banner_pages else None,
    )


def place_in_articles(generator) -> None:
    """Select each column's variant and splice its block into the content HTML.

    Runs at article_generator_finalized: before any writer or feed reads `article.content`.
    Pelican memoizes `get_content` per (article, siteurl); entries for the changed articles
    are dropped in case another plugin read the content earlier.
    """
    context = generator.context
    variants = context.get("cta_variants") or []
    cta_settings: CtaSettings = context.get("cta_settings") or CtaSettings()
    now = reference_time(generator.settings)
    template = generator.env.get_template("_cta.html")
    siteurl = generator.settings.get("SITEURL", "")
    changed = set()
    content_dir = generator.settings["PATH"]
    offsets = OffsetMemo(memo_file(generator.settings.get("CACHE_ROOT"), content_dir), content_dir)
    rendered: dict[tuple[int, str], str] = {}  # a block depends on its variant only: rendered once each

    def block_of(variant, where: str) -> str:
        key = (id(variant), where)
        if key not in rendered:
            rendered[key] = template.render(cta=variant, cta_where=where, SITEURL=siteurl)
        return rendered[key]

    for article in [*generator.articles, *generator.translations, *generator.drafts]:
        variant = select_for_article(variants, article, now)
        article.cta_variant = variant
        article.cta_feed_footer = None
        if variant is None:
            continue
        block = block_of(variant, "column")
        if hasattr(article, "edit_html"):  # the HTML stays in the content cache until read
            # the body the block goes into is the reader's, unless another edit came first
            source = _body_before_edits(article)
            offset = offsets.offset(source, lambda article=article: article._content or "", variant.placement)
            article.edit_html(BlockSplice(block, offset))
        else:
            article._content = place_block(article._content or "", block, variant.placement)
        if cta_settings.feed_footer:
            article.cta_feed_footer = block_of(variant, "footer").strip()
        changed.add(id(article))
    offsets.save()
    _forget_memoized(changed)


def _body_before_edits(article) -> object:
    """The reader's body when no other edit came first (what the block then goes into), else None."""
    if "_html_edits" in article.__dict__:
        return None
    try:
        return unedited_source(article)
    except AttributeError:
        return None


def _forget_memoized(article_ids: set[int]) -> None:
    from pelican.contents import Content

    for name in ("get_content", "get_summary"):
        cache = Content.__dict__[name].cache
        for key in [key for key in cache if key and id(key[0]) in article_ids]:
            del cache[key]


def register() -> None:
    content_validation.connect(validate_cta)
    signals.article_generator_init.connect(add_variants_to_context)
    signals.article_generator_finalized.connect(place_in_articles)
