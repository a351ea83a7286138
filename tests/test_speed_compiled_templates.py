"""Templates compiled once and kept between builds (speedups/compiled_templates.py)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import jinja2
import pytest
from conftest import BUILD_TIME, ROOT, build_site


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
    assert len({name.split("-")[0] for name in os.listdir(cache / "templates")}) == 1  # the old key's are gone


def test_files_of_another_key_and_damaged_files_never_fail_a_build(content_copy, tmp_path, compilations):
    cache = tmp_path / ".cache"
    built(tmp_path / "first", content_copy, cache)
    folder = cache / "templates"
    for kept in folder.iterdir():
        kept.write_bytes(b"j2 not a template")  # damaged: each is compiled again and rewritten
    (folder / "0123456789abcdef01234567-stale.cache").write_bytes(b"another key")
    (folder / "x.cache-abc.tmp").write_bytes(b"an interrupted write")
    compilations.clear()
    built(tmp_path / "second", content_copy, cache)
    assert "base.html" in compilations
    assert digest(tmp_path / "second") == digest(tmp_path / "first")
    names = [p.name for p in folder.iterdir()]
    assert not any("stale" in name or name.endswith(".tmp") for name in names)
    assert all(p.read_bytes() != b"j2 not a template" for p in folder.iterdir())


def test_a_cache_folder_that_cannot_be_made_costs_only_the_compilation(content_copy, tmp_path, compilations):
    cache = tmp_path / ".cache"
    cache.mkdir()
    (cache / "templates").write_text("a file where the folder would go", encoding="utf-8")
    built(tmp_path / "out", content_copy, cache)
    assert "base.html" in compilations
    assert (tmp_path / "out" / "index.html").is_file()
