"""Writes assets/template.pptx, the deck's default look: 16:9, one slide master, named layouts.

usage: .venv/bin/python scripts/make_pptx_template.py [OUTPUT]

The geometry comes from `publish.render.deck.DEFAULT_FRAME` (the same boxes the plan's tests
use), the colours and font from assets/theme.yaml. Layouts: Title Slide (brand background),
Title and Content, Section Header, Two Content, Title Only, Blank. The output is byte-for-byte
the same on every run, so the committed file can be checked against this script.
"""

from __future__ import annotations

import calendar
import io
import sys
from datetime import datetime
from pathlib import Path

from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml import parse_xml
from pptx.util import Emu

from publish.fonts import faces
from publish.render._pptx_theme import apply_theme
from publish.render.deck import DEFAULT_FRAME, SLIDE_NUMBER_BOX, Box
from publish.render.pptx import tidy_package
from publish.reproducible import reproducible_zip
from publish.theme import load_theme

ROOT = Path(__file__).resolve().parent.parent
NS = (
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
)
EMU = 12700  # per point
FIXED_TIME = (2017, 1, 1, 0, 0, 0)
KEEP = ("Title Slide", "Title and Content", "Section Header", "Two Content", "Title Only", "Blank")
SLIDE_NUMBER_FIELD = "{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}"


def emu(points: float) -> int:
    return round(points * EMU)


def xfrm(box: Box) -> str:
    return (
        f'<a:xfrm><a:off x="{emu(box.left)}" y="{emu(box.top)}"/>'
        f'<a:ext cx="{emu(box.width)}" cy="{emu(box.height)}"/></a:xfrm>'
    )


def body_pr(box: Box | None, anchor: str = "t") -> str:
    """Text frame properties; none of its own (all inherited) for a placeholder with no box."""
    if box is None:
        return "<a:bodyPr/>"
    insets = ""
    if box is not None:
        insets = (
            f' lIns="{emu(box.inset_left)}" tIns="{emu(box.inset_top)}"'
            f' rIns="{emu(box.inset_right)}" bIns="{emu(box.inset_bottom)}"'
        )
    return f'<a:bodyPr vert="horz" wrap="square"{insets} rtlCol="0" anchor="{anchor}"><a:noAutofit/></a:bodyPr>'


def run_pr(extra: str = "", inner: str = "") -> str:
    return f'<a:defRPr lang="zh-CN" altLang="en-US"{extra}>{inner}</a:defRPr>'


def placeholder(
    shape_id: int,
    name: str,
    ph: str,
    box: Box | None,
    anchor: str = "t",
    lst_style: str = "",
    text: str = '<a:p><a:endParaRPr lang="zh-CN" altLang="en-US"/></a:p>',
    with_body: bool = True,
) -> str:
    geometry = f'{xfrm(box)}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>' if box is not None else ""
    body = f"<p:txBody>{body_pr(box, anchor)}<a:lstStyle>{lst_style}</a:lstStyle>{text}</p:txBody>"
    return (
        f'<p:sp {NS}><p:nvSpPr><p:cNvPr id="{shape_id}" name="{name}"/>'
        f'<p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr>{ph}</p:nvPr></p:nvSpPr>'
        f"<p:spPr>{geometry}</p:spPr>{body if with_body else ''}</p:sp>"
    )


def rectangle(shape_id: int, name: str, box: Box, colour: str) -> str:
    return (
        f'<p:sp {NS}><p:nvSpPr><p:cNvPr id="{shape_id}" name="{name}"/><p:cNvSpPr/>'
        f'<p:nvPr userDrawn="1"/></p:nvSpPr><p:spPr>{xfrm(box)}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
        f'<a:solidFill><a:schemeClr val="{colour}"/></a:solidFill><a:ln><a:noFill/></a:ln></p:spPr>'
        f'<p:txBody><a:bodyPr rtlCol="0" anchor="ctr"/><a:lstStyle/><a:p><a:endParaRPr lang="zh-CN"/></a:p>'
        "</p:txBody></p:sp>"
    )


def slide_number_text() -> str:
    return (
        f'<a:p><a:fld id="{SLIDE_NUMBER_FIELD}" type="slidenum"><a:rPr lang="zh-CN" altLang="en-US"/>'
        '<a:t>‹#›</a:t></a:fld><a:endParaRPr lang="zh-CN" altLang="en-US"/></a:p>'
    )


def footers(first_id: int) -> list[str]:
    """The date, footer and slide number placeholders a layout repeats from the master."""
    return [
        placeholder(first_id, "Date Placeholder", '<p:ph type="dt" sz="half" idx="10"/>', None),
        placeholder(first_id + 1, "Footer Placeholder", '<p:ph type="ftr" sz="quarter" idx="11"/>', None),
        placeholder(
            first_id + 2,
            "Slide Number Placeholder",
            '<p:ph type="sldNum" sz="quarter" idx="12"/>',
            None,
            text=slide_number_text(),
        ),
    ]


def replace_shapes(element: object, shapes: list[str]) -> None:
    """Empties a master's or layout's shape tree (its group properties kept) and adds `shapes`."""
    tree = element.cSld.spTree  # type: ignore[attr-defined]
    for child in list(tree):
        if not child.tag.endswith(("}nvGrpSpPr", "}grpSpPr")):
            tree.remove(child)
    for shape in shapes:
        tree.append(parse_xml(shape))


def set_background(element: object, colour: str | None) -> None:
    """A solid scheme-colour background, or none of its own (the master's) when `colour` is None."""
    c_sld = element.cSld  # type: ignore[attr-defined]
    for old in c_sld.findall("{http://schemas.openxmlformats.org/presentationml/2006/main}bg"):
        c_sld.remove(old)
    if colour is not None:
        c_sld.insert(
            0,
            parse_xml(
                f'<p:bg {NS}><p:bgPr><a:solidFill><a:schemeClr val="{colour}"/></a:solidFill>'
                "<a:effectLst/></p:bgPr></p:bg>"
            ),
        )


def text_styles(title_size: float, body_size: float) -> str:
    font = '<a:latin typeface="+mj-lt"/><a:ea typeface="+mj-ea"/><a:cs typeface="+mj-cs"/>'
    body_font = '<a:latin typeface="+mn-lt"/><a:ea typeface="+mn-ea"/><a:cs typeface="+mn-cs"/>'
    colour = '<a:solidFill><a:schemeClr val="tx1"/></a:solidFill>'
    line = '<a:lnSpc><a:spcPct val="100000"/></a:lnSpc>'
    title = (
        f'<p:titleStyle><a:lvl1pPr algn="l" defTabSz="914400" rtl="0" eaLnBrk="1" latinLnBrk="0" hangingPunct="0">'
        f'{line}<a:spcBef><a:spcPct val="0"/></a:spcBef><a:buNone/>'
        f"{run_pr(size_attrs(title_size, bold=True), colour + font)}</a:lvl1pPr></p:titleStyle>"
    )
    levels = []
    for level in range(1, 10):
        size = body_size if level == 1 else max(body_size - 4, 20)
        margin = 342900 * level
        bullet = '<a:buClr><a:schemeClr val="accent1"/></a:buClr><a:buChar char="•"/>'
        levels.append(
            f'<a:lvl{level}pPr marL="{margin}" indent="-342900" algn="l" defTabSz="914400" rtl="0" eaLnBrk="1"'
            f' latinLnBrk="0" hangingPunct="0">{line}<a:spcBef><a:spcPts val="1200"/></a:spcBef>{bullet}'
            f"{run_pr(size_attrs(size), colour + body_font)}</a:lvl{level}pPr>"
        )
    body = f"<p:bodyStyle>{''.join(levels)}</p:bodyStyle>"
    other = (
        '<p:otherStyle><a:defPPr><a:defRPr lang="zh-CN" altLang="en-US"/></a:defPPr>'
        f'<a:lvl1pPr marL="0" algn="l" defTabSz="914400" rtl="0" eaLnBrk="1" latinLnBrk="0" hangingPunct="0">'
        f"{run_pr(size_attrs(18), colour + body_font)}</a:lvl1pPr></p:otherStyle>"
    )
    return f"<p:txStyles {NS}>{title}{body}{other}</p:txStyles>"


def plain_style(size: float, colour: str, bold: bool = False) -> str:
    fill = f'<a:solidFill><a:schemeClr val="{colour}"/></a:solidFill>'
    return f'<a:lvl1pPr marL="0" indent="0" algn="l"><a:buNone/>{run_pr(size_attrs(size, bold), fill)}</a:lvl1pPr>'


def size_attrs(size: float, bold: bool = False) -> str:
    weight = ' b="1"' if bold else ""
    return f' sz="{round(size * 100)}"{weight} kern="1200"'


def build(out: Path) -> None:
    loaded = load_theme()
    theme = loaded.theme
    family = faces(loaded).sans.family
    frame = DEFAULT_FRAME
    deck = Presentation()
    deck.slide_width = Emu(emu(frame.width))
    deck.slide_height = Emu(emu(frame.height))
    master = deck.slide_masters[0]
    for layout in list(master.slide_layouts):
        if layout.name not in KEEP:
            master.slide_layouts.remove(layout)
    theme_part = master.part.part_related_by(RT.THEME)
    theme_part._blob = apply_theme(theme_part.blob, theme.colors, family)

    content = frame.layouts["Title and Content"]
    assert content.title is not None and content.body is not None
    title, body = content.title, content.body
    rule = Box(title.left + title.inset_left, title.bottom + 6, 56, 5, 0, 0, 0, 0)
    number = SLIDE_NUMBER_BOX
    footer_line = Box(frame.content.left, number.top - 6, frame.content.width, 0.75, 0, 0, 0, 0)
    master_shapes = [
        placeholder(2, "Title Placeholder", '<p:ph type="title"/>', title, anchor="b"),
        placeholder(3, "Text Placeholder", '<p:ph type="body" idx="1"/>', body),
        placeholder(
            4,
            "Date Placeholder",
            '<p:ph type="dt" sz="half" idx="2"/>',
            Box(48, number.top, 200, number.height),
            anchor="ctr",
            lst_style=plain_style(12, "tx2"),
        ),
        placeholder(
            5,
            "Footer Placeholder",
            '<p:ph type="ftr" sz="quarter" idx="3"/>',
            Box(280, number.top, 400, number.height),
            anchor="ctr",
            lst_style=plain_style(12, "tx2"),
        ),
        placeholder(
            6,
            "Slide Number Placeholder",
            '<p:ph type="sldNum" sz="quarter" idx="4"/>',
            number,
            anchor="ctr",
            lst_style=plain_style(14, "tx2").replace('algn="l"', 'algn="r"'),
            text=slide_number_text(),
        ),
        rectangle(7, "Title Accent", rule, "accent1"),
        rectangle(8, "Footer Rule", footer_line, "accent3"),
    ]
    replace_shapes(master._element, master_shapes)
    set_background(master._element, "bg1")
    styles = master._element.find("{http://schemas.openxmlformats.org/presentationml/2006/main}txStyles")
    master._element.replace(styles, parse_xml(text_styles(theme.slides.title, theme.slides.body)))

    cover = frame.layouts["Title Slide"]
    section = frame.layouts["Section Header"]
    assert cover.title and cover.body and section.title and section.body
    half = (body.width - 24) / 2
    for layout in master.slide_layouts:
        element = layout._element
        shapes: list[str]
        if layout.name == "Title Slide":
            element.set("showMasterSp", "0")
            set_background(element, "accent1")
            shapes = [
                placeholder(
                    2,
                    "Title",
                    '<p:ph type="ctrTitle"/>',
                    cover.title,
                    anchor="b",
                    lst_style=plain_style(theme.slides.cover_title, "bg1", bold=True),
                ),
                placeholder(
                    3,
                    "Subtitle",
                    '<p:ph type="subTitle" idx="1"/>',
                    cover.body,
                    lst_style=plain_style(theme.slides.body, "bg1"),
                ),
                rectangle(
                    4,
                    "Cover Rule",
                    Box(cover.title.left + cover.title.inset_left, cover.title.bottom + 6, 72, 5, 0, 0, 0, 0),
                    "bg1",
                ),
                *footers(5),
            ]
        elif layout.name == "Section Header":
            element.set("showMasterSp", "0")
            set_background(element, "bg1")
            shapes = [
                rectangle(2, "Section Band", Box(0, 0, 24, frame.height, 0, 0, 0, 0), "accent1"),
                placeholder(
                    3,
                    "Title",
                    '<p:ph type="title"/>',
                    section.title,
                    anchor="b",
                    lst_style=plain_style(theme.slides.cover_title, "tx1", bold=True),
                ),
                placeholder(
                    4,
                    "Text Placeholder",
                    '<p:ph type="body" idx="1"/>',
                    section.body,
                    lst_style=plain_style(theme.slides.body, "tx2"),
                ),
                rectangle(
                    5,
                    "Section Rule",
                    Box(section.title.left + section.title.inset_left, section.title.bottom + 6, 72, 5, 0, 0, 0, 0),
                    "accent1",
                ),
                *footers(6),
            ]
        elif layout.name == "Title and Content":
            shapes = [
                placeholder(2, "Title", '<p:ph type="title"/>', None),
                placeholder(3, "Content Placeholder", '<p:ph idx="1"/>', None),
                *footers(4),
            ]
        elif layout.name == "Two Content":
            left = Box(body.left, body.top, half, body.height)
            right = Box(body.left + half + 24, body.top, half, body.height)
            shapes = [
                placeholder(2, "Title", '<p:ph type="title"/>', None),
                placeholder(3, "Content Placeholder Left", '<p:ph sz="half" idx="1"/>', left),
                placeholder(4, "Content Placeholder Right", '<p:ph sz="half" idx="2"/>', right),
                *footers(5),
            ]
        elif layout.name == "Title Only":
            shapes = [placeholder(2, "Title", '<p:ph type="title"/>', None), *footers(3)]
        else:  # Blank
            shapes = footers(2)
        replace_shapes(element, shapes)

    properties = deck.core_properties
    properties.title = "publish"
    properties.author = "publish"
    properties.last_modified_by = "publish"
    properties.revision = 1
    properties.created = properties.modified = properties.last_printed = datetime(*FIXED_TIME)
    tidy_package(deck, 0)
    buffer = io.BytesIO()
    deck.save(buffer)
    out.write_bytes(reproducible_zip(buffer.getvalue(), calendar.timegm(datetime(*FIXED_TIME).timetuple())))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "assets" / "template.pptx"
    build(target)
    print(f"wrote {target}")
