"""The no-change check that runs before Pelican or any plugin is imported.

Importing Pelican and our plugins takes about a second, far more than a no-change build may
take. The last successful build leaves a pointer, named by `quick_key` (settings file,
overrides, environment, versions), to its manifest; the manifest lists the input roots it
fingerprinted. If those roots (which include the settings files) are unchanged, the settings
are unchanged too, so the full fingerprint would match: the output is up to date.
Any doubt falls through to the full check in driver.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from .fingerprint import BuildManifest, files_hash, load_manifest, quick_key


def pointer_path(settings_file: Path, overrides: dict, key: str) -> Path:
    cache = overrides.get("CACHE_ROOT") or settings_file.resolve().parent / ".cache"
    return Path(cache) / "build" / f"quick-{hashlib.sha256(key.encode()).hexdigest()[:20]}.txt"


def clock_now(overrides: dict, manifest: BuildManifest) -> dt.datetime:
    """content_model.dates.reference_time, from what is known without the settings."""
    pinned = overrides.get("BUILD_TIME") or manifest.pinned_time
    if isinstance(pinned, dt.datetime):
        return pinned if pinned.tzinfo else pinned.replace(tzinfo=dt.UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(dt.UTC)


def quick_up_to_date(settings_file: Path, overrides: dict) -> Path | None:
    """The output folder if it is certainly up to date, else None (then do the full check)."""
    key = quick_key(settings_file, overrides)
    try:
        manifest_file = Path(pointer_path(settings_file, overrides, key).read_text(encoding="utf-8").strip())
    except OSError:
        return None
    manifest = load_manifest(manifest_file)
    if manifest is None or manifest.quick_key != key or not manifest.output or not manifest.roots:
        return None
    output = Path(manifest.output)
    try:
        if output.stat().st_ino != manifest.output_inode:
            return None
    except OSError:
        return None
    if manifest.valid_until is not None and clock_now(overrides, manifest) >= manifest.valid_until:
        return None
    if files_hash([Path(r) for r in manifest.roots]) != manifest.roots_hash:
        return None
    return output


def save_pointer(settings_file: Path, overrides: dict, key: str, manifest_file: Path) -> None:
    pointer = pointer_path(settings_file, overrides, key)
    pointer.parent.mkdir(parents=True, exist_ok=True)
    temp = pointer.with_name(f".{pointer.name}.{os.getpid()}")
    temp.write_text(str(manifest_file), encoding="utf-8")
    os.replace(temp, pointer)
