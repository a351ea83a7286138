"""Compiled templates kept between builds (Jinja's bytecode cache), under CACHE_ROOT.

Pelican gives each generator its own Jinja environment, and each compiles the templates it
loads: about 0.15 s of every build, a one-edit build included, for code that only changes
with the templates. Jinja checks each template's source against the checksum it kept; what
else shapes the compiled code (Jinja's version, the environment's settings, our extensions'
code) is in the build's key of everything but the content documents, which names the files.
Files of another key are removed when a build first uses the cache. A cache that cannot be
read or written costs the compilation, never the build.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from jinja2.bccache import Bucket, FileSystemBytecodeCache
from site_build.fingerprint import inputs_but_documents
from site_build.session import session_of

logger = logging.getLogger(__name__)

_REMEMBERED = "compiled templates"


class KeptTemplates(FileSystemBytecodeCache):
    """Jinja's file cache, whose failures only cost the compilation."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception as exc:  # a damaged file: compile again (and write it anew)
            logger.debug("ignoring compiled template %s (%s)", self._get_cache_filename(bucket), exc)
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            logger.debug("could not keep compiled template %s (%s)", self._get_cache_filename(bucket), exc)


def _tidy(folder: Path, prefix: str) -> None:
    """Remove the files of other keys (and temporary files left by an interrupted write)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".cache")):
            try:
                os.unlink(folder / name)
            except OSError:
                pass


def compiled_templates_for(settings: dict) -> KeptTemplates | None:
    """This build's cache of compiled templates (one per build), or None without a build
    session or CACHE_ROOT, or when its folder cannot be made."""
    session = session_of(settings)
    cache_root = settings.get("CACHE_ROOT")
    if session is None or not session.input_roots or not cache_root:
        return None
    if _REMEMBERED not in session.remembered:
        key = inputs_but_documents(settings, session.input_roots, session.remembered)[:24]
        folder = Path(cache_root) / "templates"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            session.remembered[_REMEMBERED] = None
            return None
        _tidy(folder, key)
        session.remembered[_REMEMBERED] = KeptTemplates(str(folder), f"{key}-%s.cache")
    return session.remembered[_REMEMBERED]


def use_compiled_templates(generator: Any) -> None:
    """`generator_init`: the generator's environment loads templates through the cache."""
    cache = compiled_templates_for(generator.settings)
    if cache is not None:
        generator.env.bytecode_cache = cache
