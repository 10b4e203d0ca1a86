"""Chinese line breaking (clreq, basic level), pure and shared by the PDF and the deck planner.

Text is cut into units that are never split: a single Han character or mark, a run of Latin
letters and digits (`2016`, `Note2`, `1.55um`), a two-em dash or ellipsis (`——`, `……`). A line
may break between two units unless the next one begins with a mark that may not start a line
(`，。”》…`) or the previous one ends with a mark that may not end one (`“《（…`). When a
forbidden mark would start the next line, the line is first squeezed (its full-width punctuation
narrowed by up to half an em each, clreq's first remedy); only if that is not enough is the last
breakable unit pushed down with it.

Widths may include glue between units (`glue_between`): the quarter em between Han and Latin or
digits, and the half em taken away between two adjacent full-width marks. A paragraph's last line
can be asked to hold at least two characters (`min_last`), so that `感谢大家！` never ends in a
lone `家！`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

# May not begin a line: closing brackets and quotes, pauses and stops, middle dots, iteration marks.
NO_START = frozenset(
    "、，。．：；！？”’」』）］｝】〗〕》〉·・～ー々〻ゝゞ‰%℃"
    ",.:;!?)]}"
    "\u00b7\u2019\u201d\u300b\u3009"
)
# May not end a line: opening brackets and quotes.
NO_END = frozenset("“‘「『（［｛【〖〔《〈([{\u2018\u201c")

# Full-width marks whose glyph fills only half of its em box; squeezing takes away the empty half.
SQUEEZABLE = frozenset("、，。．：；！？”’」』）］｝】〗〕》〉“‘「『（［｛【〖〔《〈")

_UNIT = re.compile(
    r"""
    (?P<latin>[A-Za-z0-9](?:[A-Za-z0-9._%'\u2019+\-/]*[A-Za-z0-9%])?)   # a word or number, kept whole
    | (?P<pair>——|……|――|⋯⋯)                                             # two-em dash, ellipsis
    | (?P<space>[ \t]+)                                                  # spaces between Latin words
    | (?P<other>.)                                                       # any other character alone
    """,
    re.VERBOSE | re.DOTALL,
)


@lru_cache(maxsize=8192)
def units(text: str) -> tuple[str, ...]:
    """`text` cut into the pieces a line break may fall between."""
    return tuple(match.group() for match in _UNIT.finditer(text))


def is_space(unit: str) -> bool:
    """True for a unit of spaces, which vanishes at a line break."""
    return unit.isspace()


def may_break_between(before: str, after: str) -> bool:
    """True when a line may end after unit `before` and the next begin with unit `after`."""
    if is_space(after):
        return False  # break after the space instead, so it hangs at the end of the line
    if after[0] in NO_START or before[-1] in NO_END:
        return False
    return not (before[-1] in "\u2014\u2026\u2015" and after[0] == before[-1])


def break_opportunities(pieces: Sequence[str]) -> list[bool]:
    """For each gap after piece i (i < len-1): may the line break there?"""
    return [may_break_between(pieces[i], pieces[i + 1]) for i in range(len(pieces) - 1)]


def squeeze_room(text: str, em: float) -> float:
    """How much narrower `text` can be made by squeezing its full-width punctuation.

    Each squeezable mark may lose half an em, but two marks in a row (`。”`) are already set
    as one and a half em by `adjacent_punctuation_kerning`, so only the first of a run counts.
    """
    room = 0.0
    previous_squeezable = False
    for char in text:
        squeezable = char in SQUEEZABLE
        if squeezable and not previous_squeezable:
            room += em / 2
        previous_squeezable = squeezable
    return room


def adjacent_punctuation_kerning(text: str, index: int, em: float) -> float:
    """The space to take away after character `index`, when it and the next are both full-width
    punctuation: `。”` is set as 1.5 em rather than 2 (clreq). Zero otherwise."""
    if index + 1 >= len(text):
        return 0.0
    here, after = text[index], text[index + 1]
    if here in SQUEEZABLE and after in SQUEEZABLE:
        return em / 2
    return 0.0



HAN_LATIN_GAP = 0.25
"""The gap between Han characters and Latin letters or digits (`2016年`), as a fraction of the em."""

# Squeezable marks whose empty half is on the left (opening quotes and brackets); the others
# (closing marks, stops and pauses) have it on the right.
OPENING = frozenset("“‘「『（［｛【〖〔《〈")


def is_han(char: str) -> bool:
    """True for a Han character (CJK ideograph, any plane) or the ideographic zero `〇`."""
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3FFFF
        or code == 0x3007
    )


def is_western(char: str) -> bool:
    """True for a Latin, Greek or Cyrillic letter or a digit, which sits a quarter em from Han."""
    return char.isalnum() and ord(char) < 0x2000


def glue_between(before: str, after: str, em: float) -> float:
    """The space added between unit `before` and unit `after` when both are on one line.

    A quarter em between Han and Latin or digits; minus half an em between two full-width marks
    (`。”` is set as 1.5 em, clreq's adjacent punctuation rule); zero otherwise.
    """
    if not before or not after:
        return 0.0
    last, first = before[-1], after[0]
    if last in SQUEEZABLE and first in SQUEEZABLE:
        return -em / 2
    if (is_han(last) and is_western(first)) or (is_western(last) and is_han(first)):
        return em * HAN_LATIN_GAP
    return 0.0


def unit_glue(pieces: Sequence[str], em: float) -> list[float]:
    """For each gap after piece i (i < len-1): the glue between piece i and piece i+1."""
    return [glue_between(pieces[i], pieces[i + 1], em) for i in range(len(pieces) - 1)]


def _content_units(pieces: Sequence[str]) -> int:
    """How many of `pieces` are words or characters, not punctuation or spaces."""
    return sum(1 for p in pieces if not is_space(p) and p[0] not in NO_START and p[-1] not in NO_END)


@dataclass(frozen=True)
class Line:
    """One line of a wrapped paragraph."""

    text: str
    width: float
    """The natural width of the line's text (glue included), trailing spaces excluded."""
    squeeze: float = 0.0
    """How much the line must be narrowed by squeezing punctuation to fit (0: it fits as it is)."""
    last: bool = False
    """True for a paragraph's last line, which is not justified."""
    start: int = 0
    """Offset of the line's first character in the wrapped text."""
    first_unit: int = 0
    """Index of the line's first unit in `units(text)`."""
    unit_count: int = 0
    """How many units the line holds, trailing spaces excluded."""


def wrap(
    text: str,
    measure: Callable[[str], float],
    width: float | Callable[[int], float],
    em: float,
    *,
    spacing: bool = False,
) -> list[Line]:
    """Breaks `text` into lines no wider than `width`, under the line-start and line-end rules.

    `measure(s)` is the natural width of `s`; `width` is a number, or a function of the line
    index (for a first-line indent); `em` is the font size, for squeezing. With `spacing`, the
    widths count the Han/Latin quarter em and adjacent punctuation compression (`glue_between`);
    without it (the default) units sit side by side. A unit wider than a whole line (a very long
    URL) is put on a line of its own and may overflow it.
    """
    pieces = units(text)
    glue = unit_glue(pieces, em) if spacing else None
    return wrap_units(pieces, [measure(p) for p in pieces], width, em, glue)


def wrap_units(
    pieces: Sequence[str],
    widths: Sequence[float],
    width: float | Callable[[int], float],
    em: float,
    glue: Sequence[float] | None = None,
    min_last: int = 1,
) -> list[Line]:
    """`wrap` on text already cut into `units`, with each unit's width given.

    `glue[i]` is the space between unit i and unit i+1 when they share a line (dropped at a
    break); None means no glue. `min_last` is the least number of units, punctuation not
    counted, that a paragraph's last line should hold: a shorter last line (a lone `家！`)
    takes units down from the line above. 1 (the default) accepts any last line.
    """
    count = len(pieces)
    if count == 0:
        return [Line("", 0.0, last=True)]
    gaps = list(glue) if glue is not None else [0.0] * (count - 1)
    allowed = break_opportunities(pieces)
    offsets = [0]
    for piece in pieces:
        offsets.append(offsets[-1] + len(piece))

    def line_width(index: int) -> float:
        return width(index) if callable(width) else width

    def natural(first: int, stop: int) -> tuple[float, int]:
        while stop > first and is_space(pieces[stop - 1]):
            stop -= 1
        total = sum(widths[first:stop]) + sum(gaps[first : max(first, stop - 1)])
        return total, stop

    def make_line(first: int, stop: int, limit: float) -> Line:
        total, stop = natural(first, stop)
        return Line(
            "".join(pieces[first:stop]),
            total,
            squeeze=max(0.0, total - limit),
            last=stop >= count or all(is_space(p) for p in pieces[stop:]),
            start=offsets[first],
            first_unit=first,
            unit_count=stop - first,
        )

    def _fill_last_line(before: Line, last: Line, index: int) -> list[Line]:
        """The last two lines, with units moved down until the last line holds `min_last`."""
        stop = last.first_unit + last.unit_count
        cut = last.first_unit
        while _content_units(pieces[cut:stop]) < min_last:
            earlier = [c for c in range(before.first_unit + 1, cut) if allowed[c - 1]]
            if not earlier:
                return [before, last]
            cut = earlier[-1]
        width_needed, _ = natural(cut, count)
        room = squeeze_room("".join(pieces[cut:count]), em)
        if cut == last.first_unit or width_needed - room > line_width(index + 1) + 1e-6:
            return [before, last]
        return [make_line(before.first_unit, cut, line_width(index)), make_line(cut, count, line_width(index + 1))]

    lines: list[Line] = []
    start = 0
    while start < count:
        while start < count and is_space(pieces[start]) and lines:
            start += 1  # spaces at a line start vanish
        if start >= count:
            break
        limit = line_width(len(lines))
        total = 0.0
        end = start
        last_break: int | None = None  # index after which we may break
        while end < count:
            new_total = total + widths[end] + (gaps[end - 1] if end > start else 0.0)
            if new_total > limit + 1e-6 and end > start and not is_space(pieces[end]):
                break
            total = new_total
            if end < count - 1 and allowed[end]:
                last_break = end
            end += 1
        if end >= count:
            lines.append(make_line(start, count, limit))
            break
        # The unit at `end` does not fit. Break before it if allowed.
        if allowed[end - 1]:
            cut = end
        else:
            # Squeeze first: take the forbidden unit(s) onto this line if punctuation can make room.
            extended = end
            while extended < count:
                extended += 1
                if extended < count and allowed[extended - 1]:
                    break
            run_width, run_stop = natural(start, extended)
            room = squeeze_room("".join(pieces[start:run_stop]), em)
            if run_width - room <= limit + 1e-6:
                cut = extended
            elif last_break is not None:
                cut = last_break + 1  # push down: carry the last breakable unit to the next line
            else:
                cut = extended  # no break is allowed anywhere: an overlong line beats a broken rule
        lines.append(make_line(start, cut, limit))
        start = cut
    if len(lines) >= 2 and min_last > 1:
        lines[-2:] = _fill_last_line(lines[-2], lines[-1], len(lines) - 2)
    return lines
