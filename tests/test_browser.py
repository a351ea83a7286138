"""Real Chromium (Debian's) through Playwright: axe-core, console errors, no-JS, small screens."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from browser import CHROMIUM_ARGS, chromium_path, describe_violations, run_axe, serve_directory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# One of each page type; the story page joins when stories exist in the demo content.
PAGES = {
    "home": "/",
    "column": "/columns/the-quiet-arithmetic-of-foreign-agent-laws/",
    "column without cover": "/columns/kto-platit-za-tishinu/",
    "section": "/section/commentary/",
    "author": "/author/nino-kapanadze/",
    "author without photo": "/author/elvin-huseynov/",
    "tag": "/tag/press-freedom/",
    "archive": "/archive/",
    "page": "/about/",
}


@pytest.fixture(scope="module")
def site_url(demo_site):
    with serve_directory(demo_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def story_pages(demo_site) -> dict[str, str]:
    stories = sorted((demo_site / "stories").glob("*/index.html")) if (demo_site / "stories").exists() else []
    return {"story": "/" + str(stories[0].parent.relative_to(demo_site)) + "/"} if stories else {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations(browser, site_url, demo_site, scheme):
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    failures = []
    for name, path in {**PAGES, **story_pages(demo_site)}.items():
        response = page.goto(site_url + path)
        assert response and response.ok, f"{name} page {path} did not load"
        violations = run_axe(page)
        if violations:
            failures.append(describe_violations(f"{name} ({scheme}) {path}", violations))
    context.close()
    assert not failures, "\n".join(failures)


def test_column_page_loads_cleanly_and_only_from_this_site(browser, site_url):
    context = browser.new_context()
    page = context.new_page()
    console_errors: list[str] = []
    requests: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(site_url + PAGES["column"], wait_until="networkidle")
    assert console_errors == []
    assert failed == []
    own_host = urlsplit(site_url).netloc
    assert requests and all(urlsplit(u).netloc == own_host for u in requests if u.startswith("http"))
    assert page.locator("h1").inner_text().startswith("The quiet arithmetic")
    context.close()


def test_pages_work_without_javascript(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + PAGES["column"])
    assert page.locator("article .column__body p").count() > 3
    page.goto(site_url + "/")
    page.get_by_role("navigation", name="Sections").get_by_role("link").first.click()
    assert "/section/" in page.url
    context.close()


@pytest.mark.parametrize("path", [PAGES["home"], PAGES["column"], PAGES["author"]])
def test_no_horizontal_scroll_at_320_px(browser, site_url, path):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(site_url + path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px wide"


def test_axe_does_report_violations(browser, tmp_path):
    """Guards the axe test: a page with known problems must produce violations."""
    (tmp_path / "index.html").write_text(
        "<!doctype html><html><title>x</title><img src='a.png'><a href='/'></a>", encoding="utf-8"
    )
    with serve_directory(tmp_path) as url:
        page = browser.new_page()
        page.goto(url + "/")
        ids = {v["id"] for v in run_axe(page)}
        page.close()
    assert {"image-alt", "html-has-lang", "link-name"} <= ids


def test_membership_block_is_a_named_landmark_with_a_real_button(browser, site_url):
    page = browser.new_page()
    page.goto(site_url + PAGES["column"])
    headline = page.locator("article .column__body aside.cta .cta__headline").inner_text()
    block = page.get_by_role("complementary", name=headline)
    assert block.is_visible()
    button = block.get_by_role("link").last
    box = button.bounding_box()
    assert box and box["width"] >= 24 and box["height"] >= 24
    assert button.get_attribute("href").startswith("/")
    page.emulate_media(media="print")
    assert not block.is_visible(), "the membership block should not print"
    page.close()


def test_story_distribution_is_readable_without_colour(browser, site_url, demo_site):
    stories = story_pages(demo_site)
    assert stories, "the demo site has no story page"
    page = browser.new_page()
    page.goto(site_url + stories["story"])
    # drain all colour: the legend must still say every side's share in words and numbers
    page.add_style_tag(content="* { filter: grayscale(1) !important; }")
    legend = page.locator(".bias__legend").first
    assert legend.is_visible()
    items = legend.locator(".bias__item").all_inner_texts()
    labels = ["Left", "Lean left", "Center", "Lean right", "Right"]
    assert all(any(t.startswith(label) for t in items) for label in labels)
    percents = [int(t.split("%")[0].split()[-1]) for t in items if "%" in t]
    assert sum(percents) == 100
    page.close()
