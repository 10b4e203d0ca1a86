"""The Word document, read back from the built file: styles, East Asian typography, fields,
numbering, table, properties, reproducibility, user templates, and LibreOffice's rendering."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from conftest import FIXTURES, LETTER, squash
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

from publish.build import build
from publish.errors import InputError
from publish.load import load_document
from publish.render import RenderOptions
from publish.text import plain_text
from publish.theme import load_theme

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}
EPOCH = 1_483_228_800  # 2017-01-01T00:00:00Z
THEME = load_theme().theme


def q(name: str) -> str:
    prefix, _, local = name.partition(":")
    return f"{{{NS[prefix]}}}{local}"


def read_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def xml(path: Path, part: str) -> etree._Element:
    return etree.fromstring(read_parts(path)[part])


def paragraph_text(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(q("w:t")))


def style_ids_by_name(styles: etree._Element) -> dict[str, str]:
    return {s.find("w:name", NS).get(q("w:val")).lower(): s.get(q("w:styleId")) for s in styles.iterfind("w:style", NS)}


def style_of(styles: etree._Element, name: str) -> etree._Element:
    found = styles.xpath("w:style[translate(w:name/@w:val, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
                         "'abcdefghijklmnopqrstuvwxyz') = $n]", namespaces=NS, n=name.lower())
    assert found, f"style {name!r} missing"
    return found[0]


def paragraphs_in(document: etree._Element, style_id: str) -> list[etree._Element]:
    return document.xpath("//w:body//w:p[w:pPr/w:pStyle/@w:val = $s]", namespaces=NS, s=style_id)


@pytest.fixture(scope="session")
def letter_docx(built: dict[str, Path]) -> Path:
    return built["docx"]


@pytest.fixture(scope="session")
def body(letter_docx: Path) -> etree._Element:
    return xml(letter_docx, "word/document.xml")


@pytest.fixture(scope="session")
def styles(letter_docx: Path) -> etree._Element:
    return xml(letter_docx, "word/styles.xml")


# -- text -------------------------------------------------------------------------------------------


def test_every_source_paragraph_is_one_paragraph_verbatim(body: etree._Element, source_paragraphs: list[str]) -> None:
    texts = [paragraph_text(p) for p in body.iter(q("w:p"))]
    missing = [line for line in source_paragraphs if line not in texts]
    assert not missing, f"not a paragraph of its own, verbatim: {missing[:2]}"
    flat = squash("".join(texts))
    assert all(squash(line) in flat for line in source_paragraphs)


def test_markup_runs_use_character_styles_and_special_characters_stay_literal(tmp_path: Path) -> None:
    out = build(FIXTURES / "docx" / "inline.yaml", tmp_path, formats=["docx"]).outputs["docx"]
    document = xml(out, "word/document.xml")
    ids = style_ids_by_name(xml(out, "word/styles.xml"))
    runs = [(paragraph_text(r), r.find("w:rPr", NS)) for r in document.iter(q("w:r")) if paragraph_text(r)]

    def styled(text: str) -> tuple[str | None, bool]:
        rpr = next(rpr for t, rpr in runs if t == text)
        if rpr is None:
            return None, False
        style = rpr.find("w:rStyle", NS)
        return (style.get(q("w:val")) if style is not None else None), rpr.find("w:i", NS) is not None

    assert styled("加粗") == (ids["strong"], False)
    assert styled("强调") == (ids["emphasis"], False)
    assert styled("两者") == (ids["strong"], True)
    assert styled("这是") == (None, False)
    texts = [paragraph_text(p) for p in document.iter(q("w:p"))]
    assert "尖括号<b>与&amp;和*星号*都是文字。" in texts
    assert "测试<信>" in texts and "A & B" in texts
    assert b"&lt;b&gt;" in read_parts(out)["word/document.xml"]


def test_runs_and_body_paragraphs_carry_no_direct_formatting(body: etree._Element) -> None:
    allowed_run = {q("w:rStyle"), q("w:i"), q("w:iCs")}
    for rpr in body.iterfind(".//w:body//w:r/w:rPr", NS):
        assert {child.tag for child in rpr} <= allowed_run, etree.tostring(rpr)
    for ppr in body.iterfind(".//w:body//w:p/w:pPr", NS):
        assert {child.tag for child in ppr} <= {q("w:pStyle"), q("w:numPr")}, etree.tostring(ppr)
    unstyled = [paragraph_text(p) for p in body.iterfind(".//w:body/w:p", NS)
                if p.find("w:pPr/w:pStyle", NS) is None and paragraph_text(p)]
    assert not unstyled


# -- styles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "Title", "Subtitle", "heading 1", "heading 2", "Body Text", "List Number", "Review List", "Callout",
    "Callout Title", "Callout Figure", "caption", "TOC Heading", "toc 1", "toc 2", "Table Text",
])
def test_paragraph_styles_are_defined_and_used(styles: etree._Element, body: etree._Element, name: str) -> None:
    style = style_of(styles, name)
    assert style.get(q("w:type")) == "paragraph"
    assert paragraphs_in(body, style.get(q("w:styleId"))), f"{name} is never used"


def test_headings_have_outline_levels_and_the_letters_headings(styles: etree._Element, body: etree._Element) -> None:
    document = load_document(LETTER)
    for level, name in ((0, "heading 1"), (1, "heading 2")):
        style = style_of(styles, name)
        assert style.find("w:pPr/w:outlineLvl", NS).get(q("w:val")) == str(level)
    h1 = [paragraph_text(p) for p in paragraphs_in(body, style_of(styles, "heading 1").get(q("w:styleId")))]
    h2 = [paragraph_text(p) for p in paragraphs_in(body, style_of(styles, "heading 2").get(q("w:styleId")))]
    assert h1 == [s.heading for s in document.body if s.heading]
    assert h2[0] == "一、坚持技术创新，突破手机高端市场" and len(h2) == 6
    assert style_of(styles, "Title").find("w:pPr/w:outlineLvl", NS) is None


def test_body_style_indents_two_characters_justifies_and_uses_the_theme_leading(styles: etree._Element) -> None:
    ppr = style_of(styles, "Body Text").find("w:pPr", NS)
    indent = ppr.find("w:ind", NS)
    assert indent.get(q("w:firstLineChars")) == "200"
    assert int(indent.get(q("w:firstLine"))) == round(2 * THEME.sizes.body * 20)
    assert ppr.find("w:jc", NS).get(q("w:val")) == "both"
    assert int(ppr.find("w:spacing", NS).get(q("w:line"))) == round(240 * THEME.sizes.leading)


def test_table_and_character_styles_exist(styles: etree._Element, body: etree._Element) -> None:
    table = style_of(styles, "Key Figures")
    assert table.get(q("w:type")) == "table"
    assert table.find("w:tblStylePr[@w:type='firstRow']/w:tcPr/w:shd", NS).get(q("w:fill")) == THEME.colors.brand[1:]
    assert body.find(".//w:tbl/w:tblPr/w:tblStyle", NS).get(q("w:val")) == table.get(q("w:styleId"))
    assert style_of(styles, "Strong").get(q("w:type")) == "character"
    assert style_of(styles, "Emphasis").get(q("w:type")) == "character"


# -- East Asian typography ------------------------------------------------------------------------


def test_fonts_and_languages_are_set_per_script(styles: etree._Element, built: dict[str, Path]) -> None:
    defaults = styles.find("w:docDefaults/w:rPrDefault/w:rPr", NS)
    fonts = defaults.find("w:rFonts", NS)
    assert fonts.get(q("w:eastAsia")) == "Noto Serif SC"
    assert fonts.get(q("w:ascii")) == fonts.get(q("w:hAnsi")) == "Noto Serif SC"
    lang = defaults.find("w:lang", NS)
    assert lang.get(q("w:eastAsia")) == "zh-CN" and lang.get(q("w:val")) == "en-US"
    heading = style_of(styles, "heading 1").find("w:rPr/w:rFonts", NS)
    assert heading.get(q("w:eastAsia")) == heading.get(q("w:ascii")) == "Noto Sans SC"
    normal_lang = style_of(styles, "Normal").find("w:rPr/w:lang", NS)
    assert normal_lang.get(q("w:eastAsia")) == "zh-CN"


def test_line_breaking_and_autospace_are_left_on(letter_docx: Path) -> None:
    for name, blob in read_parts(letter_docx).items():
        if name.endswith(".xml"):
            text = blob.decode("utf-8")
            for switch in ("kinsoku", "autoSpaceDE", "autoSpaceDN", "wordWrap", "overflowPunct"):
                assert not re.search(rf'<w:{switch} w:val="(0|false|off)"', text), (name, switch)
    settings = xml(letter_docx, "word/settings.xml")
    assert settings.find("w:characterSpacingControl", NS).get(q("w:val")) == "compressPunctuation"
    assert settings.find("w:themeFontLang", NS).get(q("w:eastAsia")) == "zh-CN"


def test_font_table_describes_our_families_as_chinese(letter_docx: Path) -> None:
    table = xml(letter_docx, "word/fontTable.xml")
    fonts = {f.get(q("w:name")): f for f in table.iterfind("w:font", NS)}
    assert set(fonts) == {"Noto Serif SC", "Noto Sans SC"}
    assert all(f.find("w:charset", NS).get(q("w:val")) == "86" for f in fonts.values())
    assert fonts["Noto Serif SC"].find("w:family", NS).get(q("w:val")) == "roman"


# -- page, header, footer, fields -------------------------------------------------------------------


def test_page_is_a4_with_the_themes_margins(body: etree._Element) -> None:
    sect = body.find("w:body/w:sectPr", NS)
    size = sect.find("w:pgSz", NS)
    assert (int(size.get(q("w:w"))), int(size.get(q("w:h")))) == (Mm(210).twips, Mm(297).twips)
    margins = sect.find("w:pgMar", NS)
    page = THEME.page
    for side, mm in (("top", page.margin_top), ("bottom", page.margin_bottom), ("left", page.margin_left),
                     ("right", page.margin_right)):
        assert int(margins.get(q(f"w:{side}"))) == Mm(mm).twips


def _part_for(letter_docx: Path, kind: str, reference_type: str) -> etree._Element:
    body = xml(letter_docx, "word/document.xml")
    rels = xml(letter_docx, "word/_rels/document.xml.rels")
    ref = body.find(f"w:body/w:sectPr/w:{kind}Reference[@w:type='{reference_type}']", NS)
    rel_id = ref.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
    target = next(r.get("Target") for r in rels if r.get("Id") == rel_id)
    return xml(letter_docx, f"word/{target}")


def test_header_shows_the_title_and_footer_page_n_of_m(letter_docx: Path) -> None:
    header = _part_for(letter_docx, "header", "default")
    assert paragraph_text(header) == plain_text(load_document(LETTER).meta.title)
    for reference_type in ("default", "first"):
        footer = _part_for(letter_docx, "footer", reference_type)
        instructions = [t.text.strip() for t in footer.iter(q("w:instrText"))]
        assert instructions == ["PAGE", "NUMPAGES"]
        literal = THEME.labels.page.replace("{page}", "1").replace("{pages}", "1")
        assert paragraph_text(footer) == literal
    assert paragraph_text(_part_for(letter_docx, "header", "first")) == ""


def test_table_of_contents_field_follows_the_title_block_and_updates_on_open(
    body: etree._Element, styles: etree._Element, letter_docx: Path
) -> None:
    paragraphs = list(body.iterfind("w:body/w:p", NS))
    ids = style_ids_by_name(styles)
    toc_heading = next(i for i, p in enumerate(paragraphs) if p.find("w:pPr/w:pStyle", NS).get(q("w:val"))
                       == ids["toc heading"])
    assert paragraph_text(paragraphs[toc_heading]) == THEME.labels.contents
    assert [p.find("w:pPr/w:pStyle", NS).get(q("w:val")) for p in paragraphs[:toc_heading]] == [
        ids["title"], ids["subtitle"]]
    first_entry = paragraphs[toc_heading + 1]
    begin = first_entry.find(".//w:fldChar[@w:fldCharType='begin']", NS)
    assert begin.get(q("w:dirty")) == "true"
    assert first_entry.find(".//w:instrText", NS).text.strip() == 'TOC \\o "1-2" \\h \\z \\u'
    # Cached entries link to bookmarks around every heading.
    anchors = [h.get(q("w:anchor")) for p in paragraphs[toc_heading + 1:toc_heading + 10]
               for h in p.iterfind("w:hyperlink", NS)]
    marks = {b.get(q("w:name")) for b in body.iter(q("w:bookmarkStart"))}
    assert len(anchors) == 9 and set(anchors) <= marks
    # The field closes in the last entry; a page break then starts the letter on page 2.
    last_entry = paragraphs[toc_heading + 9]
    assert last_entry.find(".//w:fldChar[@w:fldCharType='end']", NS) is not None
    assert paragraphs[toc_heading + 10].find("w:r/w:br[@w:type='page']", NS) is not None
    assert paragraph_text(paragraphs[toc_heading + 11]).startswith("雷军：")
    settings = xml(letter_docx, "word/settings.xml")
    assert settings.find("w:updateFields", NS).get(q("w:val")) == "true"


# -- lists, callout, table --------------------------------------------------------------------------


def _numbering_of(styles: etree._Element, numbering: etree._Element, name: str) -> etree._Element:
    num_id = style_of(styles, name).find("w:pPr/w:numPr/w:numId", NS).get(q("w:val"))
    abstract_id = numbering.find(f"w:num[@w:numId='{num_id}']/w:abstractNumId", NS).get(q("w:val"))
    return numbering.find(f"w:abstractNum[@w:abstractNumId='{abstract_id}']/w:lvl[@w:ilvl='0']", NS)


def test_strategies_are_a_numbered_list_backed_by_word_numbering(
    styles: etree._Element, body: etree._Element, letter_docx: Path
) -> None:
    numbering = xml(letter_docx, "word/numbering.xml")
    level = _numbering_of(styles, numbering, "List Number")
    assert level.find("w:numFmt", NS).get(q("w:val")) == "decimal"
    assert level.find("w:pStyle", NS).get(q("w:val")) == style_of(styles, "List Number").get(q("w:styleId"))
    items = [paragraph_text(p) for p in paragraphs_in(body, style_of(styles, "List Number").get(q("w:styleId")))]
    strategies = load_document(LETTER).highlights.strategies
    assert strategies is not None
    assert items == [f"{s.name}{s.summary}" for s in strategies.items]
    texts = [paragraph_text(p) for p in body.iterfind("w:body/w:p", NS)]
    introduction = "前三点我们在去年就已经全力投入，并取得了阶段性的出色成绩，在这里我重点说说后两条。"
    assert texts.index(items[0]) == texts.index(introduction) + 1


def test_achievements_overview_counts_like_the_headings_and_links_to_them(
    styles: etree._Element, body: etree._Element, letter_docx: Path
) -> None:
    numbering = xml(letter_docx, "word/numbering.xml")
    level = _numbering_of(styles, numbering, "Review List")
    assert level.find("w:numFmt", NS).get(q("w:val")) == "chineseCounting"
    assert level.find("w:lvlText", NS).get(q("w:val")) == "%1、"
    items = paragraphs_in(body, style_of(styles, "Review List").get(q("w:styleId")))
    assert [paragraph_text(p) for p in items][:2] == ["技术创新，突破手机高端市场", "新零售高歌猛进，小米之家开通54家"]
    assert len(items) == 6
    heading_marks = [p.find("w:bookmarkStart", NS).get(q("w:name"))
                     for p in paragraphs_in(body, style_of(styles, "heading 2").get(q("w:styleId")))]
    assert [p.find("w:hyperlink", NS).get(q("w:anchor")) for p in items] == heading_marks


def test_target_callout_follows_its_sentence(styles: etree._Element, body: etree._Element) -> None:
    ids = style_ids_by_name(styles)
    paragraphs = list(body.iterfind("w:body/w:p", NS))
    texts = [paragraph_text(p) for p in paragraphs]
    at = next(i for i, t in enumerate(texts) if "2017年，小米整体收入破千亿元" in t)
    following = [(p.find("w:pPr/w:pStyle", NS).get(q("w:val")), paragraph_text(p)) for p in paragraphs[at + 1:at + 4]]
    assert following == [(ids["callout title"], "定个小目标"), (ids["callout figure"], "1000亿元"),
                         (ids["callout"], "2017整体收入破千亿元")]
    callout = style_of(styles, "Callout").find("w:pPr", NS)
    assert callout.find("w:pBdr/w:left", NS).get(q("w:color")) == THEME.colors.brand[1:]
    assert callout.find("w:shd", NS).get(q("w:fill")) == THEME.colors.tint[1:]


def test_key_figures_table_repeats_its_header_row(body: etree._Element) -> None:
    figures = load_document(LETTER).highlights.figures
    table = body.find("w:body/w:tbl", NS)
    rows = table.findall("w:tr", NS)
    assert len(rows) == len(figures) + 1
    assert rows[0].find("w:trPr/w:tblHeader", NS) is not None
    assert all(r.find("w:trPr/w:tblHeader", NS) is None for r in rows[1:])
    cells = [[paragraph_text(c) for c in r.findall("w:tc", NS)] for r in rows]
    labels = THEME.labels
    assert cells[0] == [labels.figure_column, labels.value_column, labels.source_column]
    by_label = {row[0]: row for row in cells[1:]}
    assert by_label["全球累计专利申请"][1:] == ["突破1万6千项", "我们在全球累计专利申请总量已突破1万6千项"]
    assert by_label["金融团队"][1] == "300多人"
    assert by_label["连接智能设备"][1] == "超过5000万台"
    caption = table.getprevious()
    assert paragraph_text(caption) == labels.figures


# -- properties, reproducibility --------------------------------------------------------------------


def test_core_properties_and_dates_from_source_date_epoch(tmp_path: Path) -> None:
    out = build(LETTER, tmp_path, formats=["docx"], options=RenderOptions(source_date_epoch=EPOCH)).outputs["docx"]
    meta = load_document(LETTER).meta
    properties = docx.Document(str(out)).core_properties
    assert properties.title == meta.title
    assert properties.author == meta.author
    assert properties.subject == meta.subject
    assert all(k in properties.keywords for k in meta.keywords)
    assert properties.language == "zh-CN"
    when = datetime.fromtimestamp(EPOCH, UTC)
    assert properties.created == properties.modified == when
    assert properties.revision == 1
    assert "python-docx" not in read_parts(out)["docProps/core.xml"].decode("utf-8")
    with zipfile.ZipFile(out) as package:
        assert {info.date_time for info in package.infolist()} == {(2017, 1, 1, 0, 0, 0)}


def test_two_builds_with_source_date_epoch_are_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    options = RenderOptions(source_date_epoch=EPOCH)
    first = build(LETTER, tmp_path / "a", formats=["docx"], options=options).outputs["docx"]
    # The clock moves on between builds: nothing in the output may depend on it.
    later = time.time() + 86_400 * 400
    monkeypatch.setattr(time, "time", lambda: later)
    second = build(LETTER, tmp_path / "b", formats=["docx"], options=options).outputs["docx"]
    one, two = read_parts(first), read_parts(second)
    assert list(one) == list(two)
    for name in one:
        assert one[name] == two[name], f"{name} differs between builds"
    assert first.read_bytes() == second.read_bytes()


# -- user templates ---------------------------------------------------------------------------------


def make_template(path: Path) -> None:
    """A reference document with its own Heading 1 (font, colour, size), Letter paper and a header."""
    template = docx.Document()
    heading = template.styles["Heading 1"]
    heading.font.name = "Courier New"
    heading.font.color.rgb = RGBColor(0x12, 0x34, 0x56)
    heading.font.size = Pt(20)
    heading.element.get_or_add_rPr().get_or_add_rFonts().set(q("w:eastAsia"), "SimHei")
    section = template.sections[0]
    section.page_width, section.page_height = Mm(215.9), Mm(279.4)
    section.left_margin = Mm(30)
    section.header.paragraphs[0].text = "ACME Corporate"
    template.add_paragraph("Sample text that must not reach the output.")
    template.save(str(path))


def as_dotx(docx_path: Path, dotx_path: Path) -> None:
    """The same package saved as a Word template (only the main part's content type differs)."""
    parts = read_parts(docx_path)
    types = parts["[Content_Types].xml"].replace(
        b"wordprocessingml.document.main+xml", b"wordprocessingml.template.main+xml")
    with zipfile.ZipFile(dotx_path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, blob in parts.items():
            out.writestr(name, types if name == "[Content_Types].xml" else blob)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("templates")
    made = {"docx": folder / "corporate.docx", "dotx": folder / "corporate.dotx"}
    make_template(made["docx"])
    as_dotx(made["docx"], made["dotx"])
    return made


@pytest.mark.parametrize("kind", ["docx", "dotx"])
def test_template_styles_page_and_header_are_honoured(
    templates: dict[str, Path], tmp_path: Path, kind: str, source_paragraphs: list[str]
) -> None:
    out = build(LETTER, tmp_path, formats=["docx"], options=RenderOptions(docx_template=templates[kind]))
    path = out.outputs["docx"]
    types = read_parts(path)["[Content_Types].xml"].decode("utf-8")
    assert "wordprocessingml.document.main+xml" in types and "template.main" not in types
    styles = xml(path, "word/styles.xml")
    heading = style_of(styles, "heading 1")
    rpr = heading.find("w:rPr", NS)
    assert rpr.find("w:rFonts", NS).get(q("w:ascii")) == "Courier New"
    assert rpr.find("w:rFonts", NS).get(q("w:eastAsia")) == "SimHei"
    assert rpr.find("w:color", NS).get(q("w:val")) == "123456"
    assert rpr.find("w:sz", NS).get(q("w:val")) == "40"
    body = xml(path, "word/document.xml")
    headings = [paragraph_text(p) for p in paragraphs_in(body, heading.get(q("w:styleId")))]
    assert headings[:1] == ["最坏的时候已经过去了"]
    # Styles the template lacks are added from the theme, and based on the template's own.
    callout = style_of(styles, "Callout")
    assert callout.find("w:pPr/w:shd", NS).get(q("w:fill")) == THEME.colors.tint[1:]
    assert style_of(styles, "TOC Heading").find("w:basedOn", NS).get(q("w:val")) == heading.get(q("w:styleId"))
    # Page setup and header come from the template; its sample text does not.
    size = body.find("w:body/w:sectPr/w:pgSz", NS)
    assert int(size.get(q("w:w"))) == Mm(215.9).twips
    header = _part_for(path, "header", "default")
    assert paragraph_text(header) == "ACME Corporate"
    texts = [paragraph_text(p) for p in body.iter(q("w:p"))]
    assert "Sample text that must not reach the output." not in texts
    assert all(line in texts for line in source_paragraphs)
    # Numbering exists even though the template's own lists differ.
    numbering = xml(path, "word/numbering.xml")
    ids = style_ids_by_name(styles)
    strategies = paragraphs_in(body, ids["list number"])
    assert len(strategies) == 5
    assert numbering.find("w:abstractNum/w:lvl/w:numFmt[@w:val='chineseCounting']", NS) is not None
    defaults = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert defaults.get(q("w:eastAsia")) == "zh-CN"


def test_template_styles_are_found_by_name_not_id(templates: dict[str, Path], tmp_path: Path) -> None:
    """Word in Chinese saves built-in styles under ids such as "1" (heading 1) and "a3" (Title)."""
    parts = read_parts(templates["docx"])
    styles = etree.fromstring(parts["word/styles.xml"])
    renamed = {"Heading1": "1", "Title": "a3"}
    for element in styles.iter(q("w:style")):
        if element.get(q("w:styleId")) in renamed:
            element.set(q("w:styleId"), renamed[element.get(q("w:styleId"))])
    for reference in styles.xpath("//w:basedOn | //w:next | //w:link", namespaces=NS):
        if reference.get(q("w:val")) in renamed:
            reference.set(q("w:val"), renamed[reference.get(q("w:val"))])
    parts["word/styles.xml"] = etree.tostring(styles, xml_declaration=True, encoding="UTF-8", standalone=True)
    localized = tmp_path / "localized.docx"
    with zipfile.ZipFile(localized, "w", zipfile.ZIP_DEFLATED) as package:
        for name, blob in parts.items():
            package.writestr(name, blob)
    out = build(LETTER, tmp_path / "out", formats=["docx"], options=RenderOptions(docx_template=localized))
    path = out.outputs["docx"]
    body = xml(path, "word/document.xml")
    out_styles = xml(path, "word/styles.xml")
    assert [paragraph_text(p) for p in paragraphs_in(body, "1")][:1] == ["最坏的时候已经过去了"]
    assert [paragraph_text(p) for p in paragraphs_in(body, "a3")] == ["小米2017年新年公开信"]
    assert len(out_styles.xpath("//w:style[w:name/@w:val='heading 1']", namespaces=NS)) == 1
    assert style_of(out_styles, "TOC Heading").find("w:basedOn", NS).get(q("w:val")) == "1"


def test_template_from_the_theme_is_used(tmp_path: Path, templates: dict[str, Path]) -> None:
    theme_file = tmp_path / "theme.yaml"
    base = (Path(load_theme().path)).read_text(encoding="utf-8")
    shutil.copy(templates["dotx"], tmp_path / "corporate.dotx")
    theme_file.write_text(base.replace("fonts:\n", "templates:\n  docx: corporate.dotx\n\nfonts:\n", 1),
                          encoding="utf-8")
    # Font sources in the default theme are package references, so they resolve from anywhere.
    out = build(LETTER, tmp_path / "out", formats=["docx"], theme_path=theme_file).outputs["docx"]
    header = _part_for(out, "header", "default")
    assert paragraph_text(header) == "ACME Corporate"


def test_a_file_that_is_not_a_word_document_is_an_input_error(tmp_path: Path) -> None:
    bogus = tmp_path / "template.dotx"
    bogus.write_bytes(b"not a zip at all")
    with pytest.raises(InputError) as raised:
        build(LETTER, tmp_path / "out", formats=["docx"], options=RenderOptions(docx_template=bogus))
    assert str(bogus) in str(raised.value)
    assert not (tmp_path / "out" / "letter.docx").exists()


# -- a real client ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def libreoffice_pdf(letter_docx: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The DOCX converted to PDF by LibreOffice (headless), once per session."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = tmp_path_factory.mktemp("libreoffice")
    profile = out / "profile"
    result = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), str(letter_docx)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    pdf = out / (letter_docx.stem + ".pdf")
    assert result.returncode == 0 and pdf.exists(), result.stderr
    return pdf


def test_libreoffice_renders_every_source_paragraph(libreoffice_pdf: Path, source_paragraphs: list[str]) -> None:
    def text(*crop: str) -> str:
        return subprocess.run(["pdftotext", "-enc", "UTF-8", *crop, str(libreoffice_pdf), "-"], capture_output=True,
                              text=True, check=True).stdout

    # Read the text area only (A4 in points, margins from the theme), so that running headers
    # and footers do not interrupt a paragraph that crosses a page.
    page = THEME.page
    top, bottom = page.margin_top * 72 / 25.4, page.margin_bottom * 72 / 25.4
    body = squash(text("-x", "0", "-y", str(round(top)), "-W", "595", "-H", str(round(842 - top - bottom))))
    missing = [line for line in source_paragraphs if squash(line) not in body]
    assert not missing, f"LibreOffice lost: {missing[:2]}"
    # The footer's fields were laid out: "page N of M" with M the real page count.
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(libreoffice_pdf)], capture_output=True, text=True, check=True).stdout).group(1))
    assert pages >= 3
    whole = squash(text())
    assert all(squash(THEME.labels.page.format(page=n, pages=pages)) in whole for n in range(1, pages + 1))


def test_docx_opens_in_python_docx_with_styles_by_name(letter_docx: Path) -> None:
    document = docx.Document(io.BytesIO(letter_docx.read_bytes()))
    names = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "Heading 2", "Body Text", "List Number"} <= names
