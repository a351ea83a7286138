"""Compiled templates kept between builds (Jinja's bytecode cache), under CACHE_ROOT.

Pelican gives each generator its own Jinja environment, and each compiles the templates it
loads: about 0.1 s of every build, a one-edit build included, for code that only changes
with the templates. Jinja checks each template's source against the checksum it kept, but
not what else is baked into the compiled code: the environment's options (`trim_blocks`...),
our extensions' code, and the result of a filter whose arguments are all literals (Jinja's
optimizer calls it at compile time). So the files are named by a key of all that and more:
the build's key of everything but the content documents (settings, code, theme, Python's and
Pelican's versions) and Jinja's version. A filter folded that way must therefore not read
the documents or the build's clock; no template has one today.

The files of the last few keys are kept (a site is built with more than one settings file),
older ones removed when a build first uses the cache. A cache that cannot be read or written
costs the compilation, never the build.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import types
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket, FileSystemBytecodeCache
from site_build.fingerprint import inputs_but_documents
from site_build.folder_memo import STALE_SECONDS
from site_build.session import session_of

logger = logging.getLogger(__name__)

_REMEMBERED = "compiled templates"
KEYS_KEPT = 3  # the dev and publish settings, and one more, without evicting each other
_KEY_LENGTH = 24


class KeptTemplates(FileSystemBytecodeCache):
    """Jinja's file cache, whose failures only cost the compilation."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception as exc:  # a damaged file: compile again (and write it anew)
            logger.debug("ignoring compiled template %s (%s)", self._get_cache_filename(bucket), exc)
            bucket.reset()
        if bucket.code is not None and not isinstance(bucket.code, types.CodeType):
            bucket.reset()  # Jinja checks the header and the checksum, not what follows

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            logger.debug("could not keep compiled template %s (%s)", self._get_cache_filename(bucket), exc)


def _tidy(folder: Path, key: str) -> None:
    """Keep the files of `key` and of the other keys used most recently (up to KEYS_KEPT in
    all); remove the rest, and temporary files too old to be a write in progress. A key's
    files are dated by the newest, which each build that uses the key touches (Jinja rewrites
    none it can load). A file that cannot be removed stays."""
    newest: dict[str, float] = {}
    files: dict[str, list[Path]] = {}
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            written = entry.stat().st_mtime
            if entry.name.endswith(".cache") and entry.name[_KEY_LENGTH:_KEY_LENGTH + 1] == "-":
                other = entry.name[:_KEY_LENGTH]
                newest[other] = max(newest.get(other, 0.0), written)
                files.setdefault(other, []).append(Path(entry.path))
            elif time.time() - written > STALE_SECONDS:
                os.unlink(entry.path)
        except OSError:
            continue
    if key in files:
        try:
            os.utime(max(files[key], key=lambda path: path.stat().st_mtime))
        except OSError:
            pass
    others = sorted((k for k in newest if k != key), key=lambda k: newest[k], reverse=True)
    for other in others[KEYS_KEPT - 1:]:
        for path in files[other]:
            try:
                path.unlink()
            except OSError:
                continue


def compiled_templates_for(settings: dict) -> KeptTemplates | None:
    """This build's cache of compiled templates (one per build), or None without a build
    session or CACHE_ROOT, or when its folder cannot be made."""
    session = session_of(settings)
    cache_root = settings.get("CACHE_ROOT")
    if session is None or not session.input_roots or not cache_root:
        return None
    if _REMEMBERED not in session.remembered:
        build_key = inputs_but_documents(settings, session.input_roots, session.remembered)
        key = hashlib.blake2b(f"{build_key}\0jinja {jinja2.__version__}".encode(),
                              digest_size=_KEY_LENGTH // 2).hexdigest()
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
