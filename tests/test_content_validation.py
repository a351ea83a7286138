"""Every validation case from the foundation issue: message text and line number."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import ROOT, build
from content_model import validate_content

TZ = ZoneInfo("Asia/Tbilisi")

GOOD = """\
---
title: A column on bread prices
date: 2026-03-02 09:00 +04:00
section: economy
authors: [nino-kapanadze]
summary: Why bread costs more this spring.
tags: [Prices]
---

The price of bread is a political fact.
"""


def write(content: Path, rel: str, text: str | bytes) -> Path:
    path = content / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def errors_for(content: Path, rel: str) -> list[str]:
    _, errors = validate_content(content, TZ)
    return [str(e) for e in errors if e.path == f"content/{rel}"]


def test_demo_content_is_valid():
    index, errors = validate_content(ROOT / "content", TZ)
    assert errors == []
    assert len(index.columns) >= 15 and len(index.catalog.authors) >= 6


def test_a_good_column_has_no_errors(content_copy):
    write(content_copy, "columns/2026/bread.md", GOOD)
    assert errors_for(content_copy, "columns/2026/bread.md") == []


def test_yaml_syntax_error_names_its_line(content_copy):
    text = GOOD.replace("summary: Why bread costs more this spring.", "summary: Bread: why it costs more")
    write(content_copy, "columns/2026/bread.md", text)
    assert errors_for(content_copy, "columns/2026/bread.md") == [
        "content/columns/2026/bread.md:6: yaml: syntax error: mapping values are not allowed in this context"
        " (a value containing ': ' must be quoted)"
    ]


@pytest.mark.parametrize("field", ["title", "date", "section", "authors"])
def test_missing_required_field(content_copy, field):
    lines = [line for line in GOOD.splitlines() if not line.startswith(f"{field}:")]
    write(content_copy, "columns/2026/bread.md", "\n".join(lines) + "\n")
    assert f"content/columns/2026/bread.md:2: {field}: is required" in errors_for(
        content_copy, "columns/2026/bread.md"
    )


def test_unparseable_date(content_copy):
    write(content_copy, "columns/2026/bread.md", GOOD.replace("2026-03-02 09:00 +04:00", "2nd of March"))
    assert errors_for(content_copy, "columns/2026/bread.md") == [
        "content/columns/2026/bread.md:3: date: '2nd of March' is not a date; "
        "write it as 2025-07-10 09:00 +04:00 (date, time, UTC offset)"
    ]


def test_dates_take_the_site_time_zone_and_yaml_dates(content_copy):
    write(content_copy, "columns/2026/bread.md", GOOD.replace("2026-03-02 09:00 +04:00", "2026-03-02"))
    index, _ = validate_content(content_copy, TZ)
    assert index.columns["bread"].meta.date.utcoffset().total_seconds() == 4 * 3600


def test_unknown_section_suggests_the_close_one(content_copy):
    write(content_copy, "columns/2026/bread.md", GOOD.replace("section: economy", "section: econmy"))
    assert errors_for(content_copy, "columns/2026/bread.md") == [
        "content/columns/2026/bread.md:4: section: unknown section 'econmy'; did you mean 'economy'?"
    ]


def test_unknown_author_lists_the_known_ones(content_copy):
    write(content_copy, "columns/2026/bread.md", GOOD.replace("[nino-kapanadze]", "[nino-kapanadze, zz]"))
    (message,) = errors_for(content_copy, "columns/2026/bread.md")
    assert message.startswith("content/columns/2026/bread.md:5: authors: unknown author 'zz' (known: ")
    assert "nino-kapanadze" in message


def test_related_slug_that_does_not_exist(content_copy):
    text = GOOD.replace("tags: [Prices]", "tags: [Prices]\nrelated:\n  - a-newsroom-in-a-suitcase\n  - no-such-column")
    write(content_copy, "columns/2026/bread.md", text)
    (message,) = errors_for(content_copy, "columns/2026/bread.md")
    assert message.startswith("content/columns/2026/bread.md:10: related: unknown column slug 'no-such-column'")


def test_related_to_itself(content_copy):
    write(content_copy, "columns/2026/bread.md", GOOD.replace("tags: [Prices]", "tags: [Prices]\nrelated: [bread]"))
    assert errors_for(content_copy, "columns/2026/bread.md") == [
        "content/columns/2026/bread.md:8: related: 'bread' is this column itself"
    ]


def test_duplicate_slug_names_both_files(content_copy):
    write(content_copy, "columns/2025/bread.md", GOOD)
    write(content_copy, "columns/2026/bread.md", GOOD)
    assert errors_for(content_copy, "columns/2026/bread.md") == [
        "content/columns/2026/bread.md:2: slug: 'bread' is already used by content/columns/2025/bread.md; "
        "rename this file or set a different 'slug:'"
    ]


def test_image_that_does_not_exist_and_image_without_alt(content_copy):
    text = GOOD.replace("tags: [Prices]", "tags: [Prices]\nimage: images/nope.jpg")
    write(content_copy, "columns/2026/bread.md", text)
    assert errors_for(content_copy, "columns/2026/bread.md") == [
        "content/columns/2026/bread.md:8: image: file 'images/nope.jpg' not found in content/",
        "content/columns/2026/bread.md:8: image_alt: is required with image: "
        "describe the picture for readers who cannot see it",
    ]


def test_image_path_must_stay_inside_content(content_copy):
    text = GOOD.replace("tags: [Prices]", "tags: [Prices]\nimage: ../pelicanconf.py\nimage_alt: x")
    write(content_copy, "columns/2026/bread.md", text)
    assert errors_for(content_copy, "columns/2026/bread.md") == [
        "content/columns/2026/bread.md:8: image: '../pelicanconf.py' must be a path inside content/, "
        "such as images/2025/photo.jpg"
    ]


def test_file_that_is_not_utf8(content_copy):
    write(content_copy, "columns/2026/bread.md", GOOD.replace("bread is", "br\x00ad").encode("utf-8")
          .replace(b"\x00", b"\xe9"))
    assert errors_for(content_copy, "columns/2026/bread.md") == [
        "content/columns/2026/bread.md:10: file: is not UTF-8 text (bad byte 0xe9); save it as UTF-8 in your editor"
    ]


def test_empty_body(content_copy):
    write(content_copy, "columns/2026/bread.md", GOOD.split("\n\nThe price")[0] + "\n\n   \n")
    assert errors_for(content_copy, "columns/2026/bread.md") == [
        "content/columns/2026/bread.md:9: body: is empty; write the text below the closing '---'"
    ]


def test_front_matter_that_never_closes(content_copy):
    write(content_copy, "columns/2026/bread.md", GOOD.replace("---\n\nThe price", "\nThe price"))
    assert errors_for(content_copy, "columns/2026/bread.md") == [
        "content/columns/2026/bread.md:1: front-matter: never closes: add a line '---' after the last field"
    ]


def test_missing_front_matter(content_copy):
    write(content_copy, "columns/2026/bread.md", "Just a body.\n")
    (message,) = errors_for(content_copy, "columns/2026/bread.md")
    assert message.startswith("content/columns/2026/bread.md:1: front-matter: missing")


@pytest.mark.parametrize("value", ["javascript:alert(1)", " JaVa\tScRiPt:alert(1)", "[x](javascript:alert(1))"])
def test_javascript_url_anywhere_in_front_matter(content_copy, value):
    text = GOOD.replace("summary: Why bread costs more this spring.", f'summary: "{value}"')
    write(content_copy, "columns/2026/bread.md", text)
    assert errors_for(content_copy, "columns/2026/bread.md") == [
        "content/columns/2026/bread.md:6: summary: contains a script URL (javascript:, data: or vbscript:); "
        "use an https:// link"
    ]


def test_javascript_url_in_an_author_link(content_copy):
    links = "  - label: Site\n    url: https://example.org\n  - label: Bad\n    url: javascript:alert(1)\n"
    write(content_copy, "authors/zara.yml", "name: Zara\nlinks:\n" + links)
    assert errors_for(content_copy, "authors/zara.yml") == [
        "content/authors/zara.yml:6: links[2].url: 'javascript:alert(1)' uses a scheme that can run code; "
        "use an https:// link"
    ]


def test_script_url_in_an_author_bio(content_copy):
    write(content_copy, "authors/zara.yml", "name: Zara\nbio: Read [my site](javascript:alert(1)).\n")
    assert errors_for(content_copy, "authors/zara.yml") == [
        "content/authors/zara.yml:2: bio: contains a script URL (javascript:, data: or vbscript:); "
        "use an https:// link"
    ]


def test_script_in_the_body(content_copy):
    write(content_copy, "columns/2026/bread.md", GOOD + "\n<script>alert(1)</script>\n[x](javascript:alert(1))\n")
    assert errors_for(content_copy, "columns/2026/bread.md") == [
        "content/columns/2026/bread.md:12: body: contains a <script> tag or an on...= event handler; remove it",
        "content/columns/2026/bread.md:13: body: links to a script URL (javascript:, data:); use an https:// link",
    ]


def test_unknown_field_suggests_the_right_name(content_copy):
    write(content_copy, "columns/2026/bread.md", GOOD.replace("summary:", "sumary:"))
    assert errors_for(content_copy, "columns/2026/bread.md") == [
        "content/columns/2026/bread.md:6: sumary: unknown field; did you mean 'summary'?"
    ]


def test_duplicate_key(content_copy):
    write(content_copy, "columns/2026/bread.md", GOOD.replace("tags: [Prices]", "tags: [Prices]\ntitle: Again"))
    assert "content/columns/2026/bread.md:8: title: is given twice; keep one" in errors_for(
        content_copy, "columns/2026/bread.md"
    )


def test_updated_before_date(content_copy):
    write(content_copy, "columns/2026/bread.md", GOOD.replace("tags:", "updated: 2026-01-01 10:00 +04:00\ntags:"))
    assert errors_for(content_copy, "columns/2026/bread.md") == [
        "content/columns/2026/bread.md:7: updated: is earlier than date; it should be when the column was last changed"
    ]


def test_section_and_author_registry_errors(content_copy):
    sections = "- id: economy\n  name: Economy\n- id: Bad Id\n  name: X\n- id: economy\n  name: Y\n"
    write(content_copy, "sections.yml", sections)
    write(content_copy, "authors/zara.yml", "role: Columnist\n")
    _, errors = validate_content(content_copy, TZ)
    messages = [str(e) for e in errors]
    assert "content/sections.yml:3: id: 'Bad Id' must be lowercase letters, digits and hyphens" in messages
    assert "content/sections.yml:5: id: section 'economy' is listed twice" in messages
    assert "content/authors/zara.yml:1: name: is required" in messages


def test_every_problem_in_every_file_is_reported_at_once(content_copy, tmp_path):
    write(content_copy, "columns/2026/a.md", GOOD.replace("section: economy", "section: nope"))
    write(content_copy, "columns/2026/b.md", GOOD.replace("date: 2026-03-02 09:00 +04:00", "date: soon"))
    write(content_copy, "columns/2026/c.md", b"---\ntitle: \xff\n---\nbody\n")
    result = build(tmp_path / "out", content_copy)
    assert not result.ok
    report = result.errors[0]
    assert report.startswith("3 content problems found; nothing was published:")
    assert "content/columns/2026/a.md:4: section: unknown section 'nope'" in report
    assert "content/columns/2026/b.md:3: date: 'soon' is not a date" in report
    assert "content/columns/2026/c.md:2: file: is not UTF-8 text" in report


def test_failed_build_keeps_the_previous_output(content_copy, tmp_path):
    output = tmp_path / "out"
    assert build(output, content_copy).ok
    before = {p.relative_to(output): p.read_bytes() for p in output.rglob("*") if p.is_file()}
    write(content_copy, "columns/2026/bread.md", GOOD.replace("authors: [nino-kapanadze]", "authors: [ghost]"))
    result = build(output, content_copy)
    assert not result.ok
    after = {p.relative_to(output): p.read_bytes() for p in output.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")], "staging folder left behind"


def test_invoke_build_exits_non_zero_and_prints_every_error(content_copy, tmp_path):
    write(content_copy, "columns/2026/bread.md", GOOD.replace("section: economy", "section: nope"))
    settings = tmp_path / "conf.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\nPATH = {str(content_copy)!r}\n",
        encoding="utf-8",
    )
    code = (
        "import sys; sys.path.insert(0, 'plugins');"
        "from site_build import build_site;"
        f"r = build_site({str(settings)!r}, {{'OUTPUT_PATH': {str(tmp_path / 'out')!r}}});"
        "print(*r.errors, sep='\\n', file=sys.stderr); sys.exit(0 if r.ok else 1)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "content/columns/2026/bread.md:4: section: unknown section 'nope'" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_the_invoke_build_task_reports_and_exits_with_the_build_outcome(content_copy, tmp_path):
    # the task ends the process itself (without Python's teardown): its output and exit code
    # must still be complete
    settings = tmp_path / "conf.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\nPATH = {str(content_copy)!r}\n"
        f"CACHE_ROOT = {str(tmp_path / '.cache')!r}\n",
        encoding="utf-8",
    )
    code = (
        "import gc, pathlib, sys, tasks; from invoke import Context; import site_build.memory as m;"
        "sys.argv = ['invoke', 'build'];"  # as `invoke build` runs it: the task ends the process
        # the collector stays off to the end: the exit frees the build's cycles at no cost
        "exit = m.exit_without_teardown;"
        "m.exit_without_teardown = lambda code: (print('collector on:', gc.isenabled()), exit(code));"
        f"tasks._settings_file = lambda prod: pathlib.Path({str(settings)!r});"
        f"tasks.build(Context(), output={str(tmp_path / 'out')!r})"
    )
    ok = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[-2].startswith(f"built {tmp_path / 'out'} in ")
    assert ok.stdout.splitlines()[-1] == "collector on: False"
    assert (tmp_path / "out" / "index.html").is_file()
    write(content_copy, "columns/2026/bread.md", GOOD.replace("section: economy", "section: nope"))
    failed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert failed.returncode == 1
    assert "content/columns/2026/bread.md:4: section: unknown section 'nope'" in failed.stderr
    assert failed.stderr.rstrip().endswith("was left as it was")


def test_invoke_build_ends_the_process_itself_only_when_it_is_the_only_task(monkeypatch):
    import tasks

    for argv, alone in ((["invoke", "build", "--prod"], True), (["inv", "build"], True),
                        (["invoke", "build", "test"], False), (["invoke", "build", "setup_test_deps"], False),
                        (["python", "-c"], False)):
        monkeypatch.setattr(sys, "argv", argv)
        assert tasks._only_task_on_command_line("build") is alone, argv
