"""Site-wide registries editors maintain: sections.yml and authors/<id>.yml."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import ContentError
from .frontmatter import YamlDocument, parse_yaml, read_text
from .links import check_front_matter_links
from .schema import SLUG_RE, AuthorProfile, Section, validate_model


@dataclass
class Catalog:
    sections: dict[str, Section] = field(default_factory=dict)
    authors: dict[str, AuthorProfile] = field(default_factory=dict)


def display_path(path: Path, content_dir: Path) -> str:
    """Paths in messages look like `content/columns/2025/x.md`, as editors see them."""
    try:
        return str(Path(content_dir.name) / path.relative_to(content_dir))
    except ValueError:
        return str(path)


def load_yaml_file(path: Path, display: str) -> tuple[YamlDocument | None, list[ContentError]]:
    text, errors = read_text(path, display)
    if text is None:
        return None, errors
    return parse_yaml(text, display)


def image_problem(ref: str, content_dir: Path) -> str | None:
    """Why an image path in content cannot be used, or None."""
    if ref.startswith(("/", "\\")) or ".." in Path(ref).parts:
        return f"'{ref}' must be a path inside content/, such as images/2025/photo.jpg"
    if not (content_dir / ref).is_file():
        return f"file '{ref}' not found in {content_dir.name}/"
    return None


def load_sections(content_dir: Path, context: dict) -> tuple[dict[str, Section], list[ContentError]]:
    path = content_dir / "sections.yml"
    display = display_path(path, content_dir)
    if not path.is_file():
        return {}, [ContentError(display, 1, "file", "is missing; list the site's sections there")]
    doc, errors = load_yaml_file(path, display)
    if doc is None:
        return {}, errors
    if not isinstance(doc.data, list):
        return {}, [ContentError(display, 1, "sections", "should be a list of '- id: ...' entries")]
    sections: dict[str, Section] = {}
    for index in range(len(doc.data)):
        section, problems = validate_model(Section, doc, display, context, base=(index,))
        errors += problems
        if section is None:
            continue
        if section.id in sections:
            errors.append(ContentError(display, doc.line_of((index, "id")), "id",
                                       f"section '{section.id}' is listed twice"))
        sections[section.id] = section
    return sections, errors


def load_authors(content_dir: Path, context: dict) -> tuple[dict[str, AuthorProfile], list[ContentError]]:
    authors: dict[str, AuthorProfile] = {}
    errors: list[ContentError] = []
    for path in sorted((content_dir / "authors").glob("*.y*ml")):
        display = display_path(path, content_dir)
        author_id = path.stem
        if not SLUG_RE.match(author_id):
            errors.append(ContentError(display, 1, "file name",
                                       f"'{author_id}' must be lowercase letters, digits and hyphens"))
            continue
        doc, problems = load_yaml_file(path, display)
        errors += problems
        if doc is None:
            continue
        if not isinstance(doc.data, dict):
            errors.append(ContentError(display, 1, "profile", "should be fields such as 'name: ...'"))
            continue
        errors += check_front_matter_links(doc, display, skip_fields=("url",))
        profile, problems = validate_model(AuthorProfile, doc, display, context)
        errors += problems
        if profile is None:
            continue
        if profile.avatar:
            problem = image_problem(profile.avatar, content_dir)
            if problem:
                errors.append(ContentError(display, doc.line_of(("avatar",)), "avatar", problem))
        authors[author_id] = profile
    return authors, errors


def load_catalog(content_dir: Path, context: dict) -> tuple[Catalog, list[ContentError]]:
    sections, section_errors = load_sections(content_dir, context)
    authors, author_errors = load_authors(content_dir, context)
    return Catalog(sections, authors), section_errors + author_errors
