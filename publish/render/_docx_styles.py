"""The DOCX style sheet: every paragraph, character, table and list style, made from the theme.

The renderer refers to styles by name only. With no user template the whole style sheet is
ours; with a template (like pandoc's --reference-doc) the template's styles win and we add only
the ones it lacks. Fonts are set per script: `w:ascii`/`w:hAnsi` for Latin, `w:eastAsia` for
Han, and the language likewise (`w:val` for Latin, `w:eastAsia` for Chinese). Word's own Chinese
line breaking (`w:kinsoku`) and Han-Latin spacing (`w:autoSpaceDE`/`w:autoSpaceDN`) are left at
their defaults, which are on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from docx.oxml.ns import qn
from fontTools.ttLib import TTFont

from publish.render._docx_xml import Element, val, w
from publish.theme import Theme

LATIN_LANGUAGE = "en-US"
"""The language of Latin words in a Chinese letter (AlphaGo, FDDB), as Word's zh-CN setup has it."""

Kind = Literal["paragraph", "character", "table", "numbering"]


@dataclass(frozen=True)
class Families:
    """The font families the styles name: serif for reading, sans for headings and furniture."""

    serif: str
    sans: str
    language: str


@dataclass(frozen=True)
class StyleNames:
    """The style names the renderer uses, as Word stores them (built-in ones partly lowercase)."""

    title: str = "Title"
    subtitle: str = "Subtitle"
    heading1: str = "heading 1"
    heading2: str = "heading 2"
    body: str = "Body Text"
    strategies: str = "List Number"
    review: str = "Review List"
    callout: str = "Callout"
    callout_title: str = "Callout Title"
    callout_figure: str = "Callout Figure"
    caption: str = "caption"
    toc_heading: str = "TOC Heading"
    toc1: str = "toc 1"
    toc2: str = "toc 2"
    header: str = "header"
    footer: str = "footer"
    table_text: str = "Table Text"
    strong: str = "Strong"
    emphasis: str = "Emphasis"
    table: str = "Key Figures"


NAMES = StyleNames()

# Schema order of the children we write, so elements can be listed in any order and still validate.
_ORDER = {
    "style": "name aliases basedOn next link autoRedefine hidden uiPriority semiHidden unhideWhenUsed qFormat "
    "locked pPr rPr tblPr trPr tcPr tblStylePr",
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd "
    "tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
    "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
    "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof "
    "snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText "
    "vertAlign rtl cs em lang eastAsianLayout specVanish oMath",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc "
    "tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark",
    "tblStylePr": "pPr rPr tblPr trPr tcPr",
}


def ordered(tag: str, children: Iterable[Element], attrs: dict[str, str] | None = None) -> Element:
    """`w:tag` holding `children` sorted into the schema's order for that element."""
    order = _ORDER[tag].split()
    items = sorted(children, key=lambda child: order.index(child.tag.rpartition("}")[2]))
    return w(tag, attrs, *items)


def twips(points: float) -> str:
    """`points` in twentieths of a point, Word's unit for lengths."""
    return str(round(points * 20))


def half_points(points: float) -> str:
    """`points` in half points, Word's unit for type sizes."""
    return str(round(points * 2))


def colour(hex_colour: str) -> str:
    """A theme colour (#RRGGBB) as Word writes it (RRGGBB)."""
    return hex_colour.lstrip("#").upper()


def fonts(family: str) -> Element:
    """Fonts for every script: Latin and East Asian set separately, both to `family`.

    The Noto SC families cover Latin too, so Latin text matches the Han text beside it.
    """
    return w("rFonts", {"ascii": family, "hAnsi": family, "eastAsia": family, "cs": family})


def language(families: Families) -> Element:
    """Latin words in LATIN_LANGUAGE, Han text in the document's language."""
    return w("lang", {"val": LATIN_LANGUAGE, "eastAsia": families.language, "bidi": "ar-SA"})


def size(points: float) -> list[Element]:
    """The type size for all scripts."""
    return [val("sz", half_points(points)), val("szCs", half_points(points))]


def line_spacing(multiple: float, before: float = 0, after: float = 0) -> Element:
    """Line pitch as a multiple of single spacing, and space before/after in points."""
    return w("spacing", {"before": twips(before), "after": twips(after), "line": str(round(240 * multiple)),
                         "lineRule": "auto"})


def style(kind: Kind, style_id: str, name: str, *, based_on: str | None = None, next_id: str | None = None,
          ppr: Iterable[Element] = (), rpr: Iterable[Element] = (), extra: Iterable[Element] = (),
          priority: int | None = None, quick: bool = False, default: bool = False,
          semi_hidden: bool = False) -> Element:
    """One `w:style`; `based_on`/`next_id` are style ids, None for none."""
    children = [val("name", name)]
    if based_on:
        children.append(val("basedOn", based_on))
    if next_id:
        children.append(val("next", next_id))
    if priority is not None:
        children.append(val("uiPriority", priority))
    if semi_hidden:
        children += [w("semiHidden"), w("unhideWhenUsed")]
    if quick:
        children.append(w("qFormat"))
    ppr, rpr = list(ppr), list(rpr)
    if ppr:
        children.append(ordered("pPr", ppr))
    if rpr:
        children.append(ordered("rPr", rpr))
    children += list(extra)
    attrs = {"type": kind, "styleId": style_id}
    if default:
        attrs["default"] = "1"
    return ordered("style", children, attrs)


def border(side: str, hex_colour: str, eighths: int, space: int = 4) -> Element:
    """A single line on `side`, `eighths` of a point thick, `space` points from the text."""
    return w(side, {"val": "single", "sz": str(eighths), "space": str(space), "color": colour(hex_colour)})


def doc_defaults(theme: Theme, families: Families) -> Element:
    """Document defaults: serif body type in both scripts, the theme's text colour, the languages."""
    rpr = ordered("rPr", [fonts(families.serif), *size(theme.sizes.body), language(families)])
    ppr = w("pPr", None, line_spacing(1.0))
    return w("docDefaults", None, w("rPrDefault", None, rpr), w("pPrDefault", None, ppr))


def stylesheet(theme: Theme, families: Families, numbering: dict[str, int], text_width: float) -> list[Element]:
    """Every style the renderer uses, from the theme; `numbering` maps list style names to numIds.

    `text_width` (points) places the right-aligned page numbers of the table of contents.
    """
    sizes, colours = theme.sizes, theme.colors
    body, lead = sizes.body, sizes.body * sizes.leading
    serif, sans = families.serif, families.sans
    ink = val("color", colour(colours.text))

    def numbered(name: str) -> list[Element]:
        return [w("numPr", None, val("ilvl", 0), val("numId", numbering[name]))] if name in numbering else []

    callout_box = [
        w("pBdr", None, border("left", colours.brand, 24, 8)),
        w("shd", {"val": "clear", "color": "auto", "fill": colour(colours.tint)}),
        w("ind", {"left": twips(body * 1.5), "right": twips(body)}),
        val("jc", "left"),
    ]
    return [
        style("paragraph", "Normal", "Normal", default=True, quick=True,
              ppr=[w("widowControl"), line_spacing(1.0)],
              rpr=[fonts(serif), *size(body), ink, language(families)]),
        style("character", "DefaultParagraphFont", "Default Paragraph Font", default=True, priority=1,
              semi_hidden=True),
        style("table", "TableNormal", "Normal Table", default=True, priority=99, semi_hidden=True,
              extra=[ordered("tblPr", [
                  w("tblInd", {"w": "0", "type": "dxa"}),
                  w("tblCellMar", None, w("top", {"w": "0", "type": "dxa"}), w("left", {"w": "108", "type": "dxa"}),
                    w("bottom", {"w": "0", "type": "dxa"}), w("right", {"w": "108", "type": "dxa"})),
              ])]),
        style("numbering", "NoList", "No List", default=True, priority=99, semi_hidden=True),
        style("paragraph", "Title", NAMES.title, based_on="Normal", next_id="Subtitle", priority=10, quick=True,
              ppr=[w("keepNext"), w("keepLines"), line_spacing(1.25, after=lead / 2), val("jc", "left")],
              rpr=[fonts(sans), w("b"), w("bCs"), *size(sizes.title), ink, val("kern", half_points(sizes.title))]),
        style("paragraph", "Subtitle", NAMES.subtitle, based_on="Normal", next_id="BodyText", priority=11,
              quick=True,
              ppr=[w("keepNext"), w("pBdr", None, border("bottom", colours.brand, 12, 6)),
                   line_spacing(1.25, after=lead), val("jc", "left")],
              rpr=[fonts(sans), *size(sizes.subtitle), val("color", colour(colours.muted))]),
        style("paragraph", "Heading1", NAMES.heading1, based_on="Normal", next_id="BodyText", priority=9, quick=True,
              ppr=[w("keepNext"), w("keepLines"), line_spacing(1.3, before=lead, after=lead / 2), val("jc", "left"),
                   val("outlineLvl", 0)],
              rpr=[fonts(sans), w("b"), w("bCs"), *size(sizes.h1), val("color", colour(colours.brand_dark)),
                   val("kern", half_points(sizes.h1))]),
        style("paragraph", "Heading2", NAMES.heading2, based_on="Normal", next_id="BodyText", priority=9, quick=True,
              semi_hidden=True,
              ppr=[w("keepNext"), w("keepLines"), line_spacing(1.3, before=lead / 2, after=lead / 2),
                   val("jc", "left"), val("outlineLvl", 1)],
              rpr=[fonts(sans), w("b"), w("bCs"), *size(sizes.h2), ink]),
        style("paragraph", "BodyText", NAMES.body, based_on="Normal", priority=1, quick=True,
              ppr=[line_spacing(sizes.leading),
                   w("ind", {"firstLineChars": "200", "firstLine": twips(2 * body)}), val("jc", "both")]),
        style("paragraph", "ListNumber", NAMES.strategies, based_on="Normal", priority=1, quick=True,
              ppr=[*numbered(NAMES.strategies),
                   # A stop at the text indent keeps the number's tab there in LibreOffice too.
                   w("tabs", None, w("tab", {"val": "left", "pos": twips(4 * body)}),
                     w("tab", {"val": "left", "pos": twips(10 * body)})),
                   line_spacing(sizes.leading), w("ind", {"left": twips(4 * body), "hanging": twips(2 * body)}),
                   val("jc", "left")]),
        style("paragraph", "ReviewList", NAMES.review, based_on="ListNumber", quick=True,
              ppr=[*numbered(NAMES.review)]),
        style("paragraph", "Callout", NAMES.callout, based_on="Normal", quick=True,
              ppr=[*callout_box, w("tabs", None, w("tab", {"val": "left", "pos": twips(5.5 * body)})),
                   line_spacing(sizes.leading, after=lead / 2)],
              rpr=[fonts(sans), ink]),
        style("paragraph", "CalloutTitle", NAMES.callout_title, based_on="Callout", next_id="CalloutFigure",
              quick=True, ppr=[w("keepNext"), line_spacing(sizes.leading, before=lead / 2)],
              rpr=[w("b"), w("bCs"), val("color", colour(colours.brand_dark))]),
        style("paragraph", "CalloutFigure", NAMES.callout_figure, based_on="Callout", next_id="Callout", quick=True,
              ppr=[w("keepNext"), line_spacing(1.1)],
              rpr=[w("b"), w("bCs"), *size(sizes.title * 1.25), val("color", colour(colours.brand))]),
        style("paragraph", "Caption", NAMES.caption, based_on="Normal", next_id="BodyText", priority=35, quick=True,
              semi_hidden=True,
              ppr=[w("keepNext"), line_spacing(1.3, before=lead, after=lead / 4), val("jc", "left")],
              rpr=[fonts(sans), w("b"), w("bCs"), *size(body), val("color", colour(colours.brand_dark))]),
        style("paragraph", "TOCHeading", NAMES.toc_heading, based_on="Heading1", next_id="BodyText", priority=39,
              semi_hidden=True, quick=True, ppr=[val("outlineLvl", 9)]),
        style("paragraph", "TOC1", NAMES.toc1, based_on="Normal", next_id="BodyText", priority=39, semi_hidden=True,
              ppr=[w("tabs", None, w("tab", {"val": "right", "leader": "dot", "pos": twips(text_width)})),
                   line_spacing(1.5)],
              rpr=[fonts(sans)]),
        style("paragraph", "TOC2", NAMES.toc2, based_on="TOC1", next_id="BodyText", priority=39, semi_hidden=True,
              ppr=[w("ind", {"left": twips(2 * body)})]),
        style("paragraph", "Header", NAMES.header, based_on="Normal", priority=99, semi_hidden=True,
              ppr=[w("pBdr", None, border("bottom", colours.rule, 4, 4)), val("jc", "left")],
              rpr=[fonts(sans), *size(sizes.small), val("color", colour(colours.muted))]),
        style("paragraph", "Footer", NAMES.footer, based_on="Normal", priority=99, semi_hidden=True,
              ppr=[val("jc", "center")],
              rpr=[fonts(sans), *size(sizes.small), val("color", colour(colours.muted))]),
        style("paragraph", "TableText", NAMES.table_text, based_on="Normal", quick=True,
              ppr=[line_spacing(1.3, before=body / 4, after=body / 4), val("jc", "left")],
              rpr=[fonts(sans)]),
        # Bold in a serif paragraph is set in the sans bold, the Chinese habit of 黑体 in 宋体:
        # Noto Serif SC has no bold, and a synthetic one smears Han strokes.
        style("character", "Strong", NAMES.strong, based_on="DefaultParagraphFont", priority=22, quick=True,
              rpr=[fonts(sans), w("b"), w("bCs")]),
        style("character", "Emphasis", NAMES.emphasis, based_on="DefaultParagraphFont", priority=20, quick=True,
              rpr=[w("i"), w("iCs")]),
        style("table", "KeyFigures", NAMES.table, based_on="TableNormal", priority=59,
              ppr=[val("jc", "left")],
              extra=[
                  ordered("tblPr", [
                      w("tblBorders", None, border("top", colours.brand, 12, 0), border("bottom", colours.brand, 12, 0),
                        border("insideH", colours.rule, 4, 0)),
                      w("tblCellMar", None, w("top", {"w": twips(body / 4), "type": "dxa"}),
                        w("left", {"w": twips(body / 2), "type": "dxa"}),
                        w("bottom", {"w": twips(body / 4), "type": "dxa"}),
                        w("right", {"w": twips(body / 2), "type": "dxa"})),
                  ]),
                  ordered("tblStylePr", [
                      ordered("rPr", [w("b"), w("bCs"), val("color", colour(colours.on_brand))]),
                      ordered("tcPr", [w("shd", {"val": "clear", "color": "auto", "fill": colour(colours.brand)}),
                                       val("vAlign", "center")]),
                  ], {"type": "firstRow"}),
              ]),
    ]


@dataclass(frozen=True)
class ListFormat:
    """How a numbered list counts: Word's number format and the text around the number."""

    number_format: str
    text: str
    suffix: Literal["tab", "space", "nothing"] = "tab"


# The six achievements count like their own headings (一、二、…), whose 、 already separates the
# number from the text (a tab after a two-em "一、" would jump past the text indent); the
# strategies count 1. 2. ….
LIST_FORMATS = {
    NAMES.review: ListFormat("chineseCounting", "%1、", "nothing"),
    NAMES.strategies: ListFormat("decimal", "%1."),
}


def abstract_numbering(abstract_id: int, fmt: ListFormat, style_id: str | None, theme: Theme) -> Element:
    """A one-level `w:abstractNum` counting in `fmt`, bound to paragraph style `style_id` (None: unbound).

    The number hangs at the body's first-line indent and the text starts two ems later; the
    level repeats the list style's indents because LibreOffice takes them from the level.
    """
    body = theme.sizes.body
    bound = [val("pStyle", style_id)] if style_id else []
    indent = w("pPr", None, w("tabs", None, w("tab", {"val": "num", "pos": twips(4 * body)})),
               w("ind", {"left": twips(4 * body), "hanging": twips(2 * body)}))
    level = w("lvl", {"ilvl": "0"}, val("start", 1), val("numFmt", fmt.number_format), *bound,
              val("suff", fmt.suffix), val("lvlText", fmt.text), val("lvlJc", "left"), indent)
    return w("abstractNum", {"abstractNumId": str(abstract_id)}, val("multiLevelType", "singleLevel"), level)


def number_instance(num_id: int, abstract_id: int) -> Element:
    """A `w:num` that paragraphs and styles refer to, counting per `abstract_id`."""
    return w("num", {"numId": str(num_id)}, val("abstractNumId", abstract_id))


def font_entry(family: str, path: Path, generic: str) -> Element:
    """A font table entry with the face's PANOSE and coverage, so Word can substitute well.

    Word picks a stand-in for a missing font by these numbers; charset 86 (GB2312) and the
    generic family keep that stand-in a Chinese Song (serif) or Hei (sans) face.
    """
    font = TTFont(str(path), lazy=True)
    try:
        os2 = font["OS/2"]
        panose = "".join(f"{getattr(os2.panose, field):02X}" for field in (
            "bFamilyType", "bSerifStyle", "bWeight", "bProportion", "bContrast", "bStrokeVariation",
            "bArmStyle", "bLetterForm", "bMidline", "bXHeight"))
        signature = {
            "usb0": f"{os2.ulUnicodeRange1:08X}", "usb1": f"{os2.ulUnicodeRange2:08X}",
            "usb2": f"{os2.ulUnicodeRange3:08X}", "usb3": f"{os2.ulUnicodeRange4:08X}",
            "csb0": f"{os2.ulCodePageRange1:08X}", "csb1": f"{os2.ulCodePageRange2:08X}",
        }
    finally:
        font.close()
    return w("font", {"name": family}, val("panose1", panose), val("charset", "86"), val("family", generic),
             val("pitch", "variable"), w("sig", signature))


def style_index(styles_root: Element) -> dict[tuple[str, str], Element]:
    """The styles in a styles part by (type, lowercased name)."""
    index: dict[tuple[str, str], Element] = {}
    for element in styles_root.iterchildren(qn("w:style")):
        name = element.find(qn("w:name"))
        if name is not None:
            index[(element.get(qn("w:type"), "paragraph"), name.get(qn("w:val"), "").lower())] = element
    return index
