"""Ranking split across forked processes gives exactly the single-process lists."""

from __future__ import annotations

from related.bench import corpus
from related.parallel import related_id_lists
from related.ranker import RelatedIndex
from related.settings import RelatedSettings


def test_forked_ranking_equals_one_process():
    items = corpus(900, seed=3)
    index = RelatedIndex(items, RelatedSettings())
    ids = [item.id for item in items]
    alone = related_id_lists(index, ids, workers=1)
    shared = related_id_lists(index, ids, workers=3)
    assert shared == alone
    assert list(shared) != [] and sum(map(len, alone.values())) > len(ids)  # real cards, not empty lists


def test_forked_tokenising_equals_one_process(tmp_path):
    from related.cache import cached_term_counts
    from related.tokens import TermFolder, term_counts

    texts = [(item.title, item.text) for item in corpus(900, seed=4)]
    expected = [dict(term_counts(title, text, TermFolder())) for title, text in texts]
    counts, tokenised = cached_term_counts(texts, TermFolder(), None)
    assert counts == expected and tokenised == len(texts)
    cached, tokenised = cached_term_counts(texts, TermFolder(), tmp_path / "related")
    assert cached == expected and tokenised == len(texts)
