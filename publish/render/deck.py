"""The deck plan: which slides, what is on each, and proof that it fits. Plain data, no python-pptx.

`plan_deck` turns the document into slides, each naming a template layout by its usual name
(Title Slide, Title and Content, Section Header, Title Only, Blank) and holding text blocks
already broken into lines with the real fonts' advance widths. The writer (`pptx.py`) reads the
template's geometry into a `Frame`, asks for a plan, and only fills layouts. Everything decided
here (what goes on which slide, at what size, what moves to a continuation slide) is tested
without python-pptx, with a fake measure if need be.

Fitting rules: body text from `theme.slides.body` down to `min_body`, titles from their size down
to `min_title`; never smaller. Lines are broken per character under the line-start and line-end
rules (`publish.linebreak.wrap`, without punctuation squeezing, which PowerPoint does not do), in
the box's width less its insets and a safety margin. Text that does not fit at the minimum size
moves to a continuation slide, whose title is the theme's `continued` label.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, assert_never, get_args

from publish.linebreak import wrap
from publish.measure import Measure
from publish.model import (
    Chart,
    Closing,
    Document,
    Paragraph,
    Review,
    Section,
    Strategies,
    Strategy,
    Subsection,
    Target,
    Values,
    format_number,
)
from publish.text import parse_inline, plain_text
from publish.theme import Theme

LayoutName = Literal["Title Slide", "Title and Content", "Section Header", "Title Only", "Blank"]
LAYOUT_NAMES: tuple[LayoutName, ...] = get_args(LayoutName)

ColourRole = Literal["brand", "brand_dark", "text", "muted", "rule", "background", "tint", "on_brand"]
"""A colour of the theme's palette, by its name in `theme.colors`."""

SlideKind = Literal["title", "bullets", "cards", "big_number", "chart", "section", "closing"]
BlockRole = Literal["title", "body", "box"]
"""Where a text block goes: the layout's title or body placeholder, or a text box drawn by the writer."""
Align = Literal["left", "center"]
Anchor = Literal["top", "middle", "bottom"]

SAFETY = 0.05
"""Share of a box's width and height kept free, so that a client's rounding never breaks a line."""

HAN_LATIN_ALLOWANCE = 0.25
"""Ems allowed on each side of a Latin word or number, for clients that space Han from Latin."""


class DeckError(ValueError):
    """Text that cannot be fitted at the theme's minimum sizes, even alone on a slide."""


@dataclass(frozen=True)
class Box:
    """A rectangle on the slide, in points from the top left, with its text insets."""

    left: float
    top: float
    width: float
    height: float
    inset_left: float = 7.2
    inset_top: float = 3.6
    inset_right: float = 7.2
    inset_bottom: float = 3.6

    @property
    def right(self) -> float:
        """The right edge."""
        return self.left + self.width

    @property
    def bottom(self) -> float:
        """The bottom edge."""
        return self.top + self.height

    @property
    def inner_width(self) -> float:
        """The width text may use."""
        return self.width - self.inset_left - self.inset_right

    @property
    def inner_height(self) -> float:
        """The height text may use."""
        return self.height - self.inset_top - self.inset_bottom


@dataclass(frozen=True)
class LayoutGeometry:
    """Where a layout puts its title and body; None where it has no such placeholder."""

    title: Box | None
    body: Box | None
    indent: float = 0.0
    """The body's first-level left margin (room for the bullet), from the template's body style."""


@dataclass(frozen=True)
class Frame:
    """The template's geometry, as the plan needs it: slide size, layouts, and the content area."""

    width: float
    height: float
    layouts: Mapping[LayoutName, LayoutGeometry]
    content: Box
    """Where drawn content (cards, a big number, a chart) goes: the master's body area."""


# The default look's geometry, 16:9 (13.333 x 7.5 in = 960 x 540 pt). The template script lays
# out assets/template.pptx with these boxes; tests plan against them without opening a template.
_WIDE = 960.0
_HIGH = 540.0
_TITLE = Box(48, 30, 864, 78, inset_top=0, inset_bottom=6)
_BODY = Box(48, 132, 864, 348)
_COVER_TITLE = Box(72, 120, 816, 190, inset_bottom=8)
_COVER_BODY = Box(72, 330, 816, 130)
DEFAULT_FRAME = Frame(
    width=_WIDE,
    height=_HIGH,
    layouts={
        "Title Slide": LayoutGeometry(_COVER_TITLE, _COVER_BODY),
        "Title and Content": LayoutGeometry(_TITLE, _BODY, indent=27),
        "Section Header": LayoutGeometry(_COVER_TITLE, _COVER_BODY),
        "Title Only": LayoutGeometry(_TITLE, None),
        "Blank": LayoutGeometry(None, None),
    },
    content=_BODY,
)
SLIDE_NUMBER_BOX = Box(816, 494, 96, 28, inset_top=0, inset_bottom=0)
"""Where the default look prints the slide number."""


@dataclass(frozen=True)
class Span:
    """A stretch of text in one style; None fields take the paragraph's."""

    text: str
    bold: bool | None = None
    colour: ColourRole | None = None
    size: float | None = None


@dataclass(frozen=True)
class Para:
    """One paragraph of a text block, with the lines it was measured to break into."""

    spans: tuple[Span, ...]
    size: float
    pitch: float
    """The exact line pitch in points (the writer sets it, so clients cannot differ)."""
    bold: bool = False
    colour: ColourRole | None = None
    bullet: bool = False
    """True: the template's first-level bullet and indent; False: no bullet, no indent."""
    continued: bool = False
    """The rest of a paragraph split across slides: no bullet, but the bulleted text's left edge."""
    space_before: float = 0.0
    lines: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The paragraph's text as printed."""
        return "".join(span.text for span in self.spans)

    @property
    def height(self) -> float:
        """The height of its lines."""
        return len(self.lines) * self.pitch


@dataclass(frozen=True)
class TextBlock:
    """Text in a placeholder or a drawn box, measured to fit it."""

    role: BlockRole
    box: Box
    paras: tuple[Para, ...]
    align: Align | None = None
    """None: as the template's layout aligns it (widths are measured the same either way)."""
    anchor: Anchor | None = None
    """None: as the template's layout anchors it (the text fits its box wherever it sits)."""
    fill: ColourRole | None = None
    """A drawn box's background; None means none."""
    indent: float = 0.0
    """The left margin of bulleted paragraphs (the template's), already taken off their width."""

    @property
    def height(self) -> float:
        """The height of the text, paragraph spacing included (first paragraph's space ignored)."""
        return text_height(self.paras)

    @property
    def text(self) -> str:
        """All paragraphs' text, one a line."""
        return "\n".join(p.text for p in self.paras)


@dataclass(frozen=True)
class Bar:
    """A plain coloured rectangle (an accent)."""

    box: Box
    colour: ColourRole


@dataclass(frozen=True)
class ChartPlan:
    """A native column chart: categories, values and the unit the data labels carry."""

    box: Box
    categories: tuple[str, ...]
    values: tuple[float, ...]
    series: str
    unit: str
    label_size: float
    value_size: float


@dataclass(frozen=True)
class SlidePlan:
    """One slide: its layout, text blocks, accents, an optional chart, and the speaker notes."""

    kind: SlideKind
    layout: LayoutName
    blocks: tuple[TextBlock, ...]
    notes: tuple[str, ...]
    """The letter's paragraphs this slide summarizes, verbatim (markup removed)."""
    bars: tuple[Bar, ...] = ()
    chart: ChartPlan | None = None
    numbered: bool = True
    """Whether the slide shows its number."""

    @property
    def title(self) -> str | None:
        """The text of the title block; None when there is none."""
        return next((b.text for b in self.blocks if b.role == "title"), None)

    @property
    def text(self) -> str:
        """Every block's text, in order."""
        return "\n".join(b.text for b in self.blocks)


@dataclass(frozen=True)
class DeckPlan:
    """The whole deck: its slides and the frame they were fitted to."""

    slides: tuple[SlidePlan, ...]
    frame: Frame = field(default=DEFAULT_FRAME)


def text_height(paras: Sequence[Para]) -> float:
    """The height of paragraphs stacked: their lines, plus the space before all but the first."""
    return sum(p.height for p in paras) + sum(p.space_before for p in paras[1:])


def sizes_between(preferred: float, minimum: float, step: float = 2.0) -> list[float]:
    """Candidate sizes from `preferred` down to `minimum`, both included; never below `minimum`."""
    if preferred <= minimum:
        return [minimum]
    found: list[float] = []
    size = preferred
    while size > minimum + 1e-9:
        found.append(size)
        size -= step
    found.append(minimum)
    return found


def break_lines(spans: Sequence[Span], size: float, bold: bool, width: float, measure: Measure) -> list[str]:
    """The lines `spans` break into at `width` (safety margin included) under the clreq rules.

    A paragraph mixing sizes or weights is measured at the widest of them, to be safe.
    """
    text = "".join(s.text for s in spans)
    styles = {(s.size or size, bold if s.bold is None else s.bold) for s in spans if s.text} or {(size, bold)}

    def unit_width(piece: str) -> float:
        found = max(measure.width(piece, sz, b) for sz, b in styles)
        if piece[:1].isascii() and piece[:1].isalnum():
            found += 2 * HAN_LATIN_ALLOWANCE * max(sz for sz, _ in styles)
        return found

    usable = width * (1 - SAFETY)
    return [line.text for line in wrap(text, unit_width, usable, 0.0)]


def line_offsets(text: str, lines: Sequence[str]) -> list[int]:
    """Where each of `lines` starts in `text` (wrapping drops spaces at breaks, nothing else)."""
    offsets: list[int] = []
    position = 0
    for line in lines:
        found = text.find(line, position) if line else position
        position = found if found >= 0 else position
        offsets.append(position)
        position += len(line)
    return offsets


def split_spans(spans: Sequence[Span], offset: int) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """`spans` cut at character `offset`; spaces at the start of the second part are dropped."""
    head: list[Span] = []
    tail: list[Span] = []
    position = 0
    for span in spans:
        end = position + len(span.text)
        if end <= offset:
            head.append(span)
        elif position >= offset:
            tail.append(span)
        else:
            cut = offset - position
            head.append(replace(span, text=span.text[:cut]))
            tail.append(replace(span, text=span.text[cut:]))
        position = end
    while tail and not tail[0].text.lstrip():
        tail.pop(0)
    if tail:
        tail[0] = replace(tail[0], text=tail[0].text.lstrip())
    return tuple(head), tuple(tail)


def spans_of(markup: str, colour: ColourRole | None = None) -> tuple[Span, ...]:
    """The spans of inline markup (bold kept; emphasis has no slide style and is set plain)."""
    return tuple(Span(run.text, bold=True if run.bold else None, colour=colour) for run in parse_inline(markup))


def notes_of(paragraphs: Sequence[Paragraph]) -> tuple[str, ...]:
    """Speaker notes: the paragraphs' text as the reader sees it, verbatim."""
    return tuple(plain_text(p.text) for p in paragraphs)


def plan_deck(document: Document, theme: Theme, measure: Measure, frame: Frame = DEFAULT_FRAME) -> DeckPlan:
    """The deck for `document`, fitted to `frame` with `measure`; raises DeckError if text cannot fit."""
    return DeckPlan(tuple(_Planner(document, theme, measure, frame).slides()), frame)


@dataclass
class _Item:
    """A paragraph waiting to be placed on a slide."""

    spans: tuple[Span, ...]
    bullet: bool
    continued: bool = False

    @property
    def indented(self) -> bool:
        """True when the paragraph sits at the bullets' left edge."""
        return self.bullet or self.continued


class _Planner:
    """Walks the document's highlights and turns each into fitted slides."""

    def __init__(self, document: Document, theme: Theme, measure: Measure, frame: Frame):
        self.document = document
        self.theme = theme
        self.slides_theme = theme.slides
        self.labels = theme.labels
        self.measure = measure
        self.frame = frame

    # -- the deck ---------------------------------------------------------------------------

    def slides(self) -> Iterator[SlidePlan]:
        highlights = self.document.highlights
        yield self.title_slide()
        if highlights.review:
            yield from self.review_slides(highlights.review)
        for chart in highlights.charts:
            yield from self.chart_slides(chart)
        if highlights.strategies:
            yield from self.strategies_slides(highlights.strategies)
            for strategy in highlights.strategies.items:
                if strategy.points:
                    yield from self.strategy_slides(strategy)
        if highlights.target:
            yield self.target_slide(highlights.target)
        if highlights.values:
            yield from self.values_slides(highlights.values)
        if highlights.closing:
            yield self.closing_slide(highlights.closing)
        if not any((highlights.review, highlights.strategies, highlights.target, highlights.values)):
            yield from self.section_slides()

    def title_slide(self) -> SlidePlan:
        meta = self.document.meta
        geometry = self.geometry("Title Slide")
        title = self.title_block(meta.title, geometry.title, self.slides_theme.cover_title)
        lines: list[tuple[Span, ...]] = []
        tagline = meta.subtitle or meta.subject
        if tagline:
            lines.append(spans_of(tagline))
        byline = (
            self.labels.byline.format(organization=meta.organization, author=meta.author)
            if meta.organization
            else meta.author
        )
        lines.append((Span(byline),))
        blocks = [title]
        if geometry.body is not None:
            items = [_Item(spans, bullet=False) for spans in lines]
            body = self.fit_once(items, geometry.body, role="body")
            if body is not None:
                blocks.append(body)
        return SlidePlan("title", "Title Slide", tuple(blocks), notes_of(self.opening()), numbered=False)

    def review_slides(self, review: Review) -> Iterator[SlidePlan]:
        section = next((s for s in self.document.body if s.id == review.section), None)
        if section is None:
            return
        items: list[tuple[Span, ...]] = []
        for block in section.blocks:
            match block:
                case Subsection():
                    items.append(spans_of(block.short))
                case Paragraph():
                    pass  # the review lists achievements; the paragraphs go to the notes
                case _:
                    assert_never(block)
        title = review.title or section.name or self.document.meta.title
        notes = notes_of(list(section.paragraphs()))
        yield from self.bullet_slides(title, items, notes, kind="bullets")

    def chart_slides(self, chart: Chart) -> Iterator[SlidePlan]:
        figures = [(point.label, self.document.figure(point.figure)) for point in chart.points]
        if any(figure is None for _, figure in figures):
            return  # the loader refuses unknown figure ids; nothing to draw without them
        title = self.title_block(chart.title, self.geometry("Title Only").title, self.slides_theme.title)
        area = self.content_below(title)
        plan = ChartPlan(
            box=area,
            categories=tuple(label for label, _ in figures),
            values=tuple(figure.value for _, figure in figures if figure is not None),
            series=chart.title,
            unit=chart.unit,
            label_size=self.slides_theme.min_body,
            value_size=self.slides_theme.body,
        )
        notes = notes_of(self.document.paragraphs_for(chart.sources))
        yield SlidePlan("chart", "Title Only", (title,), notes, chart=plan)

    def strategies_slides(self, strategies: Strategies) -> Iterator[SlidePlan]:
        # The slide summarizes the introduction and every strategy that gets no slide of its own.
        sources = list(strategies.sources)
        for strategy in strategies.items:
            if not strategy.points:
                sources += strategy.sources
        notes = notes_of(self.document.paragraphs_for(sources))
        cards = [(s.name, s.summary) for s in strategies.items]
        yield from self.card_slides(strategies.title, cards, notes, name_size=self.slides_theme.body)

    def strategy_slides(self, strategy: Strategy) -> Iterator[SlidePlan]:
        notes = notes_of(self.document.paragraphs_for(strategy.sources))
        items = [spans_of(point) for point in strategy.points]
        lead = tuple(replace(span, bold=True, colour="brand") for span in spans_of(strategy.summary))
        yield from self.bullet_slides(plain_text(strategy.name), items, notes, kind="bullets", lead=lead)

    def target_slide(self, target: Target) -> SlidePlan:
        slides = self.slides_theme
        title = self.title_block(target.title, self.geometry("Title Only").title, slides.title)
        area = self.content_below(title)
        number = format_number(target.value)
        body, pitch_body = slides.body, slides.body * slides.leading
        for big in sizes_between(slides.big_number, slides.min_title, step=8):
            paras: list[Para] = []
            if target.year is not None:
                paras.append(self.para((Span(str(target.year)),), area, body, colour="muted"))
            unit_size = max(slides.min_body, min(slides.title, big * 0.4))
            figure = (Span(number, size=big), Span(target.unit, size=unit_size))
            paras.append(
                replace(self.para(figure, area, big, bold=True, colour="brand"), pitch=big * 1.1, space_before=0)
            )
            paras.append(replace(self.para(spans_of(target.label), area, body), space_before=pitch_body * 0.4))
            block = TextBlock("box", area, tuple(paras), align="center", anchor="middle")
            if self.fits(block) and len(paras[-2].lines) == 1:
                notes = notes_of(self.document.paragraphs_for(target.sources))
                return SlidePlan("big_number", "Title Only", (title, block), notes)
        raise DeckError(f"the target {number}{target.unit} does not fit on a slide at {slides.min_title} pt")

    def values_slides(self, values: Values) -> Iterator[SlidePlan]:
        notes = notes_of(self.document.paragraphs_for(values.sources))
        cards = [(v.name, v.summary) for v in values.items]
        yield from self.card_slides(values.title, cards, notes, name_size=self.slides_theme.title)

    def closing_slide(self, closing: Closing) -> SlidePlan:
        slides = self.slides_theme
        geometry = self.geometry("Section Header")
        title = self.title_block(closing.title, geometry.title, slides.cover_title)
        blocks = [title]
        if closing.subtitle and geometry.body is not None:
            body = self.fit_once([_Item(spans_of(closing.subtitle), False)], geometry.body, role="body")
            if body is not None:
                blocks.append(body)
        notes = notes_of(self.document.paragraphs_for(closing.sources))
        return SlidePlan("closing", "Section Header", tuple(blocks), notes)

    def section_slides(self) -> Iterator[SlidePlan]:
        """Without highlights: one section header a named section, its paragraphs in the notes."""
        geometry = self.geometry("Section Header")
        for section in self.document.body:
            name = section.name
            if not name:
                continue
            title = self.title_block(name, geometry.title, self.slides_theme.title)
            yield SlidePlan("section", "Section Header", (title,), notes_of(list(section.paragraphs())))

    # -- pieces -----------------------------------------------------------------------------

    def opening(self) -> list[Paragraph]:
        """The paragraphs before the first subsection of the first section: the letter's opening."""
        first: Section = self.document.body[0]
        found: list[Paragraph] = []
        for block in first.blocks:
            match block:
                case Paragraph():
                    found.append(block)
                case Subsection():
                    break
                case _:
                    assert_never(block)
        return found or list(first.paragraphs())[:1]

    def geometry(self, layout: LayoutName) -> LayoutGeometry:
        """The layout's geometry; a title and body taken from the content area when it has none."""
        geometry = self.frame.layouts.get(layout)
        if geometry is None:
            geometry = LayoutGeometry(None, None)
        title = geometry.title
        if title is None and layout != "Blank":
            content = self.frame.content
            height = max(self.slides_theme.title * 2, content.top * 0.8)
            title = Box(content.left, max(0.0, content.top - height - 8), content.width, height)
        return replace(geometry, title=title)

    def content_below(self, title: TextBlock) -> Box:
        """The content area, starting below the title when the title reaches into it."""
        content = self.frame.content
        top = max(content.top, title.box.bottom + 8)
        return replace(content, top=top, height=content.bottom - top)

    def para(
        self,
        spans: tuple[Span, ...],
        box: Box,
        size: float,
        *,
        bold: bool = False,
        colour: ColourRole | None = None,
        bullet: bool = False,
        continued: bool = False,
        indent: float = 0.0,
    ) -> Para:
        """A paragraph of `spans` at `size`, broken into lines for `box` (less `indent` if indented)."""
        pitch = size * self.slides_theme.leading
        width = box.inner_width - (indent if bullet or continued else 0.0)
        lines = break_lines(spans, size, bold, width, self.measure)
        sizes = [s.size for s in spans if s.size]
        if sizes:
            pitch = max([size, *sizes]) * self.slides_theme.leading
        return Para(
            spans,
            size,
            pitch,
            bold=bold,
            colour=colour,
            bullet=bullet,
            continued=continued,
            space_before=size * self.slides_theme.paragraph_space,
            lines=tuple(lines),
        )

    def fits(self, block: TextBlock) -> bool:
        """True when the block's lines fit its box's height with the safety margin."""
        return block.height <= block.box.inner_height * (1 - SAFETY) + 1e-6

    def title_block(self, text: str, box: Box | None, preferred: float, colour: ColourRole | None = None) -> TextBlock:
        """A title on one line if any size down to the minimum allows, else on as few as fit."""
        if box is None:
            raise DeckError("the template has no title placeholder to put a title in")
        spans = spans_of(text)
        candidates = sizes_between(preferred, self.slides_theme.min_title)
        fitted = [
            TextBlock("title", box, (self.para(spans, box, size, bold=True, colour=colour),)) for size in candidates
        ]
        for block in fitted:
            if len(block.paras[0].lines) == 1 and self.fits(block):
                return block
        for block in fitted:
            if self.fits(block):
                return block
        raise DeckError(f"the title {plain_text(text)!r} does not fit its box at {self.slides_theme.min_title} pt")

    def body_block(
        self, items: Sequence[_Item], box: Box, size: float, role: BlockRole, indent: float, colour: ColourRole | None
    ) -> TextBlock:
        paras = tuple(
            self.para(item.spans, box, size, bullet=item.bullet, continued=item.continued, indent=indent, colour=colour)
            for item in items
        )
        return TextBlock(role, box, paras, anchor="top" if role == "box" else None, indent=indent)

    def fit_once(
        self, items: Sequence[_Item], box: Box, role: BlockRole, colour: ColourRole | None = None
    ) -> TextBlock | None:
        """The items in one block at the largest body size that fits; None if none does."""
        for size in sizes_between(self.slides_theme.body, self.slides_theme.min_body):
            block = self.body_block(items, box, size, role, 0.0, colour)
            if self.fits(block):
                return block
        return None

    def bullet_slides(
        self,
        title: str,
        items: Sequence[tuple[Span, ...]],
        notes: tuple[str, ...],
        kind: SlideKind,
        lead: tuple[Span, ...] | None = None,
    ) -> Iterator[SlidePlan]:
        """Title, an optional lead line, and bulleted items; what does not fit at the minimum size
        continues on more slides."""
        geometry = self.geometry("Title and Content")
        title_block = self.title_block(title, geometry.title, self.slides_theme.title)
        role: BlockRole = "body"
        box, indent = geometry.body, geometry.indent
        if box is None:  # a template with no body placeholder: a text box where content goes
            box, role, indent = self.content_below(title_block), "box", 0.0
        queue = [_Item(spans, bullet=True) for spans in items]
        if lead:
            queue.insert(0, _Item(lead, bullet=False))
        slides = self.slides_theme
        pages: list[list[_Item]] | None = None
        chosen = slides.min_body
        fewest = len(self.paginate(queue, box, slides.min_body, indent))
        for size in sizes_between(slides.body, slides.min_body):
            candidate = self.paginate(queue, box, size, indent)
            if len(candidate) == fewest:
                pages, chosen = candidate, size
                break
        assert pages is not None  # the minimum size always gives `fewest` pages
        for number, page in enumerate(pages):
            heading = title_block
            if number:
                heading = self.title_block(self.labels.continued.format(title=title), geometry.title, slides.title)
            body = self.body_block(page, box, chosen, role, indent, None)
            yield SlidePlan(kind, "Title and Content", (heading, body), notes)

    def paginate(self, items: Sequence[_Item], box: Box, size: float, indent: float) -> list[list[_Item]]:
        """The items packed onto as few pages as fit, a paragraph split at a line when it must be."""
        capacity = box.inner_height * (1 - SAFETY)
        pitch = size * self.slides_theme.leading
        space = size * self.slides_theme.paragraph_space
        pages: list[list[_Item]] = [[]]
        used = 0.0
        pending = list(items)
        while pending:
            item = pending.pop(0)
            width = box.inner_width - (indent if item.indented else 0.0)
            lines = break_lines(item.spans, size, False, width, self.measure)
            gap = space if pages[-1] else 0.0
            height = len(lines) * pitch
            if used + gap + height <= capacity + 1e-6:
                pages[-1].append(item)
                used += gap + height
                continue
            if pages[-1] and height <= capacity + 1e-6:
                pages.append([item])  # a whole paragraph on the next slide beats a split one
                used = height
                continue
            room = int((capacity - used - gap + 1e-6) // pitch)
            if room < 1:
                if not pages[-1]:
                    raise DeckError(f"a line of {item.spans[0].text[:20]!r} is taller than its box at {size} pt")
                pages.append([])
                used = 0.0
                pending.insert(0, item)
                continue
            text = "".join(s.text for s in item.spans)
            offset = line_offsets(text, lines)[room]
            head, tail = split_spans(item.spans, offset)
            pages[-1].append(_Item(head, item.bullet, item.continued))
            pages.append([])
            used = 0.0
            pending.insert(0, _Item(tail, bullet=False, continued=True))
        return [page for page in pages if page]

    def card_slides(
        self, title: str, cards: Sequence[tuple[str, str]], notes: tuple[str, ...], name_size: float
    ) -> Iterator[SlidePlan]:
        """Named items as cards: side by side when few, one row each when many; else bullets."""
        title_block = self.title_block(title, self.geometry("Title Only").title, self.slides_theme.title)
        area = self.content_below(title_block)
        fitted = self.columns(area, cards, name_size) if len(cards) <= 3 else self.rows(area, cards)
        if fitted is not None:
            blocks, bars = fitted
            yield SlidePlan("cards", "Title Only", (title_block, *blocks), notes, bars=tuple(bars))
            return
        items = [(Span(name, bold=True, colour="brand"), Span("\u3000"), *spans_of(summary)) for name, summary in cards]
        yield from self.bullet_slides(title, items, notes, kind="bullets")

    def columns(
        self, area: Box, cards: Sequence[tuple[str, str]], name_size: float
    ) -> tuple[list[TextBlock], list[Bar]] | None:
        """Cards side by side, a name over its summary, under an accent bar; None if they cannot fit."""
        slides = self.slides_theme
        count = len(cards)
        gap = area.width * 0.025
        width = (area.width - gap * (count - 1)) / count
        pad = slides.min_body * 0.9
        accent = max(4.0, slides.min_body * 0.3)
        for body in sizes_between(slides.body, slides.min_body):
            blocks: list[TextBlock] = []
            for name, summary in cards:
                frame = Box(0, 0, width, area.height - accent, pad, pad, pad, pad)
                name_para = self.para(spans_of(name), frame, max(name_size, body), bold=True, colour="brand")
                summary_para = replace(self.para(spans_of(summary), frame, body), space_before=body * 0.6)
                blocks.append(TextBlock("box", frame, (name_para, summary_para), anchor="top", fill="tint"))
            if not all(self.fits(b) and len(b.paras[0].lines) == 1 for b in blocks):
                continue
            needed = max(b.height for b in blocks) / (1 - SAFETY) + 2 * pad
            height = min(area.height - accent, max(needed, area.height * 0.6))
            top = area.top + (area.height - accent - height) / 2
            placed: list[TextBlock] = []
            bars: list[Bar] = []
            for index, block in enumerate(blocks):
                left = area.left + index * (width + gap)
                bars.append(Bar(Box(left, top, width, accent, 0, 0, 0, 0), "brand"))
                placed.append(replace(block, box=replace(block.box, left=left, top=top + accent, height=height)))
            return placed, bars
        return None

    def rows(self, area: Box, cards: Sequence[tuple[str, str]]) -> tuple[list[TextBlock], list[Bar]] | None:
        """One row per card: the name on a brand block, its summary on a tint band; None if they cannot fit."""
        slides = self.slides_theme
        count = len(cards)
        gap = slides.min_body * 0.45
        pad = slides.min_body * 0.6
        row = (area.height - gap * (count - 1)) / count
        for body in sizes_between(slides.body, slides.min_body):
            widest = max(sum(self.measure.width(s.text, body, True) for s in spans_of(name)) for name, _ in cards)
            name_width = widest / (1 - SAFETY) + 2 * pad + body
            blocks: list[TextBlock] = []
            for index, (name, summary) in enumerate(cards):
                top = area.top + index * (row + gap)
                name_box = Box(area.left, top, name_width, row, pad, 0, pad, 0)
                text_box = Box(area.left + name_width, top, area.width - name_width, row, pad * 1.5, 0, pad, 0)
                name_para = self.para(spans_of(name), name_box, body, bold=True, colour="on_brand")
                text_para = self.para(spans_of(summary), text_box, body)
                blocks.append(TextBlock("box", name_box, (name_para,), align="center", anchor="middle", fill="brand"))
                blocks.append(TextBlock("box", text_box, (text_para,), anchor="middle", fill="tint"))
            if all(self.fits(b) for b in blocks) and all(len(b.paras[0].lines) == 1 for b in blocks[::2]):
                return blocks, []
        return None


def all_lines(plan: DeckPlan) -> Iterator[tuple[SlidePlan, TextBlock, Para, str]]:
    """Every measured line of the deck, with where it is: for checks and tests."""
    for slide in plan.slides:
        for block in slide.blocks:
            for para in block.paras:
                for line in para.lines:
                    yield slide, block, para, line
