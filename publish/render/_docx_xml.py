"""WordprocessingML building blocks for the DOCX renderer: elements, runs, fields, bookmarks.

python-docx covers paragraphs and runs but not fields, bookmarks, hyperlinks to bookmarks or
numbering, so the renderer builds those elements here, with python-docx's element classes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from string import Formatter
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from publish.text import parse_inline

Element = Any
"""An lxml element made by python-docx (its `BaseOxmlElement` subclasses are untyped for mypy)."""


def w(tag: str, attrs: dict[str, str] | None = None, *children: Element) -> Element:
    """The element `w:tag` with `attrs` (names without prefix are `w:` names) and `children`."""
    element = OxmlElement(tag if ":" in tag else f"w:{tag}")
    for name, value in (attrs or {}).items():
        element.set(qn(name if ":" in name else f"w:{name}"), value)
    for child in children:
        element.append(child)
    return element


def val(tag: str, value: str | int) -> Element:
    """An element whose only attribute is `w:val`, such as `<w:sz w:val="21"/>`."""
    return w(tag, {"val": str(value)})


def text_run(text: str, style_id: str | None = None, italic: bool = False) -> Element:
    """A run of `text` in character style `style_id` (None: the paragraph's); tabs and breaks kept.

    `italic` is for a run that is both bold and emphasised: one run has one character style.
    """
    run = w("r")
    properties = []
    if style_id:
        properties.append(val("rStyle", style_id))
    if italic:
        properties += [w("i"), w("iCs")]
    if properties:
        run.append(w("rPr", None, *properties))
    for index, line in enumerate(text.split("\n")):
        if index:
            run.append(w("br"))
        for part_index, part in enumerate(line.split("\t")):
            if part_index:
                run.append(w("tab"))
            if part:
                t = w("t")
                t.text = part
                if part != part.strip():
                    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                run.append(t)
    return run


def inline_runs(source: str, strong_id: str, emphasis_id: str) -> list[Element]:
    """The runs of inline-marked `source`: bold in the `strong_id` style, emphasis in `emphasis_id`."""
    runs = []
    for run in parse_inline(source):
        if run.bold:
            runs.append(text_run(run.text, strong_id, italic=run.italic))
        elif run.italic:
            runs.append(text_run(run.text, emphasis_id))
        else:
            runs.append(text_run(run.text))
    return runs


def paragraph(style_id: str | None, children: Iterable[Element] = (), extra_ppr: Sequence[Element] = ()) -> Element:
    """A paragraph in style `style_id` (None: Normal) holding `children`; `extra_ppr` adds to its pPr."""
    p = w("p")
    properties = ([val("pStyle", style_id)] if style_id else []) + list(extra_ppr)
    if properties:
        p.append(w("pPr", None, *properties))
    for child in children:
        p.append(child)
    return p


def field_runs(instruction: str, result: Sequence[Element] = (), dirty: bool = False) -> list[Element]:
    """A complex field (begin, instruction, separate, cached `result` runs, end) as runs.

    `dirty` asks Word to recompute the field when the document opens.
    """
    begin = w("fldChar", {"fldCharType": "begin", **({"dirty": "true"} if dirty else {})})
    instr = w("instrText")
    instr.text = f" {instruction} "
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return [
        w("r", None, begin),
        w("r", None, instr),
        w("r", None, w("fldChar", {"fldCharType": "separate"})),
        *result,
        w("r", None, w("fldChar", {"fldCharType": "end"})),
    ]


def field_begin(instruction: str, dirty: bool = False) -> list[Element]:
    """The opening half of a complex field that spans paragraphs (a table of contents)."""
    return field_runs(instruction, dirty=dirty)[:3]


def field_end() -> Element:
    """The run that closes a field opened by `field_begin`."""
    return w("r", None, w("fldChar", {"fldCharType": "end"}))


def page_label_runs(label: str, page_result: str = "1", pages_result: str = "1") -> list[Element]:
    """`label` (a format string with {page} and {pages}) as text runs and PAGE / NUMPAGES fields.

    The cached results are what a reader shows before it lays the pages out; Word and LibreOffice
    replace them at once.
    """
    runs: list[Element] = []
    for literal, name, _spec, _conversion in Formatter().parse(label):
        if literal:
            runs.append(text_run(literal))
        if name == "page":
            runs += field_runs("PAGE", [text_run(page_result)])
        elif name == "pages":
            runs += field_runs("NUMPAGES", [text_run(pages_result)])
        elif name is not None:
            runs.append(text_run("{" + name + "}"))
    return runs


def bookmarked(children: Sequence[Element], ident: int, name: str) -> list[Element]:
    """`children` between the start and end of bookmark `name` (numeric id `ident`)."""
    return [
        w("bookmarkStart", {"id": str(ident), "name": name}),
        *children,
        w("bookmarkEnd", {"id": str(ident)}),
    ]


def internal_link(anchor: str, children: Sequence[Element]) -> Element:
    """A hyperlink to bookmark `anchor` holding `children` (runs)."""
    return w("hyperlink", {"anchor": anchor, "history": "1"}, *children)
