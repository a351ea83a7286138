"""The term-count cache: same ranking as without it, edited texts re-tokenised, damage ignored."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import build
from related import cache as term_cache
from related.bench import corpus
from related.cache import CACHE_FILE_NAME, load_entries
from related.ranker import RelatedIndex
from related.settings import RelatedSettings, RelatedSettingsError, read_settings
from test_related_site import card_slugs

WINE = "vineyard harvest grapes qvevri winemakers cellar vintage grapes vineyard harvest"


def rankings(index: RelatedIndex) -> dict[str, list[tuple[str, float, dict[str, float]]]]:
    """Every item's cards and its whole shortlist with each signal's contribution."""
    return {
        item.id: [(pick.item.id, pick.reason) for pick in index.related(item.id)]
        + [(candidate.item.id, candidate.score, dict(candidate.contributions))
           for candidate in index.ranked(item.id)]
        for item in index.items
    }


@pytest.fixture(scope="module")
def items():
    return corpus(240, seed=3)


def edited(items, position: int, text: str):
    return [*items[:position], dataclasses.replace(items[position], text=text), *items[position + 1:]]


def test_cold_and_warm_cache_rank_exactly_like_no_cache(items, tmp_path):
    uncached = RelatedIndex(items, RelatedSettings())
    cached = RelatedSettings(cache_dir=tmp_path / "related")
    cold = RelatedIndex(items, cached)
    assert (tmp_path / "related" / CACHE_FILE_NAME).is_file()
    warm = RelatedIndex(items, cached)
    assert (uncached.tokenised, cold.tokenised, warm.tokenised) == (len(items), len(items), 0)
    expected = rankings(uncached)
    assert rankings(cold) == expected
    assert rankings(warm) == expected


def test_an_edited_column_is_tokenised_again_and_its_new_words_count(items, tmp_path):
    cached = RelatedSettings(cache_dir=tmp_path / "related")
    RelatedIndex(items, cached)
    # the first and last columns get the same new subject: they should now find each other
    changed = edited(edited(items, 0, f"{items[0].text} {WINE}"), len(items) - 1, f"{items[-1].text} {WINE}")
    warm = RelatedIndex(changed, cached)
    assert warm.tokenised == 2
    assert rankings(warm) == rankings(RelatedIndex(changed, RelatedSettings()))
    assert changed[-1].id in [candidate.item.id for candidate in warm.ranked(changed[0].id)]
    # the cache now holds the edited texts only: the next build tokenises nothing
    assert RelatedIndex(changed, cached).tokenised == 0
    assert len(load_entries(tmp_path / "related" / CACHE_FILE_NAME)) == len(changed)


@pytest.mark.parametrize("damage", [
    lambda data: data[: len(data) // 2],  # truncated by a crash or a full disk
    lambda data: data[:-10] + b"x" * 10,  # bytes changed
    lambda data: b"not a cache file at all",
    lambda data: b"",
])
def test_a_damaged_cache_is_ignored_and_rebuilt(items, tmp_path, damage):
    cached = RelatedSettings(cache_dir=tmp_path / "related")
    expected = rankings(RelatedIndex(items, cached))
    path = tmp_path / "related" / CACHE_FILE_NAME
    path.write_bytes(damage(path.read_bytes()))
    again = RelatedIndex(items, cached)
    assert again.tokenised == len(items)
    assert rankings(again) == expected
    assert len(load_entries(path)) == len(items)  # rewritten whole


def test_a_changed_tokeniser_invalidates_the_cache(items, tmp_path, monkeypatch):
    cached = RelatedSettings(cache_dir=tmp_path / "related")
    RelatedIndex(items, cached)
    monkeypatch.setattr(term_cache, "_tokeniser_version", lambda: b"another tokeniser")
    assert RelatedIndex(items, cached).tokenised == len(items)


def test_an_unwritable_cache_folder_costs_speed_not_the_ranking(items, tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    index = RelatedIndex(items, RelatedSettings(cache_dir=blocker / "related"))
    assert rankings(index) == rankings(RelatedIndex(items, RelatedSettings()))


def test_cache_folder_comes_from_cache_root():
    assert read_settings({}).cache_dir is None
    assert read_settings({"CACHE_ROOT": "/srv/ledger/.cache"}).cache_dir == Path("/srv/ledger/.cache/related")
    with pytest.raises(RelatedSettingsError, match=r"CACHE_ROOT should be a folder path, got 42"):
        read_settings({"CACHE_ROOT": 42})


def test_site_built_with_an_empty_then_a_warm_cache_shows_the_same_cards(demo_site, tmp_path):
    cache_root = tmp_path / "cache"
    pages = sorted(path.relative_to(demo_site) for path in (demo_site / "columns").glob("*/index.html"))
    expected = {page: card_slugs(demo_site / page) for page in pages}
    assert any(expected.values())
    for run in ("cold", "warm"):
        output = tmp_path / run / "output"
        result = build(output, CACHE_ROOT=str(cache_root))
        assert result.ok, "\n".join(result.errors)
        assert (cache_root / "related" / CACHE_FILE_NAME).is_file()
        assert {page: card_slugs(output / page) for page in pages} == expected


@pytest.mark.parametrize("body", [
    "<p>Ballot&nbsp;boxes &amp; observers&#8212;again.</p>\n\n<p>Line\tbreaks\r\n  and   runs</p>",
    "<h2 id=\"x\">საარჩევნო კომისია</h2><p>არჩევნები\u00a0და\u2003<em>დამკვირვებლები</em></p>",
    "<blockquote><p>Naïve café façade</p></blockquote><ul><li>one</li><li>two&#x2009;three</li></ul>",
])
def test_item_text_keeps_exactly_the_words_of_the_plain_text(body):
    # item_text skips html_to_text's whitespace collapsing for speed: the words must not change
    from content_model.text import html_to_text
    from related.items import item_text
    from related.tokens import TermFolder, term_counts

    plain = f"Standfirst here {html_to_text(body)}".strip()
    assert term_counts("Title", item_text("Standfirst here", body), TermFolder()) == term_counts(
        "Title", plain, TermFolder())
    assert term_counts("Title", item_text("Standfirst here", body), TermFolder())  # not vacuous


@pytest.mark.parametrize("chunk", [3, 1 << 19])
def test_compact_keeps_every_row_over_only_the_terms_used(monkeypatch, chunk):
    import numpy as np
    import related.cache as cache
    from related.cache import TermMatrix

    monkeypatch.setattr(cache, "_INDEX_CHUNK", chunk)
    vocab = [f"t{n}" for n in range(40)]
    rows = [{"t3": 2, "t17": 1}, {}, {"t39": 5, "t3": 1}, {"t0": 1, "t17": 4, "t20": 2}]
    ids, counts, indptr = [], [], [0]
    for row in rows:
        ids += [vocab.index(term) for term in row]
        counts += list(row.values())
        indptr.append(len(ids))
    matrix = TermMatrix(vocab, np.array(indptr, dtype=np.int64), np.array(ids, dtype=np.int32),
                        np.array(counts, dtype=np.int32))
    compacted = matrix.compact()
    assert compacted.vocab == ["t0", "t3", "t17", "t20", "t39"]
    assert compacted.ids.dtype == np.int32
    assert [compacted.row(r) for r in range(len(rows))] == rows
    full = TermMatrix(["a", "b"], np.array([0, 2], dtype=np.int64), np.array([1, 0], dtype=np.int32),
                      np.array([1, 1], dtype=np.int32))
    assert full.compact() is full  # every term used: nothing to drop


def _mapped_rss_kb(path) -> int:
    """Resident kB of this process's mappings of `path` (/proc/self/smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5 and ":" in fields[3]:  # a mapping's first line
            inside = len(fields) >= 6 and fields[5] == str(path)
        elif inside and fields[0] == "Rss:":
            total += int(fields[1])
    return total


def test_a_loaded_matrix_is_read_from_the_mapped_file_and_its_pages_are_handed_back(tmp_path):
    import numpy as np
    from related.cache import TermMatrix, _load_mapped, save_matrix, take_stacked

    rng = np.random.default_rng(11)
    lengths = rng.integers(100, 400, 4000)
    indptr = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    ids = rng.integers(0, 50_000, int(indptr[-1])).astype(np.int32)
    counts = rng.integers(1, 9, int(indptr[-1])).astype(np.int32)
    original = TermMatrix([f"t{i}" for i in range(50_000)], indptr, ids, counts)
    path = tmp_path / "terms.marshal"
    keys = [i.to_bytes(16, "little") for i in range(4000)]
    save_matrix(path, keys, original)
    assert path.stat().st_size > 8_000_000
    loaded_keys, loaded, mapped = _load_mapped(path)
    assert loaded_keys == keys
    assert _mapped_rss_kb(path) < 1024  # checked, then handed back
    # one row replaced, the rest copied from the mapping: pages go back as they are copied
    edited = TermMatrix(loaded.vocab, np.array([0, 2], dtype=np.int64), np.array([5, 7], dtype=np.int32),
                        np.array([1, 2], dtype=np.int32))
    rows = np.r_[np.arange(0, 2000), 4000, np.arange(2001, 4000)]
    released = []
    result = take_stacked([loaded, edited], rows, lambda m, low, high: (released.append((m is loaded, low, high)),
                                                                          mapped.release(m, low, high)))
    assert _mapped_rss_kb(path) < 1024
    assert sum(high - low for is_loaded, low, high in released if is_loaded) == len(ids) - int(lengths[2000])
    assert result.row(2000) == {"t5": 1, "t7": 2}
    for row in (0, 1999, 2001, 3999):
        assert result.row(row) == original.row(row) == loaded.row(row)
