"""The no-change fast path: a fingerprint of everything a build reads, kept after a success.

Inputs are the settings' values, every file under the content, theme and plugin folders, the
folders other settings point at (analytics exports, fonts...), the project's `*.py`, lock file
and `data/` beside the settings file, and the Python and Pelican versions. Files count by
path, size and mtime (ns): an editor's save changes the mtime even when the size stays.

Time also changes the output (a scheduled column goes live, a pick expires, the Most Popular
window moves at midnight): plugins report the earliest such moment (`valid_until`), and the
fast path is taken only before it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_VERSION = 2
# Settings that name where the build goes or carry per-run objects, not what it reads.
_NOT_INPUTS = {"OUTPUT_PATH", "SITE_BUILD_SESSION", "CACHE_PATH", "CACHE_ROOT", "IMAGE_CACHE_DIR"}
# The clock is not an input: what time changes is covered by `valid_until`.
_CLOCK = {"BUILD_TIME"}
_SKIPPED_DIRS = {"__pycache__", ".git", ".cache", ".venv", "node_modules", ".pytest_cache", ".ruff_cache"}
_PROJECT_FILES = ("requirements.lock", "requirements.in")


def _stable(value: Any) -> Any:
    """A JSON-able form that is the same in every process (no memory addresses)."""
    if isinstance(value, dict):
        return {str(k): _stable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(repr(_stable(v)) for v in value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (dt.datetime, dt.date, Path)):
        return str(value)
    if callable(value):
        return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', type(value).__name__)}"
    text = repr(value)
    return type(value).__qualname__ if " at 0x" in text else text


def _walk_files(root: Path, into: list[tuple[str, str]]) -> None:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in sorted(files):
            path = os.path.join(folder, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            into.append((path, f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}"))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def source_digest(folder: str | os.PathLike[str], *extra: str) -> bytes:
    """The name and bytes of every `*.py` in `folder` (a plugin package), and `extra` (library
    versions...): what a plugin's cache is keyed on, so that a change of code empties it."""
    h = hashlib.blake2b("\0".join(extra).encode(), digest_size=16)
    for source in sorted(Path(folder).glob("*.py")):
        h.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return h.digest()


def input_roots(settings: dict, settings_file: Path) -> list[Path]:
    """Files and folders a build reads, sorted, without the output and caches."""
    output = Path(settings["OUTPUT_PATH"]).resolve()
    excluded = [output] + [Path(str(settings[k])).resolve() for k in _NOT_INPUTS
                           if isinstance(settings.get(k), (str, Path)) and settings.get(k)]
    project = settings_file.resolve().parent
    roots = {settings_file.resolve(), project / "data", *project.glob("*.py"),
             *(project / name for name in _PROJECT_FILES)}
    candidates: list[Any] = []
    for key, value in settings.items():
        if key in _NOT_INPUTS:
            continue
        candidates.extend(value if isinstance(value, (list, tuple)) else [value])
    for value in candidates:
        if not isinstance(value, (str, Path)) or not os.path.isabs(str(value)):
            continue
        path = Path(value).resolve()
        # A folder holding the output or a cache (the project root itself) is too broad to walk.
        if (not path.exists() or _inside(project, path)
                or any(_inside(path, ex) or _inside(ex, path) for ex in excluded)):
            continue
        roots.add(path)
    return sorted(r for r in roots if r.exists())


def _entries(roots: Iterable[Path]) -> list[tuple[str, str]]:
    """(path, entry) of every file under `roots`, in a stable order."""
    entries: list[tuple[str, str]] = []
    for root in roots:
        if root.is_dir():
            _walk_files(root, entries)
        elif root.exists():
            stat = root.stat()
            entries.append((str(root), f"{root}\0{stat.st_size}\0{stat.st_mtime_ns}"))
        else:
            entries.append((str(root), f"{root}\0missing"))
    return entries


def _hash_of(entries: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(entries).encode("utf-8", "surrogateescape")).hexdigest()


def files_hash(roots: Iterable[Path], skip: Callable[[str], bool] | None = None) -> str:
    """Path, size and mtime of every file under `roots` (but those `skip` is true of)."""
    return _hash_of(entry for path, entry in _entries(roots) if skip is None or not skip(path))


# Content documents: each becomes an object of the build (an article, a page) that the build's
# own keys follow one by one, so a key of "everything else" leaves them out.
DOCUMENT_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown")


def _is_document_under(settings: dict) -> Callable[[str], bool]:
    content = str(Path(settings["PATH"]).resolve()) + os.sep

    def is_document(path: str) -> bool:
        return path.startswith(content) and path.lower().endswith(DOCUMENT_SUFFIXES)
    return is_document


def _documents_memo_key(settings: dict, roots: tuple[Path, ...]) -> tuple:
    return ("files but documents", str(Path(settings["PATH"]).resolve()), roots)


def files_hashes(settings: dict, roots: Iterable[Path], remembered: dict | None = None) -> str:
    """`files_hash(roots)`, walking the files once for it and for `files_but_documents`, whose
    value is kept in `remembered` (a build's session): the build's own keys then describe the
    files as they were before anything was read, not as they are when a stage gets to them."""
    roots = tuple(roots)
    entries = _entries(roots)
    if remembered is not None:
        is_document = _is_document_under(settings)
        remembered[_documents_memo_key(settings, roots)] = _hash_of(
            entry for path, entry in entries if not is_document(path))
    return _hash_of(entry for _path, entry in entries)


def files_but_documents(settings: dict, roots: Iterable[Path], remembered: dict | None = None) -> str:
    """The hash of every input file except the content documents under PATH: from
    `remembered` when `files_hashes` put it there, else worked out now (and put there)."""
    roots = tuple(roots)
    memo_key = _documents_memo_key(settings, roots)
    files = None if remembered is None else remembered.get(memo_key)
    if files is None:
        files = files_hash(roots, skip=_is_document_under(settings))
        if remembered is not None:
            remembered[memo_key] = files
    return files


def declared_settings(settings: dict) -> dict:
    """The settings as inputs: keys starting with "_" are plugins' state kept in the settings
    during the build (the image manifest...), derived from the input files and not stably
    printable."""
    return {k: v for k, v in settings.items() if not k.startswith("_")}


def inputs_but_documents(settings: dict, roots: Iterable[Path], remembered: dict | None = None) -> str:
    """One hash over the settings, code, theme and every input file except the content
    documents under PATH (`files_but_documents`)."""
    return input_fingerprint(declared_settings(settings), files_but_documents(settings, roots, remembered))


def input_fingerprint(settings: dict, roots_hash: str) -> str:
    """One hash over every input of a build (see the module docstring)."""
    import pelican

    entries: list[str] = [f"python {sys.version}", f"pelican {pelican.__version__}", roots_hash,
                          # the locale Pelican takes from them by default writes the dates' names
                          repr(sorted((k, v) for k, v in os.environ.items() if k == "LANG" or k.startswith("LC_")))]
    entries.append(json.dumps({k: _stable(v) for k, v in settings.items()
                               if k not in _NOT_INPUTS and k not in _CLOCK}, sort_keys=True))
    return hashlib.sha256("\n".join(entries).encode("utf-8", "surrogateescape")).hexdigest()


# Environment variables that differ between shells but never reach a settings file.
_VOLATILE_ENV = {"PWD", "OLDPWD", "SHLVL", "_", "PS1", "TERM", "COLUMNS", "LINES", "SSH_TTY",
                 "SSH_CLIENT", "SSH_CONNECTION", "TMUX_PANE", "WINDOWID"}


def quick_key(settings_file: Path, overrides: dict) -> str:
    """What decides the settings without running the settings file (that needs Pelican).

    The settings files themselves are among the input roots, so with this key, their files
    and the roots unchanged, the settings are the same as last time.
    """
    from importlib.metadata import version

    environment = {k: v for k, v in os.environ.items()
                   if k not in _VOLATILE_ENV and not k.startswith("PYTEST_")}
    material = {"settings_file": str(settings_file.resolve()), "python": sys.version,
                "pelican": version("pelican"), "environment": environment,
                "overrides": _stable({k: v for k, v in overrides.items() if k not in _CLOCK})}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8", "surrogateescape")).hexdigest()


@dataclass
class BuildManifest:
    fingerprint: str
    output_inode: int  # the output folder this manifest describes (a rebuilt folder differs)
    valid_until: dt.datetime | None  # the output changes by itself at this time
    files: int
    # For the check that runs before Pelican is even imported (see quick.py):
    quick_key: str = ""
    roots: list[str] = field(default_factory=list)
    roots_hash: str = ""
    pinned_time: dt.datetime | None = None  # BUILD_TIME set in the settings file itself
    output: str = ""


def manifest_path(settings: dict, settings_file: Path) -> Path:
    cache = settings.get("CACHE_ROOT") or settings_file.resolve().parent / ".cache"
    output = str(Path(settings["OUTPUT_PATH"]).resolve())
    return Path(cache) / "build" / f"{hashlib.sha256(output.encode()).hexdigest()[:20]}.json"


def load_manifest(path: Path) -> BuildManifest | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("version") != MANIFEST_VERSION:
            return None
        until = dt.datetime.fromisoformat(raw["valid_until"]) if raw.get("valid_until") else None
        pinned = dt.datetime.fromisoformat(raw["pinned_time"]) if raw.get("pinned_time") else None
        return BuildManifest(raw["fingerprint"], int(raw["output_inode"]), until, int(raw.get("files", 0)),
                             raw.get("quick_key", ""), list(raw.get("roots", [])), raw.get("roots_hash", ""),
                             pinned, raw.get("output", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_manifest(path: Path, manifest: BuildManifest) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    temp.write_text(json.dumps({
        "version": MANIFEST_VERSION,
        "fingerprint": manifest.fingerprint,
        "output_inode": manifest.output_inode,
        "valid_until": manifest.valid_until.isoformat() if manifest.valid_until else None,
        "files": manifest.files,
        "quick_key": manifest.quick_key,
        "roots": manifest.roots,
        "roots_hash": manifest.roots_hash,
        "pinned_time": manifest.pinned_time.isoformat() if manifest.pinned_time else None,
        "output": manifest.output,
    }, indent=1), encoding="utf-8")
    os.replace(temp, path)


def forget_manifest(path: Path) -> None:
    path.unlink(missing_ok=True)


def is_up_to_date(manifest: BuildManifest | None, fingerprint: str, output: Path, now: dt.datetime) -> bool:
    """True when the output on disk was built from exactly these inputs and has not expired."""
    if manifest is None or manifest.fingerprint != fingerprint:
        return False
    try:
        if output.stat().st_ino != manifest.output_inode:
            return False
    except OSError:
        return False
    return manifest.valid_until is None or now < manifest.valid_until
