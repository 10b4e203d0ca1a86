"""Inline text: only `**bold**` and `*emphasis*` are markup; everything else comes out literally.

The unit tests pin `parse_inline`; the build tests put markup-looking text through all three
renderers and read it back from the PDF's text, the DOCX's XML and the deck's speaker notes.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from publish.build import build
from publish.text import Run, parse_inline, plain_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixtures.odd.letters import W, docx_paragraphs, letter_yaml, pdf_text, pptx_notes, squash

# --- parse_inline ----------------------------------------------------------------------------------


def test_bold_and_emphasis_are_our_markup() -> None:
    assert parse_inline("前**粗体**中*强调*后") == (
        Run("前"),
        Run("粗体", bold=True),
        Run("中"),
        Run("强调", italic=True),
        Run("后"),
    )


def test_nested_emphasis_inside_bold() -> None:
    assert parse_inline("**粗*斜*粗**") == (Run("粗", True), Run("斜", True, True), Run("粗", True))


@pytest.mark.parametrize(
    "text",
    [
        "5*3=15",
        "a * b",
        "**",
        "*",
        "一个*星号",
        "<b>粗</b>",
        "&amp; &lt; &#x41;",
        "{{x}} %s %(name)s $1 ${HOME} {0}",
        "# 标题 [链接](http://x) `code` _u_ __b__ ~~s~~ > 引用",
        "C:\\new\\table \\n \\t \\\\",
        "\"双引号\" '单引号' “中文引号” ‘’",
        "<![CDATA[x]]> <!-- c --> <?xml?>",
        "",
    ],
)
def test_everything_else_is_literal(text: str) -> None:
    expected = text.replace("\\\\", "\\")  # a backslash escapes a backslash
    assert plain_text(text) == expected
    assert all(not run.bold and not run.italic for run in parse_inline(text))


def test_a_backslash_makes_a_star_literal() -> None:
    assert parse_inline(r"\*不是强调\*") == (Run("*不是强调*"),)
    # The escaped star leaves `*粗**`, whose markers have no partner: all literal.
    assert parse_inline(r"\**粗**") == (Run("**粗**"),)


def test_an_unpartnered_marker_is_text_and_the_rest_still_parses() -> None:
    assert parse_inline("**粗** 和 *孤") == (Run("粗", bold=True), Run(" 和 *孤"))


def test_markers_with_nothing_between_are_literal() -> None:
    assert parse_inline("****") == (Run("****"),)
    assert parse_inline("a****b") == (Run("a****b"),)


# --- literal text through all three renderers ------------------------------------------------------

LITERALS = [
    "小于<大于>和&符号",
    "<b>不是粗体</b>与<i>不是斜体</i>，<script>alert(1)</script>",
    "&amp; &lt; &#169; &nbsp; 保持原样",
    '"直引号" \'单引号\' “弯引号” 「直角引号」',
    "反斜杠 C:\\Users\\雷军\\新建 以及 \\n 和 \\t",
    "模板 {{x}} {% if %} %s %d %(name)s $1 ${HOME} {0}",
    "# 不是标题 [不是链接](http://mi.com) `不是代码` _不是_ __不是__ ~~不是删除~~ > 不是引用",
    "<![CDATA[x]]> <!-- 注释 --> <?xml version='1.0'?>",
    "5*3=15，a * b，以及一个孤单的*星号",
]
MARKED = "这里有**粗体**和*强调*。"


@pytest.fixture(scope="module")
def literal_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("literal")
    source = folder / "literal.yaml"
    source.write_text(letter_yaml([*LITERALS, MARKED]), encoding="utf-8")
    return dict(build(source, folder / "out").outputs)


def expected_texts() -> list[str]:
    return [plain_text(text) for text in [*LITERALS, MARKED]]


def test_the_pdf_text_holds_every_literal(literal_build: dict[str, Path]) -> None:
    text = squash(pdf_text(literal_build["pdf"]))
    for expected in expected_texts():
        assert squash(expected) in text, expected


def test_the_docx_holds_every_literal_as_one_paragraph(literal_build: dict[str, Path]) -> None:
    paragraphs = docx_paragraphs(literal_build["docx"])
    for expected in expected_texts():
        assert expected in paragraphs, expected


def test_the_docx_escapes_rather_than_interprets(literal_build: dict[str, Path]) -> None:
    with zipfile.ZipFile(literal_build["docx"]) as archive:
        xml = archive.read("word/document.xml")
    root = etree.fromstring(xml)
    assert root.find(f".//{{{W}}}script") is None and b"<b>" not in xml and b"<script>" not in xml
    assert b"&lt;b&gt;" in xml


def test_only_our_markup_makes_bold_in_the_docx(literal_build: dict[str, Path]) -> None:
    with zipfile.ZipFile(literal_build["docx"]) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    bold_text = []
    for run in root.iter(f"{{{W}}}r"):
        properties = run.find(f"{{{W}}}rPr")
        style = properties.find(f"{{{W}}}rStyle") if properties is not None else None
        bold = properties is not None and (
            properties.find(f"{{{W}}}b") is not None or (style is not None and style.get(f"{{{W}}}val") == "Strong")
        )
        text = "".join(t.text or "" for t in run.iter(f"{{{W}}}t"))
        if bold and any(text and text in p for p in expected_texts()):
            bold_text.append(text)
    assert "粗体" in bold_text
    assert not any("不是" in t for t in bold_text), bold_text


def test_the_deck_notes_hold_every_literal(literal_build: dict[str, Path]) -> None:
    notes = pptx_notes(literal_build["pptx"])
    for expected in expected_texts():
        assert expected in notes, expected
