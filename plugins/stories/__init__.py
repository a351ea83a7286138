"""Story coverage pages: how a story was covered, by whom, from which side (issue 7).

`register()` only wires signals; the logic lives in plain modules (model, coverage, build).
Template context: `stories` (published, newest first), `stories_index_url`,
`story_home_count`; each column gets `article.stories` (the stories that list it).
"""

from __future__ import annotations

from content_model import content_validation
from pelican import signals

from .generator import StoriesGenerator, validate_stories


def get_generators(_pelican) -> type[StoriesGenerator]:
    return StoriesGenerator


def register() -> None:
    content_validation.connect(validate_stories)
    signals.get_generators.connect(get_generators)
