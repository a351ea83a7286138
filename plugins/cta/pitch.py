"""The pitch: a few lines of Markdown, rendered so nothing an editor types can run or track.

Raw HTML is escaped (shown as text), only simple inline and list markup survives, and links
must be http(s), mailto or site paths. Images are refused: a pitch must not make readers'
browsers fetch anything from another site.
"""

from __future__ import annotations

from bs4 import BeautifulSoup
from content_model.links import link_problem
from markdown import Markdown
from markupsafe import Markup

# Tags a pitch may produce; anything else is unwrapped to its text.
ALLOWED_TAGS = frozenset({"p", "a", "em", "strong", "code", "br", "ul", "ol", "li"})


def _markdown() -> Markdown:
    md = Markdown(extensions=["markdown.extensions.smarty", "markdown.extensions.sane_lists"],
                  output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def _bad_href(href: str) -> str | None:
    problem = link_problem(href)
    if problem is None and ":" not in href.split("/")[0] and not href.strip().startswith("/"):
        problem = f"'{href}' is relative to the page it is on; start site paths with /"
    return problem


def pitch_link_problems(pitch: str) -> list[str]:
    """What is wrong with the links and images in a pitch (empty when it is fine)."""
    if not pitch.strip():
        return []
    tree = BeautifulSoup(_markdown().convert(pitch), "html.parser")
    problems = []
    for img in tree.find_all("img"):
        problems.append(f"contains an image ('{img.get('src', '')[:40]}'); a pitch is text only")
    for link in tree.find_all("a"):
        problem = _bad_href(link.get("href", ""))
        if problem:
            problems.append(f"link {problem}")
    return problems


def render_pitch(pitch: str) -> Markup:
    """Safe HTML for the pitch; unsafe links become plain text (validation reports them)."""
    if not pitch.strip():
        return Markup("")
    tree = BeautifulSoup(_markdown().convert(pitch), "html.parser")
    for tag in tree.find_all(True):
        if tag.name not in ALLOWED_TAGS:
            if tag.name == "img":
                tag.decompose()
            else:
                tag.unwrap()
            continue
        href = tag.get("href") if tag.name == "a" else None
        tag.attrs = {}
        if href is not None:
            if _bad_href(href):
                tag.unwrap()
            else:
                tag.attrs["href"] = href
    return Markup(str(tree).strip())
