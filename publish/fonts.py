"""Fonts: which files the theme names, and TrueType subsets of them prepared once and cached.

The fonts come from pip packages (see assets/theme.yaml), never from the system. ReportLab embeds
only TrueType outlines, and our CJK sources are a CFF `.otf` (Noto Serif SC) and a variable TTF
whose default instance is Thin (Noto Sans SC). Preparing a whole CJK font takes half a minute, so
we prepare a subset: the characters a document uses plus a fixed base repertoire, instanced to
the weight and converted to TrueType outlines. Each prepared file is cached in the user cache
folder under a key made of the source file's identity, the weight, the characters and the
preparation code's version, so a stale file is never used; a lock keeps two processes from
preparing the same file twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from publish.errors import InputError
from publish.load import checked_asset, locate_character, locate_in_file
from publish.theme import FontSource, LoadedTheme

PREPARATION_VERSION = "5"
"""Bump when the preparation below changes what it writes; old cache entries are then ignored."""

Role = Literal["serif", "sans"]

# Always in a prepared font, whatever the document: ASCII, Latin-1 letters and signs, general
# punctuation, CJK symbols and punctuation, full-width forms. Renderers may print these (page
# numbers, labels) without listing them.
BASE_REPERTOIRE = frozenset(
    [chr(c) for c in range(0x20, 0x7F)]
    + [chr(c) for c in range(0xA0, 0x100)]
    + [chr(c) for c in range(0x2010, 0x2060)]
    + [chr(c) for c in range(0x3000, 0x3040)]
    + [chr(c) for c in range(0xFF01, 0xFF5F)]
    + list("一二三四五六七八九十百千万亿元年月日页共第项家台人")
)

# Tables a PDF subset never needs; dropping them before subsetting saves most of the time.
_DROPPED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "vhea", "vmtx", "VORG", "HVAR", "MVAR", "STAT", "DSIG")


class FontError(InputError):
    """A font the theme names is missing or cannot be read, located where the theme names it."""


@dataclass(frozen=True)
class Face:
    """One face a renderer can use: a source file, and the weight to instance it at (None: static)."""

    role: Role
    bold: bool
    path: Path
    weight: int | None

    @property
    def identity(self) -> str:
        """What this face is made from: the source file's identity and the weight."""
        return f"{file_identity(self.path)}|{self.weight}"

    @cached_property
    def info(self) -> FontInfo:
        """Family name and character coverage of the source (read once, then cached on disk).

        Kept on the face: renderers ask for it once a character, and the file's identity costs
        a stat and a path resolution.
        """
        return _font_info(file_identity(self.path), self.path)

    @property
    def family(self) -> str:
        """The family name Word and PowerPoint know the font by (e.g. Noto Sans SC)."""
        return self.info.family

    @property
    def postscript_name(self) -> str:
        """A PostScript name for the prepared face, e.g. NotoSansSC-Bold."""
        base = "".join(self.family.split())
        return f"{base}-{'Bold' if self.bold else 'Regular'}"


@dataclass(frozen=True)
class FontInfo:
    """What we need to know of a font file without opening it again."""

    family: str
    ranges: tuple[tuple[int, int], ...]
    """The characters the font has, as sorted runs of code points (first, last)."""

    @cached_property
    def codepoints(self) -> frozenset[int]:
        """The characters the font has; made from `ranges` on first use."""
        return frozenset(itertools.chain.from_iterable(range(first, last + 1) for first, last in self.ranges))

    def __getstate__(self) -> dict[str, Any]:
        # Sent to format workers with every job: the runs are a few hundred numbers, the set tens
        # of thousands, rebuilt by a worker only if it asks.
        return {"family": self.family, "ranges": self.ranges}


@dataclass(frozen=True)
class FaceSet:
    """The four faces renderers ask for; a family with no bold borrows the sans bold."""

    serif: Face
    serif_bold: Face
    sans: Face
    sans_bold: Face
    fallbacks: tuple[Face, ...] = ()
    """Faces tried in order for a character the chosen face lacks (emoji, rare Han)."""
    searched: tuple[Face, ...] = ()
    """Every fallback the theme names, kept or not: the fonts a missing character was looked for in."""

    def face(self, role: Role, bold: bool = False) -> Face:
        """The face for a role and weight."""
        if role == "serif":
            return self.serif_bold if bold else self.serif
        return self.sans_bold if bold else self.sans

    def distinct(self) -> list[Face]:
        """Each distinct face once, in a fixed order, fallbacks last."""
        seen: dict[tuple[Path, int | None], Face] = {}
        for face in (self.serif, self.serif_bold, self.sans, self.sans_bold, *self.fallbacks):
            seen.setdefault((face.path, face.weight), face)
        return list(seen.values())

    def segments(self, text: str, role: Role, bold: bool = False) -> list[tuple[Face, str]]:
        """`text` cut into runs, each with the face that will draw it.

        A character the chosen face lacks goes to the other family's face of the same weight,
        then to the first fallback that has it. An invisible joiner or variation selector (U+200D,
        U+FE0F) stays with the character before it, so an emoji sequence stays in one face. A
        character no face has stays with the chosen face; the build warns about it beforehand
        (see `missing_character_warnings`), and the PDF keeps it in its text.
        """
        primary = self.face(role, bold)
        primary_codepoints = primary.info.codepoints
        if primary_codepoints.issuperset(map(ord, text)):
            return [(primary, text)] if text else []  # the common case, without a look-up per character
        chain = [(face, face.info.codepoints) for face in self._chain(role, bold)]
        result: list[tuple[Face, str]] = []
        for char in text:
            code = ord(char)
            if result and _attaches_to_previous(code) and code in result[-1][0].info.codepoints:
                face = result[-1][0]
            elif code in primary_codepoints or char.isspace():
                face = primary
            else:
                face = next((f for f, codepoints in chain if code in codepoints), primary)
            if result and result[-1][0] == face:
                result[-1] = (face, result[-1][1] + char)
            else:
                result.append((face, char))
        return result

    def _chain(self, role: Role, bold: bool) -> tuple[Face, ...]:
        other: Role = "sans" if role == "serif" else "serif"
        return (self.face(role, bold), self.face(other, bold), *self.fallbacks)

    def covers(self, char: str) -> bool:
        """Whether some face (fallbacks included) has a glyph for `char`."""
        code = ord(char)
        return any(code in face.info.codepoints for face in self.distinct())


def _attaches_to_previous(code: int) -> bool:
    """Zero-width joiners, variation selectors and emoji modifiers, drawn with what precedes them."""
    return (
        code in (0x200C, 0x200D, 0x20E3)
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or 0xE0100 <= code <= 0xE01EF
    )


def faces(loaded: LoadedTheme, used: Iterable[str] | None = None, *, allow_outside_assets: bool = False) -> FaceSet:
    """The faces the theme names, each file checked; errors are InputErrors located in the theme.

    `used` holds the texts the document prints: a fallback face is kept only if it has a
    character of them that serif and sans lack, so an ordinary build never opens a fallback font.
    None keeps every fallback. A font path (not `pkg:`) must lie in the theme's folder unless
    `allow_outside_assets`.
    """
    fonts = loaded.theme.fonts

    def make(role: Role, bold: bool, source: FontSource, loc: tuple[int | str, ...]) -> Face:
        reference = source.source
        path = loaded.resolve(reference)
        contained = not reference.startswith("pkg:") and not allow_outside_assets
        checked_asset(path, reference, loaded.path, (*loc, "source"), "font", contained=contained)
        if not _is_font_file(path):
            line, column = locate_in_file(loaded.path, (*loc, "source"))
            message = f"font {reference!r} is not a TrueType or OpenType font ({path})"
            raise FontError(loaded.path, message, line, column)
        return Face(role, bold, path, source.weight)

    sans = make("sans", False, fonts.sans.regular, ("fonts", "sans", "regular"))
    sans_bold = make("sans", True, fonts.sans.bold, ("fonts", "sans", "bold")) if fonts.sans.bold else sans
    serif = make("serif", False, fonts.serif.regular, ("fonts", "serif", "regular"))
    serif_bold = make("serif", True, fonts.serif.bold, ("fonts", "serif", "bold")) if fonts.serif.bold else sans_bold
    # Every fallback file is checked, but none is opened unless the letter needs one.
    searched = tuple(
        make("sans", False, source, ("fonts", "fallbacks", index)) for index, source in enumerate(fonts.fallbacks)
    )
    main = FaceSet(serif, serif_bold, sans, sans_bold, (), searched)
    if used is None:
        return FaceSet(serif, serif_bold, sans, sans_bold, searched, searched)
    wanted = {ord(c) for text in used for c in text if not c.isspace()}
    for face in main.distinct():
        wanted -= face.info.codepoints
    fallbacks: list[Face] = []
    for face in searched:
        if not wanted:
            break
        covered = wanted & face.info.codepoints
        if covered:
            fallbacks.append(face)
            wanted -= covered
    return FaceSet(serif, serif_bold, sans, sans_bold, tuple(fallbacks), searched)


def _is_font_file(path: Path) -> bool:
    """Whether the file starts like a TrueType, OpenType or TrueType collection font."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError:
        return False
    return magic in (b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf")


def missing_characters(faceset: FaceSet, texts: Iterable[str]) -> list[str]:
    """Characters of `texts` (not white space) that no face of `faceset` has, in order of first use."""
    seen: dict[str, None] = {}
    for text in texts:
        for char in text:
            if char not in seen and not char.isspace():
                seen[char] = None
    return [char for char in seen if not faceset.covers(char)]


def missing_character_warnings(faceset: FaceSet, texts: Iterable[str], files: Sequence[Path]) -> list[str]:
    """One warning line per character no font has, located in the first of `files` holding it.

    The build goes on: the PDF draws the font's empty-box glyph for it but keeps the character
    in its text (copy, search); Word and PowerPoint may find a system font that has it.
    """
    missing = missing_characters(faceset, texts)
    if not missing:
        return []
    families = ", ".join(dict.fromkeys(face.family for face in (*faceset.distinct(), *faceset.searched)))
    lines: list[tuple[tuple[str, int, int], str]] = []
    for char in missing:
        place = locate_character(files, char)
        shown = char if char.isprintable() else ""
        name = f"U+{ord(char):04X}" + (f" '{shown}'" if shown else "")
        message = (
            f"warning: {name} is in none of the fonts ({families}); the PDF shows an empty box for it "
            "but keeps it in the text; Word and PowerPoint use a system font if one has it"
        )
        if place is None:
            lines.append((("", 0, 0), f"{files[0] if files else 'input'}: {message}"))
        else:
            path, line, column = place
            where = f"{path}:{line}:{column}" if line is not None else str(path)
            lines.append(((str(path), line or 0, column or 0), f"{where}: {message}"))
    return [text for _, text in sorted(lines, key=lambda item: item[0])]


def cache_dir() -> Path:
    """Where prepared fonts live: $PUBLISH_CACHE_DIR, else the user cache folder (platformdirs)."""
    override = os.environ.get("PUBLISH_CACHE_DIR")
    if override:
        return Path(override) / "fonts"
    import platformdirs

    return Path(platformdirs.user_cache_dir("publish", appauthor=False)) / "fonts"


def file_identity(path: Path) -> str:
    """Path, size and modification time: changes whenever the file is replaced or edited."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise FontError(path, f"this font file cannot be read: {exc.strerror or exc}") from None
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:24]


@lru_cache(maxsize=16)
def _font_info(identity: str, path: Path) -> FontInfo:
    cached = cache_dir() / f"info-{_key(PREPARATION_VERSION, identity)}.json"
    try:
        data = json.loads(cached.read_text(encoding="utf-8"))
        return FontInfo(data["family"], tuple((first, last) for first, last in data["ranges"]))
    except (OSError, ValueError, KeyError):
        pass
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(path, lazy=True, fontNumber=0)
        name = font["name"]
        family = str(name.getDebugName(16) or name.getDebugName(1) or path.stem)
        codepoints = frozenset(font.getBestCmap() or {})
    except Exception as exc:  # fontTools raises many types for a damaged file
        raise FontError(path, f"this font file cannot be read: {exc}") from None
    ranges = _ranges(codepoints)
    write_bytes_atomic(cached, json.dumps({"family": family, "ranges": ranges}).encode("utf-8"))
    return FontInfo(family, ranges)


def _ranges(codepoints: Iterable[int]) -> tuple[tuple[int, int], ...]:
    ranges: list[list[int]] = []
    for cp in sorted(codepoints):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return tuple((first, last) for first, last in ranges)


def characters(texts: Iterable[str]) -> frozenset[str]:
    """The characters of `texts` plus the base repertoire, without line breaks."""
    found: set[str] = set(BASE_REPERTOIRE)
    for text in texts:
        found.update(text)
    found.difference_update("\n\r\t")
    return frozenset(found)


def prepared_path(face: Face, chars: frozenset[str]) -> Path:
    """Where the prepared subset of `face` for `chars` is (or will be) cached."""
    return cache_dir() / _prepared_name(face, face.identity, chars)


@lru_cache(maxsize=256)
def _prepared_name(face: Face, identity: str, chars: frozenset[str]) -> str:
    # Asked for by every renderer for every face; the key sorts all the characters used.
    codepoints = face.info.codepoints
    covered = sorted(c for c in chars if ord(c) in codepoints)
    return f"{face.postscript_name}-{_key(PREPARATION_VERSION, identity, ''.join(covered))}.ttf"


def prepare(face: Face, chars: frozenset[str]) -> Path:
    """A TrueType subset of `face` holding every character of `chars` it has; cached."""
    return prepare_group((face,), chars)[0]


def prepare_group(group: Sequence[Face], chars: frozenset[str]) -> list[Path]:
    """The prepared subsets of faces that share one source file (e.g. two weights of a variable
    font), made together so the source is read and subset once; cached like `prepare`."""
    targets = [prepared_path(face, chars) for face in group]
    missing = [(face, target) for face, target in zip(group, targets, strict=True) if not target.is_file()]
    if not missing:
        return targets
    targets[0].parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as locks:
        for _, target in missing:
            locks.enter_context(_locked(target.with_suffix(".lock")))
        # Another process may have made some of them while we waited for the locks.
        still = [(face, target) for face, target in missing if not target.is_file()]
        if still:
            built = _build_subsets([face for face, _ in still], chars)
            for (_, target), data in zip(still, built, strict=True):
                write_bytes_atomic(target, data)
    return targets


def prepare_all(faceset: FaceSet, chars: frozenset[str], jobs: int = 1) -> dict[tuple[Path, int | None], Path]:
    """Every distinct face prepared for `chars`; faces of one source file are made together, and
    different sources in parallel processes when `jobs` > 1 and more than one is missing."""
    paths = {(f.path, f.weight): (f, prepared_path(f, chars)) for f in faceset.distinct()}
    groups: dict[Path, list[Face]] = {}
    for face, path in paths.values():
        if not path.is_file():
            groups.setdefault(face.path, []).append(face)
    if jobs > 1 and len(groups) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(jobs, len(groups))) as pool:
            list(pool.map(prepare_group, list(groups.values()), [chars] * len(groups)))
    else:
        for group in groups.values():
            prepare_group(group, chars)
    return {key: path for key, (_, path) in paths.items()}


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Writes `data` to `target` through a temporary file and a rename: a reader (another build)
    sees the old file or the whole new one, never a part."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _build_subsets(group: Sequence[Face], chars: frozenset[str]) -> list[bytes]:
    """Subset the faces' common source once, then instance each weight and convert it to
    TrueType outlines; returns each face's font file bytes, in order."""
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    first = group[0]
    # The source's own timestamps are kept: a font made today and one made last year from the
    # same source must be the same bytes, since ReportLab copies `head` into every PDF.
    font = TTFont(first.path, fontNumber=0, recalcTimestamp=False)
    for tag in _DROPPED_TABLES:
        if tag in font:
            del font[tag]
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    subsetter = subset.Subsetter(options)
    codepoints = first.info.codepoints
    subsetter.populate(unicodes=[ord(c) for c in chars if ord(c) in codepoints])
    subsetter.subset(font)
    results: list[bytes] = []
    for index, face in enumerate(group):
        instance = font
        if "fvar" in font:
            from fontTools.varLib import instancer

            axes = {axis.axisTag: axis.defaultValue for axis in font["fvar"].axes}
            if face.weight is not None and "wght" in axes:
                axes["wght"] = float(face.weight)
            # The last weight may consume the subset; the others work on a copy.
            instance = instancer.instantiateVariableFont(font, axes, inplace=index == len(group) - 1)
        elif index > 0:
            # A static font: every face is the same outlines.
            instance = TTFont(io.BytesIO(results[0]), recalcTimestamp=False)
        if "CFF " in instance or "CFF2" in instance:
            _cff_to_glyf(instance)
        _rename(instance, face)
        out = io.BytesIO()
        instance.save(out)
        results.append(out.getvalue())
    return results


def _rename(font: object, face: Face) -> None:
    """Names the prepared face for what it is (the variable source calls itself Thin)."""
    from fontTools.ttLib import TTFont

    assert isinstance(font, TTFont)
    style = "Bold" if face.bold else "Regular"
    name = font["name"]
    name.setName(face.family, 1, 3, 1, 0x409)
    name.setName(style, 2, 3, 1, 0x409)
    name.setName(f"{face.family} {style}", 4, 3, 1, 0x409)
    name.setName(face.postscript_name, 6, 3, 1, 0x409)
    name.setName(face.family, 16, 3, 1, 0x409)
    name.setName(style, 17, 3, 1, 0x409)
    if "OS/2" in font:
        font["OS/2"].usWeightClass = 700 if face.bold else 400


def _cff_to_glyf(font: object) -> None:
    """Replaces CFF outlines with quadratic TrueType outlines (after fontTools' otf2ttf snippet)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    assert isinstance(font, TTFont)
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    for tag in ("CFF ", "CFF2", "VORG"):
        if tag in font:
            del font[tag]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        advance, _ = hmtx.metrics[name]
        hmtx.metrics[name] = (advance, getattr(glyph, "xMin", 0) if glyph.numberOfContours else 0)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    maxp.compile(font)
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
