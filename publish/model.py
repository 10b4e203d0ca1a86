"""The document model: what a letter is, independent of any output format.

Every model is frozen and forbids unknown keys, so a typo in letter.yaml is an error rather than
silently dropped text. Text fields hold inline markup (see `publish.text`); nothing here is styling.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    GetJsonSchemaHandler,
    Tag,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

Identifier = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z][A-Za-z0-9_-]*$",
        max_length=64,
        description="A name other parts of the file refer to: a letter, then letters, digits, - or _.",
    ),
]
NonEmptyText = Annotated[str, Field(min_length=1, description="Text with inline markup: **bold**, *emphasis*.")]


class Model(BaseModel):
    """Base of every model: frozen, unknown keys forbidden, no coercion of numbers into text."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, str_strip_whitespace=False)


class Meta(Model):
    """What the document is: its title, who wrote it, for whom, in which language."""

    title: NonEmptyText
    subtitle: str | None = Field(default=None, description="A line under the title; None means no subtitle.")
    author: NonEmptyText
    organization: str | None = Field(default=None, description="The author's organization; None means none shown.")
    language: Literal["zh-CN"] = Field(default="zh-CN", description="The document's language (BCP 47).")
    subject: str | None = Field(default=None, description="What the document is about, for file properties.")
    keywords: list[NonEmptyText] = Field(default_factory=list, description="Keywords for file properties.")


class Paragraph(Model):
    """One paragraph of the letter, verbatim. In YAML a plain string, or {id, text} to refer to it."""

    id: Identifier | None = None
    text: NonEmptyText

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        object_schema = handler.resolve_ref_schema(handler(core_schema))
        as_object = dict(object_schema)
        object_schema.clear()
        object_schema["anyOf"] = [
            {"type": "string", "minLength": 1, "description": "A paragraph with no id."},
            as_object,
        ]
        return object_schema


class Subsection(Model):
    """A headed part inside a section, such as one of the six 2016 achievements."""

    id: Identifier | None = None
    heading: NonEmptyText
    summary: str | None = Field(
        default=None, description="A short form for slides and lists; None means the heading itself."
    )
    blocks: list[Paragraph] = Field(min_length=1)

    @property
    def short(self) -> str:
        """The summary, or the heading when there is none."""
        return self.summary or self.heading


def _block_kind(value: Any) -> str:
    if isinstance(value, Subsection) or (isinstance(value, dict) and "heading" in value):
        return "subsection"
    return "paragraph"


Block = Annotated[
    Annotated[Paragraph, Tag("paragraph")] | Annotated[Subsection, Tag("subsection")],
    Discriminator(_block_kind),
]


class Section(Model):
    """A top-level part of the letter: an optional heading, then paragraphs and subsections in order."""

    id: Identifier | None = None
    heading: str | None = Field(
        default=None, description="The printed heading; None for a part the source gives no heading (the opening)."
    )
    label: str | None = Field(
        default=None,
        description="A name for navigation (bookmarks, slide titles) when the section has no heading.",
    )
    blocks: list[Block] = Field(min_length=1)

    @property
    def name(self) -> str | None:
        """The heading, else the label; None when the section has neither."""
        return self.heading or self.label

    def paragraphs(self) -> Iterator[Paragraph]:
        """Every paragraph of the section in reading order, subsections included."""
        for block in self.blocks:
            if isinstance(block, Subsection):
                yield from block.blocks
            else:
                yield block


class Strategy(Model):
    """One of the strategies the letter names, with a short summary drawn from the letter."""

    id: Identifier | None = None
    name: NonEmptyText
    summary: NonEmptyText
    points: list[NonEmptyText] = Field(
        default_factory=list,
        description="Key points for a slide of its own; empty means the strategy gets no slide of its own.",
    )
    sources: list[Identifier] = Field(
        default_factory=list, description="Ids of the paragraphs, subsections or sections it summarizes."
    )


class Strategies(Model):
    """The strategies together, with the paragraphs that introduce them."""

    title: NonEmptyText
    items: list[Strategy] = Field(min_length=1)
    sources: list[Identifier] = Field(default_factory=list)


class Target(Model):
    """A headline target the letter sets, such as revenue of 1000 亿元 in 2017."""

    title: NonEmptyText = Field(description="A short caption for the number.")
    year: int | None = None
    label: NonEmptyText
    value: float
    unit: NonEmptyText
    source: NonEmptyText = Field(description="The sentence the target comes from, verbatim.")
    sources: list[Identifier] = Field(default_factory=list)


def format_number(value: float) -> str:
    """A number as the letter prints it: 1000, not 1000.0; 1.35 stays 1.35."""
    return str(int(value)) if value == int(value) else f"{value:g}"


class Figure(Model):
    """A number the letter states, with the sentence it comes from."""

    id: Identifier
    label: NonEmptyText
    value: float
    unit: NonEmptyText
    display: str | None = Field(
        default=None, description="How to print the number (e.g. 1万6千); None means the value itself."
    )
    qualifier: str | None = Field(default=None, description="A word such as 超过 or 突破; None means exact.")
    source: NonEmptyText = Field(description="The sentence the figure comes from, verbatim.")

    @property
    def shown(self) -> str:
        """The number as printed: `display`, else the value without a needless `.0`."""
        return self.display or format_number(self.value)


class ChartPoint(Model):
    """One bar of a chart: a label and the figure that gives its value."""

    label: NonEmptyText
    figure: Identifier


class Chart(Model):
    """A chart of figures the letter states."""

    id: Identifier
    title: NonEmptyText
    unit: NonEmptyText
    points: list[ChartPoint] = Field(min_length=2)
    sources: list[Identifier] = Field(default_factory=list)


class ValueItem(Model):
    """One value and what the letter says it means."""

    name: NonEmptyText
    summary: NonEmptyText


class Values(Model):
    """The values the letter stands for."""

    title: NonEmptyText
    items: list[ValueItem] = Field(min_length=1)
    sources: list[Identifier] = Field(default_factory=list)


class Review(Model):
    """A look back: the section it summarizes, whose subsections become its items."""

    section: Identifier
    title: str | None = Field(default=None, description="A slide title; None means the section's heading or label.")


class Closing(Model):
    """The last words, for a closing slide."""

    title: NonEmptyText
    subtitle: str | None = None
    sources: list[Identifier] = Field(default_factory=list)


class Highlights(Model):
    """Structured data taken from the letter for slides, callouts and charts; every part optional."""

    review: Review | None = None
    strategies: Strategies | None = None
    target: Target | None = None
    figures: list[Figure] = Field(default_factory=list)
    charts: list[Chart] = Field(default_factory=list)
    values: Values | None = None
    closing: Closing | None = None


class Document(Model):
    """A whole letter: metadata, the text in order, and the highlights drawn from it."""

    meta: Meta
    body: list[Section] = Field(min_length=1)
    highlights: Highlights = Field(default_factory=Highlights)

    def paragraphs(self) -> Iterator[Paragraph]:
        """Every paragraph in reading order."""
        for section in self.body:
            yield from section.paragraphs()

    def paragraphs_for(self, ids: list[str]) -> list[Paragraph]:
        """The paragraphs that the given ids name, in the order given, each at most once.

        An id may name a paragraph, a subsection (all its paragraphs) or a section (all of them).
        Ids that name nothing are skipped here; the loader has already refused them.
        """
        index = self.id_index()
        seen: set[int] = set()
        found: list[Paragraph] = []
        for ident in ids:
            target = index.get(ident)
            match target:
                case Paragraph():
                    group = [target]
                case Subsection():
                    group = list(target.blocks)
                case Section():
                    group = list(target.paragraphs())
                case _:
                    group = []
            for paragraph in group:
                if id(paragraph) not in seen:
                    seen.add(id(paragraph))
                    found.append(paragraph)
        return found

    def id_index(self) -> dict[str, Paragraph | Subsection | Section]:
        """Every id the body defines, mapped to what it names."""
        index: dict[str, Paragraph | Subsection | Section] = {}
        for section in self.body:
            if section.id:
                index[section.id] = section
            for block in section.blocks:
                if block.id:
                    index[block.id] = block
                if isinstance(block, Subsection):
                    for paragraph in block.blocks:
                        if paragraph.id:
                            index[paragraph.id] = paragraph
        return index

    def figure(self, ident: str) -> Figure | None:
        """The figure with this id; None when there is none."""
        return next((f for f in self.highlights.figures if f.id == ident), None)

    def all_text(self) -> Iterator[str]:
        """Every string a renderer may print, for font coverage checks."""
        yield from _strings(self)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
