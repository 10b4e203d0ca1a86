"""Setting Chinese text for the PDF: our own line breaking, justification and spacing, drawn by
ReportLab.

A paragraph is cut into lines by `publish.linebreak` using the real advance widths of the
registered fonts. Each line is then placed character by character: the slack of a justified line
is spread over every gap between units (so over CJK characters, not only at spaces), full-width
punctuation is squeezed where the line needs it, adjacent marks (`。”`) are compressed, and the
quarter em between Han and Latin is drawn by the spaced twin of the left character's font (see
`_pdf_fonts`). The placed characters are then grouped into chunks of one font and one character
spacing, each drawn with a single text operator, so the PDF stays small and extracts in order.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

from publish.fonts import Role
from publish.linebreak import OPENING, SQUEEZABLE, Line, is_space, unit_glue, units, wrap_units
from publish.render._pdf_fonts import DASHES, FontBook, advance, outline_operators
from publish.text import parse_inline

MIN_LAST_LINE = 2
"""The least number of characters (punctuation not counted) on a paragraph's last line."""


@dataclass(frozen=True)
class TextStyle:
    """How a block of text is set; sizes in points. `indent` is the first-line indent in ems."""

    role: Role
    bold: bool
    size: float
    leading: float
    color: str
    indent: float = 0.0
    justify: bool = True
    space_before: float = 0.0
    """Blank space above the first line, kept even at the top of a page (for the baseline grid)."""
    space_after: float = 0.0
    """Blank space below the last line, kept even at the foot of a page."""


@dataclass(frozen=True)
class Chunk:
    """Characters drawn with one text operator: one font, one extra spacing after each character."""

    x: float
    font: str
    text: str
    char_space: float


@dataclass(frozen=True)
class SetLine:
    """One line, placed: its chunks, its text and the x where its last character ends."""

    chunks: tuple[Chunk, ...]
    text: str
    right: float
    last: bool


@dataclass(frozen=True)
class Bookmark:
    """An outline entry that points at the top of a block."""

    key: str
    title: str
    level: int


def styled_characters(source: str, style: TextStyle, book: FontBook) -> tuple[str, list[str]]:
    """The plain text of inline markup `source` and, per character, the registered font drawing it.

    Bold runs use the role's bold face; emphasis (no CJK italic exists) the other role's face.
    """
    text: list[str] = []
    fonts: list[str] = []
    for run in parse_inline(source):
        role: Role = style.role
        if run.italic and not run.bold:
            role = "sans" if style.role == "serif" else "serif"
        for font, part in book.segments(run.text, role, run.bold or style.bold):
            text.append(part)
            fonts.extend([font] * len(part))
    return "".join(text), fonts


def set_text(source: str, style: TextStyle, book: FontBook, width: float) -> list[SetLine]:
    """`source` (inline markup) broken into lines of at most `width` points and placed."""
    text, fonts = styled_characters(source, style, book)
    if not text:
        return []
    size = style.size
    advances = [advance(char, font, size) for char, font in zip(text, fonts, strict=True)]
    pieces = units(text)
    widths: list[float] = []
    offset = 0
    for piece in pieces:
        widths.append(sum(advances[offset : offset + len(piece)]))
        offset += len(piece)
    glue = unit_glue(pieces, size)
    indent = style.indent * size
    lines = wrap_units(
        pieces, widths, lambda index: width - indent if index == 0 else width, size, glue, min_last=MIN_LAST_LINE
    )
    placed: list[SetLine] = []
    for number, line in enumerate(lines):
        start_x = indent if number == 0 else 0.0
        placed.append(_place(line, pieces, glue, advances, fonts, book, style, start_x, width - start_x))
    return placed


def _place(
    line: Line,
    pieces: Sequence[str],
    glue: Sequence[float],
    advances: Sequence[float],
    fonts: Sequence[str],
    book: FontBook,
    style: TextStyle,
    start_x: float,
    limit: float,
) -> SetLine:
    """Positions every character of `line`: glue, squeeze and justification applied.

    Glue and squeeze change fonts (to the spaced or half twin), never overlap characters; what
    remains of the slack is spread evenly over the unit boundaries of a justified line.
    """
    size = style.size
    first, count = line.first_unit, line.unit_count
    line_pieces = pieces[first : first + count]
    chars = line.text
    length = len(chars)
    span = range(line.start, line.start + length)
    line_fonts = [fonts[i] for i in span]
    widths = [advances[i] for i in span]
    halved = [False] * length

    def halve(index: int) -> None:
        line_fonts[index] = book.variant(line_fonts[index], "half")
        widths[index] -= size / 2
        halved[index] = True

    position = 0
    for piece in line_pieces:
        if len(piece) == 2 and piece[0] == piece[1] and piece[0] in DASHES:
            # A two-em dash is one line: its halves drawn edge to edge.
            for index in (position, position + 1):
                line_fonts[index] = book.variant(line_fonts[index], "joined")
        position += len(piece)
    # Unit boundaries inside the line: where glue goes and where justification may stretch.
    boundaries: list[int] = []
    position = 0
    for index, piece in enumerate(line_pieces[:-1]):
        position += len(piece)
        boundaries.append(position)
        gap = glue[first + index]
        if gap > 0:
            # The Han/Latin quarter em: drawn as the advance of the left character's spaced twin.
            line_fonts[position - 1] = book.variant(line_fonts[position - 1], "spaced")
            widths[position - 1] += gap
        elif gap < 0:
            # Adjacent marks: take away the empty half between them.
            # A closing mark's is on its right; otherwise take the next mark's (an opening one's
            # is on its left).
            left = position - 1
            halve(left if chars[left] not in OPENING and not halved[left] else position)
    removed = 0.0
    if line.squeeze > 0:
        needed = math.ceil(line.squeeze / (size / 2) - 1e-6)
        for index in _squeeze_candidates(chars, halved)[:needed]:
            halve(index)
            removed += size / 2
    natural = line.width - removed
    slack = limit - natural
    stretchable = [b for b in boundaries if not (is_space(chars[b - 1]) and is_space(chars[b]))]
    share = slack / len(stretchable) if style.justify and not line.last and slack > 0 and stretchable else 0.0
    before = [0.0] * length
    for boundary in stretchable:
        before[boundary] += share
    xs: list[float] = []
    x = start_x
    for index in range(length):
        x += before[index]
        xs.append(x)
        x += widths[index]
    return SetLine(tuple(_chunks(chars, line_fonts, xs, widths)), chars, x, line.last)


def _squeeze_candidates(chars: str, halved: Sequence[bool]) -> list[int]:
    """One mark per run of full-width marks that can still lose half an em, the line end first."""
    found: list[int] = []
    index = 0
    while index < len(chars):
        if chars[index] not in SQUEEZABLE:
            index += 1
            continue
        stop = index
        while stop < len(chars) and chars[stop] in SQUEEZABLE:
            stop += 1
        run = range(index, stop)
        last, first = stop - 1, index
        if chars[last] not in OPENING and not halved[last]:
            found.append(last)
        elif chars[first] in OPENING and not halved[first]:
            found.append(first)
        else:
            found.extend([i for i in run if not halved[i]][:1])
        index = stop
    return found[::-1]


def _chunks(chars: str, fonts: Sequence[str], xs: Sequence[float], widths: Sequence[float]) -> Iterator[Chunk]:
    index = 0
    while index < len(chars):
        stop = index + 1
        spacing: float | None = None
        while stop < len(chars) and fonts[stop] == fonts[index]:
            gap = xs[stop] - xs[stop - 1] - widths[stop - 1]
            if spacing is None:
                spacing = gap
            elif abs(gap - spacing) > 1e-4:
                break
            stop += 1
        yield Chunk(xs[index], fonts[index], chars[index:stop], round(spacing or 0.0, 4))
        index = stop


def draw_line(canvas: Any, line: SetLine, x: float, baseline: float, size: float, color: str) -> None:
    """Draws `line` as text with its left edge at `x`.

    Writes the operators ReportLab's `setTextOrigin` and `textOut` would, but splits each chunk
    into the font's 256-glyph subsets once rather than twice, and measures nothing again.
    """
    text = canvas.beginText()
    text.setFillColor(_colour(color))
    code = text._code
    doc = canvas._doc
    font_name: str | None = None
    font_size = ""
    spacing = 0.0
    for chunk in line.chunks:
        if chunk.font != font_name:
            font_name = chunk.font
            text.setFont(font_name, size)
            font_size = f"{fp_str(size)} Tf {fp_str(text._leading)} TL"
        if chunk.char_space != spacing:
            spacing = chunk.char_space
            text.setCharSpace(spacing)
        font = pdfmetrics.getFont(font_name)
        cursor = x + chunk.x
        if not getattr(font, "_dynamicFont", False):  # not a TrueType subset: ReportLab writes it
            text.setTextOrigin(cursor, baseline)
            text.textOut(chunk.text)
            continue
        offset = 0
        for subset, encoded in font.splitString(chunk.text, doc):
            # Each piece gets its own origin: some extractors (pdfminer) drop the character
            # spacing at the seam between two text operators, and would drift otherwise.
            code.append(f"1 0 0 1 {fp_str(cursor, baseline)} Tm")
            if subset != text._curSubset:
                code.append(f"{font.getSubsetInternalName(subset, doc)} {font_size}")
                text._curSubset = subset
            code.append(f"({canvas._escape(encoded)}) Tj")
            part = chunk.text[offset : offset + len(encoded)]
            offset += len(encoded)
            cursor += sum(advance(char, font_name, size) + spacing for char in part)
    canvas.drawText(text)


@lru_cache(maxsize=64)
def _colour(hex_colour: str) -> Color:
    # ReportLab parses a colour given as text on every call, evaluating it as an expression.
    return HexColor(hex_colour)


def draw_line_outlines(
    canvas: Any, book: FontBook, line: SetLine, x: float, baseline: float, size: float, chars: str
) -> None:
    """Draws `line` as filled glyph outlines in the current fill colour, not text: for page
    furniture that copying skips.

    `chars` is every character the furniture may draw, on any page.
    """
    for chunk in line.chunks:
        font = book.font(chunk.font)
        cursor = x + chunk.x
        for char in chunk.text:
            operators = outline_operators(font.path, char, size, chars)
            if operators:
                canvas.addLiteral(f"q 1 0 0 1 {fp_str(cursor, baseline)} cm {operators} f Q")
            cursor += advance(char, font.name, size) + chunk.char_space


def is_layout_only(canvas: Any) -> bool:
    """True when `canvas` only counts pages (its drawing is thrown away), so drawing can be skipped."""
    return bool(getattr(canvas, "layout_only", False))


def baseline_offset(style: TextStyle) -> float:
    """From the top of a line box down to the baseline: the em box centred in the leading."""
    # CJK faces put the ideographic em box from -0.12 em to 0.88 em around the baseline.
    return (style.leading - style.size) / 2 + 0.88 * style.size


class TextBlock(Flowable):  # type: ignore[misc]
    """A paragraph or heading set by `set_text`; splits between lines, never leaving one line alone.

    A block of up to three lines moves whole; a longer one splits with at least two lines on
    each side (no widows, no orphans).
    """

    def __init__(
        self,
        lines: Sequence[SetLine],
        style: TextStyle,
        bookmarks: Sequence[Bookmark] = (),
        continued: bool = False,
        finished: bool = True,
        heading: bool = False,
    ):
        super().__init__()
        self.lines = list(lines)
        self.style = style
        self.bookmarks = list(bookmarks)
        self.continued = continued
        self.finished = finished
        self.is_heading = heading
        """True for a heading, which the story keeps with the block after it."""
        self.spaceBefore = 0.0
        self.spaceAfter = 0.0
        self.width = 0.0
        self.height = self._height()

    def _top(self) -> float:
        return 0.0 if self.continued else self.style.space_before

    def _bottom(self) -> float:
        return self.style.space_after if self.finished else 0.0

    def _height(self) -> float:
        return self._top() + len(self.lines) * self.style.leading + self._bottom()

    def min_first_height(self) -> float:
        """The least height this block needs at a page foot: all of it, or its first two lines."""
        if len(self.lines) <= 3:
            return self.height
        return self._top() + 2 * self.style.leading

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.height

    def split(self, available_width: float, available_height: float) -> list[TextBlock]:
        count = len(self.lines)
        fits = int((available_height - self._top() + 1e-6) // self.style.leading)
        fits = min(fits, count - 2)
        if count <= 3 or fits < 2:
            return []
        head = TextBlock(self.lines[:fits], self.style, self.bookmarks, self.continued, finished=False)
        tail = TextBlock(self.lines[fits:], self.style, (), continued=True, finished=self.finished)
        return [head, tail]

    def draw(self) -> None:
        canvas = self.canv
        if is_layout_only(canvas):
            return
        style = self.style
        top = self.height - self._top()
        for bookmark in self.bookmarks:
            canvas.bookmarkHorizontal(bookmark.key, 0, top + style.leading * 0.5)
            canvas.addOutlineEntry(bookmark.title, bookmark.key, bookmark.level, closed=False)
        for index, line in enumerate(self.lines):
            baseline = top - index * style.leading - baseline_offset(style)
            draw_line(canvas, line, 0.0, baseline, style.size, style.color)
