"""Text measurement with a font's real advance widths (fontTools), for deciding what fits.

The deck planner and the tests that check the built deck both measure here, so "it fits" means
the same thing to both. A font is read once per file and kept: its character map and advance
widths are all we need, because PowerPoint and LibreOffice set CJK text glyph by glyph at those
advances (no kerning across Han characters, no ligatures that change the width of Chinese).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from publish.fonts import cache_dir, cache_key, file_identity, write_bytes_atomic


class Measure(Protocol):
    """The width of a string set in the sans face at a size: what a deck plan is fitted with."""

    def width(self, text: str, size: float, bold: bool = False) -> float:
        """The natural width of `text` in points at `size` points, bold or regular."""
        ...


@dataclass(frozen=True)
class FontMetrics:
    """The advance widths of one font file, in font units, by character."""

    path: Path
    units_per_em: int
    advances: dict[int, int]
    """Advance width of the glyph each code point maps to."""

    def covers(self, char: str) -> bool:
        """True when the font has a glyph for `char`."""
        return ord(char) in self.advances

    def char_width(self, char: str, size: float) -> float | None:
        """The advance of `char` at `size` points; None when the font has no glyph for it."""
        advance = self.advances.get(ord(char))
        return None if advance is None else advance * size / self.units_per_em

    def width(self, text: str, size: float) -> float:
        """The natural width of `text` at `size` points; a missing character counts one em."""
        total = 0
        for char in text:
            total += self.advances.get(ord(char), self.units_per_em)
        return total * size / self.units_per_em


METRICS_VERSION = "1"
"""Bump when what is cached of a font's metrics changes; old caches are then ignored."""


@lru_cache(maxsize=16)
def font_metrics(path: Path) -> FontMetrics:
    """The advance widths of the font at `path`: read once per process, cached on disk per file.

    Reading them from the font takes fontTools and its character map, about a tenth of a second
    on the first deck of a process; the cache is a small JSON file beside the prepared fonts.
    """
    cached = cache_dir() / f"metrics-{cache_key(METRICS_VERSION, file_identity(path))}.json"
    try:
        data = json.loads(cached.read_text(encoding="utf-8"))
        return FontMetrics(path, int(data["upm"]), dict(zip(data["codes"], data["advances"], strict=True)))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True, fontNumber=0)
    cmap = font.getBestCmap() or {}
    hmtx = font["hmtx"]
    advances = {code: int(hmtx[glyph][0]) for code, glyph in sorted(cmap.items())}
    units_per_em = int(font["head"].unitsPerEm)
    record = {"upm": units_per_em, "codes": list(advances), "advances": list(advances.values())}
    write_bytes_atomic(cached, json.dumps(record, separators=(",", ":")).encode("utf-8"))
    return FontMetrics(path, units_per_em, advances)


@dataclass(frozen=True)
class FaceMeasure:
    """Measures with a regular and a bold font; a character neither has goes to the fallbacks."""

    regular: FontMetrics
    bold: FontMetrics
    fallbacks: Sequence[FontMetrics] = ()

    def width(self, text: str, size: float, bold: bool = False) -> float:
        """The natural width of `text` in points at `size` points."""
        primary = self.bold if bold else self.regular
        total = 0.0
        for char in text:
            found = primary.char_width(char, size)
            if found is None:
                found = next(
                    (w for f in self.fallbacks if (w := f.char_width(char, size)) is not None),
                    float(size),  # no face has it: count a full em, the widest a CJK glyph is
                )
            total += found
        return total


def face_measure(regular: Path, bold: Path, fallbacks: Sequence[Path] = ()) -> FaceMeasure:
    """A measure reading the given font files (each read once per process)."""
    return FaceMeasure(font_metrics(regular), font_metrics(bold), tuple(font_metrics(p) for p in fallbacks))
