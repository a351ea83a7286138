"""site_build.forks: shares in forked children, in order, the parent's share optional."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest
from related.cache import TermMatrix, tokenise
from related.tokens import TermFolder, term_counts
from related.vectors import document_frequencies
from site_build.forks import map_shares


def test_shares_come_back_in_order_and_the_parent_can_stay_idle():
    items = list(range(10))
    pids = map_shares(lambda share: [os.getpid(), list(share)], items, 3, parent_works=False)
    assert [share for _, share in pids] == [items[0::3], items[1::3], items[2::3]]
    assert os.getpid() not in {pid for pid, _ in pids} and len({pid for pid, _ in pids}) == 3
    with_parent = map_shares(lambda share: [os.getpid(), list(share)], items, 3)
    assert with_parent[0][0] == os.getpid() and [s for _, s in with_parent] == [s for _, s in pids]


TEXTS = [(f"Title {i}", " ".join(f"word{(i * 7 + k) % 997} shared" for k in range(60))) for i in range(900)]


@pytest.mark.parametrize("disk", ["writable", "full"])
def test_tokenising_in_children_gives_each_texts_own_counts(monkeypatch, tmp_path, disk, forked_pids):
    import related.cache as cache

    monkeypatch.setattr(cache, "worker_count", lambda items, workers=None: 2)  # whatever the machine
    if disk == "full":  # the children send their arrays through the pipe instead
        def no_space(*args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(cache.tempfile, "mkstemp", no_space)
    matrix = tokenise(TEXTS, scratch=tmp_path / "scratch")
    assert len(forked_pids) == 2  # both shares in children: this process only gathers
    assert len(matrix) == 900
    for row in range(0, 900, 37):
        assert matrix.row(row) == dict(term_counts(*TEXTS[row], TermFolder()))
    assert list((tmp_path / "scratch").iterdir()) == []  # the children's files are gone


def test_a_tiny_term_cache_is_read_back(tmp_path):
    from related.cache import cached_term_rows

    texts = [("One", "alpha beta"), ("Two", "beta gamma"), ("Three", "gamma delta")]
    first, tokenised, _ = cached_term_rows(texts, tmp_path)
    assert tokenised == 3 and (tmp_path / "terms.marshal").stat().st_size < 4096
    again, tokenised, _ = cached_term_rows(texts, tmp_path)  # a file smaller than a page
    assert tokenised == 0 and [again.row(r) for r in range(3)] == [first.row(r) for r in range(3)]
    edited, tokenised, _ = cached_term_rows([*texts[:2], ("Three", "gamma epsilon")], tmp_path)
    assert tokenised == 1 and edited.row(2) == dict(term_counts("Three", "gamma epsilon", TermFolder()))


def test_document_frequencies_count_rows_per_term():
    rng = np.random.default_rng(3)
    lengths = rng.integers(0, 40, 3000)
    indptr = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    ids = np.concatenate([rng.choice(5000, size=n, replace=False) for n in lengths]).astype(np.int32)
    matrix = TermMatrix([f"t{i}" for i in range(5000)], indptr, ids, np.ones(len(ids), dtype=np.int32))
    assert np.array_equal(document_frequencies(matrix), np.bincount(ids, minlength=5000))


def test_when_this_processs_own_share_fails_no_child_is_left_behind(forked_pids):
    import time

    parent = os.getpid()

    def work(share):
        if os.getpid() == parent:
            raise RuntimeError("this process's share failed")
        time.sleep(30)  # a child that would otherwise outlive the failure
        return list(share)

    with pytest.raises(RuntimeError):
        map_shares(work, list(range(10)), 3)
    assert len(forked_pids) == 2
    for pid in forked_pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # stopped and reaped
