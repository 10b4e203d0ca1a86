"""Word document (python-docx): an editable letter that people restyle, not repair.

Everything is set by named styles (see `_docx_styles`); runs carry only bold or emphasis from the
inline layer, as character styles. The title block is followed by a table of contents field that
Word fills on open; the letter follows in order, headings carrying outline levels; the six
achievements are announced by a numbered overview list (their headings keep the author's own
"一、" numbers as text), the five strategies follow their introduction as a numbered list, the
2017 target stands in a callout after its sentence, and the key figures close the document as a
table whose header row repeats. With a user template (`--docx-template`, .docx or .dotx) its
styles, page setup, headers and footers win, and only the styles it lacks are added.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO, assert_never

from docx.oxml.ns import qn
from docx.shared import Length, Mm
from lxml import etree  # type: ignore[import-untyped]

from publish.model import Paragraph, Section, Strategies, Subsection, Target, format_number
from publish.render import RenderJob
from publish.render._docx_package import (
    DocxDocument,
    app_properties,
    append_to_body,
    clear_body,
    configure_settings,
    open_base,
    set_core_properties,
)
from publish.render._docx_styles import (
    LIST_FORMATS,
    NAMES,
    Families,
    abstract_numbering,
    doc_defaults,
    font_entry,
    number_instance,
    ordered,
    style_index,
    stylesheet,
)
from publish.render._docx_xml import (
    Element,
    bookmarked,
    field_begin,
    field_end,
    inline_runs,
    internal_link,
    page_label_runs,
    paragraph,
    text_run,
    val,
    w,
)
from publish.render._shared import anchor_paragraph, figure_phrase
from publish.reproducible import reproducible_zip
from publish.text import plain_text
from publish.theme import Page, Theme

TOC_INSTRUCTION = 'TOC \\o "1-2" \\h \\z \\u'
"""Headings of levels 1-2 (and paragraphs with those outline levels), as hyperlinks, no page
numbers in web view."""


@dataclass
class Styles:
    """The style ids the content refers to, by style name, and the lists that need direct numbering."""

    ids: dict[str, str]
    direct_numbering: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


def set_page(document: DocxDocument, page: Page) -> None:
    """Paper size and margins from the theme (built-in look only: a template keeps its own)."""
    width, height = (Mm(210), Mm(297)) if page.size == "A4" else (Mm(215.9), Mm(279.4))
    for section in document.sections:
        section.page_width, section.page_height = width, height
        section.top_margin, section.bottom_margin = Mm(page.margin_top), Mm(page.margin_bottom)
        section.left_margin, section.right_margin = Mm(page.margin_left), Mm(page.margin_right)
        section.header_distance, section.footer_distance = Mm(page.margin_top / 2), Mm(page.margin_bottom / 2)
        section.gutter = 0


def text_width_points(document: DocxDocument) -> float:
    """The width between the margins of the last section, in points."""
    section = document.sections[-1]
    return float(Length(section.page_width - section.left_margin - section.right_margin).pt)


def _has_numbering(index: dict[str, Element], style_id: str) -> bool:
    """Whether style `style_id`, or one it is based on, numbers its paragraphs."""
    seen: set[str] = set()
    current: str | None = style_id
    while current and current not in seen:
        seen.add(current)
        element = index.get(current)
        if element is None:
            return False
        if element.find(f"{qn('w:pPr')}/{qn('w:numPr')}") is not None:
            return True
        based = element.find(qn("w:basedOn"))
        current = based.get(qn("w:val")) if based is not None else None
    return False


def install_styles(document: DocxDocument, theme: Theme, families: Families, built_in: bool) -> Styles:
    """Puts our style sheet and list numbering into the document; returns the ids to use.

    Built-in look: the base's styles and numbering are replaced by ours. With a template, its
    styles are kept, ours are added where it has none of that name, and our added styles are
    re-pointed at the template's styles they are based on.
    """
    styles_root = document.styles.element
    numbering_root = document.part.numbering_part.element
    if built_in:
        for child in list(numbering_root):
            numbering_root.remove(child)
    abstract_ids = [int(e.get(qn("w:abstractNumId"))) for e in numbering_root.iterchildren(qn("w:abstractNum"))]
    num_ids = [int(e.get(qn("w:numId"))) for e in numbering_root.iterchildren(qn("w:num"))]
    next_abstract, next_num = max(abstract_ids, default=-1) + 1, max(num_ids, default=0) + 1
    planned = {name: next_num + offset for offset, name in enumerate(LIST_FORMATS)}
    ours = stylesheet(theme, families, planned, text_width_points(document))

    if built_in:
        for child in list(styles_root):
            if child.tag in (qn("w:style"), qn("w:docDefaults")):
                styles_root.remove(child)
        styles_root.insert(0, doc_defaults(theme, families))
    existing = style_index(styles_root)
    taken = {e.get(qn("w:styleId")) for e in styles_root.iterchildren(qn("w:style"))}
    renamed: dict[str, str] = {}
    created: list[Element] = []
    ids: dict[str, str] = {}
    for element in ours:
        our_id = element.get(qn("w:styleId"))
        name = element.find(qn("w:name")).get(qn("w:val"))
        found = existing.get((element.get(qn("w:type")), name.lower()))
        if found is not None:
            renamed[our_id] = found.get(qn("w:styleId"))
        else:
            new_id = our_id
            suffix = 1
            while new_id in taken:
                suffix += 1
                new_id = f"{our_id}{suffix}"
            taken.add(new_id)
            element.set(qn("w:styleId"), new_id)
            renamed[our_id] = new_id
            styles_root.append(element)
            created.append(element)
        ids[name] = renamed[our_id]
    for element in created:
        for tag in ("w:basedOn", "w:next", "w:link"):
            reference = element.find(qn(tag))
            if reference is not None and reference.get(qn("w:val")) in renamed:
                reference.set(qn("w:val"), renamed[reference.get(qn("w:val"))])
    if not built_in:
        _ensure_east_asian_defaults(styles_root, families)

    by_id = {e.get(qn("w:styleId")): e for e in styles_root.iterchildren(qn("w:style"))}
    result = Styles(ids)
    created_names = {e.find(qn("w:name")).get(qn("w:val")) for e in created}
    for offset, (name, fmt) in enumerate(LIST_FORMATS.items()):
        style_id = ids[name]
        bound = name in created_names or built_in
        if not bound and _has_numbering(by_id, style_id):
            continue  # the template numbers this list its own way
        abstract = abstract_numbering(next_abstract + offset, fmt, style_id if bound else None, theme)
        first_num = numbering_root.find(qn("w:num"))
        if first_num is None:
            numbering_root.append(abstract)
        else:
            first_num.addprevious(abstract)
        numbering_root.append(number_instance(planned[name], next_abstract + offset))
        if not bound:
            result.direct_numbering[name] = planned[name]
    return result


def _ensure_east_asian_defaults(styles_root: Element, families: Families) -> None:
    """Gives a template's document defaults an East Asian font when it has none, and the letter's language.

    The language is a fact about the text, not a look, so it replaces the template's.
    """
    defaults = styles_root.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = w("docDefaults")
        styles_root.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = w("rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = w("rPr")
        rpr_default.append(rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        rpr.insert(0, w("rFonts", {"eastAsia": families.serif}))
    elif fonts.get(qn("w:eastAsia")) is None and fonts.get(qn("w:eastAsiaTheme")) is None:
        fonts.set(qn("w:eastAsia"), families.serif)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        rpr.append(w("lang", {"eastAsia": families.language}))
    else:
        lang.set(qn("w:eastAsia"), families.language)


class ContentWriter:
    """Turns the letter into body elements in reading order, all by style."""

    def __init__(self, job: RenderJob, styles: Styles, text_width: float):
        self.job = job
        self.document = job.document
        self.theme = job.theme.theme
        self.styles = styles
        self.text_width = text_width
        self.headings: list[tuple[int, str, str]] = []
        self.marks: dict[int, str] = {}
        self._bookmark_ids = 0
        self.after: dict[int, list[Callable[[], list[Element]]]] = {}
        self.leftovers: list[Callable[[], list[Element]]] = []
        self._plan_marks()
        self._plan_highlights()

    # -- planning --------------------------------------------------------------------------------

    def _plan_marks(self) -> None:
        """Names a bookmark for every heading up front, so lists and the contents can link ahead."""
        count = 0
        for section in self.document.body:
            if section.heading:
                count += 1
                self.marks[id(section)] = f"_Toc{count:09d}"
            for block in section.blocks:
                if isinstance(block, Subsection):
                    count += 1
                    self.marks[id(block)] = f"_Toc{count:09d}"

    def _place(self, anchor: Paragraph | None, make: Callable[[], list[Element]]) -> None:
        if anchor is None:
            self.leftovers.append(make)
        else:
            self.after.setdefault(id(anchor), []).append(make)

    def _plan_highlights(self) -> None:
        highlights = self.document.highlights
        strategies = highlights.strategies
        if strategies is not None:
            sentences = [plain_text(item.name) for item in strategies.items]
            anchor = anchor_paragraph(self.document, strategies.sources, sentences)
            self._place(anchor, lambda: self.strategy_list(strategies))
        target = highlights.target
        if target is not None:
            anchor = anchor_paragraph(self.document, target.sources, [target.source])
            self._place(anchor, lambda: self.target_callout(target))

    # -- pieces ----------------------------------------------------------------------------------

    def runs(self, source: str) -> list[Element]:
        return inline_runs(source, self.styles[NAMES.strong], self.styles[NAMES.emphasis])

    def para(self, name: str, children: list[Element]) -> Element:
        extra: list[Element] = []
        num_id = self.styles.direct_numbering.get(name)
        if num_id is not None:
            extra.append(w("numPr", None, val("ilvl", 0), val("numId", num_id)))
        return paragraph(self.styles[name], children, extra)

    def heading(self, level: int, source: str, mark: str) -> Element:
        self._bookmark_ids += 1
        self.headings.append((level, plain_text(source), mark))
        name = NAMES.heading1 if level == 1 else NAMES.heading2
        return self.para(name, bookmarked(self.runs(source), self._bookmark_ids, mark))

    def title_block(self) -> list[Element]:
        meta = self.document.meta
        blocks = [self.para(NAMES.title, self.runs(meta.title))]
        if meta.subtitle:
            blocks.append(self.para(NAMES.subtitle, self.runs(meta.subtitle)))
        byline = (
            self.theme.labels.byline.format(organization=plain_text(meta.organization), author=plain_text(meta.author))
            if meta.organization
            else plain_text(meta.author)
        )
        blocks.append(self.para(NAMES.subtitle, [text_run(byline)]))
        return blocks

    def contents(self) -> list[Element]:
        """The table of contents: a dirty TOC field whose cached entries link to the headings.

        Word rebuilds it on open, with page numbers. Until then, and in readers that keep a
        field's cached result (LibreOffice shows it as a static index), the entries are a working
        list of links; we cannot know page numbers, so the cache shows none rather than wrong ones.
        """
        blocks = [self.para(NAMES.toc_heading, [text_run(self.theme.labels.contents)])]
        if not self.headings:
            blocks.append(paragraph(None, [*field_begin(TOC_INSTRUCTION, dirty=True), field_end()]))
        last = len(self.headings) - 1
        for index, (level, text, mark) in enumerate(self.headings):
            children: list[Element] = field_begin(TOC_INSTRUCTION, dirty=True) if index == 0 else []
            children.append(internal_link(mark, [text_run(text)]))
            if index == last:
                children.append(field_end())
            blocks.append(self.para(NAMES.toc1 if level == 1 else NAMES.toc2, children))
        # Title and contents make a cover page; the letter starts on a page of its own, as Word's
        # Insert > Page Break does it.
        blocks.append(paragraph(None, [w("r", None, w("br", {"type": "page"}))]))
        return blocks

    def review_list(self, section: Section) -> list[Element]:
        """The achievements as a numbered overview, each item linking to its heading."""
        items = [block for block in section.blocks if isinstance(block, Subsection)]
        return [
            self.para(NAMES.review, [internal_link(self.marks[id(item)], self.runs(item.short))]) for item in items
        ]

    def strategy_list(self, strategies: Strategies) -> list[Element]:
        """The strategies as a numbered list: name, a tab, the summary."""
        return [
            self.para(NAMES.strategies, [*self.runs(item.name), w("r", None, w("tab")), *self.runs(item.summary)])
            for item in strategies.items
        ]

    def target_callout(self, target: Target) -> list[Element]:
        """The target as a callout: its caption, the number large, then the year and what it is."""
        note = f"{target.year}\t{plain_text(target.label)}" if target.year is not None else plain_text(target.label)
        return [
            self.para(NAMES.callout_title, self.runs(target.title)),
            self.para(NAMES.callout_figure, [text_run(f"{format_number(target.value)}{plain_text(target.unit)}")]),
            self.para(NAMES.callout, [text_run(note)]),
        ]

    def figures_table(self) -> list[Element]:
        """The key figures: a caption, then a table whose header row repeats on every page."""
        figures = self.document.highlights.figures
        if not figures:
            return []
        labels = self.theme.labels
        total = round(self.text_width * 20)
        widths = [round(total * 0.24), round(total * 0.22)]
        widths.append(total - sum(widths))
        cell_style = self.styles[NAMES.table_text]

        def row(texts: list[str], header: bool) -> Element:
            properties = [w("cantSplit")] + ([w("tblHeader")] if header else [])
            cells = [
                w("tc", None, w("tcPr", None, w("tcW", {"w": str(width), "type": "dxa"})),
                  paragraph(cell_style, [text_run(text)]))
                for text, width in zip(texts, widths, strict=True)
            ]
            return w("tr", None, w("trPr", None, *properties), *cells)

        table = w(
            "tbl", None,
            ordered("tblPr", [
                val("tblStyle", self.styles[NAMES.table]),
                w("tblW", {"w": str(total), "type": "dxa"}),
                w("tblLayout", {"type": "fixed"}),
                w("tblLook", {"val": "04A0", "firstRow": "1", "lastRow": "0", "firstColumn": "0",
                              "lastColumn": "0", "noHBand": "1", "noVBand": "1"}),
            ]),
            w("tblGrid", None, *[w("gridCol", {"w": str(width)}) for width in widths]),
            row([labels.figure_column, labels.value_column, labels.source_column], header=True),
            *[row([plain_text(f.label), figure_phrase(f), plain_text(f.source)], header=False) for f in figures],
        )
        return [self.para(NAMES.caption, [text_run(labels.figures)]), table]

    # -- the letter ------------------------------------------------------------------------------

    def body(self) -> list[Element]:
        review = self.document.highlights.review
        review_section = review.section if review is not None else None
        blocks: list[Element] = []
        for section in self.document.body:
            if section.heading:
                blocks.append(self.heading(1, section.heading, self.marks[id(section)]))
            overview_due = review_section is not None and section.id == review_section
            for block in section.blocks:
                match block:
                    case Paragraph():
                        blocks += self.letter_paragraph(block)
                    case Subsection():
                        if overview_due:
                            blocks += self.review_list(section)
                            overview_due = False
                        blocks.append(self.heading(2, block.heading, self.marks[id(block)]))
                        for inner in block.blocks:
                            blocks += self.letter_paragraph(inner)
                    case _:
                        assert_never(block)
        for make in self.leftovers:
            blocks += make()
        return blocks + self.figures_table()

    def letter_paragraph(self, source: Paragraph) -> list[Element]:
        blocks = [self.para(NAMES.body, self.runs(source.text))]
        for make in self.after.get(id(source), []):
            blocks += make()
        return blocks

    def header(self) -> list[Element]:
        return [self.para(NAMES.header, self.runs(self.document.meta.title))]

    def footer(self) -> list[Element]:
        return [self.para(NAMES.footer, page_label_runs(self.theme.labels.page))]


def fill_header_footer(document: DocxDocument, writer: ContentWriter) -> None:
    """Our header (the title) and footer (page N of M), where the base has none.

    A template's own header or footer is kept as it is. When both are ours, the first page shows
    no running title, as the PDF handout does.
    """
    section = document.sections[-1]
    add_header = section.header.is_linked_to_previous
    add_footer = section.footer.is_linked_to_previous
    if not (add_header or add_footer):
        return
    parts = []
    if add_header:
        parts.append((section.header, writer.header()))
    if add_footer:
        parts.append((section.footer, writer.footer()))
    if add_header and add_footer:
        # The title page needs no running title above it; it keeps its page number.
        section.different_first_page_header_footer = True
        parts += [(section.first_page_header, [paragraph(None)]),
                  (section.first_page_footer, writer.footer())]
    for target, content in parts:
        target.is_linked_to_previous = False
        root = target.part.element
        for child in list(root):
            root.remove(child)
        for element in content:
            root.append(element)


def font_table(job: RenderJob, families: Families) -> bytes:
    """word/fontTable.xml naming our two families (built-in look)."""
    root = w("fonts", None,
             font_entry(families.serif, job.faces.serif.path, "roman"),
             font_entry(families.sans, job.faces.sans.path, "swiss"))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def render(job: RenderJob, out: BinaryIO) -> None:
    """Writes the letter as a DOCX to `out`."""
    template = job.options.docx_template
    built_in = template is None
    meta = job.document.meta
    theme = job.theme.theme
    document = open_base(template)
    clear_body(document)
    if built_in:
        set_page(document, theme.page)
    families = Families(serif=job.faces.serif.family, sans=job.faces.sans.family, language=meta.language)
    styles = install_styles(document, theme, families, built_in)
    writer = ContentWriter(job, styles, text_width_points(document))
    title = writer.title_block()
    body = writer.body()
    for element in [*title, *writer.contents(), *body]:
        append_to_body(document, element)
    fill_header_footer(document, writer)
    configure_settings(document, meta.language, built_in)
    set_core_properties(document, meta, job.options.source_date_epoch)
    buffer = io.BytesIO()
    document.save(buffer)
    replace = {"docProps/app.xml": app_properties(meta)}
    if built_in:
        replace["word/fontTable.xml"] = font_table(job, families)
    out.write(reproducible_zip(buffer.getvalue(), job.options.source_date_epoch, replace))
