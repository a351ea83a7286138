"""Bad input in content/cta.yml and in a column's `cta:`: file, line, field and message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import build
from content_model import validate_content
from cta import validate_cta
from cta.settings import CtaSettings, CtaSettingsError
from cta.variants import load_variants

TZ = dt.UTC
GOOD_DEFAULT = """\
- id: default
  default: true
  headline: Join us
  button:
    label: Become a member
    url: /membership/
"""


def problems(content: Path, cta_yml: str | None = None) -> list[str]:
    if cta_yml is not None:
        (content / "cta.yml").write_text(cta_yml, encoding="utf-8")
    index, errors = validate_content(content, TZ)
    assert errors == [], errors  # the rest of the demo content is fine
    return [str(error) for error in sorted(validate_cta(index, {"PATH": str(content), "TIMEZONE": "UTC"}))]


def only(content: Path, cta_yml: str) -> str:
    found = problems(content, cta_yml)
    assert len(found) == 1, found
    return found[0]


def test_demo_content_is_valid(content_copy):
    assert problems(content_copy) == []


def test_unknown_variant_in_a_column(content_copy):
    column = content_copy / "columns/2025/gyumri-after-the-festival.md"
    text = column.read_text(encoding="utf-8")
    column.write_text(text.replace("status: published", "cta: press-fredom\nstatus: published", 1), encoding="utf-8")
    assert problems(content_copy) == [
        "content/columns/2025/gyumri-after-the-festival.md:8: cta: unknown call-to-action variant "
        "'press-fredom'; did you mean 'press-freedom'? (or write 'none')"
    ]


def test_column_may_not_pick_upsell_copy(content_copy):
    column = content_copy / "columns/2025/gyumri-after-the-festival.md"
    text = column.read_text(encoding="utf-8")
    column.write_text(text.replace("status: published", "cta: story-details\nstatus: published", 1), encoding="utf-8")
    assert problems(content_copy) == [
        "content/columns/2025/gyumri-after-the-festival.md:8: cta: variant 'story-details' is reserved "
        "for upsell: story_details; choose a column variant"
    ]


def test_rule_naming_unknown_section_and_author(content_copy):
    yml = GOOD_DEFAULT + """\
- id: economics
  headline: Money
  button: {label: Join, url: /membership/}
  target:
    sections: [economics]
    authors:
      - nino-kapanadze
      - nobody-here
"""
    assert problems(content_copy, yml) == [
        "content/cta.yml:11: economics: target.sections: unknown section 'economics'; did you mean 'economy'?",
        "content/cta.yml:14: economics: target.authors: unknown author 'nobody-here' (known: anahit-sargsyan, "
        "armen-hovsepyan, elvin-huseynov, giorgi-beridze, leyla-mammadova, nino-kapanadze, tamar-lomidze)",
    ]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "'javascript:alert(1)' uses a scheme that can run code; use an https:// link"),
        ("ftp://example.org/join", "'ftp://example.org/join' is not an allowed link (http(s)://, mailto: or a "
                                   "site path like /about/)"),
        ("membership/", "'membership/' is relative to the page it is on; start site paths with /, e.g. /membership/"),
        ("//evil.example/join", "'//evil.example/join' is not an allowed link (http(s)://, mailto: or a site "
                                "path like /about/)"),
    ],
)
def test_button_url_must_be_safe(content_copy, url, message):
    yml = GOOD_DEFAULT.replace("url: /membership/", f"url: '{url}'")
    assert only(content_copy, yml) == f"content/cta.yml:6: default: button.url: {message}"


def test_good_button_urls(content_copy):
    for url in ("https://ridgeledger.example/join", "mailto:members@ridgeledger.example", "/membership/"):
        assert problems(content_copy, GOOD_DEFAULT.replace("/membership/", url)) == []


def test_missing_headline_and_button(content_copy):
    yml = GOOD_DEFAULT + """\
- id: no-headline
  button: {label: Join, url: /membership/}
- id: no-button
  headline: Join
- id: no-label
  headline: Join
  button:
    url: /membership/
- id: empty-url
  headline: Join
  button: {label: Join, url: ''}
"""
    assert problems(content_copy, yml) == [
        "content/cta.yml:7: no-headline: headline: is required",
        "content/cta.yml:9: no-button: button: is required",
        "content/cta.yml:13: no-label: button.label: is required",
        "content/cta.yml:17: empty-url: button.url: is empty",
    ]


def test_no_default_and_two_defaults(content_copy):
    assert only(content_copy, GOOD_DEFAULT.replace("  default: true\n", "")) == (
        "content/cta.yml:1: default: no default variant; add 'default: true' to the variant shown when no "
        "targeted one matches")
    second = GOOD_DEFAULT.replace("id: default", "id: other")
    assert only(content_copy, GOOD_DEFAULT + second) == (
        "content/cta.yml:8: other: default: 'default' is already the default; only one variant can be")


def test_bad_dates(content_copy):
    yml = GOOD_DEFAULT + """\
- id: someday
  headline: Join
  button: {label: Join, url: /membership/}
  start: next tuesday
- id: backwards
  headline: Join
  button: {label: Join, url: /membership/}
  start: 2026-12-31
  end: 2026-12-01
"""
    assert problems(content_copy, yml) == [
        "content/cta.yml:10: someday: start: 'next tuesday' is not a date; write it as 2025-07-10 09:00 "
        "+04:00 (date, time, UTC offset)",
        "content/cta.yml:15: backwards: end: is not after start; the variant would never show",
    ]


def test_bad_placement_duplicate_id_and_reserved_id(content_copy):
    yml = GOOD_DEFAULT + """\
- id: middle
  headline: Join
  button: {label: Join, url: /membership/}
  placement: middle
- id: middle
  headline: Join again
  button: {label: Join, url: /membership/}
- id: none
  headline: Join
  button: {label: Join, url: /membership/}
- id: zero
  headline: Join
  button: {label: Join, url: /membership/}
  placement: {after_paragraph: 0}
"""
    assert problems(content_copy, yml) == [
        "content/cta.yml:10: middle: placement: 'middle' should be top, end, or after_paragraph: N (N a whole "
        "number from 1)",
        "content/cta.yml:11: middle: id: variant 'middle' is listed twice; ids must be unique",
        "content/cta.yml:14: none: id: 'none' is reserved (it means 'no call-to-action'); choose another id",
        "content/cta.yml:20: zero: placement: '{'after_paragraph': 0}' should be top, end, or after_paragraph: "
        "N (N a whole number from 1)",
    ]


def test_unsafe_pitch_links_and_images(content_copy):
    yml = GOOD_DEFAULT + """\
  pitch: |
    Read [our pledge](javascript:alert(1)) and ![logo](https://tracker.example/p.gif).
"""
    assert problems(content_copy, yml) == [
        "content/cta.yml:7: default: pitch: contains an image ('https://tracker.example/p.gif'); a pitch is "
        "text only",
        "content/cta.yml:7: default: pitch: link 'javascript:alert(1)' uses a scheme that can run code; use "
        "an https:// link",
    ]


def test_yaml_syntax_error_is_reported_once(content_copy):
    column = content_copy / "columns/2025/gyumri-after-the-festival.md"
    text = column.read_text(encoding="utf-8")
    column.write_text(text.replace("status: published", "cta: default\nstatus: published", 1), encoding="utf-8")
    found = problems(content_copy, GOOD_DEFAULT + "- id: [unclosed\n")
    assert len(found) == 1 and found[0].startswith("content/cta.yml:8: yaml: syntax error")


def test_a_site_without_cta_yml_has_no_block_but_names_are_still_checked(content_copy):
    (content_copy / "cta.yml").unlink()
    loaded, errors = load_variants(content_copy, TZ)
    assert (loaded.present, loaded.variants, errors) == (False, [], [])
    column = content_copy / "columns/2026/how-we-fact-check-a-campaign-promise.md"
    assert problems(content_copy) == [
        "content/columns/2026/how-we-fact-check-a-campaign-promise.md:10: cta: unknown call-to-action variant "
        "'default': there is no content/cta.yml (or write 'none')"
    ]
    assert "cta: default" in column.read_text(encoding="utf-8")


def test_build_fails_listing_every_cta_problem(content_copy, tmp_path):
    (content_copy / "cta.yml").write_text(GOOD_DEFAULT.replace("/membership/", "javascript:void(0)")
                                          .replace("  headline: Join us\n", ""), encoding="utf-8")
    result = build(tmp_path / "out", content_copy)
    assert not result.ok
    report = "\n".join(result.errors)
    assert "content/cta.yml:1: default: headline: is required" in report
    assert "content/cta.yml:5: default: button.url: 'javascript:void(0)' uses a scheme that can run code" in report
    assert "content/columns/2026/how-we-fact-check-a-campaign-promise.md:10: cta:" not in report


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"CTA_FEED_FOOTER": "yes"}, "CTA_FEED_FOOTER should be True or False, not 'yes'"),
        ({"CTA_BANNER_PAGES": "home"}, "CTA_BANNER_PAGES should be a list such as ['home', 'section'], not 'home'"),
        ({"CTA_BANNER_PAGES": ["home", "tag"]}, "CTA_BANNER_PAGES: unknown page kind 'tag' (known: home, section)"),
    ],
)
def test_bad_settings_name_the_option(settings, message):
    with pytest.raises(CtaSettingsError) as caught:
        CtaSettings.from_settings(settings)
    assert str(caught.value) == message
