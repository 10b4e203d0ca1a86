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
import logging
import os
import struct
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from publish.errors import InputError
from publish.load import checked_asset, locate_character, locate_in_file
from publish.theme import FontSource, LoadedTheme

_log = logging.getLogger(__name__)
"""Says when fonts are being prepared, which takes seconds (shown by `publish build -v`)."""

PREPARATION_VERSION = "8"
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


def cache_key(*parts: str) -> str:
    """A short digest of `parts`, for naming a cached file after what it was made from."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:24]


@lru_cache(maxsize=16)
def _font_info(identity: str, path: Path) -> FontInfo:
    cached = cache_dir() / f"info-{cache_key(PREPARATION_VERSION, identity)}.json"
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
    return f"{face.postscript_name}-{cache_key(PREPARATION_VERSION, identity, ''.join(covered))}.ttf"


def prepare(face: Face, chars: frozenset[str]) -> Path:
    """A TrueType subset of `face` holding every character of `chars` it has; cached."""
    return prepare_group((face,), chars)[0]


@lru_cache(maxsize=1)
def common_repertoire() -> frozenset[str]:
    """The characters of GB 2312: its symbol rows and its 6,763 Han characters (level 1, the
    3,755 most common, and level 2), which cover nearly all of modern simplified Chinese.

    Once a machine has prepared fonts for one letter, a letter of these characters needing new
    subsets gets all of them, so that most later letters find every character already prepared.
    (Level 1 alone is not enough: the New Year letter itself uses 崛, 撸 and 跻 from level 2.)
    """
    found = set(BASE_REPERTOIRE)
    for row in range(0xA1, 0xF8):  # rows 1-9: symbols; rows 16-55: level-1 Han; 56-87: level 2
        for cell in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                found.add(bytes((row, cell)).decode("gb2312"))
    return frozenset(found)


_RESOLVED: dict[tuple[Face, Path, frozenset[str]], Path] = {}
"""Prepared files already found in this process: (face, cache folder, characters) -> file."""


def resolve(face: Face, chars: frozenset[str]) -> Path | None:
    """A prepared subset of `face` with every character of `chars` it has, if one is cached.

    The subset made for exactly these characters, else the smallest cached subset holding them
    all. Which one is used does not change the outputs: a prepared font's global tables are the
    source's, and ReportLab embeds only the glyphs a document uses.
    """
    key = (face, cache_dir(), chars)
    found = _RESOLVED.get(key)
    if found is not None and found.is_file():
        return found
    exact = prepared_path(face, chars)
    found = exact if exact.is_file() else _covering(face, chars)[0]
    if found is not None:
        _RESOLVED[key] = found
    return found


def _covering(face: Face, chars: frozenset[str]) -> tuple[Path | None, bool]:
    """The smallest cached subset of `face` holding every character of `chars` it has (None: no
    such subset), and whether any subset of `face` is cached at all."""
    codepoints = face.info.codepoints
    needed = {c for c in chars if ord(c) in codepoints}
    face_key = cache_key(PREPARATION_VERSION, face.identity)
    best: tuple[int, str, Path] | None = None
    seen = False
    for record in cache_dir().glob(f"{face.postscript_name}-*.chars"):
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or data.get("face") != face_key:
            continue
        seen = True
        font = record.with_suffix(".ttf")
        held = str(data.get("chars", ""))
        if needed.issubset(held) and font.is_file():
            candidate = (len(held), font.name, font)
            best = candidate if best is None or candidate[:2] < best[:2] else best
    return (best[2] if best else None), seen


def _record(target: Path, face: Face, chars: frozenset[str]) -> None:
    """Notes beside a prepared subset which characters it holds, for `_covering`."""
    codepoints = face.info.codepoints
    held = "".join(sorted(c for c in chars if ord(c) in codepoints))
    data = {"face": cache_key(PREPARATION_VERSION, face.identity), "chars": held}
    write_bytes_atomic(target.with_suffix(".chars"), json.dumps(data, ensure_ascii=False).encode("utf-8"))


def prepare_group(group: Sequence[Face], chars: frozenset[str]) -> list[Path]:
    """The prepared subsets of faces that share one source file (e.g. two weights of a variable
    font), made together so the source is read and subset once; cached like `prepare`."""
    found = [resolve(face, chars) for face in group]
    missing = [face for face, path in zip(group, found, strict=True) if path is None]
    if not missing:
        return [path for path in found if path is not None]
    repertoire = repertoire_for(missing, chars)
    _announce(missing, repertoire)
    made = iter(make_subsets(missing, repertoire))
    return [path if path is not None else next(made) for path in found]


def repertoire_for(faces: Sequence[Face], chars: frozenset[str]) -> frozenset[str]:
    """The characters to prepare `faces` for, when no cached subset holds all of `chars`.

    A machine's first letter gets subsets of exactly its characters, quick to make. Later, a
    letter whose characters are all common gets the whole common repertoire (see
    `common_repertoire`), one set of files every such letter shares; a letter with rarer
    characters gets subsets of exactly its own, as quick to make as the first.
    """
    earlier = any(_covering(face, chars)[1] for face in faces)
    common = common_repertoire()
    return common if earlier and chars <= common else chars


def _announce(faces: Sequence[Face], repertoire: frozenset[str]) -> None:
    held = sum(1 for c in repertoire if ord(c) in faces[0].info.codepoints)
    _log.info("preparing %s for %d characters (once; kept in %s)",
              " and ".join(face.postscript_name for face in faces), held, cache_dir())


def make_subsets(faces: Sequence[Face], repertoire: frozenset[str]) -> list[Path]:
    """Prepares subsets of `faces` (one source file) for `repertoire`, unless another process
    already has; their paths."""
    targets = [prepared_path(face, repertoire) for face in faces]
    targets[0].parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as locks:
        for target in targets:
            locks.enter_context(_locked(target.with_suffix(".lock")))
        # Another process may have made some of them while we waited for the locks.
        still = [(face, target) for face, target in zip(faces, targets, strict=True) if not target.is_file()]
        if still:
            built = _build_subsets([face for face, _ in still], repertoire)
            for (face, target), data in zip(still, built, strict=True):
                write_bytes_atomic(target, data)
                _record(target, face, repertoire)  # after the font: a record promises a whole file
    return targets


prepare_in_fresh_processes = False
"""Whether `prepare_all` may start fresh interpreters (multiprocessing's spawn) for large
preparations. Off for library use: a fresh interpreter imports the caller's main script again,
which a script without an `if __name__ == "__main__":` guard does not survive."""


def prepare_all(faceset: FaceSet, chars: frozenset[str], jobs: int = 1) -> dict[tuple[Path, int | None], Path]:
    """Every distinct face prepared for `chars`; faces of one source file are made together, and
    different sources in parallel processes when `jobs` > 1 and more than one is missing.

    With `prepare_in_fresh_processes` (the CLI sets it), the common repertoire is made in fresh
    processes: fontTools then holds a source font and thousands of glyphs (up to 190 MiB), which a
    fresh process does not add to the memory of the build or batch worker that asked for it.
    """
    result: dict[tuple[Path, int | None], Path] = {}
    groups: dict[Path, list[Face]] = {}
    for face in faceset.distinct():
        path = resolve(face, chars)
        if path is None:
            groups.setdefault(face.path, []).append(face)
        else:
            result[(face.path, face.weight)] = path
    if not groups:
        return result
    plans = [(group, repertoire_for(group, chars)) for group in groups.values()]
    for group, repertoire in plans:
        _announce(group, repertoire)
    common = common_repertoire()
    fresh = prepare_in_fresh_processes and any(repertoire is common for _, repertoire in plans)
    made: list[list[Path]]
    if fresh or (jobs > 1 and len(plans) > 1):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn" if fresh else "fork")
        with ProcessPoolExecutor(max_workers=min(max(jobs, 1), len(plans)), mp_context=context) as pool:
            made = list(pool.map(make_subsets, *zip(*plans, strict=True)))
    else:
        made = [make_subsets(group, repertoire) for group, repertoire in plans]
    for group, paths in zip(groups.values(), made, strict=True):
        for face, path in zip(group, paths, strict=True):
            result[(face.path, face.weight)] = path
            _RESOLVED[(face, cache_dir(), chars)] = path
    return result


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
    font = TTFont(first.path, fontNumber=0, recalcTimestamp=False, lazy=True)
    for tag in _DROPPED_TABLES:
        if tag in font:
            del font[tag]
    source_globals = _subset_independent_globals(font)
    options = subset.Options()
    options.prune_unicode_ranges = False
    options.prune_codepage_ranges = False
    options.layout_features = []
    # TrueType instructions are dropped; CFF hints go with the conversion to TrueType outlines
    # anyway, and removing them first costs a fifth of the preparation.
    options.hinting = "CFF " in font or "CFF2" in font
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    codepoints = first.info.codepoints
    unicodes = sorted(ord(c) for c in chars if ord(c) in codepoints)
    if "CFF " in font and "fvar" not in font:
        _cff_subset_to_glyf(font, unicodes)
    else:
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
    results: list[bytes] = []
    axes_of_source = {axis.axisTag: axis.defaultValue for axis in font["fvar"].axes} if "fvar" in font else None
    variable = b""
    if axes_of_source is not None and len(group) > 1:
        # Each weight is made from the saved subset rather than from a deep copy of it: a copy of
        # thousands of glyphs with their variations takes more memory than the subset itself.
        saved = io.BytesIO()
        font.recalcBBoxes = False  # keeps the source's maxp and boxes, which `_GLOBALS` relies on
        font.save(saved)
        variable = saved.getvalue()
    subset_font: TTFont | None = font  # dropped after the first face: one face's glyphs in memory
    del font
    for index, face in enumerate(group):
        if axes_of_source is not None:
            from fontTools.varLib import instancer

            axes = dict(axes_of_source)
            if face.weight is not None and "wght" in axes:
                axes["wght"] = float(face.weight)
            source = TTFont(io.BytesIO(variable), recalcTimestamp=False) if index > 0 else subset_font
            instance = instancer.instantiateVariableFont(source, axes, inplace=True)
            del source
        elif index > 0:
            # A static font: every face is the same outlines.
            instance = TTFont(io.BytesIO(results[0]), recalcTimestamp=False)
        else:
            assert subset_font is not None
            instance = subset_font
        if "CFF " in instance or "CFF2" in instance:
            _cff_to_glyf(instance)
        _rename(instance, face)
        _restore_globals(instance, source_globals)
        out = io.BytesIO()
        instance.recalcBBoxes = False  # every glyph's own box is up to date; the font's is the source's
        instance.save(out)
        results.append(pin_globals(out.getvalue(), source_globals.get("OS/2", {})))
        del instance
        subset_font = None
    return results


_GLOBALS = {
    "head": ("xMin", "yMin", "xMax", "yMax"),
    "hhea": ("advanceWidthMax", "minLeftSideBearing", "minRightSideBearing", "xMaxExtent"),
    "OS/2": ("xAvgCharWidth", "usFirstCharIndex", "usLastCharIndex"),
}
"""Fields fontTools would recompute from the glyphs a subset keeps. ReportLab copies these tables
into every PDF, so they are kept as the source font has them: then two subsets of one face that
both hold a letter's characters give that letter the same PDF. (fontTools recomputes OS/2's on
every save whatever it is told, so they are written into the saved bytes: see `pin_globals`.)"""

_MAXP_LIMITS = {"maxPoints": 16384, "maxContours": 4096, "maxCompositePoints": 0, "maxCompositeContours": 0,
                "maxComponentDepth": 0}
"""A CFF source has no TrueType limits to keep; converted outlines get these fixed, generous ones
(a CJK glyph has a few hundred points) rather than the largest of the glyphs at hand."""


def _subset_independent_globals(font: object) -> dict[str, dict[str, int]]:
    """The `_GLOBALS` fields of the source font, before subsetting."""
    from fontTools.ttLib import TTFont

    assert isinstance(font, TTFont)
    return {tag: {name: getattr(font[tag], name) for name in names} for tag, names in _GLOBALS.items() if tag in font}


def pin_globals(data: bytes, os2: dict[str, int] | None = None) -> bytes:
    """The TrueType file `data` with its subset-dependent bytes fixed: `head`'s checksum adjustment
    (a sum over the whole file) 0, and the `OS/2` fields of `_GLOBALS` set to `os2` (None: to the
    values `data` has, e.g. when re-pinning a font that fontTools has saved again).

    Only our own code reads the cached files, and it checks no checksums.
    """
    buffer = bytearray(data)
    tables = {}
    for index in range(struct.unpack_from(">H", buffer, 4)[0]):
        tag, _, offset, _ = struct.unpack_from(">4sIII", buffer, 12 + 16 * index)
        tables[tag] = offset
    if b"head" in tables:
        struct.pack_into(">I", buffer, tables[b"head"] + 8, 0)
    if b"OS/2" in tables and os2:
        start = tables[b"OS/2"]
        struct.pack_into(">h", buffer, start + 2, os2["xAvgCharWidth"])
        struct.pack_into(">HH", buffer, start + 64, os2["usFirstCharIndex"], os2["usLastCharIndex"])
    return bytes(buffer)


def os2_globals(data: bytes) -> dict[str, int]:
    """The `OS/2` fields of `_GLOBALS` as the TrueType file `data` has them ({} without OS/2)."""
    for index in range(struct.unpack_from(">H", data, 4)[0]):
        tag, _, offset, _ = struct.unpack_from(">4sIII", data, 12 + 16 * index)
        if tag == b"OS/2":
            average = struct.unpack_from(">h", data, offset + 2)[0]
            first, last = struct.unpack_from(">HH", data, offset + 64)
            return {"xAvgCharWidth": average, "usFirstCharIndex": first, "usLastCharIndex": last}
    return {}


def _restore_globals(font: object, values: dict[str, dict[str, int]]) -> None:
    """Puts the source's `_GLOBALS` back into `font`."""
    from fontTools.ttLib import TTFont

    assert isinstance(font, TTFont)
    for tag, fields in values.items():
        for name, value in fields.items():
            setattr(font[tag], name, value)


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


def _cff_subset_to_glyf(font: object, unicodes: Sequence[int]) -> None:
    """Keeps only the glyphs of `unicodes` (and .notdef) of a static CFF font, as TrueType outlines.

    fontTools' subsetter would first run every kept glyph's charstring to find the subroutines
    it calls, then prune them: a third of the preparation, for CFF data the conversion discards.
    Glyphs keep the source's order.
    """
    from fontTools.ttLib import TTFont, newTable
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    assert isinstance(font, TTFont)
    cmap = font.getBestCmap() or {}
    mapping = {code: cmap[code] for code in unicodes if code in cmap}
    wanted = set(mapping.values()) | {".notdef"}
    order = [name for name in font.getGlyphOrder() if name in wanted]
    table = newTable("cmap")
    table.tableVersion = 0
    table.tables = []
    for fmt, platform, encoding, codes in (
        (4, 3, 1, {c: g for c, g in mapping.items() if c <= 0xFFFF}),
        (12, 3, 10, mapping),
    ):
        if fmt == 12 and max(mapping, default=0) <= 0xFFFF:
            continue
        sub = CmapSubtable.newSubtable(fmt)
        sub.platformID, sub.platEncID, sub.language = platform, encoding, 0
        sub.cmap = codes
        table.tables.append(sub)
    font["cmap"] = table
    hmtx = font["hmtx"]
    hmtx.metrics = {name: hmtx.metrics[name] for name in order}
    _cff_to_glyf(font, order)


def _cff_to_glyf(font: object, order: Sequence[str] | None = None) -> None:
    """Replaces CFF outlines with quadratic TrueType outlines (after fontTools' otf2ttf snippet);
    only the glyphs of `order`, in that order (None: every glyph)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    assert isinstance(font, TTFont)
    order = list(order) if order is not None else font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    for tag in ("CFF ", "CFF2", "VORG"):
        if tag in font:
            del font[tag]
    font.setGlyphOrder(order)
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
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
    maxp.compile(font)  # numGlyphs and the other fields ...
    for name, value in _MAXP_LIMITS.items():  # ... but limits that do not depend on the glyphs at hand
        setattr(maxp, name, value)
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
