"""One memo file per content folder and variant (site_build/folder_memo.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from site_build.folder_memo import KEPT_PER_FOLDER, load_memo, memo_path, save_memo


def test_a_memo_is_read_back_under_its_key_only(tmp_path):
    path = memo_path(tmp_path / "cache", "kind", "things", tmp_path)
    assert save_memo(path, "key", tmp_path, {"a": 1}, "things")
    assert load_memo(path, "key", "things") == {"a": 1}
    assert load_memo(path, "other key", "things") == {}
    assert memo_path(None, "kind", "things", tmp_path) is None


def test_each_folder_keeps_its_last_memos_and_gone_folders_and_old_names_go(tmp_path):
    cache = tmp_path / "cache"
    site, gone = tmp_path / "site", tmp_path / "gone"
    site.mkdir()
    gone.mkdir()
    paths = []
    for variant in ("one", "two", "three"):
        paths.append(memo_path(cache, "kind", "as-read", site, variant))
        assert save_memo(paths[-1], "key", site, {}, "things")
        os.utime(paths[-1], ns=(time.time_ns(), time.time_ns() + len(paths)))  # distinct times
    assert KEPT_PER_FOLDER == 2
    save_memo(memo_path(cache, "kind", "as-read", gone), "key", gone, {}, "things")
    gone.rmdir()
    folder = cache / "kind"
    (folder / "as-read-0123456789abcdef.marshal").write_bytes(b"an earlier name")
    (folder / "as-read.marshal").write_bytes(b"an earlier name")
    (folder / "as-readable-0123456789abcdef.memo").write_bytes(b"another kind's")  # a longer prefix
    (folder / "as-read-fedcba9876543210.memo").mkdir()  # not a file: left, never an error
    stale = folder / ".as-read-0123456789abcdef.memo-x1.tmp"
    fresh = folder / ".as-read-0123456789abcdef.memo-x2.tmp"
    stale.write_bytes(b"")
    fresh.write_bytes(b"")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    assert save_memo(paths[-1], "key", site, {"last": 1}, "things")
    assert sorted(p.name for p in folder.iterdir()) == sorted([
        paths[1].name, paths[2].name, "as-readable-0123456789abcdef.memo", "as-read-fedcba9876543210.memo",
        fresh.name])


def test_an_unreadable_memo_is_read_as_none_with_a_warning(tmp_path, caplog):
    path = memo_path(tmp_path, "kind", "things", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00\x00\x00\x02ab not marshal")
    assert load_memo(path, "key", "things") == {}
    assert "unreadable" in caplog.text
    assert load_memo(Path(tmp_path / "missing.memo"), "key", "things") == {}
