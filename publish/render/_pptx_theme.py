"""The theme's palette and font as a DrawingML theme, shared by the deck writer and the template script.

Shapes the writer draws name their colours by scheme slot (accent1, bg2, ...), never by RGB, so a
user's template recolours them. The default template's slots hold the theme's colours; the
writer writes them again at build time, so a `--theme` with other colours needs no new template.
"""

from __future__ import annotations

from lxml import etree  # type: ignore[import-untyped]

from publish.render.deck import ColourRole
from publish.theme import Colours

A = "http://schemas.openxmlformats.org/drawingml/2006/main"

SCHEME_OF_ROLE: dict[ColourRole, str] = {
    "text": "tx1",
    "background": "bg1",
    "muted": "tx2",
    "tint": "bg2",
    "brand": "accent1",
    "brand_dark": "accent2",
    "rule": "accent3",
    "on_brand": "bg1",
}
"""The scheme colour (as a shape refers to it, through the master's colour map) of each palette role."""


def scheme_slots(colours: Colours) -> dict[str, str]:
    """The twelve slots of a colour scheme (dk1 ... folHlink), RRGGBB, from the theme's palette."""
    return {
        "dk1": colours.text,
        "lt1": colours.background,
        "dk2": colours.muted,
        "lt2": colours.tint,
        "accent1": colours.brand,
        "accent2": colours.brand_dark,
        "accent3": colours.rule,
        "accent4": colours.muted,
        "accent5": colours.text,
        "accent6": colours.tint,
        "hlink": colours.brand_dark,
        "folHlink": colours.muted,
    }


def apply_theme(blob: bytes, colours: Colours, family: str) -> bytes:
    """A theme part's XML with its colour scheme set to the palette and its fonts to `family`.

    Both the heading (major) and body (minor) fonts get `family` as Latin and East Asian typeface.
    """
    root = etree.fromstring(blob)
    scheme = root.find(f".//{{{A}}}clrScheme")
    if scheme is not None:
        for slot, value in scheme_slots(colours).items():
            element = scheme.find(f"{{{A}}}{slot}")
            if element is None:
                element = etree.SubElement(scheme, f"{{{A}}}{slot}")
            for child in list(element):
                element.remove(child)
            etree.SubElement(element, f"{{{A}}}srgbClr", val=value.lstrip("#").upper())
    for which in ("majorFont", "minorFont"):
        fonts = root.find(f".//{{{A}}}fontScheme/{{{A}}}{which}")
        if fonts is None:
            continue
        for script in ("latin", "ea"):
            element = fonts.find(f"{{{A}}}{script}")
            if element is not None:
                element.set("typeface", family)
        # A per-script font for Hans would override `ea` for Chinese text in PowerPoint.
        for font in fonts.findall(f"{{{A}}}font"):
            if font.get("script") == "Hans":
                font.set("typeface", family)
    result: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return result
