"""The PDF handout, read back as a reader, a viewer and a text extractor see it."""

from __future__ import annotations

import functools
import itertools
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import LETTER

from publish.linebreak import HAN_LATIN_GAP, NO_END, NO_START, is_han
from publish.load import load_document
from publish.model import Document, Subsection
from publish.render import RenderOptions
from publish.text import plain_text
from publish.theme import load_theme

THEME = load_theme(None).theme
BODY_SIZE = THEME.sizes.body


@dataclass(frozen=True)
class Glyph:
    """One printed character: where its origin is, how far it advances, in which font and size."""

    char: str
    x: float
    right: float
    baseline: float
    font: str
    size: float


@dataclass(frozen=True)
class PrintedLine:
    """The characters on one baseline of one page, left to right."""

    page: int
    baseline: float
    glyphs: tuple[Glyph, ...]

    @property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs)

    @property
    def is_body(self) -> bool:
        """Set in the serif body face at the body size (not a heading, caption or chart label)."""
        return all("Serif" in g.font and abs(g.size - BODY_SIZE) < 0.01 for g in self.glyphs)


@pytest.fixture(scope="module")
def document() -> Document:
    return load_document(LETTER)


@pytest.fixture(scope="module")
def pdf(built: dict[str, Path]) -> Path:
    return built["pdf"]


@pytest.fixture(scope="module")
def printed_lines(pdf: Path) -> list[PrintedLine]:
    """Every printed line of the PDF in page and top-to-bottom order (pdfminer.six)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar

    def glyphs(item: object) -> Iterator[LTChar]:
        if isinstance(item, LTChar):
            yield item
        elif hasattr(item, "__iter__"):
            for child in item:
                yield from glyphs(child)

    lines: list[PrintedLine] = []
    for number, page in enumerate(extract_pages(pdf), start=1):
        rows: dict[float, list[Glyph]] = {}
        for char in glyphs(page):
            text = char.get_text()
            if text.isspace():
                continue
            baseline = round(char.matrix[5], 1)
            rows.setdefault(baseline, []).append(
                Glyph(text, char.matrix[4], char.x1, baseline, char.fontname, char.size)
            )
        for baseline in sorted(rows, reverse=True):
            lines.append(PrintedLine(number, baseline, tuple(sorted(rows[baseline], key=lambda g: g.x))))
    return lines


def pdftotext(pdf: Path, *options: str) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-enc", "UTF-8", *options, str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def without_line_breaks(text: str) -> str:
    """Extracted text with line and page breaks removed but spaces kept: a space is a defect."""
    return re.sub(r"[\r\n\f]", "", text)


# -- Line breaking on the printed page ------------------------------------------------------------


def test_no_printed_line_starts_or_ends_with_a_forbidden_mark(printed_lines: list[PrintedLine]) -> None:
    body = [line for line in printed_lines if line.is_body]
    assert len(body) > 50, "the letter should print as many body lines"
    starts = [line.text for line in printed_lines if line.text[0] in NO_START]
    ends = [line.text for line in printed_lines if line.text[-1] in NO_END]
    assert starts == []
    assert ends == []


def test_latin_words_numbers_and_dashes_are_never_split(printed_lines: list[PrintedLine]) -> None:
    for before, after in itertools.pairwise(printed_lines):
        if not (before.is_body and after.is_body):
            continue
        joint = before.text[-1] + after.text[0]
        assert not (joint[0].isascii() and joint[0].isalnum() and joint[1].isascii() and joint[1].isalnum()), joint
        assert joint not in ("――", "——", "……"), joint


def test_the_closing_thanks_keeps_its_exclamation_mark_with_words(printed_lines: list[PrintedLine]) -> None:
    closing = [line.text for line in printed_lines if line.text.endswith("感谢大家！")
               or line.text in ("大家！", "家！", "！")]
    assert closing, "the closing 感谢大家！ should be printed"
    assert all(text not in ("家！", "！") for text in closing)


def test_a_paragraph_last_line_holds_two_characters_at_least(
    printed_lines: list[PrintedLine], document: Document
) -> None:
    for paragraph, lines in body_lines_by_paragraph(printed_lines, document):
        if len(lines) > 1:
            words = [c for c in lines[-1].text if c not in NO_START and c not in NO_END]
            assert len(words) >= 2, (plain_text(paragraph)[:12], lines[-1].text)


# -- Justification and spacing ----------------------------------------------------------------


def test_justified_lines_share_one_right_edge(printed_lines: list[PrintedLine], document: Document) -> None:
    full_lines = [line for _, lines in body_lines_by_paragraph(printed_lines, document) for line in lines[:-1]]
    assert len(full_lines) > 25
    edges = [line.glyphs[-1].right for line in full_lines]
    assert max(edges) - min(edges) < 0.05, sorted(edges)[:5]


def test_extra_space_between_characters_stays_below_a_tenth_of_an_em(printed_lines: list[PrintedLine]) -> None:
    # Justification spreads slack across characters; a gap of a tenth of an em reads as a space.
    for line in printed_lines:
        if not line.is_body:
            continue
        for left, right in itertools.pairwise(line.glyphs):
            assert right.x - left.right < 0.1 * BODY_SIZE, (line.text, left.char, right.char)


def test_han_and_latin_sit_a_quarter_em_apart(printed_lines: list[PrintedLine]) -> None:
    # The gap is drawn inside the left character's advance, so that it never extracts as a space.
    boundaries = 0
    for line in printed_lines:
        if not line.is_body:
            continue
        for left, right in itertools.pairwise(line.glyphs):
            mixed = (is_han(left.char) and right.char.isascii() and right.char.isalnum()) or (
                left.char.isascii() and left.char.isalnum() and is_han(right.char)
            )
            if mixed:
                boundaries += 1
                plain = natural_advance(left.char)
                assert left.right - left.x == pytest.approx(plain + HAN_LATIN_GAP * BODY_SIZE, abs=0.05), (
                    line.text,
                    left.char,
                )
    assert boundaries > 30


@functools.cache
def natural_advance(char: str) -> float:
    """The advance of `char` in the body face, without any gap."""
    from reportlab.pdfbase.ttfonts import TTFont

    from publish.build import render_job

    job = render_job(load_document(LETTER), LETTER, load_theme(None), RenderOptions())
    font = TTFont("natural-advance-probe", str(job.font_file(job.faces.serif)))
    return float(font.stringWidth(char, BODY_SIZE))


def test_adjacent_punctuation_is_compressed(printed_lines: list[PrintedLine]) -> None:
    # 。” and ？“ take one and a half ems, not two.
    pairs = 0
    for line in printed_lines:
        if not line.is_body:
            continue
        for left, right in itertools.pairwise(line.glyphs):
            if left.char in "。？，" and right.char in "”“":
                pairs += 1
                assert right.x - left.x == pytest.approx(0.5 * BODY_SIZE, abs=0.2), line.text
    assert pairs >= 2


# -- Text, reading order, paragraphs and pages --------------------------------------------------


def test_every_source_paragraph_extracts_verbatim_with_pdftotext(pdf: Path, source_paragraphs: list[str]) -> None:
    text = without_line_breaks(pdftotext(pdf))
    missing = [p for p in source_paragraphs if p not in text]
    assert missing == []


def test_every_source_paragraph_extracts_verbatim_in_order_with_pdfium(
    pdf: Path, source_paragraphs: list[str]
) -> None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    text = without_line_breaks("".join(document[i].get_textpage().get_text_range() for i in range(len(document))))
    positions = [text.find(p) for p in source_paragraphs]
    assert -1 not in positions, [p[:15] for p, at in zip(source_paragraphs, positions, strict=True) if at < 0]
    assert positions == sorted(positions), "paragraphs should extract in reading order"


def test_every_source_paragraph_extracts_verbatim_with_pdfminer(pdf: Path, source_paragraphs: list[str]) -> None:
    from pdfminer.high_level import extract_text

    text = without_line_breaks(extract_text(pdf))
    assert [p for p in source_paragraphs if p not in text] == []


def test_page_furniture_is_drawn_but_not_extracted(pdf: Path, document: Document) -> None:
    import pypdfium2 as pdfium

    pdf_document = pdfium.PdfDocument(pdf)
    assert len(pdf_document) >= 2
    text = without_line_breaks(pdftotext(pdf))
    label = THEME.labels.page.format(page=1, pages=len(pdf_document))
    assert label not in text
    assert text.count(plain_text(document.meta.title)) == 1  # the title block, not a running header
    for index in range(len(pdf_document)):
        page = pdf_document[index]
        width, height = page.get_size()
        image = page.render(scale=50 / 72).to_pil().convert("L")
        scale = image.width / width

        def ink(top: float, bottom: float, image: Any = image, scale: float = scale) -> bool:
            darkest, _ = image.crop((0, int(top * scale), image.width, int(bottom * scale))).getextrema()
            return bool(darkest < 200)

        top_margin = THEME.page.margin_top * 72 / 25.4
        bottom_margin = THEME.page.margin_bottom * 72 / 25.4
        assert ink(height - bottom_margin, height - 6), f"page {index + 1} has no footer"
        assert ink(6, top_margin - 6) == (index > 0), f"page {index + 1}: running header from page 2 only"


def body_lines_by_paragraph(
    printed_lines: list[PrintedLine], document: Document
) -> list[tuple[str, list[PrintedLine]]]:
    """Each paragraph of the letter with the printed body lines that hold it."""
    body = [line for line in printed_lines if line.is_body]
    result: list[tuple[str, list[PrintedLine]]] = []
    cursor = 0
    for paragraph in document.paragraphs():
        text = plain_text(paragraph.text)
        taken: list[PrintedLine] = []
        gathered = ""
        while gathered != text:
            assert cursor < len(body), f"paragraph not found in order: {text[:15]}"
            gathered += body[cursor].text
            taken.append(body[cursor])
            cursor += 1
            assert text.startswith(gathered), (text[:15], gathered[-15:])
        result.append((paragraph.text, taken))
    return result


def test_no_widows_or_orphans(printed_lines: list[PrintedLine], document: Document) -> None:
    split = 0
    for paragraph, lines in body_lines_by_paragraph(printed_lines, document):
        pages = [line.page for line in lines]
        if len(set(pages)) == 1:
            continue
        split += 1
        assert len(lines) >= 4, f"a paragraph of {len(lines)} lines should move whole: {paragraph[:12]}"
        first = pages.count(pages[0])
        assert first >= 2 and len(lines) - first >= 2, (paragraph[:12], first, len(lines))


def test_headings_are_kept_with_the_text_that_follows(printed_lines: list[PrintedLine], document: Document) -> None:
    headings = {plain_text(s.heading) for s in document.body if s.heading}
    headings |= {plain_text(b.heading) for s in document.body for b in s.blocks if isinstance(b, Subsection)}
    found = 0
    for index, line in enumerate(printed_lines):
        if line.text in headings:
            found += 1
            after = next(later for later in printed_lines[index + 1 :] if later.is_body)
            assert after.page == line.page, f"heading {line.text} ends page {line.page}"
    assert found == len(headings)


# -- Figures ----------------------------------------------------------------------------------


def test_chart_follows_the_paragraph_it_illustrates(pdf: Path, document: Document) -> None:
    text = without_line_breaks(pdftotext(pdf, "-raw"))
    for chart in document.highlights.charts:
        anchor = plain_text(document.paragraphs_for(chart.sources)[-1].text)
        after = text[text.index(anchor) + len(anchor) :]
        assert after.startswith(chart.title), after[:40]
        for point in chart.points:
            figure = document.figure(point.figure)
            assert figure is not None
            assert point.label in after[:200]
            assert f"{figure.shown}{figure.unit}" in after[:200]


def test_target_callout_follows_its_paragraph(pdf: Path, document: Document) -> None:
    target = document.highlights.target
    assert target is not None
    text = without_line_breaks(pdftotext(pdf, "-raw"))
    anchor = plain_text(document.paragraphs_for(target.sources)[-1].text)
    after = text[text.index(anchor) + len(anchor) :][:80]
    assert after.startswith(target.title)
    assert str(int(target.value)) in after and target.unit in after and target.label in after


def test_chart_bars_are_to_scale(pdf: Path, document: Document) -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    chart = document.highlights.charts[0]
    values = [f.value for p in chart.points if (f := document.figure(p.figure)) is not None]
    pdf_document = pdfium.PdfDocument(pdf)
    widths: list[float] = []
    for index in range(len(pdf_document)):
        for item in pdf_document[index].get_objects(max_depth=5):
            if item.type == raw.FPDF_PAGEOBJ_PATH:
                left, bottom, right, top = item.get_bounds()
                brand = THEME.colors.brand.lstrip("#")
                fill = _fill_colour(item)
                if fill == brand.upper() and right - left > 1 and 4 < top - bottom < 12:
                    widths.append(right - left)
    assert len(widths) == len(values)
    ratios = [w / widths[-1] for w in widths]
    assert ratios == pytest.approx([v / values[-1] for v in values], abs=0.01)


def _fill_colour(item: object) -> str:
    import ctypes

    import pypdfium2.raw as raw

    r, g, b, a = (ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint())
    raw.FPDFPageObj_GetFillColor(item.raw, r, g, b, a)  # type: ignore[attr-defined]
    return f"{r.value:02X}{g.value:02X}{b.value:02X}"


# -- Navigation, metadata, fonts, file ------------------------------------------------------------


def test_outline_has_every_section_and_each_achievement_nested(pdf: Path, document: Document) -> None:
    import pypdfium2 as pdfium

    pdf_document = pdfium.PdfDocument(pdf)
    outline = [(b.level, b.get_title(), b.get_dest().get_index()) for b in pdf_document.get_toc()]
    expected: list[tuple[int, str]] = []
    for section in document.body:
        assert section.name
        expected.append((0, plain_text(section.name)))
        expected += [(1, plain_text(b.heading)) for b in section.blocks if isinstance(b, Subsection)]
    assert [(level, title) for level, title, _ in outline] == expected
    review = document.highlights.review
    assert review is not None
    assert sum(1 for level, _, _ in outline if level == 1) == 6
    for level, title, page in outline:
        page_text = pdf_document[page].get_textpage().get_text_range()
        if level == 1 or any(s.heading and plain_text(s.heading) == title for s in document.body):
            assert title in page_text, f"bookmark {title} points at page {page + 1}"


def test_metadata_and_language(pdf: Path, document: Document) -> None:
    import pypdfium2 as pdfium
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser

    info = pdfium.PdfDocument(pdf).get_metadata_dict()
    meta = document.meta
    assert info["Title"] == plain_text(meta.title)
    assert info["Author"] == plain_text(meta.author)
    assert info["Subject"] == meta.subject
    assert [k.strip() for k in info["Keywords"].split(",")] == meta.keywords
    with pdf.open("rb") as handle:
        catalog = PDFDocument(PDFParser(handle)).catalog
        assert catalog["Lang"] == meta.language.encode()


def test_page_labels_number_the_pages(pdf: Path) -> None:
    import pypdfium2 as pdfium
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser

    pages = len(pdfium.PdfDocument(pdf))
    with pdf.open("rb") as handle:
        labels = list(itertools.islice(PDFDocument(PDFParser(handle)).get_page_labels(), pages))
    assert labels == [str(n) for n in range(1, pages + 1)]


def test_every_font_is_an_embedded_subset(pdf: Path) -> None:
    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts (poppler-utils) is not installed")
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert rows
    for row in rows:
        name, *_, emb, sub, uni, _obj, _gen = row.split()
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert re.fullmatch(r"[A-Z]{6}\+Noto(Serif|Sans)SC-[\w-]+", name), row
    assert "Helvetica" not in pdf.read_bytes().decode("latin-1")


def test_qpdf_finds_the_file_clean(pdf: Path) -> None:
    if not shutil.which("qpdf"):
        pytest.skip("qpdf is not installed")
    result = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_builds_with_source_date_epoch_are_byte_identical(tmp_path: Path) -> None:
    from publish.build import build

    epoch = 1483228800  # 2017-01-01T00:00:00Z
    first = build(LETTER, tmp_path / "a", ["pdf"], options=RenderOptions(source_date_epoch=epoch)).outputs["pdf"]
    second = build(LETTER, tmp_path / "b", ["pdf"], options=RenderOptions(source_date_epoch=epoch)).outputs["pdf"]
    data = first.read_bytes()
    assert data == second.read_bytes()
    assert b"D:20170101000000+00'00'" in data


# -- Any letter, not only this one ------------------------------------------------------------

ODD_LETTER = """\
meta:
  title: 测试<标题>&符号
  subtitle: 副标题 2024
  author: 作者
body:
  - heading: 第一节
    blocks:
      - 标记<b>R&D</b>不是标签，**粗体**和*强调*都在。
      - {long}
  - label: 无标题的一节
    blocks:
      - heading: 小节
        blocks:
          - 最后一段。
"""


@pytest.fixture(scope="module")
def odd_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small letter with markup-like text, bold and emphasis, a subtitle and a three-page paragraph."""
    from publish.build import build

    folder = tmp_path_factory.mktemp("odd")
    source = folder / "odd.yaml"
    long = "".join(f"第{n}句话说的是2016年的事情，“引号”也在里面。" for n in range(160))
    source.write_text(ODD_LETTER.format(long=long), encoding="utf-8")
    return build(source, folder / "out", ["pdf"]).outputs["pdf"]


def test_markup_like_text_is_printed_literally_and_bold_uses_the_bold_face(odd_pdf: Path) -> None:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar

    text = without_line_breaks(pdftotext(odd_pdf))
    assert "测试<标题>&符号" in text
    assert "标记<b>R&D</b>不是标签，粗体和强调都在。" in text
    fonts: dict[str, set[str]] = {}

    def walk(item: object) -> Iterator[LTChar]:
        if isinstance(item, LTChar):
            yield item
        elif hasattr(item, "__iter__"):
            for child in item:
                yield from walk(child)

    for page in extract_pages(odd_pdf, page_numbers=[0]):
        for char in walk(page):
            fonts.setdefault(char.get_text(), set()).add(char.fontname)
    assert all("Bold" in name for name in fonts["粗"])
    assert all("Serif" in name for name in fonts["记"])


def test_a_long_paragraph_runs_over_pages_whole_and_in_order(odd_pdf: Path) -> None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(odd_pdf)
    assert len(document) >= 3
    long = "".join(f"第{n}句话说的是2016年的事情，“引号”也在里面。" for n in range(160))
    text = without_line_breaks("".join(document[i].get_textpage().get_text_range() for i in range(len(document))))
    assert long in text
    titles = [(b.level, b.get_title()) for b in document.get_toc()]
    assert titles == [(0, "第一节"), (0, "无标题的一节"), (1, "小节")]
