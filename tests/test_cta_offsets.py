"""Where a membership block goes, kept between builds by the body's digest (cta/offsets.py)."""

from __future__ import annotations

import logging

from content_model.stored_html import ShardFile, StoredHtml, html_digest
from cta.offsets import OffsetMemo, memo_file
from cta.placement import insertion_offset
from cta.variants import Placement

SECOND = Placement("after_paragraph", 2)
BODY = "<p>One</p>\n<ul><li><p>not top level</p></li></ul>\n<p>Two</p>\n<p>Three</p>"


def stored(tmp_path, html: str, name: str = "shard") -> StoredHtml:
    data = html.encode()
    path = tmp_path / name
    path.write_bytes(data)
    return StoredHtml(ShardFile(path), 0, len(data), html_digest(data), False, False)


def test_a_known_body_is_not_read_again_and_the_answer_is_the_parsers(tmp_path):
    path = memo_file(tmp_path, tmp_path)
    body = stored(tmp_path, BODY)
    reads = []

    def html():
        reads.append(1)
        return body.text()

    first = OffsetMemo(path, tmp_path)
    assert first.offset(body, html, SECOND) == insertion_offset(BODY, SECOND)
    first.save()
    assert len(reads) == 1
    again = OffsetMemo(path, tmp_path)
    assert again.offset(body, html, SECOND) == insertion_offset(BODY, SECOND)
    assert len(reads) == 1, "the kept answer, without reading the body"
    assert again.offset(body, html, Placement("after_paragraph", 3)) == insertion_offset(BODY, Placement(
        "after_paragraph", 3))
    assert len(reads) == 2, "another placement is another question"
    edited_html = BODY.replace("<p>One</p>", "<p>One</p>\n<p>New</p>")
    edited = stored(tmp_path, edited_html, "edited")
    assert insertion_offset(edited_html, SECOND) != insertion_offset(BODY, SECOND)
    assert again.offset(edited, edited.text, SECOND) == insertion_offset(edited_html, SECOND), \
        "an edited body has another digest"


def test_only_the_entries_a_build_used_are_kept(tmp_path):
    path = memo_file(tmp_path, tmp_path)
    one, two = stored(tmp_path, BODY, "one"), stored(tmp_path, BODY + "\n<p>Four</p>", "two")
    memo = OffsetMemo(path, tmp_path)
    memo.offset(one, one.text, SECOND)
    memo.offset(two, two.text, SECOND)
    memo.save()
    later = OffsetMemo(path, tmp_path)
    later.offset(two, two.text, SECOND)
    later.save()
    reads = []
    OffsetMemo(path, tmp_path).offset(one, lambda: reads.append(1) or one.text(), SECOND)
    assert reads == [1], "the column no build used any more was dropped"


def test_plain_text_bodies_and_builds_without_a_cache_folder_always_parse(tmp_path):
    reads = []
    memo = OffsetMemo(memo_file(tmp_path, tmp_path), tmp_path)
    assert memo.offset(None, lambda: reads.append(1) or BODY, SECOND) == insertion_offset(BODY, SECOND)
    assert memo.offset(None, lambda: reads.append(1) or BODY, SECOND) == insertion_offset(BODY, SECOND)
    nowhere = OffsetMemo(memo_file(None, tmp_path), tmp_path)
    body = stored(tmp_path, BODY)
    nowhere.offset(body, lambda: reads.append(1) or BODY, SECOND)
    nowhere.save()
    assert len(reads) == 3 and not (tmp_path / "cta").exists()


def test_a_damaged_file_or_other_code_means_parsing_again(tmp_path, caplog, monkeypatch):
    import cta.offsets as offsets

    path = memo_file(tmp_path, tmp_path)
    body = stored(tmp_path, BODY)
    memo = OffsetMemo(path, tmp_path)
    memo.offset(body, body.text, SECOND)
    memo.save()
    monkeypatch.setattr(offsets, "_code_digest", lambda: b"other code")
    reads = []
    OffsetMemo(path, tmp_path).offset(body, lambda: reads.append(1) or body.text(), SECOND)
    assert reads == [1]
    path.write_bytes(b"\x00 not marshal")
    with caplog.at_level(logging.WARNING):
        assert OffsetMemo(path, tmp_path).offset(body, lambda: reads.append(1) or body.text(), SECOND) == \
            insertion_offset(BODY, SECOND)
    assert reads == [1, 1] and "unreadable" in caplog.text


def test_each_content_folder_keeps_its_own_file_and_files_of_gone_folders_go(tmp_path):
    site, copy = tmp_path / "site", tmp_path / "copy"
    site.mkdir()
    copy.mkdir()
    body = stored(tmp_path, BODY)
    for folder in (site, copy):
        memo = OffsetMemo(memo_file(tmp_path / "cache", folder), folder)
        memo.offset(body, body.text, SECOND)
        memo.save()
    assert memo_file(tmp_path / "cache", site) != memo_file(tmp_path / "cache", copy)
    reads = []
    OffsetMemo(memo_file(tmp_path / "cache", site), site).offset(body, lambda: reads.append(1) or BODY, SECOND)
    assert reads == [], "building the copy did not evict the site's entries"
    copy.rmdir()
    again = OffsetMemo(memo_file(tmp_path / "cache", site), site)
    again.offset(body, body.text, Placement("after_paragraph", 3))
    again.save()
    assert sorted(p.name for p in (tmp_path / "cache" / "cta").iterdir()) == [memo_file(tmp_path / "cache", site).name]


def test_a_stranger_file_in_the_memo_folder_or_a_failed_write_never_fails_the_build(tmp_path, caplog, monkeypatch):
    import marshal

    import site_build.folder_memo as folder_memo

    folder = tmp_path / "cache" / "cta"
    folder.mkdir(parents=True)
    (folder / "offsets-0000000000000000.marshal").write_bytes(marshal.dumps((b"code", 42, {})))
    (folder / "offsets.marshal").write_bytes(b"an older name of this file")
    (folder / "offsets-1111111111111111.memo").write_bytes(b"\xff\xff\xff\xff a stranger")
    body = stored(tmp_path, BODY)
    memo = OffsetMemo(memo_file(tmp_path / "cache", tmp_path), tmp_path)
    memo.offset(body, body.text, SECOND)
    memo.save()
    assert sorted(p.name for p in folder.iterdir()) == [memo_file(tmp_path / "cache", tmp_path).name]
    monkeypatch.setattr(folder_memo, "write_atomically", lambda path, *chunks: False)
    again = OffsetMemo(memo_file(tmp_path / "cache", tmp_path), tmp_path)
    again.offset(body, body.text, Placement("after_paragraph", 3))
    with caplog.at_level(logging.WARNING):
        again.save()
    assert "could not keep" in caplog.text
