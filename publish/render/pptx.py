"""Slide deck (python-pptx): fills a template's layouts with a deck plan (`publish.render.deck`).

The writer decides nothing about content. It opens the template (assets/template.pptx, or the
user's .pptx/.potx), finds the layouts by name as pandoc does, reads their geometry into a
`Frame`, asks the planner for a plan fitted to it, and writes each planned block as paragraphs
with an exact line pitch, autofit off, `lang="zh-CN"` and both the Latin and East Asian typeface
on every run. Colours are scheme colours, so a user's template recolours what we draw; the
default template gets the theme's palette written into its colour scheme at build time.
"""

from __future__ import annotations

import copy
import io
import re
import time
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree  # type: ignore[import-untyped]
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_TICK_MARK
from pptx.enum.dml import MSO_THEME_COLOR
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.packuri import PackURI
from pptx.oxml.ns import qn
from pptx.parts.slide import NotesSlidePart
from pptx.util import Emu, Pt

from publish.errors import InputError
from publish.fonts import FaceSet
from publish.measure import FaceMeasure, face_measure
from publish.render import RenderJob
from publish.render._pptx_theme import SCHEME_OF_ROLE, apply_theme
from publish.render.deck import (
    LAYOUT_NAMES,
    SLIDE_NUMBER_BOX,
    Bar,
    Box,
    ChartPlan,
    ColourRole,
    DeckError,
    Frame,
    LayoutGeometry,
    LayoutName,
    Para,
    SlidePlan,
    TextBlock,
    plan_deck,
)
from publish.reproducible import moment, reproducible_zip
from publish.theme import assets_dir

EMU_PER_POINT = 12700
DEFAULT_INSETS = (7.2, 3.6, 7.2, 3.6)
"""DrawingML's default text insets (left, top, right, bottom) in points: 0.1 in and 0.05 in."""
LANGUAGE = "zh-CN"
LATIN_LANGUAGE = "en-US"

TITLE_TYPES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
BODY_TYPES = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.SUBTITLE)
FOOTER_TYPES = (PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER)
ANCHORS = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}
THEME_COLOURS = {
    "tx1": MSO_THEME_COLOR.TEXT_1,
    "tx2": MSO_THEME_COLOR.TEXT_2,
    "bg1": MSO_THEME_COLOR.BACKGROUND_1,
    "bg2": MSO_THEME_COLOR.BACKGROUND_2,
    "accent1": MSO_THEME_COLOR.ACCENT_1,
    "accent2": MSO_THEME_COLOR.ACCENT_2,
    "accent3": MSO_THEME_COLOR.ACCENT_3,
}
TEMPLATE_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"
PRESENTATION_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"


def default_template() -> Path:
    """assets/template.pptx as installed with the package."""
    return assets_dir() / "template.pptx"


def render(job: RenderJob, out: BinaryIO) -> None:
    """Writes the deck to `out`."""
    template = job.options.pptx_template
    deck = open_template(template or default_template())
    remove_slides(deck)
    if template is None:
        recolour(deck, job)
    layouts = choose_layouts(deck, str(template or "default template"))
    frame = _cached_frame(template or default_template(), deck, layouts)
    try:
        plan = plan_deck(job.document, job.theme.theme, measure_for(job), frame)
    except DeckError as exc:
        raise InputError(job.source, f"the slides cannot hold the text: {exc}") from None
    epoch = job.options.source_date_epoch
    epoch = int(time.time()) if epoch is None else epoch  # one "now" for the properties and every zip member
    when = moment(epoch)
    writer = _SlideWriter(deck, layouts, job.faces, epoch)
    for number, slide_plan in enumerate(plan.slides, start=1):
        writer.write(slide_plan, number)
    set_properties(deck, job, when)
    tidy_package(deck, len(plan.slides))
    buffer = io.BytesIO()
    deck.save(buffer)
    out.write(reproducible_zip(buffer.getvalue(), epoch))


# -- the template ----------------------------------------------------------------------------


class TemplateWarning(UserWarning):
    """Something a user's template lacks that the deck works around (a layout name, say)."""


def open_template(path: Path) -> Any:
    """The presentation in `path`; a .potx is opened as the presentation it would start.

    Raises InputError when the file is not a PowerPoint presentation or template.
    """
    try:
        data = path.read_bytes()
        if TEMPLATE_MAIN.encode() in _content_types(data):
            data = _as_presentation(data)
        return Presentation(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(path, f"not a PowerPoint presentation or template (.pptx, .potx): {exc}") from None


def _content_types(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("[Content_Types].xml")


def _as_presentation(data: bytes) -> bytes:
    """A template package with its main part declared as a presentation instead."""
    result = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                content = content.replace(TEMPLATE_MAIN.encode(), PRESENTATION_MAIN.encode())
            target.writestr(info, content)
    return result.getvalue()


def remove_slides(deck: Any) -> None:
    """Drops the template's own slides (their parts go with their relationships)."""
    slide_ids = deck.slides._sldIdLst
    for slide_id in list(slide_ids):
        deck.part.drop_rel(slide_id.rId)
        slide_ids.remove(slide_id)


def recolour(deck: Any, job: RenderJob) -> None:
    """Writes the theme's palette and the sans family into the default template's DrawingML theme."""
    for master in deck.slide_masters:
        part = master.part.part_related_by(RT.THEME)
        part._blob = apply_theme(part.blob, job.theme.theme.colors, job.faces.sans.family)


def _kinds(layout: Any) -> set[str]:
    """What a layout holds: 'center', 'title', 'body' (text or content placeholders)."""
    found: set[str] = set()
    for shape in layout.placeholders:
        kind = shape.placeholder_format.type
        if kind == PP_PLACEHOLDER.CENTER_TITLE:
            found |= {"center", "title"}
        elif kind == PP_PLACEHOLDER.TITLE:
            found.add("title")
        elif kind in BODY_TYPES:
            found.add("body")
    return found


_FALLBACKS: dict[LayoutName, tuple[Callable[[set[str]], bool], ...]] = {
    "Title Slide": (lambda k: "center" in k, lambda k: {"title", "body"} <= k, lambda k: "title" in k),
    "Title and Content": (lambda k: {"title", "body"} <= k and "center" not in k, lambda k: "title" in k),
    "Section Header": (lambda k: "center" in k, lambda k: {"title", "body"} <= k, lambda k: "title" in k),
    "Title Only": (lambda k: k == {"title"}, lambda k: "title" in k and "center" not in k, lambda k: "title" in k),
    "Blank": (lambda k: not k, lambda k: "body" not in k),
}


def choose_layouts(deck: Any, origin: str) -> dict[LayoutName, Any]:
    """Each layout the plan may name, found by name (case ignored) as pandoc does.

    A missing name falls back to a layout with the placeholders it needs, with a warning.
    """
    layouts = list(deck.slide_layouts)
    by_name = {layout.name.strip().casefold(): layout for layout in layouts}
    chosen: dict[LayoutName, Any] = {}
    for name in LAYOUT_NAMES:
        layout = by_name.get(name.casefold())
        if layout is None:
            layout = next(
                (candidate for test in _FALLBACKS[name] for candidate in layouts if test(_kinds(candidate))),
                layouts[0],
            )
            message = f"{origin}: no slide layout named {name!r}; using {layout.name!r} instead"
            warnings.warn(message, TemplateWarning, stacklevel=2)
        chosen[name] = layout
    return chosen


def _points(value: int | None) -> float:
    return (value or 0) / EMU_PER_POINT


def _chain_attribute(elements: Iterable[Any], path: str, attribute: str) -> str | None:
    """The first value of `attribute` on `path` under any of `elements`, in order."""
    for element in elements:
        if element is None:
            continue
        found = element.find(path)
        if found is not None and found.get(attribute) is not None:
            value: str = found.get(attribute)
            return value
    return None


def _inheritance(shape: Any) -> list[Any]:
    """A layout placeholder's element, then its master placeholder's (where styles are inherited)."""
    chain = [shape._element]
    try:
        base = shape._base_placeholder
    except (AttributeError, NotImplementedError, KeyError):
        base = None
    if base is not None:
        chain.append(base._element)
    return chain


def box_of(shape: Any) -> Box | None:
    """The placeholder's rectangle and text insets in points; None when it has no position."""
    if None in (shape.left, shape.top, shape.width, shape.height):
        return None
    chain = _inheritance(shape)
    insets = []
    for name, default in zip(("lIns", "tIns", "rIns", "bIns"), DEFAULT_INSETS, strict=True):
        value = _chain_attribute(chain, f"{qn('p:txBody')}/{qn('a:bodyPr')}", name)
        insets.append(default if value is None else int(value) / EMU_PER_POINT)
    return Box(_points(shape.left), _points(shape.top), _points(shape.width), _points(shape.height), *insets)


def _placeholder(layout: Any, types: tuple[Any, ...]) -> Any | None:
    """The placeholder of `layout` (a layout, master or slide) of one of `types` with the lowest index."""
    return _lowest(_formats(layout), types)


def _formats(owner: Any) -> list[tuple[Any, Any]]:
    """Each placeholder of `owner` with its format, read once: python-pptx answers each question
    about a placeholder with an XPath query."""
    return [(shape, shape.placeholder_format) for shape in owner.placeholders]


def _lowest(placeholders: Iterable[tuple[Any, Any]], types: tuple[Any, ...]) -> Any | None:
    """Of (placeholder, format) pairs, the placeholder of one of `types` with the lowest index."""
    return min(((f.idx, shape) for shape, f in placeholders if f.type in types), key=lambda c: c[0],
               default=(0, None))[1]


def _body_indent(layout: Any, body: Any) -> float:
    """The first-level left margin of the body placeholder's paragraphs, from the template's styles."""
    chain = _inheritance(body)
    master = layout.slide_master._element
    path = f"{qn('p:txBody')}/{qn('a:lstStyle')}/{qn('a:lvl1pPr')}"
    value = _chain_attribute(chain, path, "marL")
    if value is None:
        value = _chain_attribute([master], f"{qn('p:txStyles')}/{qn('p:bodyStyle')}/{qn('a:lvl1pPr')}", "marL")
    return int(value or 0) / EMU_PER_POINT


def frame_of(deck: Any, layouts: dict[LayoutName, Any]) -> Frame:
    """The geometry the plan is fitted to, read from the template's chosen layouts."""
    width, height = _points(deck.slide_width), _points(deck.slide_height)
    geometries: dict[LayoutName, LayoutGeometry] = {}
    for name, layout in layouts.items():
        title = _placeholder(layout, TITLE_TYPES)
        body = _placeholder(layout, BODY_TYPES)
        geometries[name] = LayoutGeometry(
            box_of(title) if title is not None else None,
            box_of(body) if body is not None else None,
            _body_indent(layout, body) if body is not None else 0.0,
        )
    master = layouts["Title and Content"].slide_master
    master_body = _placeholder(master, (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT))
    content = box_of(master_body) if master_body is not None else geometries["Title and Content"].body
    if content is None:
        margin = width * 0.06
        content = Box(margin, height * 0.25, width - 2 * margin, height * 0.62)
    return Frame(width, height, geometries, content)


_FRAMES: dict[tuple[str, int, int], Frame] = {}
"""Frames already read, by template file (path, size, modification time): a batch shares one."""


def _cached_frame(path: Path, deck: Any, layouts: dict[LayoutName, Any]) -> Frame:
    """`frame_of` the deck opened from `path`, read once per process and template file."""
    status = path.stat()
    key = (str(path.resolve()), status.st_size, status.st_mtime_ns)
    frame = _FRAMES.get(key)
    if frame is None:
        frame = _FRAMES[key] = frame_of(deck, layouts)
    return frame


def measure_for(job: RenderJob) -> FaceMeasure:
    """The real advance widths of the sans faces the deck is set in (prepared subsets)."""
    faces = job.faces
    return face_measure(
        job.font_file(faces.sans), job.font_file(faces.sans_bold), [job.font_file(f) for f in faces.fallbacks]
    )


# -- writing slides --------------------------------------------------------------------------


class _SlideWriter:
    """Adds planned slides to a deck, one layout at a time."""

    def __init__(self, deck: Any, layouts: dict[LayoutName, Any], faces: FaceSet, epoch: int):
        self.deck = deck
        self.layouts = layouts
        self.faces = faces
        self.epoch = epoch
        self.number_sources: dict[str, Any] = {}  # layout part name -> its slide-number placeholder
        self.blank_notes: tuple[Any, Any] | None = None  # a blank notes page's element, the notes master part
        self.part_names: set[str] = set()  # the package's part names, once notes pages are being added

    def write(self, plan: SlidePlan, number: int) -> None:
        layout = self.layouts[plan.layout]
        slide = self.deck.slides.add_slide(layout)
        used: list[Any] = []  # the elements themselves: lxml keeps one proxy per live reference
        for bar in plan.bars:
            self.bar(slide, bar)
        placeholders = _formats(slide)
        by_role = {"title": _lowest(placeholders, TITLE_TYPES), "body": _lowest(placeholders, BODY_TYPES)}
        for block in plan.blocks:
            target = by_role.get(block.role)
            if target is not None and not any(target._element is e for e in used):
                used.append(target._element)
                self.text(target.text_frame, block, placeholder=True)
            else:
                self.box(slide, block)
        for shape, _ in placeholders:
            if not any(shape._element is e for e in used):
                shape._element.getparent().remove(shape._element)
        if plan.chart is not None:
            self.chart(slide, plan.chart)
        if plan.numbered:
            self.slide_number(slide, layout, number)
        self.notes(slide, plan.notes)

    # text

    def text(self, frame: Any, block: TextBlock, placeholder: bool) -> None:
        """Writes `block` into a text frame: exact pitch, no autofit, insets as measured."""
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.NONE
        if block.anchor is not None:
            frame.vertical_anchor = ANCHORS[block.anchor]
        box = block.box
        frame.margin_left, frame.margin_top = Pt(box.inset_left), Pt(box.inset_top)
        frame.margin_right, frame.margin_bottom = Pt(box.inset_right), Pt(box.inset_bottom)
        body = frame._txBody
        for paragraph in body.findall(qn("a:p")):
            body.remove(paragraph)
        for index, para in enumerate(block.paras):
            body.append(self.paragraph(para, block, first=index == 0, placeholder=placeholder))

    def paragraph(self, para: Para, block: TextBlock, first: bool, placeholder: bool) -> Any:
        p = etree.Element(qn("a:p"))
        attributes = {
            "eaLnBrk": "1",
            "latinLnBrk": "0",
            "hangingPunct": "0",  # punctuation hanging past the edge would be text outside its box
        }
        if block.align is not None or not placeholder:
            attributes["algn"] = "ctr" if block.align == "center" else "l"
        if not (placeholder and para.bullet):
            indent = block.indent if para.continued else 0.0
            attributes |= {"marL": str(_emu(indent)), "indent": "0"}
        properties = etree.SubElement(p, qn("a:pPr"), attributes)
        spacing = etree.SubElement(properties, qn("a:lnSpc"))
        etree.SubElement(spacing, qn("a:spcPts"), val=str(round(para.pitch * 100)))
        before = etree.SubElement(properties, qn("a:spcBef"))
        etree.SubElement(before, qn("a:spcPts"), val="0" if first else str(round(para.space_before * 100)))
        if not para.bullet:
            etree.SubElement(properties, qn("a:buNone"))
        for span in para.spans:
            bold = para.bold if span.bold is None else span.bold
            size = span.size or para.size
            colour = span.colour or para.colour
            for face, text in self.faces.segments(span.text, "sans", bold):
                run = etree.SubElement(p, qn("a:r"))
                run.append(self.run_properties("a:rPr", size, bold, colour, face.family))
                etree.SubElement(run, qn("a:t")).text = text
        p.append(self.run_properties("a:endParaRPr", para.size, para.bold, None, self.faces.sans.family))
        return p

    def run_properties(self, tag: str, size: float, bold: bool, colour: ColourRole | None, family: str) -> Any:
        properties = etree.Element(
            qn(tag),
            lang=LANGUAGE,
            altLang=LATIN_LANGUAGE,
            sz=str(round(size * 100)),
            b="1" if bold else "0",
            dirty="0",
        )
        if colour is not None:
            fill = etree.SubElement(properties, qn("a:solidFill"))
            etree.SubElement(fill, qn("a:schemeClr"), val=SCHEME_OF_ROLE[colour])
        _set_typefaces(properties, family)
        return properties

    # drawn shapes

    def box(self, slide: Any, block: TextBlock) -> None:
        """A drawn text box, or a filled rectangle holding the text when the block has a fill."""
        box = block.box
        geometry = (_emu(box.left), _emu(box.top), _emu(box.width), _emu(box.height))
        if block.fill is None:
            shape = slide.shapes.add_textbox(*(Emu(v) for v in geometry))
        else:
            shape = self.rectangle(slide, box, block.fill)
        self.text(shape.text_frame, block, placeholder=False)

    def rectangle(self, slide: Any, box: Box, colour: ColourRole) -> Any:
        shape = slide.shapes.add_shape(
            MSO_SHAPE.RECTANGLE, Emu(_emu(box.left)), Emu(_emu(box.top)), Emu(_emu(box.width)), Emu(_emu(box.height))
        )
        style = shape._element.find(qn("p:style"))
        if style is not None:  # python-pptx's default style adds an accent outline and theme effects
            shape._element.remove(style)
        shape.fill.solid()
        shape.fill.fore_color.theme_color = THEME_COLOURS[SCHEME_OF_ROLE[colour]]
        shape.line.fill.background()
        shape.shadow.inherit = False
        return shape

    def bar(self, slide: Any, bar: Bar) -> None:
        shape = self.rectangle(slide, bar.box, bar.colour)
        shape.text_frame.auto_size = MSO_AUTO_SIZE.NONE

    def chart(self, slide: Any, plan: ChartPlan) -> None:
        """A native column chart, its data in the embedded workbook, labels carrying the unit."""
        unit = plan.unit.replace('"', "")
        number_format = f'0"{unit}"'
        data = CategoryChartData(number_format=number_format)  # type: ignore[no-untyped-call]
        data.categories = plan.categories
        data.add_series(plan.series, plan.values)  # type: ignore[no-untyped-call]
        box = plan.box
        frame = slide.shapes.add_chart(
            XL_CHART_TYPE.COLUMN_CLUSTERED,
            Emu(_emu(box.left)),
            Emu(_emu(box.top)),
            Emu(_emu(box.width)),
            Emu(_emu(box.height)),
            data,
        )
        chart = frame.chart
        chart.has_legend = False
        chart.has_title = False
        chart.font.size = Pt(plan.label_size)
        plot = chart.plots[0]
        plot.gap_width = 70
        plot.vary_by_categories = False
        plot.has_data_labels = True
        labels = plot.data_labels
        labels.number_format = number_format
        labels.number_format_is_linked = False
        labels.position = XL_LABEL_POSITION.OUTSIDE_END
        labels.font.size = Pt(plan.value_size)
        labels.font.bold = True
        labels.font.color.theme_color = MSO_THEME_COLOR.ACCENT_2
        series = plot.series[0]
        series.format.fill.solid()
        series.format.fill.fore_color.theme_color = MSO_THEME_COLOR.ACCENT_1
        values = chart.value_axis
        values.visible = False
        values.has_major_gridlines = False
        values.maximum_scale = max(plan.values) * 1.18  # room above the tallest bar for its label
        values.minimum_scale = 0
        categories = chart.category_axis
        categories.tick_labels.font.size = Pt(plan.label_size)
        categories.major_tick_mark = XL_TICK_MARK.NONE
        categories.format.line.fill.solid()
        categories.format.line.fill.fore_color.theme_color = MSO_THEME_COLOR.ACCENT_3
        for properties in chart._chartSpace.iter(qn("a:defRPr")):
            properties.set("lang", LANGUAGE)
            properties.set("altLang", LATIN_LANGUAGE)
            _set_typefaces(properties, self.faces.sans.family)
        workbook = frame.chart_part.chart_workbook
        workbook.update_from_xlsx_blob(steady_workbook(workbook.xlsx_part.blob, self.epoch))

    def _notes_slide(self, slide: Any) -> Any:
        """A new notes page for `slide`: the deck's first made by python-pptx, the others copied from it.

        python-pptx clones the notes master's placeholders and searches the package for a free part
        name for every notes page, several milliseconds each; a copy of the first, still blank, is
        the same XML.
        """
        if self.blank_notes is None:
            notes = slide.notes_slide
            self.blank_notes = (copy.deepcopy(notes._element), notes.part.part_related_by(RT.NOTES_MASTER))
            self.part_names = {str(part.partname) for part in slide.part.package.iter_parts()}
            return notes
        element, master = self.blank_notes
        number = 1
        while f"/ppt/notesSlides/notesSlide{number}.xml" in self.part_names:
            number += 1
        name = f"/ppt/notesSlides/notesSlide{number}.xml"
        self.part_names.add(name)
        part = NotesSlidePart(PackURI(name), CT.PML_NOTES_SLIDE, slide.part.package, copy.deepcopy(element))
        part.relate_to(master, RT.NOTES_MASTER)
        part.relate_to(slide.part, RT.SLIDE)
        slide.part.relate_to(part, RT.NOTES_SLIDE)
        return part.notes_slide

    def _number_source(self, layout: Any) -> Any | None:
        """The slide-number placeholder of `layout`, else of its master; None if neither has one."""
        key = layout.part.partname
        if key not in self.number_sources:
            source = _placeholder(layout, (PP_PLACEHOLDER.SLIDE_NUMBER,))
            if source is None:
                source = _placeholder(layout.slide_master, (PP_PLACEHOLDER.SLIDE_NUMBER,))
            self.number_sources[key] = source
        return self.number_sources[key]

    def slide_number(self, slide: Any, layout: Any, number: int) -> None:
        """The layout's slide-number placeholder, copied onto the slide with a slide-number field."""
        source = self._number_source(layout)
        if source is not None:
            element = copy.deepcopy(source._element)
            element.find(f"{qn('p:nvSpPr')}/{qn('p:cNvPr')}").set("id", str(slide.shapes._next_shape_id))
            slide.shapes._spTree.append(element)
            body = element.find(qn("p:txBody"))
            for paragraph in body.findall(qn("a:p")):
                body.remove(paragraph)
        else:  # a template with no slide number anywhere: the default look's place, scaled
            scale = _points(self.deck.slide_width) / 960
            box = SLIDE_NUMBER_BOX
            shape = slide.shapes.add_textbox(
                Emu(_emu(box.left * scale)), Emu(_emu(box.top)), Emu(_emu(box.width)), Emu(_emu(box.height))
            )
            body = shape.text_frame._txBody
            for paragraph in body.findall(qn("a:p")):
                body.remove(paragraph)
        p = etree.SubElement(body, qn("a:p"))
        field_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"publish:slide-number:{number}")).upper() + "}"
        field = etree.SubElement(p, qn("a:fld"), id=field_id, type="slidenum")
        properties = etree.SubElement(field, qn("a:rPr"), lang=LANGUAGE, altLang=LATIN_LANGUAGE)
        _set_typefaces(properties, self.faces.sans.family)
        etree.SubElement(field, qn("a:t")).text = str(number)

    def notes(self, slide: Any, notes: tuple[str, ...]) -> None:
        """The speaker notes: one paragraph per paragraph of the letter."""
        frame = self._notes_slide(slide).notes_text_frame
        body = frame._txBody
        for paragraph in body.findall(qn("a:p")):
            body.remove(paragraph)
        for text in notes or ("",):
            p = etree.SubElement(body, qn("a:p"))
            for face, piece in self.faces.segments(text, "sans"):
                run = etree.SubElement(p, qn("a:r"))
                properties = etree.SubElement(run, qn("a:rPr"), lang=LANGUAGE, altLang=LATIN_LANGUAGE, dirty="0")
                _set_typefaces(properties, face.family)
                etree.SubElement(run, qn("a:t")).text = piece


_AFTER_TYPEFACES = {qn(t) for t in ("a:sym", "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst")}


def _set_typefaces(properties: Any, family: str) -> None:
    """Sets `a:latin`, `a:ea` and `a:cs` to `family`, in the schema's order."""
    for tag in ("a:latin", "a:ea", "a:cs"):
        for old in properties.findall(qn(tag)):
            properties.remove(old)
    position = next((i for i, child in enumerate(properties) if child.tag in _AFTER_TYPEFACES), len(properties))
    for offset, tag in enumerate(("a:latin", "a:ea", "a:cs")):
        properties.insert(position + offset, etree.Element(qn(tag), typeface=family))


def _emu(points: float) -> int:
    return round(points * EMU_PER_POINT)


# -- properties and reproducible bytes -------------------------------------------------------


def set_properties(deck: Any, job: RenderJob, when: datetime) -> None:
    """Title, author, subject, keywords, language, and timestamps derived from `when`."""
    meta = job.document.meta
    properties = deck.core_properties
    properties.title = meta.title
    properties.author = meta.author
    properties.last_modified_by = meta.author
    properties.subject = meta.subject or ""
    properties.keywords = ", ".join(meta.keywords)
    properties.language = meta.language
    properties.created = when
    properties.modified = when
    properties.last_printed = when
    properties.revision = 1


APP_PROPERTIES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>publish</Application><Slides>{slides}</Slides><Notes>{slides}</Notes>"
    "<HiddenSlides>0</HiddenSlides></Properties>"
)


def tidy_package(deck: Any, slides: int) -> None:
    """Drops the template's thumbnail (a picture of other slides) and describes this deck in app.xml."""
    package = deck.part.package
    for rel_id, rel in list(package._rels.items()):
        if rel.is_external:
            continue
        if rel.reltype == RT.THUMBNAIL:
            package.drop_rel(rel_id)
        elif rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part.blob = APP_PROPERTIES.format(slides=slides).encode("utf-8")


_WORKBOOK_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def steady_workbook(blob: bytes, epoch: int | None) -> bytes:
    """A chart's embedded workbook with XlsxWriter's "now" replaced by `epoch` (None: now), inside and on members."""
    stamp = moment(epoch).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(blob)) as source:
        core = _WORKBOOK_DATES.sub(rb"\g<1>" + stamp + rb"\g<2>", source.read("docProps/core.xml"))
    return reproducible_zip(blob, epoch, {"docProps/core.xml": core})
