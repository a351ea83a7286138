"""Membership call-to-action variants: the schema of `content/cta.yml`, loading and checks.

`content/cta.yml` is a list of variants::

    - id: default                    # lowercase letters, digits, hyphens; unique
      default: true                  # exactly one variant is the default
      headline: Independent journalism needs you
      pitch: |                       # Markdown; raw HTML is shown as text, never run
        We answer to readers, not owners.
      button:
        label: Become a member
        url: /membership/            # https://..., mailto:... or a site path starting with /
      placement:                     # top | end | {after_paragraph: N}  (default: end)
        after_paragraph: 4
      footer: Support independent journalism   # optional short text for feed items
    - id: press-freedom
      headline: ...
      button: {label: ..., url: ...}
      target:                        # every list given must match (AND); any entry in it (OR)
        tags: [Press freedom]        # tag names as written in columns (case-insensitive)
        sections: [insider]          # ids from sections.yml
        authors: [nino-kapanadze]    # ids from authors/
      priority: 10                   # higher wins a tie between equally specific variants
      start: 2026-01-01              # optional window; outside it the variant never shows
      end: 2026-12-31 23:59 +04:00
    - id: story-upsell
      upsell: story_details          # only used for that purpose (see selection.py)
      ...

Pure code: no Pelican here. Loading returns variants plus every problem with its line.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from content_model.catalog import Catalog, display_path, load_yaml_file
from content_model.errors import ContentError
from content_model.frontmatter import YamlDocument
from content_model.links import link_problem
from content_model.schema import SLUG_RE, RequiredText, Text, TextList, _Strict, validate_model
from markupsafe import Markup
from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from .pitch import pitch_link_problems, render_pitch

CTA_FILE = "cta.yml"
NONE = "none"  # `cta: none` in a column turns the block off for that column
# Purposes a variant can be reserved for, besides columns. Stories show the upsell in place
# of premium coverage details.
UPSELL_PURPOSES = ("story_details",)


@dataclass(frozen=True)
class Placement:
    """Where the block goes in a column body: `top`, `end` or after the Nth top-level paragraph."""

    where: Literal["top", "end", "after_paragraph"]
    paragraph: int = 0

    def __str__(self) -> str:
        return f"after_paragraph: {self.paragraph}" if self.where == "after_paragraph" else self.where


PLACEMENT_HINT = "should be top, end, or after_paragraph: N (N a whole number from 1)"


def parse_placement(value: Any) -> Placement:
    if isinstance(value, Placement):
        return value
    if value in ("top", "end"):
        return Placement(value)
    if isinstance(value, str) and value.startswith("after_paragraph"):
        # `after_paragraph 3` or `after_paragraph=3`, common slips for the mapping form
        number = value[len("after_paragraph"):].strip(" :=")
        value = {"after_paragraph": int(number)} if number.isdigit() else value
    if isinstance(value, dict) and list(value) == ["after_paragraph"]:
        number = value["after_paragraph"]
        if isinstance(number, int) and not isinstance(number, bool) and number >= 1:
            return Placement("after_paragraph", number)
    raise ValueError(f"'{value}' {PLACEMENT_HINT}")


def site_link_problem(url: str) -> str | None:
    """`link_problem`, and site paths must start with `/`: `membership/` breaks on column pages."""
    problem = link_problem(url)
    if problem:
        return problem
    stripped = url.strip()
    if ":" not in stripped.split("/")[0] and not stripped.startswith("/"):
        return f"'{stripped[:60]}' is relative to the page it is on; start site paths with /, e.g. /{stripped}"
    return None


class ButtonSpec(_Strict):
    label: RequiredText
    url: Text  # an empty URL is reported by link_problem ("is empty")

    @field_validator("url")
    @classmethod
    def _safe(cls, value: str) -> str:
        problem = site_link_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class TargetSpec(_Strict):
    sections: TextList = Field(default_factory=list)
    tags: TextList = Field(default_factory=list)
    authors: TextList = Field(default_factory=list)


def _when(value: Any, info: ValidationInfo) -> dt.datetime | None:
    from content_model.dates import parse_datetime

    return None if value is None else parse_datetime(value, info.context["tz"])


class VariantSpec(_Strict):
    id: RequiredText
    default: bool = False
    headline: RequiredText
    pitch: Text = ""
    button: ButtonSpec
    target: TargetSpec = TargetSpec()
    priority: int = 0
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    placement: Annotated[Placement, BeforeValidator(parse_placement)] = Placement("end")
    upsell: Literal[UPSELL_PURPOSES] | None = None  # type: ignore[valid-type]
    footer: Text = ""

    _dates = field_validator("start", "end", mode="before")(_when)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if value == NONE:
            raise ValueError("'none' is reserved (it means 'no call-to-action'); choose another id")
        if not SLUG_RE.match(value):
            raise ValueError(f"'{value}' must be lowercase letters, digits and hyphens")
        return value


# Specificity of a variant's targeting, compared as a tuple: tag over author over section.
TAG, AUTHOR, SECTION = 0, 1, 2


@dataclass(frozen=True)
class Variant:
    """One checked call-to-action variant, ready for selection and the `_cta.html` partial."""

    id: str
    headline: str
    pitch_html: Markup
    button_label: str
    button_url: str
    footer_text: str
    placement: Placement = Placement("end")
    default: bool = False
    sections: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()  # casefolded
    authors: frozenset[str] = frozenset()
    priority: int = 0
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    upsell: str | None = None
    line: int = 1

    @property
    def targeted(self) -> bool:
        return bool(self.sections or self.tags or self.authors)

    @property
    def specificity(self) -> tuple[bool, bool, bool]:
        return (bool(self.tags), bool(self.authors), bool(self.sections))

    def is_live(self, now: dt.datetime) -> bool:
        """Inside its date window (start inclusive, end exclusive)."""
        return (self.start is None or self.start <= now) and (self.end is None or now < self.end)

    def matches(self, *, section: str | None, tags: Iterable[str], authors: Iterable[str]) -> bool:
        """Every rule list given must match: any listed section/tag/author will do."""
        if self.sections and section not in self.sections:
            return False
        if self.tags and not self.tags & {tag.strip().casefold() for tag in tags}:
            return False
        return not (self.authors and not self.authors & set(authors))

    def button_href(self, siteurl: str = "") -> str:
        """The button link; site paths are prefixed with SITEURL (absolute in production)."""
        url = self.button_url.strip()
        return siteurl.rstrip("/") + url if url.startswith("/") else url

    @classmethod
    def from_spec(cls, spec: VariantSpec, line: int = 1) -> Variant:
        return cls(
            id=spec.id,
            headline=spec.headline,
            pitch_html=render_pitch(spec.pitch),
            button_label=spec.button.label,
            button_url=spec.button.url,
            footer_text=spec.footer or spec.headline,
            placement=spec.placement,
            default=spec.default,
            sections=frozenset(spec.target.sections),
            tags=frozenset(tag.casefold() for tag in spec.target.tags),
            authors=frozenset(spec.target.authors),
            priority=spec.priority,
            start=spec.start,
            end=spec.end,
            upsell=spec.upsell,
            line=line,
        )


@dataclass
class LoadedVariants:
    """What cta.yml holds: the variants in file order, and where each came from."""

    display: str
    variants: list[Variant] = field(default_factory=list)
    doc: YamlDocument | None = None
    present: bool = True

    def by_id(self) -> dict[str, Variant]:
        return {variant.id: variant for variant in self.variants}


def _spec_problems(spec: VariantSpec, doc: YamlDocument, display: str, index: int) -> list[ContentError]:
    errors = []
    if spec.start and spec.end and spec.end <= spec.start:
        errors.append(ContentError(display, doc.line_of((index, "end")), "end",
                                   "is not after start; the variant would never show"))
    if spec.default and (spec.target.sections or spec.target.tags or spec.target.authors):
        errors.append(ContentError(display, doc.line_of((index, "target")), "target",
                                   "the default variant applies to every column; remove target "
                                   "or make another variant the default"))
    if spec.default and spec.upsell:
        errors.append(ContentError(display, doc.line_of((index, "upsell")), "upsell",
                                   "the default variant is for columns; put the upsell in its own variant"))
    for problem in pitch_link_problems(spec.pitch):
        errors.append(ContentError(display, doc.line_of((index, "pitch")), "pitch", problem))
    return errors


def load_variants(content_dir: Path, tz: dt.tzinfo) -> tuple[LoadedVariants, list[ContentError]]:
    """Read and check `content/cta.yml`. A site without the file simply has no CTA."""
    content_dir = Path(content_dir)
    path = content_dir / CTA_FILE
    display = display_path(path, content_dir)
    loaded = LoadedVariants(display)
    if not path.is_file():
        loaded.present = False
        return loaded, []
    doc, errors = load_yaml_file(path, display)
    if doc is None:
        return loaded, errors
    loaded.doc = doc
    if not isinstance(doc.data, list):
        return loaded, [*errors, ContentError(display, 1, "variants",
                                              "should be a list of '- id: ...' entries")]
    context = {"tz": tz}
    defaults: list[str] = []
    seen_ids: set[str] = set()
    for index, item in enumerate(doc.data):
        line = doc.line_of((index,))
        if not isinstance(item, dict):
            errors.append(ContentError(display, line, f"variant {index + 1}",
                                       "should be fields such as 'id: ...', 'headline: ...'"))
            continue
        spec, problems = validate_model(VariantSpec, doc, display, context, base=(index,))
        raw_id = str(item.get("id") or "").strip()
        # name the variant in every message, so the editor finds it in a long file
        label = str(item.get("id") or f"variant {index + 1}")
        errors += [ContentError(e.path, e.line, f"{label}: {e.field}", e.message) for e in problems]
        if spec is None:
            seen_ids.add(raw_id)
            continue
        errors += [ContentError(e.path, e.line, f"{label}: {e.field}", e.message)
                   for e in _spec_problems(spec, doc, display, index)]
        if spec.id in seen_ids:
            errors.append(ContentError(display, doc.line_of((index, "id")), f"{label}: id",
                                       f"variant '{spec.id}' is listed twice; ids must be unique"))
            continue
        seen_ids.add(spec.id)
        if spec.default:
            defaults.append(spec.id)
            if len(defaults) > 1:
                errors.append(ContentError(display, doc.line_of((index, "default")), f"{label}: default",
                                           f"'{defaults[0]}' is already the default; only one variant can be"))
        loaded.variants.append(Variant.from_spec(spec, line))
    # counted on what was written, so a default variant with another mistake is not also "missing"
    if not any(isinstance(item, dict) and item.get("default") is True for item in doc.data):
        errors.append(ContentError(display, 1, "default",
                                   "no default variant; add 'default: true' to the variant shown "
                                   "when no targeted one matches"))
    return loaded, errors


def _unknown(name: str, options: Iterable[str], what: str) -> str:
    options = sorted(options)
    close = difflib.get_close_matches(name, options, n=1)
    if close:
        return f"unknown {what} '{name}'; did you mean '{close[0]}'?"
    shown = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    return f"unknown {what} '{name}' (known: {shown or 'none'})"


def check_targets(loaded: LoadedVariants, catalog: Catalog) -> list[ContentError]:
    """Rules may only name sections and authors that exist."""
    doc, errors = loaded.doc, []
    if doc is None or not isinstance(doc.data, list):
        return errors
    for index, item in enumerate(doc.data):
        target = item.get("target") if isinstance(item, dict) else None
        if not isinstance(target, dict):
            continue
        label = str(item.get("id") or f"variant {index + 1}")
        for kind, known, what in (("sections", catalog.sections, "section"),
                                  ("authors", catalog.authors, "author")):
            names = target.get(kind) or []
            names = [names] if isinstance(names, str) else names
            if not isinstance(names, list):
                continue
            for position, name in enumerate(names):
                if isinstance(name, str) and name.strip() not in known:
                    line = doc.line_of((index, "target", kind, position))
                    errors.append(ContentError(loaded.display, line, f"{label}: target.{kind}",
                                               _unknown(name.strip(), known, what)))
    return errors


def _ids_written(doc: YamlDocument | None) -> set[str]:
    items = doc.data if doc is not None and isinstance(doc.data, list) else []
    return {str(item["id"]).strip() for item in items if isinstance(item, dict) and item.get("id")}


def check_column_overrides(loaded: LoadedVariants, columns: Iterable) -> list[ContentError]:
    """A column's `cta:` must name a variant in cta.yml (or be `none`).

    `columns` are content_model ColumnRecords (`.meta.cta`, `.doc`, `.display`).
    """
    if loaded.present and loaded.doc is None:
        return []  # cta.yml does not parse: that error is reported; guessing here adds noise
    known = loaded.by_id()
    # ids of variants that failed their own checks still count: one error, in cta.yml
    raw_ids = _ids_written(loaded.doc)
    errors = []
    for record in columns:
        wanted = record.meta.cta
        if wanted is None or wanted == NONE:
            continue
        variant = known.get(wanted)
        line = record.doc.line_of(("cta",))
        if variant is None and wanted in raw_ids:
            continue
        if variant is None:
            hint = _unknown(wanted, known, "call-to-action variant")
            if not loaded.present:
                hint = f"unknown call-to-action variant '{wanted}': there is no content/{CTA_FILE}"
            errors.append(ContentError(record.display, line, "cta", f"{hint} (or write 'none')"))
        elif variant.upsell:
            errors.append(ContentError(record.display, line, "cta",
                                       f"variant '{wanted}' is reserved for upsell: {variant.upsell}; "
                                       "choose a column variant"))
    return errors
