"""ReportLab's TrueType subsets made to keep every character in the PDF's text.

Two fixes, installed on import:

- ToUnicode beyond the BMP.
  ReportLab writes each ToUnicode entry as `<%04X>`, which for an emoji (U+1F600) or
  an Extension B Han character (U+20000) gives five or six hex digits: PDF readers then read
  U+1F60 or nothing. A ToUnicode map holds UTF-16BE, so such characters are written as a
  surrogate pair (`<D83DDE00>`); entries inside the BMP are what ReportLab wrote before.
- A character the font lacks. ReportLab sends it to code 0 of the subset, whose ToUnicode is
  U+0000, so the character vanishes from copied and extracted text. Here it gets a code of its
  own drawn with the font's .notdef glyph (the build has warned that no font has it), and its
  ToUnicode entry names the real character.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.pdfbase import ttfonts


def utf16_hex(code: int) -> str:
    """`code` as the hex digits of its UTF-16BE form: 4 digits, or 8 for a surrogate pair."""
    if code <= 0xFFFF:
        return f"{code:04X}"
    return chr(code).encode("utf-16-be").hex().upper()


def to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """The ToUnicode CMap of one ReportLab subset (codes 0..n-1 mapped to `subset`'s code points)."""
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{index:02X}> <{utf16_hex(code)}>" for index, code in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


_split_string = ttfonts.TTFont.splitString


def _split_string_keeping_missing(self: ttfonts.TTFont, text: str | bytes, doc: Any, encoding: str = "utf-8") -> Any:
    """ReportLab's splitString, with each character the font lacks mapped to the .notdef glyph."""
    if isinstance(text, bytes):
        text = text.decode(encoding)
    char_to_glyph = self.face.charToGlyph
    for char in set(text):
        code = ord(char)
        if code not in char_to_glyph and code != 0xA0:
            char_to_glyph[code] = 0
    return _split_string(self, text, doc, encoding)


ttfonts.makeToUnicodeCMap = to_unicode_cmap
ttfonts.TTFont.splitString = _split_string_keeping_missing
