"""Speed fixes for Pelican internals (issue 9), each giving byte-identical output.

- linear-time tag, category, author and period-archive lists (`generator.py`, `ordering.py`);
- Article/Page `url` and `save_as` computed once per build, after the last plugin has changed
  content (`urls.py`);
- templates compiled once and kept between builds (`compiled_templates.py`).

Our own content parsing (once, in parallel, cached) lives in `content_model.parse_cache`.
"""

from __future__ import annotations

from pelican import signals

from .compiled_templates import use_compiled_templates
from .generator import use_fast_generators


def register() -> None:
    signals.article_generator_init.connect(use_fast_generators)
    signals.page_generator_init.connect(use_fast_generators)
    signals.generator_init.connect(use_compiled_templates)
