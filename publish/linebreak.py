"""Chinese line breaking (clreq, basic level), pure and shared by the PDF and the deck planner.

Text is cut into units that are never split: a single Han character or mark, a run of Latin
letters and digits (`2016`, `Note2`, `1.55um`), a two-em dash or ellipsis (`——`, `……`). A line
may break between two units unless the next one begins with a mark that may not start a line
(`，。”》…`) or the previous one ends with a mark that may not end one (`“《（…`). When a
forbidden mark would start the next line, the line is first squeezed (its full-width punctuation
narrowed by up to half an em each, clreq's first remedy); only if that is not enough is the last
breakable unit pushed down with it.
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


@dataclass(frozen=True)
class Line:
    """One line of a wrapped paragraph."""

    text: str
    width: float
    """The natural width of the line's text, trailing spaces excluded."""
    squeeze: float = 0.0
    """How much the line must be narrowed by squeezing punctuation to fit (0: it fits as it is)."""
    last: bool = False
    """True for a paragraph's last line, which is not justified."""


def wrap(
    text: str,
    measure: Callable[[str], float],
    width: float | Callable[[int], float],
    em: float,
) -> list[Line]:
    """Breaks `text` into lines no wider than `width`, under the line-start and line-end rules.

    `measure(s)` is the natural width of `s`; `width` is a number, or a function of the line
    index (for a first-line indent); `em` is the font size, for squeezing. A unit wider than a
    whole line (a very long URL) is put on a line of its own and may overflow it.
    """
    pieces = units(text)
    if not pieces:
        return [Line("", 0.0, last=True)]
    allowed = break_opportunities(pieces)
    widths = [measure(p) for p in pieces]

    def line_width(index: int) -> float:
        return width(index) if callable(width) else width

    lines: list[Line] = []
    start = 0
    while start < len(pieces):
        while start < len(pieces) and is_space(pieces[start]) and lines:
            start += 1  # spaces at a line start vanish
        if start >= len(pieces):
            break
        limit = line_width(len(lines))
        total = 0.0
        end = start
        last_break: int | None = None  # index after which we may break
        while end < len(pieces):
            new_total = total + widths[end]
            if new_total > limit and end > start and not is_space(pieces[end]):
                break
            total = new_total
            if end < len(pieces) - 1 and allowed[end]:
                last_break = end
            end += 1
        if end >= len(pieces):
            lines.append(_line(pieces[start:end], widths[start:end], limit, em, last=True))
            break
        # The unit at `end` does not fit. Break before it if allowed.
        if allowed[end - 1]:
            cut = end
        else:
            # Squeeze first: take the forbidden unit(s) onto this line if punctuation can make room.
            extended = end
            extended_total = total
            while extended < len(pieces):
                extended_total += widths[extended]
                extended += 1
                if extended < len(pieces) and allowed[extended - 1]:
                    break
            run = "".join(pieces[start:extended])
            if extended_total - squeeze_room(run, em) <= limit + 1e-6:
                cut = extended
            elif last_break is not None and last_break >= start:
                cut = last_break + 1  # push down: carry the last breakable unit to the next line
            else:
                cut = extended  # no break is allowed anywhere: an overlong line beats a broken rule
        is_last = cut >= len(pieces)
        lines.append(_line(pieces[start:cut], widths[start:cut], limit, em, last=is_last))
        start = cut
    return lines


def _line(pieces: Sequence[str], widths: Sequence[float], limit: float, em: float, last: bool) -> Line:
    trimmed = len(pieces)
    while trimmed > 0 and is_space(pieces[trimmed - 1]):
        trimmed -= 1
    text = "".join(pieces[:trimmed])
    natural = sum(widths[:trimmed])
    squeeze = max(0.0, natural - limit)
    return Line(text, natural, squeeze=squeeze, last=last)
