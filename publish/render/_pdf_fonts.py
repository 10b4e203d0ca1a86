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

import hashlib
import io
import json
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from publish.fonts import Face, Role, cache_dir, os2_globals, pin_globals, write_bytes_atomic
from publish.linebreak import HAN_LATIN_GAP, OPENING, SQUEEZABLE
from publish.render import (
    RenderJob,
    _pdf_unicode,  # noqa: F401  (fixes ToUnicode for emoji and Extension B)
)

TWIN_VERSION = "2"
"""Bump when a twin's preparation changes; old cached twins are then ignored."""


Variant = Literal["plain", "spaced", "half", "joined"]
"""A face as prepared (plain), widened by the Han/Latin gap (spaced), with half-width marks (half), or
with dashes drawn edge to edge (joined, so that the two halves of `――` make one line)."""

DASHES = "\u2014\u2015"
"""The dashes that are doubled into a two-em dash."""


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


KEPT_REGISTRATIONS = 64
"""Font files a process keeps registered with ReportLab (each holds its file's bytes): more than
one letter can use (9 faces, 4 variants each), so a batch of letters sharing fonts parses them
once, while a batch of letters with fonts of their own does not grow without bound."""

_registered: OrderedDict[Path, str] = OrderedDict()
"""Font file -> ReportLab name, least recently used first."""


def _register(path: Path) -> str:
    """Registers the TrueType file at `path` with ReportLab (once while it is kept); its name."""
    name = _registered.get(path)
    if name is not None:
        _registered.move_to_end(path)
        return name
    digest = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:10]
    name = f"{path.stem.split('-')[0]}-{digest}"
    font = TTFont(name, str(path))
    # ReportLab hands a new font the first font registered under the same PostScript name. Subsets
    # of one face for two letters share that name, so a process building both letters would draw
    # the second with the first's glyphs: boxes for every character the first did not use.
    pdfmetrics._dynFaceNames.pop(font.face.name, None)
    pdfmetrics.registerFont(font)
    if pdfmetrics.getFont(name) is not font:
        raise RuntimeError(f"ReportLab did not register {path} under {name}")
    _registered[path] = name
    while len(_registered) > KEPT_REGISTRATIONS:
        _, old = _registered.popitem(last=False)
        dropped = pdfmetrics._fonts.pop(old, None)
        if dropped is not None and pdfmetrics._dynFaceNames.get(dropped.face.name) is dropped:
            del pdfmetrics._dynFaceNames[dropped.face.name]
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

    # Only the changed glyphs' boxes are recomputed: all of them on save would cost half a second
    # per twin. The font's own box and timestamp stay the prepared font's, which do not depend on
    # the characters it holds (see publish.fonts), so neither does a PDF drawn with the twin.
    font = FontFile(prepared, recalcBBoxes=False, recalcTimestamp=False)
    units_per_em = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    if variant == "spaced":
        extra = round(units_per_em * HAN_LATIN_GAP)
        for glyph, (width, lsb) in list(metrics.items()):
            metrics[glyph] = (width + extra, lsb)
        font["hhea"].advanceWidthMax += extra
    elif variant == "joined":
        glyf = font["glyf"]
        cmap = font.getBestCmap() or {}
        for char in DASHES:
            glyph = cmap.get(ord(char))
            outline = glyf[glyph] if glyph is not None else None
            if outline is None or outline.isComposite() or not outline.numberOfContours:
                continue
            width, _ = metrics[glyph]
            overlap = units_per_em // 100  # a hair past each edge, so that no seam shows
            low, high = outline.xMin, outline.xMax
            scale = (width + 2 * overlap) / max(1, high - low)
            outline.coordinates.transform(((scale, 0), (0, 1)))
            outline.coordinates.translate((-overlap - low * scale, 0))
            outline.recalcBounds(glyf)
            metrics[glyph] = (width, outline.xMin)
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
    buffer = io.BytesIO()
    font.save(buffer)
    write_bytes_atomic(target, pin_globals(buffer.getvalue(), os2_globals(prepared.read_bytes())))
    return target


Outline = list[tuple[str, list[float]]]
"""A glyph's outline as path operations in font units: ("m", [x, y]), ("l", ...), ("c", [6 numbers]), ("z", [])."""


@lru_cache(maxsize=16)
def outlines(path: Path, chars: str) -> tuple[dict[str, Outline], int]:
    """The outlines of `chars` in the font file at `path`, and its units per em (cached on disk).

    Drawing page furniture as outlines needs a few dozen glyphs; reading them from a JSON cache
    spares every later build the cost of loading fontTools and the font's glyph table.
    """
    repertoire = "".join(sorted(set(chars)))
    key = hashlib.sha256(f"{TWIN_VERSION}|{path.name}|{repertoire}".encode()).hexdigest()[:16]
    cached = cache_dir() / f"{path.stem}-outlines-{key}.json"
    try:
        data = json.loads(cached.read_text(encoding="utf-8"))
        return {char: [(op, list(args)) for op, args in ops] for char, ops in data["glyphs"].items()}, data["upm"]
    except (OSError, ValueError, KeyError):
        pass
    from fontTools.pens.basePen import BasePen
    from fontTools.ttLib import TTFont as FontFile

    class Recorder(BasePen):  # type: ignore[misc]
        def __init__(self, glyph_set: Any):
            super().__init__(glyph_set)
            self.ops: Outline = []

        def _moveTo(self, point: tuple[float, float]) -> None:
            self.ops.append(("m", [*point]))

        def _lineTo(self, point: tuple[float, float]) -> None:
            self.ops.append(("l", [*point]))

        def _curveToOne(self, a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> None:
            self.ops.append(("c", [*a, *b, *c]))

        def _closePath(self) -> None:
            self.ops.append(("z", []))

    font = FontFile(path, lazy=True)
    glyph_set = font.getGlyphSet()
    cmap = font.getBestCmap() or {}
    glyphs: dict[str, Outline] = {}
    for char in repertoire:
        name = cmap.get(ord(char))
        if name is not None:
            recorder = Recorder(glyph_set)
            glyph_set[name].draw(recorder)
            glyphs[char] = recorder.ops
    upm = int(font["head"].unitsPerEm)
    write_bytes_atomic(cached, json.dumps({"upm": upm, "glyphs": glyphs}).encode("utf-8"))
    return glyphs, upm


@lru_cache(maxsize=4096)
def outline_operators(path: Path, char: str, size: float, chars: str) -> str:
    """The PDF path operators of `char`'s outline in the font at `path`, at `size` points, with its
    origin at (0, 0); "" for a character without outline (a space).

    Made once per character and size: the furniture of every page is drawn with these, each
    glyph moved into place by a transformation rather than by recomputing its points.
    """
    glyphs, units_per_em = outlines(path, chars)
    scale = size / units_per_em
    operators = []
    for op, args in glyphs.get(char, []):
        numbers = fp_str(*(value * scale for value in args)) if args else ""
        operators.append(f"{numbers} {_PATH_OPERATOR[op]}".lstrip())
    return " ".join(operators)


_PATH_OPERATOR = {"m": "m", "l": "l", "c": "c", "z": "h"}
"""Our outline recording's operations as PDF path operators."""
