"""Fonts: fallback faces for characters serif and sans lack, and located warnings for the rest.

A character that no configured font has is never a silent blank: it is drawn by a fallback font
(Noto Sans TC/JP/KR for rare Han, Noto Sans, Noto Sans Symbols, Noto Emoji), or the build warns
`file:line:col: warning: U+XXXX 'c' is in none of the fonts ...` and the PDF keeps it in its text.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import publish.fonts as fonts_module
from publish.build import build
from publish.build import theme_texts as build_theme_texts
from publish.cli import cli
from publish.fonts import (
    FaceSet,
    characters,
    faces,
    missing_character_warnings,
    missing_characters,
    prepare,
    prepare_all,
)
from publish.theme import LoadedTheme, load_theme

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixtures.odd.letters import docx_paragraphs, letter_yaml, pdf_text, pptx_notes, squash

RARE_IN_TC = "𠀡"  # U+20021: Extension B, in Noto Sans TC, not in SC
IN_NO_FONT = "𠀀"  # U+20000: Extension B, in none of the fonts
EMOJI = "😀"
FAMILY = "👨\u200d👩\u200d👧"  # an emoji ZWJ sequence


@pytest.fixture(scope="module")
def theme() -> LoadedTheme:
    return load_theme()


@pytest.fixture(scope="module")
def every_face(theme: LoadedTheme) -> FaceSet:
    return faces(theme)


def test_the_theme_names_fallbacks_from_pip_packages(every_face: FaceSet, theme: LoadedTheme) -> None:
    assert all(source.source.startswith("pkg:") for source in theme.theme.fonts.fallbacks)
    assert [face.family for face in every_face.fallbacks] == [
        "Noto Sans TC", "Noto Sans JP", "Noto Sans KR", "Noto Sans", "Noto Sans Symbols", "Noto Emoji",
    ]


def test_an_ordinary_letter_opens_no_fallback_font(theme: LoadedTheme, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Path] = []
    real = fonts_module._font_info

    def recording(identity: str, path: Path) -> Any:
        opened.append(path)
        return real(identity, path)

    monkeypatch.setattr(fonts_module, "_font_info", recording)
    letter = (Path(__file__).resolve().parent.parent / "letter.yaml").read_text(encoding="utf-8")
    faceset = faces(theme, [letter])
    assert faceset.fallbacks == ()
    fallback_files = {theme.resolve(s.source) for s in theme.theme.fonts.fallbacks}
    assert not fallback_files & set(opened)


def test_only_the_fallbacks_a_letter_needs_are_kept_in_order(theme: LoadedTheme) -> None:
    faceset = faces(theme, [f"一{EMOJI}二{RARE_IN_TC}三"])
    assert [face.family for face in faceset.fallbacks] == ["Noto Sans TC", "Noto Emoji"]


def test_segments_send_each_character_to_a_face_that_has_it(every_face: FaceSet) -> None:
    segments = [(face.family, text) for face, text in every_face.segments(f"心{RARE_IN_TC}{EMOJI}ǅ", "serif")]
    assert segments == [("Noto Serif SC", "心"), ("Noto Sans TC", RARE_IN_TC), ("Noto Emoji", EMOJI),
                        ("Noto Sans", "ǅ")]


def test_an_emoji_sequence_stays_in_one_face(every_face: FaceSet) -> None:
    segments = every_face.segments(f"家{FAMILY}和❤\ufe0f", "sans")
    assert [(face.family, text) for face, text in segments] == [
        ("Noto Sans SC", "家"), ("Noto Emoji", f"{FAMILY}"), ("Noto Sans SC", "和"), ("Noto Emoji", "❤\ufe0f"),
    ]


def test_a_character_in_no_font_stays_with_the_chosen_face(every_face: FaceSet) -> None:
    segments = every_face.segments(f"和{IN_NO_FONT}字", "serif")
    assert [(face.family, text) for face, text in segments] == [("Noto Serif SC", f"和{IN_NO_FONT}字")]
    assert missing_characters(every_face, [f"和{IN_NO_FONT}字 \n"]) == [IN_NO_FONT]


def test_a_fallback_glyph_is_really_drawn(every_face: FaceSet) -> None:
    from fontTools.ttLib import TTFont

    tc = every_face.fallbacks[0]
    prepared = TTFont(prepare(tc, characters([RARE_IN_TC])))
    glyph = prepared.getBestCmap()[ord(RARE_IN_TC)]
    assert prepared["glyf"][glyph].numberOfContours > 0


def test_the_warning_names_code_point_character_place_and_every_font_tried(
    tmp_path: Path, theme: LoadedTheme
) -> None:
    source = tmp_path / "rare.yaml"
    source.write_text(letter_yaml([f"第一段{IN_NO_FONT}。"]), encoding="utf-8")
    faceset = faces(theme, [f"第一段{IN_NO_FONT}。"])
    assert faceset.fallbacks == ()  # no fallback has it, so none is kept
    lines = missing_character_warnings(faceset, [f"第一段{IN_NO_FONT}。"], [source])
    column = source.read_text(encoding="utf-8").splitlines()[6].index(IN_NO_FONT) + 1
    assert lines == [
        f"{source}:7:{column}: warning: U+20000 '{IN_NO_FONT}' is in none of the fonts "
        "(Noto Serif SC, Noto Sans SC, Noto Sans TC, Noto Sans JP, Noto Sans KR, Noto Sans, Noto Sans Symbols, "
        "Noto Emoji); the PDF shows an empty box for it but keeps it in the text; Word and PowerPoint use a "
        "system font if one has it"
    ]


def test_a_character_written_as_an_escape_is_located_at_its_string(tmp_path: Path, every_face: FaceSet) -> None:
    source = tmp_path / "escaped.yaml"
    source.write_text(letter_yaml(["占位"]).replace('"占位"', '"前\\U00020000后"'), encoding="utf-8")
    lines = missing_character_warnings(every_face, [f"前{IN_NO_FONT}后"], [source])
    assert len(lines) == 1 and lines[0].startswith(f"{source}:7:9: warning: U+20000")


# --- a build with rare characters: fallback fonts in the PDF, every character in every output -------

ODD = f"表情{EMOJI}和❤\ufe0f，一家{FAMILY}，罕见字{RARE_IN_TC}（TC 有）与{IN_NO_FONT}（无字体），Ελληνικά ǅ ☃"


@pytest.fixture(scope="module")
def rare_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path], list[str]]:
    folder = tmp_path_factory.mktemp("rare")
    source = folder / "rare.yaml"
    source.write_text(letter_yaml([ODD]), encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(source), "-o", str(folder / "out")])
    assert result.exit_code == 0, result.output
    outputs = {fmt: folder / "out" / f"rare.{fmt}" for fmt in ("pdf", "docx", "pptx")}
    return source, outputs, result.stderr.splitlines()


def test_the_build_warns_once_for_the_character_in_no_font(
    rare_build: tuple[Path, dict[str, Path], list[str]],
) -> None:
    source, _, stderr = rare_build
    column = source.read_text(encoding="utf-8").splitlines()[6].index(IN_NO_FONT) + 1
    warnings = [line for line in stderr if "warning:" in line]
    assert len(warnings) == 1, stderr
    assert warnings[0].startswith(f"{source}:7:{column}: warning: U+20000 '{IN_NO_FONT}' is in none of the fonts")


def test_the_pdf_text_keeps_every_character(rare_build: tuple[Path, dict[str, Path], list[str]]) -> None:
    _, outputs, _ = rare_build
    assert squash(ODD) in squash(pdf_text(outputs["pdf"]))


def test_the_pdf_embeds_the_fallback_fonts(rare_build: tuple[Path, dict[str, Path], list[str]]) -> None:
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    _, outputs, _ = rare_build
    listing = subprocess.run(["pdffonts", str(outputs["pdf"])], capture_output=True, text=True, check=True).stdout
    for name in ("NotoSansTC-Regular", "NotoEmoji-Regular", "NotoSans-Regular"):
        line = next((row for row in listing.splitlines() if f"+{name} " in row), None)
        assert line is not None, listing
        assert line.split()[-5:-2] == ["yes", "yes", "yes"], line  # embedded, subset, ToUnicode


def test_docx_and_deck_notes_keep_every_character(rare_build: tuple[Path, dict[str, Path], list[str]]) -> None:
    _, outputs, _ = rare_build
    assert ODD in docx_paragraphs(outputs["docx"])
    assert ODD in pptx_notes(outputs["pptx"])


def test_ordinary_build_prints_no_warning(tmp_path: Path) -> None:
    source = tmp_path / "plain.yaml"
    source.write_text(letter_yaml(["刚刚过去的2016年，是非凡的一年。"]), encoding="utf-8")
    result = build(source, tmp_path / "out", ["docx"])
    assert result.warnings == []


def test_measured_widths_come_back_from_the_disk_cache_alike(
    tmp_path: Path, theme: LoadedTheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second process reads a font's widths from the cache, without fontTools, and gets the same."""
    from publish import measure

    monkeypatch.setenv("PUBLISH_CACHE_DIR", str(tmp_path / "cache"))
    face = faces(theme, ["年"]).sans
    prepared = prepare(face, characters(["2016年，小米 AlphaGo"]))
    measure.font_metrics.cache_clear()
    read = measure.font_metrics(prepared)
    assert list((tmp_path / "cache").rglob("metrics-*.json"))
    measure.font_metrics.cache_clear()
    monkeypatch.setitem(sys.modules, "fontTools.ttLib", None)  # importing it now fails
    again = measure.font_metrics(prepared)
    assert again == read
    assert again.width("2016年，小米", 20) == pytest.approx(read.width("2016年，小米", 20))
    assert again.width("2016年", 20) > again.width("2016", 20) > 0
    measure.font_metrics.cache_clear()


SPRING = "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。"
MOON = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"
TARGET = "小米 2017 年的目标：整体收入突破 1000 亿元。"


def _letter(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(letter_yaml([text]), encoding="utf-8")
    return path


def _build_alone(source: Path, out: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """`source` built with the font cache `cache`, fixed epoch; format -> bytes."""
    from publish.render import RenderOptions

    monkeypatch.setenv("PUBLISH_CACHE_DIR", str(cache))
    result = build(source, out, options=RenderOptions(source_date_epoch=1700000000))
    return {name: path.read_bytes() for name, path in result.outputs.items()}


def _serif_files(cache: Path) -> list[str]:
    return sorted(p.name for p in (cache / "fonts").glob("NotoSerifSC-Regular-*.ttf") if p.stem.count("-") == 2)


def test_a_letter_comes_out_the_same_from_its_own_font_subset_or_a_larger_one(
    tmp_path: Path, theme: LoadedTheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outputs do not depend on which cached subset holds the letter's characters.

    The larger subset holds glyphs that stretch the font's box and limits (vertical forms, a
    wavy line, an Extension B character): none of that may reach the letter's PDF.
    """
    letter = _letter(tmp_path, "target", TARGET)
    own = _build_alone(letter, tmp_path / "own", tmp_path / "cache-own", monkeypatch)
    larger_cache = tmp_path / "cache-larger"
    monkeypatch.setenv("PUBLISH_CACHE_DIR", str(larger_cache))
    extra = "︻︼﹏〰〽㊙䶵𠀀" + SPRING
    wanted = characters([TARGET, extra, "测试信", "测试", "第1部分", *build_theme_texts(theme)])
    prepare_all(faces(theme, [TARGET, extra]), wanted)
    larger = _build_alone(letter, tmp_path / "larger", larger_cache, monkeypatch)
    assert len(_serif_files(larger_cache)) == 1, "the letter was drawn from the larger subset, none made for it"
    assert larger == own


def test_a_second_letter_gets_the_common_characters_and_a_third_finds_them(
    tmp_path: Path, theme: LoadedTheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The machine's first letter gets its own subsets; the next one needing new ones, all of them
    common, gets the common repertoire; a third letter of common characters then prepares
    nothing, and comes out as it would alone on a fresh machine. A letter with a rarer character
    gets subsets of its own."""
    # A small stand-in for GB 2312's common characters, so that the test prepares fonts quickly.
    common = characters([SPRING, MOON, "测试信", "测试", "第1部分", *build_theme_texts(theme)])
    monkeypatch.setattr(fonts_module, "common_repertoire", lambda: common)
    cache = tmp_path / "cache"
    _build_alone(_letter(tmp_path, "target", TARGET), tmp_path / "out", cache, monkeypatch)
    assert len(_serif_files(cache)) == 1
    _build_alone(_letter(tmp_path, "spring", SPRING), tmp_path / "out", cache, monkeypatch)
    assert len(_serif_files(cache)) == 2
    third = _build_alone(_letter(tmp_path, "moon", MOON), tmp_path / "out", cache, monkeypatch)
    assert len(_serif_files(cache)) == 2, "the third letter's characters were all prepared already"
    alone = _build_alone(_letter(tmp_path, "moon", MOON), tmp_path / "alone", tmp_path / "fresh", monkeypatch)
    assert third == alone
    _build_alone(_letter(tmp_path, "rare", MOON + "龘"), tmp_path / "out", cache, monkeypatch)
    assert len(_serif_files(cache)) == 3
    records = [json.loads(p.read_text(encoding="utf-8")) for p in (cache / "fonts").glob("NotoSerifSC-*.chars")]
    rare = next(r["chars"] for r in records if "龘" in r["chars"])
    assert not set("春眠觉晓") & set(rare), "the rare letter's subset is its own characters, not the common ones"
