"""PDF handout (ReportLab): Chinese set to clreq's basic rules, on a baseline grid, with an outline.

ReportLab supplies the page machinery (frames, page templates, the PDF file); the text is set by
`_pdf_text` with our own line breaking, the figures are drawn by `_pdf_figures`, and the fonts
are the job's prepared faces registered by `_pdf_fonts`. The page count in the footer needs a
first layout pass; that pass is thrown away before anything is written.

Every height on the page is a whole number of body lines, so lines sit on one grid across pages.
The running header and the footer are drawn as glyph outlines inside /Artifact marked content:
seen by the reader, skipped when the text is copied or extracted, so a paragraph that crosses a
page break still extracts as one piece.
"""

from __future__ import annotations

import hashlib
import io
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any, BinaryIO, assert_never

from reportlab import rl_config
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFPageLabel
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, CondPageBreak, Flowable, Frame, PageTemplate

from publish.model import Paragraph, Section, Subsection
from publish.render import RenderJob
from publish.render._pdf_figures import Grid, bar_chart, target_callout
from publish.render._pdf_fonts import FontBook
from publish.render._pdf_text import (
    Bookmark,
    SetLine,
    TextBlock,
    TextStyle,
    baseline_offset,
    draw_line,
    draw_line_outlines,
    is_layout_only,
    set_text,
)
from publish.render._shared import anchor_paragraph
from publish.text import plain_text
from publish.theme import Theme


@dataclass(frozen=True)
class Styles:
    """The text styles of the handout, all derived from the theme."""

    body: TextStyle
    h1: TextStyle
    h2: TextStyle
    title: TextStyle
    subtitle: TextStyle
    byline: TextStyle
    furniture: TextStyle


@dataclass(frozen=True)
class Geometry:
    """Where things go on the page, in points."""

    page_width: float
    page_height: float
    frame_x: float
    frame_y: float
    frame_width: float
    frame_height: float
    leading: float


def styles_for(theme: Theme) -> Styles:
    """The handout's styles: serif body, sans headings, each a whole number of lines high."""
    sizes, colours = theme.sizes, theme.colors
    lead = sizes.body * sizes.leading
    return Styles(
        body=TextStyle("serif", False, sizes.body, lead, colours.text, indent=2.0),
        h1=TextStyle("sans", True, sizes.h1, 1.5 * lead, colours.brand_dark, justify=False,
                     space_before=lead, space_after=0.5 * lead),
        h2=TextStyle("sans", True, sizes.h2, lead, colours.text, justify=False,
                     space_before=0.5 * lead, space_after=0.5 * lead),
        title=TextStyle("sans", True, sizes.title, 2 * lead, colours.text, justify=False),
        subtitle=TextStyle("sans", False, sizes.subtitle, lead, colours.muted, justify=False),
        byline=TextStyle("sans", False, sizes.body, lead, colours.muted, justify=False),
        furniture=TextStyle("sans", False, sizes.small, sizes.small * 1.5, colours.muted, justify=False),
    )


def geometry_for(theme: Theme) -> Geometry:
    """The page and its text frame: a whole number of ems wide and of lines high.

    A width of whole ems lets lines of pure Han text fill the measure without any stretching.
    """
    page = theme.page
    width, height = A4 if page.size == "A4" else LETTER
    em = theme.sizes.body
    lead = em * theme.sizes.leading
    room_width = width - (page.margin_left + page.margin_right) * mm
    room_height = height - (page.margin_top + page.margin_bottom) * mm
    frame_width = math.floor(room_width / em + 1e-6) * em
    frame_height = math.floor(room_height / lead + 1e-6) * lead
    return Geometry(
        page_width=width,
        page_height=height,
        frame_x=page.margin_left * mm + (room_width - frame_width) / 2,
        frame_y=height - page.margin_top * mm - frame_height,
        frame_width=frame_width,
        frame_height=frame_height,
        leading=lead,
    )


class Byline(Flowable):  # type: ignore[misc]
    """The author and organization under the title, then a rule in the brand colour."""

    def __init__(self, parts: Sequence[SetLine], style: TextStyle, gap: float, rule_colour: str):
        super().__init__()
        self.parts = list(parts)
        self.style = style
        self.gap = gap
        self.rule_colour = rule_colour
        self.height = 2 * style.leading

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.height

    def draw(self) -> None:
        canvas = self.canv
        if is_layout_only(canvas):
            return
        baseline = self.height - baseline_offset(self.style)
        x = 0.0
        for index, part in enumerate(self.parts):
            if index:
                # A short vertical bar between author and organization, drawn rather than typed.
                canvas.setStrokeColor(HexColor(self.rule_colour))
                canvas.setLineWidth(0.8)
                middle = x + self.gap / 2
                canvas.line(middle, baseline - 0.1 * self.style.size, middle, baseline + 0.8 * self.style.size)
                x += self.gap
            draw_line(canvas, part, x, baseline, self.style.size, self.style.color)
            x += part.right
        canvas.setStrokeColor(HexColor(self.rule_colour))
        canvas.setLineWidth(1.2)
        rule_y = 0.5 * self.style.leading
        canvas.line(0, rule_y, self.width, rule_y)


class _Figure(Flowable):  # type: ignore[misc]
    """A drawing placed in the text flow; never split."""

    def __init__(self, drawing: Drawing):
        super().__init__()
        self.drawing = drawing
        self.width = drawing.width
        self.height = drawing.height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        if not is_layout_only(self.canv):
            self.drawing.drawOn(self.canv, 0, 0)


class StoryBuilder:
    """Turns the document into flowables: title block, headings, paragraphs, figures."""

    def __init__(self, job: RenderJob, book: FontBook, styles: Styles, geometry: Geometry):
        self.job = job
        self.book = book
        self.styles = styles
        self.geometry = geometry
        self._set: dict[tuple[str, TextStyle], list[SetLine]] = {}
        self._figures = self._figures_after()

    def lines(self, source: str, style: TextStyle) -> list[SetLine]:
        """`source` set in `style` across the frame (cached: the story is built once per pass)."""
        key = (source, style)
        found = self._set.get(key)
        if found is None:
            found = self._set[key] = set_text(source, style, self.book, self.geometry.frame_width)
        return found

    def build(self) -> list[Any]:
        """The whole story, in reading order."""
        document = self.job.document
        story: list[Any] = self.title_block()
        for number, section in enumerate(document.body):
            story.extend(self.section(number, section))
        return _keep_headings_with_next(story)

    def title_block(self) -> list[Any]:
        meta = self.job.document.meta
        styles = self.styles
        blocks: list[Any] = [TextBlock(self.lines(meta.title, styles.title), styles.title)]
        if meta.subtitle:
            blocks.append(TextBlock(self.lines(meta.subtitle, styles.subtitle), styles.subtitle))
        parts = [self.lines(text, styles.byline)[0] for text in (meta.author, meta.organization) if text]
        blocks.append(Byline(parts, styles.byline, 2 * styles.byline.size, self.job.theme.theme.colors.brand))
        return blocks

    def section(self, number: int, section: Section) -> list[Any]:
        flowables: list[Any] = []
        pending: list[Bookmark] = []
        name = section.name
        if name:
            pending.append(Bookmark(f"section-{number}", plain_text(name), 0))
        if section.heading:
            flowables.append(self.heading(section.heading, self.styles.h1, pending))
            pending = []
        for index, block in enumerate(section.blocks):
            match block:
                case Paragraph():
                    flowables.append(self.paragraph(block, pending))
                    flowables.extend(self._figures.get(id(block), []))
                case Subsection():
                    pending.append(Bookmark(f"section-{number}-{index}", plain_text(block.heading), 1))
                    flowables.append(self.heading(block.heading, self.styles.h2, pending))
                    for paragraph in block.blocks:
                        flowables.append(self.paragraph(paragraph, []))
                        flowables.extend(self._figures.get(id(paragraph), []))
                case _:
                    assert_never(block)
            pending = []
        return flowables

    def heading(self, text: str, style: TextStyle, bookmarks: list[Bookmark]) -> TextBlock:
        return TextBlock(self.lines(text, style), style, bookmarks, heading=True)

    def paragraph(self, paragraph: Paragraph, bookmarks: list[Bookmark]) -> TextBlock:
        return TextBlock(self.lines(paragraph.text, self.styles.body), self.styles.body, bookmarks)

    def _figures_after(self) -> dict[int, list[Any]]:
        """The charts and the target callout, keyed by the paragraph each follows."""
        document = self.job.document
        theme = self.job.theme.theme
        grid = Grid(self.geometry.frame_width, self.geometry.leading)
        placed: dict[int, list[Any]] = {}
        highlights = document.highlights
        for chart in highlights.charts:
            sentences = [f.source for p in chart.points if (f := document.figure(p.figure)) is not None]
            anchor = anchor_paragraph(document, chart.sources, sentences)
            if anchor is not None:
                placed.setdefault(id(anchor), []).append(_Figure(bar_chart(chart, document, self.book, theme, grid)))
        target = highlights.target
        if target is not None:
            anchor = anchor_paragraph(document, target.sources, [target.source])
            if anchor is not None:
                placed.setdefault(id(anchor), []).append(_Figure(target_callout(target, self.book, theme, grid)))
        return placed



def _keep_headings_with_next(story: list[Any]) -> list[Any]:
    """Puts a conditional page break before each heading, so it never ends a page.

    The room asked for is the heading itself, any headings right after it, and what the next
    block needs at a page foot (all of a short paragraph, or two lines of a long one).
    """
    result: list[Any] = []
    for index, flowable in enumerate(story):
        if getattr(flowable, "is_heading", False):
            needed = 0.0
            follower = index
            while follower < len(story) and getattr(story[follower], "is_heading", False):
                needed += story[follower].height
                follower += 1
            if follower < len(story):
                after = story[follower]
                needed += after.min_first_height() if isinstance(after, TextBlock) else after.height
            result.append(CondPageBreak(needed))
        result.append(flowable)
    return result


class _EpochStamp:
    """ReportLab's document timestamp, fixed to SOURCE_DATE_EPOCH (UTC)."""

    def __init__(self, epoch: int):
        moment = time.gmtime(epoch)
        self.t = float(epoch)
        self.YMDhms = tuple(moment)[:6]
        self.dhh = 0
        self.dmm = 0


def _canvas_maker(epoch: int | None, discard: bool) -> Callable[..., Canvas]:
    """A Canvas class that dates the file from `epoch` (None: now); with `discard`, never saves."""

    class HandoutCanvas(Canvas):  # type: ignore[misc]
        layout_only = discard
        """True in the counting pass: flowables may skip drawing, nothing will be seen."""

        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            if epoch is not None:
                document = self._doc
                document._timeStamp = _EpochStamp(epoch)
                # ReportLab seeds the /ID digest with its own clock or the SOURCE_DATE_EPOCH
                # variable; seed it from the option alone, so the environment cannot change it.
                document.signature = hashlib.md5(b"a reportlab document", usedforsecurity=False)
                document.signature.update(str(epoch).encode("ascii"))

        def save(self) -> None:
            if not discard:
                super().save()

    return HandoutCanvas


class Furniture:
    """The running header (from page 2) and the footer, drawn as outlines on every page."""

    def __init__(self, job: RenderJob, book: FontBook, styles: Styles, geometry: Geometry):
        self.job = job
        self.book = book
        self.style = styles.furniture
        self.geometry = geometry
        self.pages = 0
        self.first_page_done = False
        title = job.document.meta.title
        self.header = set_text(title, self.style, book, geometry.frame_width)[0]
        self.repertoire = plain_text(title) + job.theme.theme.labels.page + "0123456789"

    def __call__(self, canvas: Any, doc: Any) -> None:
        page = canvas.getPageNumber()
        self.pages = max(self.pages, page)
        if is_layout_only(canvas):
            return
        geometry = self.geometry
        theme = self.job.theme.theme
        left = geometry.frame_x
        right = geometry.frame_x + geometry.frame_width
        top = geometry.frame_y + geometry.frame_height
        canvas.saveState()
        canvas.addLiteral("/Artifact <</Type /Pagination>> BDC")
        canvas.setFillColor(HexColor(self.style.color))
        if page == 1:
            canvas.addPageLabel(0, style=PDFPageLabel.ARABIC, start=1)
            canvas.showOutline()
        if page > 1:
            baseline = top + 0.9 * geometry.leading
            draw_line_outlines(canvas, self.book, self.header, left, baseline, self.style.size, self.repertoire)
            canvas.setStrokeColor(HexColor(theme.colors.rule))
            canvas.setLineWidth(0.5)
            rule = top + 0.6 * geometry.leading
            canvas.line(left, rule, right, rule)
        label = theme.labels.page.format(page=page, pages=self.pages_total or page)
        footer = set_text(label, self.style, self.book, geometry.frame_width)[0]
        x = left + (geometry.frame_width - footer.right) / 2
        footer_baseline = geometry.frame_y - 1.6 * geometry.leading
        draw_line_outlines(canvas, self.book, footer, x, footer_baseline, self.style.size, self.repertoire)
        canvas.addLiteral("EMC")
        canvas.restoreState()

    pages_total: int | None = None


# Plain Flate streams: ASCII85 on top only makes the file a quarter larger and slower to write.
rl_config.useA85 = 0


def _creator() -> str:
    try:
        return f"publish {version('publish')}"
    except PackageNotFoundError:
        return "publish"


def render(job: RenderJob, out: BinaryIO) -> None:
    """Writes the letter as a print-ready PDF handout to `out`."""
    theme = job.theme.theme
    book = FontBook(job)
    styles = styles_for(theme)
    geometry = geometry_for(theme)
    builder = StoryBuilder(job, book, styles, geometry)
    furniture = Furniture(job, book, styles, geometry)
    meta = job.document.meta
    epoch = job.options.source_date_epoch

    def template(target: Any) -> BaseDocTemplate:
        frame = Frame(geometry.frame_x, geometry.frame_y, geometry.frame_width, geometry.frame_height,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="text")
        return BaseDocTemplate(
            target,
            pagesize=(geometry.page_width, geometry.page_height),
            pageTemplates=[PageTemplate(id="page", frames=[frame], onPage=furniture)],
            title=plain_text(meta.title),
            author=plain_text(meta.author),
            subject=plain_text(meta.subject or ""),
            keywords=[plain_text(k) for k in meta.keywords],
            creator=_creator(),
            lang=meta.language,
            displayDocTitle=1,
            invariant=1 if epoch is not None else 0,
            pageCompression=1,
            initialFontName=book.primary("serif"),
            initialFontSize=theme.sizes.body,
            initialLeading=geometry.leading,
        )

    # Pass one lays the pages out only to count them, for "page N of M".
    template(io.BytesIO()).build(builder.build(), canvasmaker=_canvas_maker(epoch, discard=True))
    furniture.pages_total = furniture.pages
    template(out).build(builder.build(), canvasmaker=_canvas_maker(epoch, discard=False))
