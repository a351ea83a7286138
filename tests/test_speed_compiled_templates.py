"""Templates compiled once and kept between builds (speedups/compiled_templates.py)."""

from __future__ import annotations

import errno
import hashlib
import io
import marshal
import os
import pickle
import shutil
import time
from pathlib import Path

import jinja2
import pytest
from conftest import BUILD_TIME, ROOT, build_site
from jinja2 import bccache
from jinja2.bccache import bc_magic
from speedups.compiled_templates import KEYS_KEPT


def built(output: Path, content: Path, cache: Path, **overrides):
    result = build_site(ROOT / "pelicanconf.py", {"OUTPUT_PATH": str(output), "PATH": str(content),
                                                  "CACHE_ROOT": str(cache), "BUILD_TIME": BUILD_TIME, **overrides},
                        force=True)
    assert result.ok, "\n".join(result.errors)
    return result


def digest(output: Path) -> dict[str, str]:
    return {str(p.relative_to(output)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(output.rglob("*")) if p.is_file()}


@pytest.fixture
def compilations(monkeypatch) -> list[str]:
    """The names of the templates compiled in this process."""
    names: list[str] = []
    compile_ = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        if name is not None:
            names.append(name)
        return compile_(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def test_a_second_build_compiles_no_template_and_writes_the_same_site(content_copy, tmp_path, compilations):
    cache = tmp_path / ".cache"
    built(tmp_path / "first", content_copy, cache)
    assert "base.html" in compilations and "article.html" in compilations
    kept = sorted(p.name for p in (cache / "templates").iterdir())
    assert len(kept) >= len(set(compilations)) > 5
    assert len({name.split("-")[0] for name in kept}) == 1  # one key: this build's

    compilations.clear()
    built(tmp_path / "second", content_copy, cache)
    assert compilations == []
    assert digest(tmp_path / "second") == digest(tmp_path / "first")


def test_an_edited_template_is_compiled_again(content_copy, tmp_path, compilations):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    cache = tmp_path / ".cache"
    built(tmp_path / "out", content_copy, cache, THEME=str(theme))
    base = theme / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</body>", "<!-- theme v2 --></body>"),
                    encoding="utf-8")
    compilations.clear()
    built(tmp_path / "out", content_copy, cache, THEME=str(theme))
    assert "base.html" in compilations
    assert "theme v2" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_what_else_shapes_the_compiled_code_is_in_the_key(content_copy, tmp_path):
    # Jinja's own check sees only the source; `trim_blocks` is compiled into the code
    cache = tmp_path / ".cache"
    built(tmp_path / "before", content_copy, cache)
    loose = {"autoescape": True, "trim_blocks": False, "lstrip_blocks": False, "auto_reload": False,
             "extensions": ["site_pages.fragments.FragmentCache"]}
    built(tmp_path / "cached", content_copy, cache, JINJA_ENVIRONMENT=loose)
    built(tmp_path / "fresh", content_copy, tmp_path / ".fresh-cache", JINJA_ENVIRONMENT=loose)
    assert digest(tmp_path / "cached") == digest(tmp_path / "fresh") != digest(tmp_path / "before")


def _bucket_header(data: bytes) -> int:
    """The length of a kept file's magic and checksum (what Jinja checks)."""
    stream = io.BytesIO(data[len(bc_magic):])
    pickle.load(stream)
    return len(bc_magic) + stream.tell()


def test_damaged_files_and_a_refused_write_never_fail_a_build(content_copy, tmp_path, compilations, monkeypatch):
    cache = tmp_path / ".cache"
    built(tmp_path / "first", content_copy, cache)
    folder = cache / "templates"
    kept = sorted(folder.iterdir())
    for index, path in enumerate(kept):
        data = path.read_bytes()
        # a valid header, then garbage or a value that is not code: Jinja takes the second
        path.write_bytes(data[:_bucket_header(data)] + (marshal.dumps(1) if index % 2 else b"\x00garbage"))
    compilations.clear()
    built(tmp_path / "second", content_copy, cache)
    assert "base.html" in compilations
    assert digest(tmp_path / "second") == digest(tmp_path / "first")
    assert all(marshal.loads(p.read_bytes()[_bucket_header(p.read_bytes()):]).__class__.__name__ == "code"
               for p in kept)  # written anew

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(bccache.tempfile, "NamedTemporaryFile", full_disk)
    shutil.rmtree(folder)
    built(tmp_path / "third", content_copy, cache)
    assert digest(tmp_path / "third") == digest(tmp_path / "first")


def test_the_files_of_the_last_keys_are_kept_and_older_ones_removed(content_copy, tmp_path):
    cache = tmp_path / ".cache"
    folder = cache / "templates"
    folder.mkdir(parents=True)
    now = time.time()
    for age, key in enumerate("abcd"):  # "a" written last, "d" first
        path = folder / f"{key * 24}-0123.cache"
        path.write_bytes(b"another key")
        os.utime(path, (now - 60 * (age + 1), now - 60 * (age + 1)))
    stale, fresh = folder / ".x.cache-old.tmp", folder / ".x.cache-new.tmp"
    stale.write_bytes(b"an interrupted write")
    os.utime(stale, (now - 3600, now - 3600))
    fresh.write_bytes(b"another build's write in progress")
    built(tmp_path / "out", content_copy, cache)
    names = {p.name for p in folder.iterdir()}
    assert {f"{'a' * 24}-0123.cache", f"{'b' * 24}-0123.cache", fresh.name} <= names
    assert not names & {f"{'c' * 24}-0123.cache", f"{'d' * 24}-0123.cache", stale.name}
    assert len({name[:24] for name in names if name.endswith(".cache")}) == KEYS_KEPT


def test_a_key_in_use_counts_as_recent_though_its_files_are_old(content_copy, tmp_path):
    cache = tmp_path / ".cache"
    folder = cache / "templates"
    built(tmp_path / "out", content_copy, cache)
    (used,) = {p.name[:24] for p in folder.iterdir()}
    now = time.time()
    for path in folder.iterdir():  # compiled an hour ago, loaded since
        os.utime(path, (now - 3600, now - 3600))
    for age, key in enumerate("bc"):
        path = folder / f"{key * 24}-0123.cache"
        path.write_bytes(b"another key")
        os.utime(path, (now - 60 * (age + 1), now - 60 * (age + 1)))
    built(tmp_path / "out", content_copy, cache)  # uses the key again
    loose = {"autoescape": True, "trim_blocks": False, "lstrip_blocks": False, "auto_reload": False,
             "extensions": ["site_pages.fragments.FragmentCache"]}
    built(tmp_path / "out", content_copy, cache, JINJA_ENVIRONMENT=loose)  # a third key
    keys = {p.name[:24] for p in folder.iterdir()}
    assert used in keys and "b" * 24 in keys and "c" * 24 not in keys and len(keys) == KEYS_KEPT


def test_a_cache_folder_that_cannot_be_made_costs_only_the_compilation(content_copy, tmp_path, compilations):
    cache = tmp_path / ".cache"
    cache.mkdir()
    (cache / "templates").write_text("a file where the folder would go", encoding="utf-8")
    built(tmp_path / "out", content_copy, cache)
    assert "base.html" in compilations
    assert (tmp_path / "out" / "index.html").is_file()
