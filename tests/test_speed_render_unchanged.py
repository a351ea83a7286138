"""Pages whose inputs did not change are not rendered again (output_writer/unchanged.py)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT, build, soup
from jinja2 import DictLoader, Environment
from output_writer.page_keys import Unkeyable, ValueHasher, page_key, template_variables
from pelican.contents import Article

RELATED_SOURCE = "columns/2025/the-quiet-arithmetic-of-foreign-agent-laws.md"
SHOWS_IT_AS_A_CARD = "columns/after-the-vote-counting-the-journalists/index.html"
UNRELATED_PAGE = "columns/the-border-village-that-learned-to-wait/index.html"


def digest(output: Path) -> dict[str, str]:
    return {str(p.relative_to(output)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(output.rglob("*")) if p.is_file()}


def built(output: Path, content: Path, **overrides):
    overrides.setdefault("CACHE_ROOT", str(output.parent / ".cache"))
    result = build(output, content, **overrides)
    assert result.ok, "\n".join(result.errors)
    return result


def test_a_title_edit_rerenders_the_pages_that_show_the_column_and_keeps_the_rest(content_copy, tmp_path):
    output = tmp_path / "out"
    first = built(output, content_copy)
    assert first.pages_kept == 0 and first.pages_rendered > 50
    not_showing_it = {p: p.stat().st_ino for p in output.rglob("*.html")
                      if "quiet arithmetic" not in p.read_text(encoding="utf-8").lower()}
    assert not_showing_it

    source = content_copy / RELATED_SOURCE
    source.write_text(source.read_text(encoding="utf-8").replace(
        "title: The quiet arithmetic of foreign agent laws", "title: The loud arithmetic of agent laws"),
        encoding="utf-8")
    warm = built(output, content_copy)
    # the column's own page, the listings it is on and the pages showing it as a card or in
    # Most Popular / Editor's Picks (in the small demo site that is about half of them)
    assert warm.pages_kept > 0 and warm.pages_rendered > 0
    assert warm.pages_kept + warm.pages_rendered == first.pages_rendered
    card_titles = [a.get_text(" ", strip=True) for a in soup(output / SHOWS_IT_AS_A_CARD).select(".related a")]
    assert "The loud arithmetic of agent laws" in " ".join(card_titles)
    assert {p: p.stat().st_ino for p in not_showing_it} == not_showing_it

    cold = tmp_path / "cold"
    built(cold, content_copy, CACHE_ROOT=str(tmp_path / ".cache-cold"))
    assert digest(output) == digest(cold)


def test_a_story_edit_rerenders_the_columns_it_links_and_a_column_edit_the_story(content_copy, tmp_path):
    """A story and its columns point at each other: each counts in the other's pages."""
    story_source = content_copy / "stories" / "armenias-new-parliament-meets.md"
    linked_column = "columns/after-the-vote-counting-the-journalists/index.html"
    story_page = "stories/armenias-new-parliament-meets/index.html"
    output = tmp_path / "out"
    built(output, content_copy)
    assert (output / story_page).exists()
    unrelated = (output / UNRELATED_PAGE).stat().st_ino

    story_source.write_text(story_source.read_text(encoding="utf-8").replace(
        "title: Armenia's new parliament meets for the first time", "title: The new assembly's first sitting"),
        encoding="utf-8")
    warm = built(output, content_copy)
    assert "The new assembly's first sitting" in soup(output / linked_column).get_text(" ")
    assert (output / UNRELATED_PAGE).stat().st_ino == unrelated
    assert warm.pages_kept > 0 and warm.pages_rendered > 0

    column_source = content_copy / "columns" / "2026" / "after-the-vote-counting-the-journalists.md"
    text = column_source.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title: "))
    column_source.write_text(text.replace(title, "title: Counting the journalists, again"), encoding="utf-8")
    built(output, content_copy)
    assert "Counting the journalists, again" in soup(output / story_page).get_text(" ")

    cold = tmp_path / "cold"
    built(cold, content_copy, CACHE_ROOT=str(tmp_path / ".cache-cold"))
    assert digest(output) == digest(cold)


def test_a_column_moved_to_another_hour_of_the_same_day_gets_its_new_time(content_copy, tmp_path):
    source = content_copy / "columns" / "2026" / "the-border-village-that-learned-to-wait.md"
    output = tmp_path / "out"
    built(output, content_copy)
    source.write_text(source.read_text(encoding="utf-8").replace("date: 2026-03-09 10:00 +04:00",
                                                                 "date: 2026-03-09 18:30 +04:00"), encoding="utf-8")
    built(output, content_copy)
    published = soup(output / UNRELATED_PAGE).select_one("time[datetime]")["datetime"]
    assert published.startswith("2026-03-09T18:30")
    cold = tmp_path / "cold"
    built(cold, content_copy, CACHE_ROOT=str(tmp_path / ".cache-cold"))
    assert digest(output) == digest(cold)


def test_a_theme_edit_rerenders_every_page(content_copy, tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    output = tmp_path / "out"
    first = built(output, content_copy, THEME=str(theme))
    base = theme / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</body>", "<!-- theme v2 --></body>"),
                    encoding="utf-8")
    again = built(output, content_copy, THEME=str(theme))
    assert again.pages_kept == 0 and again.pages_rendered == first.pages_rendered
    assert "theme v2" in (output / UNRELATED_PAGE).read_text(encoding="utf-8")


def test_a_page_changed_in_the_output_by_hand_is_rendered_again(content_copy, tmp_path):
    output = tmp_path / "out"
    built(output, content_copy)
    page = output / UNRELATED_PAGE
    original = page.read_text(encoding="utf-8")
    page.write_text("tampered", encoding="utf-8")
    column = content_copy / RELATED_SOURCE  # any edit, so the no-change fast path is not taken
    column.write_text(column.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    built(output, content_copy)
    assert page.read_text(encoding="utf-8") == original


def test_unreadable_page_records_mean_everything_is_rendered(content_copy, tmp_path):
    output = tmp_path / "out"
    first = built(output, content_copy)
    for records in (tmp_path / ".cache" / "render").glob("*.pickle"):
        records.write_bytes(b"not a pickle")
    column = content_copy / RELATED_SOURCE
    column.write_text(column.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    again = built(output, content_copy)
    assert again.pages_kept == 0 and again.pages_rendered == first.pages_rendered


# --- keys, without Pelican's build -------------------------------------------------------

def article(title: str, source: str, **fields) -> Article:
    item = Article("<p>Body</p>", metadata={"title": title, "slug": Path(source).stem}, source_path=source)
    for name, value in fields.items():
        setattr(item, name, value)
    return item


def test_equal_content_gives_equal_digests_and_any_field_changes_it():
    a, b = article("One", "/c/one.md"), article("One", "/c/one.md")
    assert ValueHasher().digest(a) == ValueHasher().digest(b)
    b.standfirst = "Changed"
    assert ValueHasher().digest(a) != ValueHasher().digest(b)


def test_a_card_counts_one_step_away_and_a_cards_card_does_not():
    far = article("Far", "/c/far.md")
    card = article("Card", "/c/card.md", related_articles=[far])
    page = article("Page", "/c/page.md", related_articles=[card])
    before = ValueHasher().digest(page)
    far.title = "Far, edited"
    assert ValueHasher().digest(page) == before
    card.title = "Card, edited"
    assert ValueHasher().digest(page) != before


def test_a_story_and_the_columns_it_holds_are_keyable_and_count_in_each_other():
    story = SimpleNamespace(title="Story", related=[])
    column = article("Column", "/c/column.md", stories=[story])
    other = article("Other", "/c/other.md", stories=[story])
    story.related = [column, other]
    for value in (column, story, [story, column]):
        ValueHasher().digest(value)  # no longer unkeyable (it recursed to Python's limit)
    before = (ValueHasher().digest(column), ValueHasher().digest(story))
    story.title = "Story, edited"
    after = (ValueHasher().digest(column), ValueHasher().digest(story))
    assert after[0] != before[0] and after[1] != before[1]
    other.title = "Other, edited"
    assert ValueHasher().digest(story) != after[1], "the story's columns count in it"


def test_sets_do_not_depend_on_hash_order_and_settings_are_left_to_the_build_key():
    one = SimpleNamespace(existing={"tag/a", "tag/b", "tag/c"}, settings={"X": 1})
    two = SimpleNamespace(existing={"tag/c", "tag/a", "tag/b"}, settings={"X": 2})
    assert ValueHasher().digest(one) == ValueHasher().digest(two)


def test_values_that_cannot_be_read_safely_make_the_page_always_rendered():
    with pytest.raises(Unkeyable):
        ValueHasher().digest(SimpleNamespace(items=(n for n in range(3))))
    env = Environment(loader=DictLoader({"page.html": "{{ things }}"}))
    template = env.get_template("page.html")
    assert page_key(ValueHasher(), "build", template, {"things": lambda: 1}) is None
    assert page_key(ValueHasher(), "build", template, {"things": [1, 2]}) is not None


def test_template_variables_follow_includes_and_give_up_on_dynamic_ones():
    env = Environment(loader=DictLoader({
        "base.html": "{{ SITENAME }}{% block body %}{% endblock %}",
        "page.html": "{% extends 'base.html' %}{% block body %}{% include '_card.html' %}{% endblock %}",
        "_card.html": "{{ card.title }}",
        "dynamic.html": "{% include which %}",
    }))
    assert template_variables(env.get_template("page.html")) == {"SITENAME", "card"}
    assert template_variables(env.get_template("dynamic.html")) is None


def test_page_key_changes_with_a_used_variable_only():
    env = Environment(loader=DictLoader({"page.html": "{{ title }}"}))
    template = env.get_template("page.html")
    key = page_key(ValueHasher(), "build", template, {"title": "A", "unused": 1})
    assert key == page_key(ValueHasher(), "build", template, {"title": "A", "unused": 2})
    assert key != page_key(ValueHasher(), "build", template, {"title": "B", "unused": 1})
    assert key != page_key(ValueHasher(), "other build", template, {"title": "A", "unused": 1})


def test_a_page_depends_on_the_site_wide_value_only_where_it_does_not_override_it():
    env = Environment(loader=DictLoader({"page.html": "{{ articles }}{{ SITENAME }}"}))
    template = env.get_template("page.html")
    shared = {"articles": ["every", "column"], "SITENAME": "Site"}
    own = {**shared, "articles": ["this tag's columns"]}
    key = page_key(ValueHasher(), "build", template, own, shared)
    assert key == page_key(ValueHasher(), "build", template, own, {**shared, "articles": ["other"]})
    assert key != page_key(ValueHasher(), "build", template, {**own, "SITENAME": "Other"}, shared)
    inherited = dict(shared)
    site_wide = page_key(ValueHasher(), "build", template, inherited, shared)
    assert site_wide != page_key(ValueHasher(), "build", template, inherited, {**shared, "articles": ["x"]})


def test_the_digest_does_not_depend_on_which_objects_share_a_string():
    word = "culture"
    shared = [SimpleNamespace(slug=word), SimpleNamespace(id=word)]
    apart = [SimpleNamespace(slug="".join(["cul", "ture"])), SimpleNamespace(id="".join(["cul", "ture"]))]
    assert apart[0].slug is not apart[1].id
    assert ValueHasher().digest(shared) == ValueHasher().digest(apart)


def test_a_page_context_over_the_site_context_gets_the_key_of_the_same_plain_context():
    from output_writer.render import PageContext

    env = Environment(loader=DictLoader({
        "page.html": "{{ SITENAME }}{{ menu }}{{ title }}{% if article %}{{ article.title }}{% endif %}{{ extra }}",
    }))
    template = env.get_template("page.html")
    shared = {"SITENAME": "Site", "menu": ["a", "b"], "title": "Home", "extra": 1}
    pages = [
        {**shared, "title": "One", "article": SimpleNamespace(title="T1")},
        {**shared, "title": "Two", "article": SimpleNamespace(title="T2")},
        {**shared, "menu": ["c"]},
        {k: v for k, v in shared.items() if k != "extra"},
        dict(shared),
    ]
    hasher = ValueHasher()  # one per build: the layouts learnt on one page serve the next ones
    keys = []
    for page in pages:
        plain = page_key(ValueHasher(), "build", template, page, shared)
        layered = page_key(hasher, "build", template, PageContext.of(page, shared), shared)
        assert layered == plain is not None
        keys.append(layered)
    assert len(set(keys)) == len(keys)  # every difference counts, on the site's side too
    changed = {**shared, "menu": ["a", "b", "c"]}
    again = [page_key(ValueHasher(), "build", template, PageContext.of({**page, **{
        k: changed[k] for k in changed if page.get(k) is shared.get(k) and k in page}}, changed), changed)
        for page in pages]
    assert [a != b for a, b in zip(again, keys, strict=True)] == [True, True, False, True, True]


def test_site_wide_reads_under_a_test_of_the_page_count_by_that_test_and_are_worked_out_once(monkeypatch):
    import output_writer.page_keys as keys
    from output_writer.render import PageContext

    env = Environment(loader=DictLoader({
        "page.html": "{{ title }}{% if article.featured %}{{ menu.first }}{% else %}{{ menu|length }}{% endif %}"
                     "{% if SITENAME %}{{ menu.label }}{% endif %}",
    }))
    template = env.get_template("page.html")
    shared = {"SITENAME": "Site", "title": "Home", "menu": {"first": "a", "label": "Menu"}}
    pages = [{**shared, "title": f"T{n}", "article": SimpleNamespace(featured=n % 2 == 0)} for n in range(6)]
    worked_out = []
    real = keys._projected_part
    monkeypatch.setattr(keys, "_projected_part", lambda *args: worked_out.append(args[2]) or real(*args))
    hasher = ValueHasher()
    layered = [page_key(hasher, "build", template, PageContext.of(page, shared), shared) for page in pages]
    monkeypatch.setattr(keys, "_projected_part", real)
    plain = [page_key(ValueHasher(), "build", template, page, shared) for page in pages]
    assert layered == plain and None not in layered and len(set(layered)) == len(pages)
    # six pages of one kind: the site-wide reads are worked out for each truth of the test
    # that reads the page's own article, twice in all
    assert [[name for name, _uses in entries] for entries in worked_out] == [["SITENAME", "menu"]] * 2

    def keys_over(menu):
        changed = {**shared, "menu": menu}
        return [page_key(ValueHasher(), "build", template, PageContext.of({**page, "menu": menu}, changed), changed)
                for page in pages]

    one_more = keys_over({"first": "a", "label": "Menu", "other": "x"})
    assert [a != b for a, b in zip(one_more, layered, strict=True)] == [False, True] * 3  # those reading its length
    first = keys_over({"first": "b", "label": "Menu"})
    assert [a != b for a, b in zip(first, layered, strict=True)] == [True, False] * 3  # those reading its first
    label = keys_over({"first": "a", "label": "Other"})
    assert all(a != b for a, b in zip(label, layered, strict=True))


def test_pages_over_the_site_context_key_as_plain_contexts_with_mixed_missing_and_failing_tests():
    from jinja2 import StrictUndefined
    from output_writer.render import PageContext

    env = Environment(undefined=StrictUndefined, loader=DictLoader({
        "page.html": "{% if article.featured and menu.first %}{{ menu.label }}{% endif %}"
                     "{% if extra is defined %}{{ menu|length }}{% endif %}"
                     "{% if article.rank > 2 %}{{ menu.other }}{% endif %}",
    }))
    template = env.get_template("page.html")
    shared = {"menu": {"first": "a", "label": "Menu", "other": "o"}, "extra": 1}
    articles = [SimpleNamespace(featured=True, rank=3), SimpleNamespace(featured=False, rank=1),
                SimpleNamespace(featured=True), SimpleNamespace(featured=True, rank=3)]
    pages = [{**shared, "article": a} for a in articles]
    pages[3] = {k: v for k, v in pages[3].items() if k != "extra"}  # a page lacking a site-wide name
    hasher = ValueHasher()
    for _ in range(2):  # the second round takes every layout and part from the hasher's memos
        layered = [page_key(hasher, "build", template, PageContext.of(page, shared), shared) for page in pages]
        plain = [page_key(ValueHasher(), "build", template, page, shared) for page in pages]
        assert layered == plain
    assert layered[2] is None  # its rank cannot be read: unkeyable, always rendered
    assert len({layered[0], layered[1], layered[3]}) == 3


def test_template_uses_are_kept_between_builds_until_a_template_changes(tmp_path, monkeypatch):
    import output_writer.template_uses as uses

    sources = {"base.html": "{{ SITENAME }}{% block body %}{% endblock %}",
               "page.html": "{% extends 'base.html' %}{% block body %}{% if page %}{{ page.title }}{% endif %}"
                            "{{ items|length }}{% endblock %}"}

    def templates(source_of):
        env = Environment(loader=DictLoader(dict(source_of)))
        return env, [env.get_template("page.html"), env.get_template("base.html")]

    _env, first = templates(sources)
    uses.preload_uses(first, tmp_path)
    expected = {t.name: uses.variable_uses(t) for t in first}
    assert expected["page.html"]["items"] is not None and len(list(tmp_path.iterdir())) == 1
    kept = next(tmp_path.iterdir())

    worked_out = []
    real = uses._read_uses
    monkeypatch.setattr(uses, "_read_uses", lambda env, name: worked_out.append(name) or real(env, name))
    _env, again = templates(sources)  # the next build: a new environment, the same theme
    uses.preload_uses(again, tmp_path)
    assert {t.name: uses.variable_uses(t) for t in again} == expected and worked_out == []

    edited = {**sources, "base.html": "{{ SITENAME }}{{ tagline }}{% block body %}{% endblock %}"}
    _env, changed = templates(edited)
    uses.preload_uses(changed, tmp_path)
    assert sorted(worked_out) == ["base.html", "page.html"]
    assert "tagline" in uses.variable_uses(changed[0]) and not kept.exists()

    next(tmp_path.iterdir()).write_bytes(b"damaged")
    worked_out.clear()
    _env, damaged = templates(edited)
    uses.preload_uses(damaged, tmp_path)
    assert sorted(worked_out) == ["base.html", "page.html"]
    assert uses.variable_uses(damaged[0]) == uses.variable_uses(changed[0])


def test_the_theme_key_follows_extension_code_and_gives_up_on_unreadable_templates(tmp_path, monkeypatch):
    import importlib
    import sys

    from jinja2 import FileSystemLoader
    from output_writer.template_uses import _theme_key, preload_uses, variable_uses

    module = tmp_path / "made_up_tags.py"
    module.write_text("from jinja2.ext import Extension\nclass Tags(Extension):\n    tags = {'x'}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    tags = importlib.import_module("made_up_tags")
    env = Environment(loader=DictLoader({"page.html": "{{ title }}"}), extensions=[tags.Tags])
    before = _theme_key(env)
    module.write_text(module.read_text(encoding="utf-8") + "# parse() changed\n", encoding="utf-8")
    assert before is not None and _theme_key(env) != before
    sys.modules.pop("made_up_tags", None)

    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.html").write_text("{{ title }}", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\x00\x87\xff binary")
    env = Environment(loader=FileSystemLoader(str(folder)))
    assert _theme_key(env) is None
    page = env.get_template("page.html")
    preload_uses([page], tmp_path / "cache")  # no cache kept, and no failed build either
    assert variable_uses(page) == {"title": None} and not (tmp_path / "cache").exists()


def test_a_digest_does_not_depend_on_what_was_hashed_before_or_how_the_work_was_shared():
    from output_writer.parallel_digests import _shallow_share

    story = SimpleNamespace(title="Story", related=[])
    columns = [article(f"C{n}", f"/c/c{n}.md", stories=[story]) for n in range(3)]
    story.related = columns
    after_first = ValueHasher()
    after_first.digest(columns[0])
    after_first.digest(story)
    assert after_first.digest(columns[1]) == ValueHasher().digest(columns[1])
    assert after_first.digest(story) == ValueHasher().digest(story)
    position = {id(c): n for n, c in enumerate(columns)}
    one_pass = _shallow_share(ValueHasher(), columns, position)  # the child ahead
    shares = [_shallow_share(ValueHasher(), columns[k::2], position) for k in (0, 1)]  # two workers
    assert [one_pass[0], one_pass[2]] == shares[0] and [one_pass[1]] == shares[1]


def test_a_set_hashes_the_same_in_every_process_whatever_its_hash_order():
    """A story's premium details and the set of tags with pages are sets: read by a template,
    their digest once followed the process's string hashing, so story pages got new keys on
    every build."""
    import subprocess
    import sys

    code = ("import sys; sys.path.insert(0, 'plugins'); from types import SimpleNamespace; "
            "from output_writer.page_keys import ValueHasher; "
            "names = frozenset(f'detail-{n}' for n in range(40)); "
            "print(ValueHasher().digest(names).hex(), ValueHasher().digest(set(names)).hex(), "
            "ValueHasher().digest(SimpleNamespace(details=names, slugs=set(names))).hex())")
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                           env={"PYTHONHASHSEED": str(seed), "PATH": "/usr/bin:/bin"}).stdout
            for seed in (1, 2, 3)}
    assert len(seen) == 1, seen


def test_templates_sharing_a_base_and_partials_are_parsed_once_each(monkeypatch):
    from output_writer.template_uses import variable_uses

    loader = DictLoader({
        "base.html": "<title>{{ SITENAME }}</title>{% block body %}{% endblock %}{% include 'foot.html' %}",
        "foot.html": "<footer>{{ FOOTER }}</footer>",
        "one.html": "{% extends 'base.html' %}{% block body %}{{ article.title }}{% endblock %}",
        "two.html": "{% extends 'base.html' %}{% block body %}{{ articles|length }}{% endblock %}",
    })
    env = Environment(loader=loader)
    parsed = []
    real = env.parse
    monkeypatch.setattr(env, "parse", lambda source, name=None, filename=None: parsed.append(name) or real(
        source, name, filename))
    one, two = variable_uses(env.get_template("one.html")), variable_uses(env.get_template("two.html"))
    assert sorted(parsed) == ["base.html", "foot.html", "one.html", "two.html"]
    assert {"SITENAME", "FOOTER", "article"} <= set(one) and {"SITENAME", "FOOTER", "articles"} <= set(two)
    assert "articles" not in one and "article" not in two


def test_dates_and_dict_subclasses_hash_by_their_value():
    """Pelican's dates are a datetime subclass with an empty __dict__: hashed by that dict, every
    date hashed the same, and a column moved to another time kept its old <time> element."""
    import collections

    from pelican.utils import SafeDatetime

    morning = article("A", "/c/a.md", date=SafeDatetime(2025, 3, 1, 9, 0))
    evening = article("A", "/c/a.md", date=SafeDatetime(2025, 3, 1, 17, 0))
    assert ValueHasher().digest(morning) != ValueHasher().digest(evening)
    assert ValueHasher().digest(SafeDatetime(2025, 3, 1)) != ValueHasher().digest(SafeDatetime(2025, 3, 20))
    assert ValueHasher().digest(SafeDatetime(2025, 3, 1)) == ValueHasher().digest(SafeDatetime(2025, 3, 1))
    holder = SimpleNamespace(counts=collections.Counter(a=1))
    before = ValueHasher().digest(holder)
    holder.counts["a"] = 2
    assert ValueHasher().digest(holder) != before
    hasher = ValueHasher()
    assert hasher.digest(0.0) != hasher.digest(-0.0)
