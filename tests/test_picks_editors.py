"""Editor's Picks: picks.yml order and validation, front-matter picks, expiry."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from conftest import build, soup
from popular.picks import PickEntry, check_picks, editors_picks, parse_picks

TZ = ZoneInfo("Asia/Tbilisi")
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


def column(slug, day, **extra):
    fields = {"editors_pick": False, "pick_rank": None, "pick_until": None, **extra}
    return SimpleNamespace(slug=slug, date=dt.datetime(2026, 10, day, tzinfo=dt.UTC), **fields)


def test_front_matter_picks_by_rank_then_newest_and_expired_ones_drop_out():
    articles = [
        column("unranked-old", 1, editors_pick=True),
        column("unranked-new", 9, editors_pick=True),
        column("second", 2, editors_pick=True, pick_rank=2),
        column("first", 3, editors_pick=True, pick_rank=1),
        column("expired", 4, editors_pick=True, pick_rank=0, pick_until=NOW - dt.timedelta(seconds=1)),
        column("not-a-pick", 5),
    ]
    picked = [a.slug for a in editors_picks(articles, [], NOW)]
    assert picked == ["first", "second", "unranked-new", "unranked-old"]


def test_picks_file_order_comes_first_and_its_until_expires_entries():
    articles = [column("a", 1), column("b", 2), column("c", 3, editors_pick=True)]
    entries = [PickEntry("b", None, 1), PickEntry("a", NOW - dt.timedelta(days=1), 2),
               PickEntry("draft-only", None, 3)]
    assert [a.slug for a in editors_picks(articles, entries, NOW)] == ["b", "c"]


def test_parse_picks_file(tmp_path):
    (tmp_path / "picks.yml").write_text(
        "# curated\n- alpha\n- slug: beta\n  until: 2026-12-31\n", encoding="utf-8")
    entries, errors = parse_picks(tmp_path / "picks.yml", "content/picks.yml", TZ)
    assert errors == []
    assert [(e.slug, e.line) for e in entries] == [("alpha", 2), ("beta", 3)]
    assert entries[1].until == dt.datetime(2026, 12, 31, tzinfo=TZ)


def test_picks_file_errors_name_file_line_and_field(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "picks.yml").write_text(
        "- alpha\n- alpah\n- slug: beta\n  until: next week\n- slug: gamma\n  rank: 1\n- alpha\n- [1, 2]\n",
        encoding="utf-8",
    )
    errors = [str(e) for e in check_picks(content, ["alpha", "beta", "gamma"], TZ)]
    assert "content/picks.yml:2: slug: unknown column slug 'alpah'; did you mean 'alpha'?" in errors
    assert any(e.startswith("content/picks.yml:4: until: 'next week' is not a date") for e in errors)
    assert "content/picks.yml:6: rank: unknown field (known: slug, until)" in errors
    assert "content/picks.yml:7: slug: 'alpha' is already picked on line 1; keep one" in errors
    assert ("content/picks.yml:8: picks: each entry should be a column slug, "
            "or 'slug:' with an optional 'until:'") in errors
    assert len(errors) == 5


def test_picks_file_that_is_not_a_list(tmp_path):
    (tmp_path / "picks.yml").write_text("alpha: yes\n", encoding="utf-8")
    errors = [str(e) for e in check_picks(tmp_path, ["alpha"], TZ)]
    assert errors == [f"{tmp_path.name}/picks.yml:1: picks: should be a list of column slugs, one '- slug' per line"]


def test_unknown_slug_in_picks_file_fails_the_build_with_file_and_line(tmp_path, content_copy):
    (content_copy / "picks.yml").write_text(
        "- what-we-got-wrong-in-2025\n- the-middle-corridor-is-a-promis\n", encoding="utf-8")
    result = build(tmp_path / "out", content_copy)
    assert not result.ok
    assert ("content/picks.yml:2: slug: unknown column slug 'the-middle-corridor-is-a-promis'; "
            "did you mean 'the-middle-corridor-is-a-promise-not-a-plan'?") in result.errors[0]


def test_picks_file_orders_the_rendered_list_and_expired_picks_are_gone(tmp_path, content_copy):
    (content_copy / "picks.yml").write_text(
        "- the-middle-corridor-is-a-promise-not-a-plan\n"
        "- slug: gyumri-after-the-festival\n  until: 2026-11-01\n", encoding="utf-8")
    rank_file = content_copy / "columns/2025/what-we-got-wrong-in-2025.md"
    text = rank_file.read_text(encoding="utf-8")
    rank_file.write_text(text.replace("editors_pick: true\n", "editors_pick: true\npick_until: 2026-11-19\n", 1),
                         encoding="utf-8")
    result = build(tmp_path / "out", content_copy)
    assert result.ok, result.errors
    picks = soup(tmp_path / "out" / "index.html").select_one("section.picks")
    titles = [a.get_text() for a in picks.select("a.picks__title")]
    assert titles[0] == "The Middle Corridor is a promise, not a plan"
    assert "Gyumri after the festival" not in titles
    assert "What we got wrong in 2025" not in titles
    assert "Armenia's parliamentary vote is not a referendum on peace" in titles
