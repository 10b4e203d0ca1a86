"""The letter's numbers as pictures: a bar chart and a target callout, drawn with reportlab.graphics.

Every number and word comes from the model's highlights; labels are set by `_pdf_text` in the
embedded faces (with the Han/Latin quarter em), then placed as graphics strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib.colors import HexColor

from publish.model import Chart, Document, Target, format_number
from publish.render._pdf_fonts import FontBook, advance
from publish.render._pdf_text import TextStyle, set_text
from publish.render._shared import figure_phrase
from publish.theme import Theme


@dataclass(frozen=True)
class Grid:
    """The page's vertical rhythm: figures are whole multiples of the body leading high."""

    width: float
    leading: float


def _text(
    drawing: Drawing,
    book: FontBook,
    source: str,
    style: TextStyle,
    x: float,
    baseline: float,
    align: Literal["left", "right"] = "left",
) -> float:
    """Adds `source` on one line at `baseline`; returns its width. `align` says which end is at x."""
    lines = set_text(source, style, book, 10_000.0)
    if not lines:
        return 0.0
    line = lines[0]
    left = x - line.right if align == "right" else x
    colour = HexColor(style.color)
    for chunk in line.chunks:
        if chunk.char_space == 0:
            drawing.add(String(left + chunk.x, baseline, chunk.text, fontName=chunk.font, fontSize=style.size,
                               fillColor=colour))
            continue
        cursor = left + chunk.x
        for char in chunk.text:
            drawing.add(String(cursor, baseline, char, fontName=chunk.font, fontSize=style.size, fillColor=colour))
            cursor += advance(char, chunk.font, style.size) + chunk.char_space
    return line.right


def text_width(book: FontBook, source: str, style: TextStyle) -> float:
    """The natural width of `source` set on one line."""
    lines = set_text(source, style, book, 10_000.0)
    return lines[0].right if lines else 0.0


def bar_chart(chart: Chart, document: Document, book: FontBook, theme: Theme, grid: Grid) -> Drawing:
    """Horizontal bars, one per point: label, bar to scale, value with its unit."""
    colours = theme.colors
    sizes = theme.sizes
    lead = grid.leading
    title_style = TextStyle("sans", True, sizes.body, lead, colours.text, justify=False)
    label_style = TextStyle("sans", False, sizes.small, lead, colours.muted, justify=False)
    value_style = TextStyle("sans", True, sizes.small, lead, colours.brand_dark, justify=False)
    rows = [(point, document.figure(point.figure)) for point in chart.points]
    values = [figure.value for _, figure in rows if figure is not None]
    top_value = max(values) if values else 1.0
    # Rows of one body line each: a half line and a rule, the title, the bars, a rule and a half line.
    height = (len(rows) + 3) * lead
    top = height - 0.5 * lead
    drawing = Drawing(grid.width, height)
    # The renderer's default state names Helvetica; ours keeps base-14 fonts out of the file.
    drawing.initialFontName = book.primary("sans")
    rule = HexColor(colours.rule)
    drawing.add(Line(0, top, grid.width, top, strokeColor=rule, strokeWidth=0.5))
    drawing.add(Line(0, 0.5 * lead, grid.width, 0.5 * lead, strokeColor=rule, strokeWidth=0.5))

    def baseline(row: int, style: TextStyle) -> float:
        """The baseline of text centred in row `row` (0: the title) below the top rule."""
        box_top = top - 0.5 * lead - row * lead
        return box_top - (lead - style.size) / 2 - 0.8 * style.size

    _text(drawing, book, chart.title, title_style, 0, baseline(0, title_style))
    label_width = max(text_width(book, point.label, label_style) for point, _ in rows)
    value_texts = [
        figure_phrase(figure) if figure is not None else "" for _, figure in rows
    ]
    value_width = max(text_width(book, text, value_style) for text in value_texts)
    gutter = sizes.body
    bar_left = label_width + gutter
    bar_room = grid.width - bar_left - gutter - value_width
    bar_height = 0.55 * lead
    for index, ((point, figure), value_text) in enumerate(zip(rows, value_texts, strict=True)):
        middle = top - 0.5 * lead - (index + 1.5) * lead
        _text(drawing, book, point.label, label_style, label_width, baseline(index + 1, label_style), align="right")
        if figure is None:
            continue
        length = max(1.0, bar_room * figure.value / top_value)
        drawing.add(Rect(bar_left, middle - bar_height / 2, length, bar_height, fillColor=HexColor(colours.brand),
                         strokeColor=None))
        _text(drawing, book, value_text, value_style, bar_left + length + sizes.small * 0.5,
              baseline(index + 1, value_style))
    axis_top = top - 1.5 * lead
    axis_bottom = axis_top - len(rows) * lead
    drawing.add(Line(bar_left, axis_top, bar_left, axis_bottom, strokeColor=HexColor(colours.muted), strokeWidth=0.6))
    return drawing


def target_callout(target: Target, book: FontBook, theme: Theme, grid: Grid) -> Drawing:
    """A tinted panel: the target's caption, its number large, its year and what it is."""
    colours = theme.colors
    sizes = theme.sizes
    lead = grid.leading
    height = 5 * lead
    drawing = Drawing(grid.width, height)
    drawing.initialFontName = book.primary("sans")
    panel_bottom = 0.5 * lead
    panel_height = height - lead
    top = panel_bottom + panel_height
    drawing.add(Rect(0, panel_bottom, grid.width, panel_height, fillColor=HexColor(colours.tint), strokeColor=None))
    drawing.add(Rect(0, panel_bottom, 3, panel_height, fillColor=HexColor(colours.brand), strokeColor=None))
    inset = sizes.body * 1.5
    caption = TextStyle("sans", True, sizes.body, lead, colours.brand_dark, justify=False)
    big = TextStyle("sans", True, sizes.title * 1.25, lead, colours.brand, justify=False)
    unit = TextStyle("sans", True, sizes.h2, lead, colours.brand, justify=False)
    note = TextStyle("sans", False, sizes.body, lead, colours.text, justify=False)
    year = TextStyle("sans", True, sizes.body, lead, colours.muted, justify=False)
    _text(drawing, book, target.title, caption, inset, top - 0.6 * lead - 0.8 * sizes.body)
    number_baseline = panel_bottom + 0.75 * lead
    width = _text(drawing, book, format_number(target.value), big, inset, number_baseline)
    width += _text(drawing, book, target.unit, unit, inset + width + sizes.h2 * 0.25, number_baseline)
    right = inset + width + sizes.h2 * 0.25 + 2 * sizes.body
    rule_x = right - sizes.body
    drawing.add(Line(rule_x, number_baseline - 0.15 * sizes.body, rule_x, number_baseline + 0.8 * big.size,
                     strokeColor=HexColor(colours.rule), strokeWidth=0.8))
    if target.year is not None:
        _text(drawing, book, str(target.year), year, right, number_baseline + 1.1 * lead)
    _text(drawing, book, target.label, note, right, number_baseline)
    return drawing
