"""The build driver used by tasks.py and the tests (not a Pelican plugin).

Validate and build into a fresh folder beside the output, then swap it in: a failed
build never touches the site that is already there.
"""

from .driver import BuildResult, build_site

__all__ = ["BuildResult", "build_site"]
