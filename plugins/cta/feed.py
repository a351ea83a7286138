"""The short CTA footer for feed items (contract with the feeds plugin).

The footer is rendered by `_cta.html` (`cta_where="footer"`) when the CTA is placed, i.e.
before any feed is written, and stored on the article as `article.cta_feed_footer`. It is
None when the column has no CTA (`cta: none`, nothing live) or CTA_FEED_FOOTER is False.
Site paths in it carry SITEURL, so they are absolute in production builds.
"""

from __future__ import annotations


def feed_footer_html(article: object) -> str | None:
    """Short HTML footer for this article's feed item, or None."""
    footer = getattr(article, "cta_feed_footer", None)
    return footer or None
