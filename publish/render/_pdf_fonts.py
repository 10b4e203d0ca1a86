"""The PDF's fonts: the job's prepared faces registered with ReportLab, their twins, widths and
glyph outlines.

The quarter em between Han and Latin (`2016年`) must be visible on the page but invisible to text
extraction, which turns any gap of about a tenth of an em into a space (pdftotext, pdfminer). So
the gap is drawn as part of the left character's advance: each face has a "spaced" twin, the same
font with every advance widened by `HAN_LATIN_GAP`, used for the one character before such a gap.
Extractors then see two touching characters, and copying gives `2016年`. Likewise compressed or
squeezed punctuation is drawn by a "half" twin whose marks are half an em wide, rather than by
overlapping characters, which extractors read as a new word or line.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from fontTools.pens.basePen import BasePen
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from publish.fonts import Face, Role, cache_dir
from publish.linebreak import HAN_LATIN_GAP, OPENING, SQUEEZABLE
from publish.render import (
    RenderJob,
    _pdf_unicode,  # noqa: F401  (fixes ToUnicode for emoji and Extension B)
)

TWIN_VERSION = "1"
"""Bump when a twin's preparation changes; old cached twins are then ignored."""


Variant = Literal["plain", "spaced", "half"]
"""A face as prepared (plain), widened by the Han/Latin gap (spaced), or with half-width marks (half)."""


@dataclass(frozen=True)
class RegisteredFont:
    """A face as ReportLab knows it: its registered name, file, and which variant of the face it is."""

    name: str
    face: Face
    path: Path
    variant: Variant


class FontBook:
    """The faces of one render job, registered with ReportLab on first use."""

    def __init__(self, job: RenderJob):
        self.job = job
        self._by_name: dict[str, RegisteredFont] = {}
        self._names: dict[tuple[Face, Variant], str] = {}

    def name(self, face: Face, variant: Variant = "plain") -> str:
        """The ReportLab font name of a variant of `face`, registering it if needed."""
        key = (face, variant)
        found = self._names.get(key)
        if found is not None:
            return found
        path = self.job.font_file(face)
        if variant != "plain":
            path = twin(path, face, variant)
        name = _register(path)
        self._names[key] = name
        self._by_name[name] = RegisteredFont(name, face, path, variant)
        return name

    def variant(self, name: str, variant: Variant) -> str:
        """The `variant` twin of the face registered as `name`."""
        return self.name(self._by_name[name].face, variant)

    def font(self, name: str) -> RegisteredFont:
        """What the font registered as `name` is."""
        return self._by_name[name]

    def segments(self, text: str, role: Role, bold: bool) -> list[tuple[str, str]]:
        """`text` cut into runs, each with the registered name of the face that draws it."""
        return [(self.name(face), part) for face, part in self.job.faces.segments(text, role, bold)]

    def primary(self, role: Role, bold: bool = False) -> str:
        """The registered name of the role's own face (no fallback)."""
        return self.name(self.job.faces.face(role, bold))


def advance(char: str, font: str, size: float) -> float:
    """The advance width of `char` in registered font `font` at `size` points."""
    return _advance_per_point(char, font) * size


@lru_cache(maxsize=65536)
def _advance_per_point(char: str, font: str) -> float:
    return float(pdfmetrics.stringWidth(char, font, 1.0))


@lru_cache(maxsize=64)
def _register(path: Path) -> str:
    """Registers the TrueType file at `path` once per process; returns its ReportLab name."""
    digest = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:10]
    name = f"{path.stem.split('-')[0]}-{digest}"
    pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


def twin(prepared: Path, face: Face, variant: Variant) -> Path:
    """A variant of the prepared font file `prepared`, made once and cached beside it.

    `spaced`: every advance widened by `HAN_LATIN_GAP` em. `half`: every full-width squeezable
    mark set in half an em, its empty half taken away (opening marks have their outline moved
    left by half an em, since their empty half is on the left).
    """
    target = cache_dir() / f"{prepared.stem}-{variant}{TWIN_VERSION}.ttf"
    if target.is_file():
        return target
    from fontTools.ttLib import TTFont as FontFile

    font = FontFile(prepared)
    units_per_em = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    if variant == "spaced":
        extra = round(units_per_em * HAN_LATIN_GAP)
        for glyph, (width, lsb) in list(metrics.items()):
            metrics[glyph] = (width + extra, lsb)
        font["hhea"].advanceWidthMax += extra
    else:
        half = units_per_em // 2
        glyf = font["glyf"]
        cmap = font.getBestCmap() or {}
        for char in sorted(SQUEEZABLE):
            glyph = cmap.get(ord(char))
            if glyph is None or metrics[glyph][0] < units_per_em:
                continue
            width, lsb = metrics[glyph]
            shift = -half if char in OPENING else 0
            if shift:
                outline = glyf[glyph]
                if outline.isComposite():
                    for component in outline.components:
                        component.x += shift
                elif outline.numberOfContours:
                    outline.coordinates.translate((shift, 0))
                outline.recalcBounds(glyf)
            metrics[glyph] = (width - half, lsb + shift)
    # A name of its own, so that no viewer mistakes the twin for the face it was made from.
    font["name"].setName(f"{face.postscript_name}-{variant.capitalize()}", 6, 3, 1, 0x409)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            font.save(handle)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return target


class _PathPen(BasePen):  # type: ignore[misc]
    """A fontTools pen that draws glyphs into a ReportLab path, scaled and moved into place."""

    def __init__(self, glyph_set: Any, path: Any, scale: float):
        super().__init__(glyph_set)
        self.path = path
        self.scale = scale
        self.x = 0.0
        self.y = 0.0

    def _place(self, point: tuple[float, float]) -> tuple[float, float]:
        return self.x + point[0] * self.scale, self.y + point[1] * self.scale

    def _moveTo(self, point: tuple[float, float]) -> None:
        self.path.moveTo(*self._place(point))

    def _lineTo(self, point: tuple[float, float]) -> None:
        self.path.lineTo(*self._place(point))

    def _curveToOne(self, first: tuple[float, float], second: tuple[float, float], third: tuple[float, float]) -> None:
        self.path.curveTo(*self._place(first), *self._place(second), *self._place(third))

    def _closePath(self) -> None:
        self.path.close()


@lru_cache(maxsize=16)
def _glyphs(path: Path) -> tuple[Any, dict[int, str], int]:
    from fontTools.ttLib import TTFont as FontFile

    font = FontFile(path, lazy=True)
    return font.getGlyphSet(), dict(font.getBestCmap() or {}), int(font["head"].unitsPerEm)


def draw_outlines(path: Any, text: str, font: RegisteredFont, size: float, x: float, y: float) -> float:
    """Adds the outlines of `text` set in `font` at (x, y) to ReportLab `path`; returns the new x.

    For page furniture, which must be seen but not extracted as text.
    """
    glyph_set, cmap, units_per_em = _glyphs(font.path)
    pen = _PathPen(glyph_set, path, size / units_per_em)
    pen.y = y
    for char in text:
        glyph = cmap.get(ord(char))
        if glyph is not None:
            pen.x = x
            glyph_set[glyph].draw(pen)
        x += advance(char, font.name, size)
    return x
