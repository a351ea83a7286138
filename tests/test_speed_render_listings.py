"""Listing pages depend on what they show, not on every column of the listing (template_uses.py,
projections.py): an edit re-renders the listing pages that show the column and keeps the rest,
and the output stays that of a cold build."""

from __future__ import annotations

import hashlib
import itertools
import re
import shutil
from pathlib import Path

import output_writer.writer as writer_module
import pytest
from conftest import build
from jinja2 import DictLoader, Environment
from output_writer.page_keys import ValueHasher, page_key
from output_writer.template_uses import Use, variable_uses
from pelican.contents import Article
from pelican.paginator import Paginator

# A column in neither of the home page's rails (Most Popular, Editor's Picks): every home page
# depends on those (only page 1 shows them, but its test is no plain variable), so an edit of
# a popular column renders every home page.
EDITED_SOURCE = "columns/2026/how-we-fact-check-a-campaign-promise.md"
EDITED_URL = "columns/how-we-fact-check-a-campaign-promise/"
OTHER_SOURCE = "columns/2025/a-newsroom-in-a-suitcase.md"
# Paginated listings: home, archive, sections, authors, tags (pages 2... of each).
LISTING_PAGE = re.compile(r"(^|/)page/\d+/index\.html$")
SMALL_PAGES = {"DEFAULT_PAGINATION": 3, "DEFAULT_ORPHANS": 0}


def digest(output: Path) -> dict[str, str]:
    return {str(p.relative_to(output)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(output.rglob("*")) if p.is_file()}


@pytest.fixture
def rendered_paths(monkeypatch) -> list[list[str]]:
    """The output-relative paths each build renders (after unchanged pages were kept)."""
    builds: list[list[str]] = []
    render_all = writer_module.render_all

    def recording(jobs, *args, **kwargs):
        builds.append(sorted(re.sub(r"^.*?\.[^/]*building-\d+/", "", job.path) for job in jobs))
        return render_all(jobs, *args, **kwargs)

    monkeypatch.setattr(writer_module, "render_all", recording)
    return builds


@pytest.fixture
def columns_only(content_copy) -> Path:
    """The demo content without its story pages. A column in a story points at the story and the
    story back at its columns: such a cycle makes a value unkeyable (page_keys.py), and every
    page showing those columns is then rendered whatever changed."""
    shutil.rmtree(content_copy / "stories")
    return content_copy


def built(output: Path, content: Path, **overrides):
    overrides.setdefault("CACHE_ROOT", str(output.parent / ".cache"))
    result = build(output, content, **SMALL_PAGES, **overrides)
    assert result.ok, "\n".join(result.errors)
    return result


def listings_showing(output: Path, url: str) -> set[str]:
    return {str(p.relative_to(output)) for p in output.rglob("index.html")
            if LISTING_PAGE.search(str(p.relative_to(output))) and f'/{url}"' in p.read_text(encoding="utf-8")}


def all_listing_pages(output: Path) -> set[str]:
    return {str(p.relative_to(output)) for p in output.rglob("index.html")
            if LISTING_PAGE.search(str(p.relative_to(output)))}


def columns_linking_to(output: Path, url: str) -> set[str]:
    """URLs of the column pages with a link to `url` (a related card, a story backlink)."""
    return {str(p.parent.relative_to(output)) + "/" for p in (output / "columns").glob("*/index.html")
            if str(p.parent.relative_to(output)) + "/" != url and f'/{url}"' in p.read_text(encoding="utf-8")}


def test_a_body_edit_keeps_the_listing_pages_that_do_not_show_the_column(columns_only, tmp_path, rendered_paths):
    output = tmp_path / "out"
    built(output, columns_only)
    listings = all_listing_pages(output)
    before = columns_linking_to(output, EDITED_URL)

    source = columns_only / EDITED_SOURCE
    source.write_text(source.read_text(encoding="utf-8") + "\nOne more paragraph of the body.\n", encoding="utf-8")
    warm = built(output, columns_only)
    rendered = set(rendered_paths[-1])
    assert EDITED_URL + "index.html" in rendered
    # A listing shows each column as a teaser; a column counts with the cards it points at, so
    # the listings showing a column whose cards include the edited one may be rendered too.
    may_change = {page for url in {EDITED_URL} | before | columns_linking_to(output, EDITED_URL)
                  for page in listings_showing(output, url)}
    # A section page shows its section's Most Popular list, read from the lists of every section
    # (`most_popular_by_section[section]`): it counts whole, so those pages may be rendered too.
    rails = {page for page in listings if 'class="popular"' in (output / page).read_text(encoding="utf-8")}
    untouched = listings - may_change - rails
    assert len(untouched) > 5
    assert not rendered & untouched, sorted(rendered & untouched)
    assert warm.pages_kept > len(untouched)

    cold = tmp_path / "cold"
    built(cold, columns_only, CACHE_ROOT=str(tmp_path / ".cache-cold"))
    assert digest(output) == digest(cold)


def test_a_title_edit_rerenders_exactly_the_listing_pages_that_show_the_column(columns_only, tmp_path,
                                                                                rendered_paths):
    output = tmp_path / "out"
    built(output, columns_only)
    showing = listings_showing(output, EDITED_URL)
    listings = all_listing_pages(output)

    source = columns_only / EDITED_SOURCE
    source.write_text(source.read_text(encoding="utf-8").replace(
        "title: How we fact-check a campaign promise", "title: How we check a promise"), encoding="utf-8")
    built(output, columns_only)
    rendered_listings = set(rendered_paths[-1]) & listings
    rails = {page for page in listings if 'class="popular"' in (output / page).read_text(encoding="utf-8")}
    assert showing <= rendered_listings <= showing | rails
    assert rendered_listings - rails == showing - rails
    for page in showing:
        assert "How we check a promise" in (output / page).read_text(encoding="utf-8")

    cold = tmp_path / "cold"
    built(cold, columns_only, CACHE_ROOT=str(tmp_path / ".cache-cold"))
    assert digest(output) == digest(cold)


def test_a_new_column_rerenders_every_page_of_its_listings_and_matches_a_cold_build(columns_only, tmp_path,
                                                                                     rendered_paths):
    output = tmp_path / "out"
    built(output, columns_only)
    source = columns_only / OTHER_SOURCE
    text = source.read_text(encoding="utf-8")
    newest = (columns_only / "columns" / "2026" / "a-late-addition.md")
    newest.write_text(text.replace("title: A newsroom in a suitcase", "title: A late addition")
                      .replace("date: 2025-10-14 10:00 +04:00", "date: 2026-11-19 10:00 +04:00"), encoding="utf-8")
    built(output, columns_only)
    # every home page shifts by one column: all are rendered
    home_pages = {p for p in all_listing_pages(output) if p.startswith("page/")}
    assert home_pages and home_pages <= set(rendered_paths[-1])
    cold = tmp_path / "cold"
    built(cold, columns_only, CACHE_ROOT=str(tmp_path / ".cache-cold"))
    assert digest(output) == digest(cold)


# --- the analysis and the keys, without Pelican's build ---------------------------------

TEMPLATES = {
    "base.html": "<title>{{ SITENAME }}</title>{% block content %}{% endblock %}",
    "listing.html": (
        "{% extends 'base.html' %}{% block content %}"
        "<p>{{ articles|length }} columns</p>"
        "{% set items = articles_page.object_list if articles_page else dates %}"
        "{% for article in items %}{% include '_teaser.html' %}{% endfor %}"
        "{% include '_pagination.html' %}{% endblock %}"),
    "_teaser.html": "<h3>{{ article.title }}</h3>",
    "_pagination.html": (
        "{% if articles_page and articles_page.has_other_pages() %}"
        "{% if articles_page.has_previous() %}<a href='{{ articles_previous_page.url }}'>newer</a>{% endif %}"
        "Page {{ articles_page.number }} of {{ articles_paginator.num_pages }}"
        "{% if articles_page.has_next() %}<a href='{{ articles_next_page.url }}'>older</a>{% endif %}"
        "{% endif %}"),
    "everything.html": ("{% for a in articles_paginator.object_list %}{{ a.title }}{% endfor %}"
                        "{{ articles_page.number }}"),
    "rail.html": ("{% if articles_page.number == 1 and not hide_rail %}{% for a in rail %}{{ a }}{% endfor %}"
                  "{% else %}{{ articles_page.number }}{% endif %}"),
    "assigned.html": "{% set flag = other %}{{ x if flag else y }}",
    "loop.html": "{% for i in items %}{% if loop.first %}{{ first_only }}{% endif %}{% endfor %}",
}
SETTINGS = {"DEFAULT_ORPHANS": 0,
            "PAGINATION_PATTERNS": [(1, "{url}", "{save_as}"),
                                    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html")]}


def environment() -> Environment:
    return Environment(loader=DictLoader(TEMPLATES))


def column(number: int, title: str | None = None, body: str = "<p>Body</p>") -> Article:
    return Article(body, metadata={"title": title or f"Column {number}", "slug": f"c{number}"},
                   source_path=f"/content/c{number}.md")


def listing_contexts(articles: list[Article], per_page: int = 3) -> list[dict]:
    """The contexts Pelican's Writer.write_file gives each page of a paginated listing."""
    from pelican.paginator import PaginationRule

    settings = {**SETTINGS, "PAGINATION_PATTERNS": [PaginationRule(*p) for p in SETTINGS["PAGINATION_PATTERNS"]]}
    paginator = Paginator("index.html", "", articles, settings, per_page)
    contexts = []
    for number in range(1, paginator.num_pages + 1):
        contexts.append({
            "SITENAME": "Site", "articles": articles, "dates": articles,
            "articles_paginator": paginator, "articles_page": paginator.page(number),
            "articles_previous_page": paginator.page(number - 1) if number > 1 else None,
            "articles_next_page": paginator.page(number + 1) if number < paginator.num_pages else None,
        })
    return contexts


def keys_and_pages(template_name: str, articles: list[Article]) -> list[tuple[str | None, str]]:
    template = environment().get_template(template_name)
    hasher = ValueHasher()
    return [(page_key(hasher, "build", template, context), template.render(context))
            for context in listing_contexts(articles)]


def test_the_analysis_finds_projections_guards_and_whole_uses():
    env = environment()
    uses = variable_uses(env.get_template("listing.html"))
    assert uses["articles"] == (Use("len"),)
    assert Use("attr", "object_list", ((("name", "articles_page"), True),)) in uses["articles_page"]
    assert {Use("call", "has_next"), Use("attr", "number"), Use("bool")} <= set(uses["articles_page"])
    assert uses["dates"] == (Use("whole", None, ((("name", "articles_page"), False),)),)
    assert uses["articles_paginator"] == (Use("attr", "num_pages"),)
    assert uses["SITENAME"] is None  # printed: whole
    # a loop over the paginator's list depends on that whole list
    assert variable_uses(env.get_template("everything.html"))["articles_paginator"] == (Use("attr", "object_list"),)
    # a name some template assigns is no guard: `flag` may not be the context's
    assigned = variable_uses(env.get_template("assigned.html"))
    assert assigned["x"] is None and assigned["y"] is None
    # nor is a variable Jinja makes (`loop`): the page has no such value to test
    assert variable_uses(env.get_template("loop.html"))["first_only"] is None


def test_a_column_edit_changes_the_keys_of_the_pages_that_show_it_only():
    columns = [column(n) for n in range(10)]
    before = keys_and_pages("listing.html", columns)
    edited = [*columns[:7], column(7, "Retitled"), *columns[8:]]
    after = keys_and_pages("listing.html", edited)
    changed = [n for n, (old, new) in enumerate(zip(before, after, strict=True)) if old[0] != new[0]]
    assert changed == [2]  # column 7 is on page 3 (3 per page)
    assert before[2][1] != after[2][1]


def test_a_value_shown_only_on_the_first_page_counts_on_the_first_page_only():
    template = environment().get_template("rail.html")
    contexts = listing_contexts([column(n) for n in range(7)])

    def keys(rail, hide_rail=False):
        return [page_key(ValueHasher(), "build", template, {**c, "rail": rail, "hide_rail": hide_rail})
                for c in contexts]

    first, other = keys(["a", "b"]), keys(["a", "c"])
    assert first[0] != other[0] and first[1:] == other[1:]
    assert keys(["a"], hide_rail=True) == keys(["b"], hide_rail=True)  # the rail shows on no page
    assert keys(["a"], hide_rail=True)[0] != first[0]  # the branch taken is in the key


def test_a_listing_that_loops_over_the_whole_paginator_depends_on_every_column():
    columns = [column(n) for n in range(10)]
    before = keys_and_pages("everything.html", columns)
    after = keys_and_pages("everything.html", [*columns[:9], column(9, "Retitled")])
    assert all(old[0] != new[0] for old, new in zip(before, after, strict=True))


@pytest.mark.parametrize("template_name", ["listing.html", "everything.html", "rail.html"])
def test_an_equal_key_always_means_an_equal_page(template_name):
    """Against rendering itself: for many edits of a listing, pages with unchanged keys render
    the same bytes (the straightforward rule the keys stand in for)."""
    base = [column(n) for n in range(8)]
    variants = {
        "same": base,
        "equal copies": [column(n) for n in range(8)],
        "body edit": [*base[:4], column(4, body="<p>Other body</p>"), *base[5:]],
        "title edit": [*base[:1], column(1, "New title"), *base[2:]],
        "one more": [*base, column(8)],
        "one fewer": base[:-1],
        "reordered": [base[1], base[0], *base[2:]],
        "one page": base[:3],
        "empty": [],
    }
    pages = {name: keys_and_pages(template_name, columns) for name, columns in variants.items()}
    compared = 0
    for first, second in itertools.permutations(pages, 2):
        for (key_a, page_a), (key_b, page_b) in zip(pages[first], pages[second], strict=False):
            assert key_a is not None
            if key_a == key_b:
                compared += 1
                assert page_a == page_b, (first, second)
    assert compared > 0
