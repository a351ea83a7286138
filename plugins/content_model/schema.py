"""The content schema, as code: what each kind of file may and must say."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from .dates import parse_datetime
from .errors import ContentError
from .frontmatter import YamlDocument
from .links import link_problem

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _as_list(value: Any) -> Any:
    """`tags: Energy` means `tags: [Energy]`."""
    if isinstance(value, str):
        return [value]
    return value


def _text(value: Any) -> Any:
    # YAML turns `title: 1989` or `title: yes` into numbers/booleans; editors meant text
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _slug_shape(value: str) -> str:
    if not SLUG_RE.match(value):
        raise ValueError(f"'{value}' must be lowercase letters, digits and hyphens")
    return value


Text = Annotated[str, BeforeValidator(_text), BeforeValidator(_strip)]
Slug = Annotated[str, BeforeValidator(_text), BeforeValidator(_strip), AfterValidator(_slug_shape)]
RequiredText = Annotated[str, BeforeValidator(_text), BeforeValidator(_strip), Field(min_length=1)]
TextList = Annotated[list[Text], BeforeValidator(_as_list)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _when(value: Any, info: ValidationInfo) -> dt.datetime | None:
    if value is None:
        return None
    return parse_datetime(value, info.context["tz"])


class ColumnMeta(_Strict):
    title: RequiredText
    date: dt.datetime
    updated: dt.datetime | None = None
    section: RequiredText
    authors: Annotated[list[RequiredText], BeforeValidator(_as_list), Field(min_length=1)]
    summary: Text = ""
    tags: TextList = []
    image: Text | None = None
    image_alt: Text | None = None
    image_caption: Text | None = None
    image_credit: Text | None = None
    related: TextList = []
    editors_pick: bool = False
    pick_rank: int | None = None
    pick_until: dt.datetime | None = None
    cta: Text | None = None
    status: Literal["published", "draft"] = "published"
    slug: Slug | None = None
    id: Text | None = None
    aliases: TextList = []

    _dates = field_validator("date", "updated", "pick_until", mode="before")(_when)


class PageMeta(_Strict):
    title: RequiredText
    summary: Text = ""
    slug: Slug | None = None
    date: dt.datetime | None = None
    status: Literal["published", "draft", "hidden"] = "published"

    _dates = field_validator("date", mode="before")(_when)


class AuthorLink(_Strict):
    label: RequiredText
    url: RequiredText

    @field_validator("url")
    @classmethod
    def _safe(cls, value: str) -> str:
        problem = link_problem(value, allow_relative=False)
        if problem:
            raise ValueError(problem)
        return value


class AuthorProfile(_Strict):
    name: RequiredText
    role: Text = ""
    bio: Text = ""
    avatar: Text | None = None
    links: list[AuthorLink] = []


class Section(_Strict):
    id: Slug
    name: RequiredText
    description: Text = ""
    kind: Literal["opinion", "news"] = "opinion"


def _field_name(loc: tuple) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1 if parts else 0:] = [f"{parts[-1] if parts else ''}[{item + 1}]"]
        else:
            parts.append(str(item))
    return ".".join(parts) or "front-matter"


def _message(error: dict, model: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        name = str(error["loc"][-1])
        close = difflib.get_close_matches(name, list(model.model_fields), n=1)
        if close:
            return f"unknown field; did you mean '{close[0]}'?"
        return "unknown field (known: " + ", ".join(model.model_fields) + ")"
    if kind in ("string_type", "string_too_short"):
        return "is empty" if kind == "string_too_short" else "should be text"
    if kind == "too_short":
        return "needs at least one entry"
    if kind == "list_type":
        return "should be a list, e.g. [first, second]"
    if kind in ("bool_type", "bool_parsing"):
        return "should be true or false"
    if kind in ("int_type", "int_parsing"):
        return "should be a whole number"
    if kind == "model_type":
        return "should be fields such as 'name: ...'"
    if kind == "literal_error":
        return error["msg"].replace("Input should be", "should be")
    if kind == "value_error":
        return str(error["ctx"]["error"])
    return error["msg"][0].lower() + error["msg"][1:]


def validate_model(
    model: type[BaseModel], doc: YamlDocument, path: str, context: dict, base: tuple = ()
) -> tuple[BaseModel | None, list[ContentError]]:
    """Validate `doc.data` (or the part of it at `base`) against `model`, errors with lines."""
    data = doc.data
    for key in base:
        data = data[key]
    try:
        return model.model_validate(data, context=context), []
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            errors.append(
                ContentError(path, doc.line_of(base + loc), _field_name(loc), _message(error, model))
            )
        return None, errors
