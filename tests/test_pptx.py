"""The built deck (publish.render.pptx), read back from the .pptx file and as LibreOffice draws it."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import LETTER, squash
from lxml import etree
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.util import Inches

from publish.build import build, render_job
from publish.linebreak import NO_END, NO_START, wrap
from publish.load import load_document
from publish.measure import FaceMeasure
from publish.render import RenderOptions
from publish.render.pptx import TemplateWarning, measure_for
from publish.theme import load_theme

EPOCH = 1483228800  # 2017-01-01 00:00:00 UTC
EMU = 12700
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
STRATEGIES = ["黑科技", "新零售", "国际化", "人工智能", "互联网金融"]


def build_deck(out: Path, template: Path | None = None) -> Path:
    options = RenderOptions(pptx_template=template, source_date_epoch=EPOCH)
    return build(LETTER, out, formats=["pptx"], options=options).outputs["pptx"]


@pytest.fixture(scope="session")
def deck_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """letter.yaml built into a deck with the default template (only the deck: fast, and independent)."""
    return build_deck(tmp_path_factory.mktemp("deck"))


@pytest.fixture(scope="session")
def deck(deck_path: Path) -> Any:
    return Presentation(deck_path)


@pytest.fixture(scope="session")
def measure() -> FaceMeasure:
    job = render_job(load_document(LETTER), LETTER, load_theme(), RenderOptions())
    return measure_for(job)


def slide_xml(path: Path) -> list[Any]:
    """Each slide's XML root, in slide order."""
    with zipfile.ZipFile(path) as archive:
        names = sorted(
            (n for n in archive.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)),
            key=lambda n: int(re.findall(r"\d+", n)[0]),
        )
        return [etree.fromstring(archive.read(n)) for n in names]


def shape_text(shape: Any) -> str:
    return "\n".join(p.text for p in shape.text_frame.paragraphs) if shape.has_text_frame else ""


def deck_text(deck: Any) -> str:
    return "\n".join(shape_text(shape) for slide in deck.slides for shape in slide.shapes)


# -- what the deck holds -----------------------------------------------------------------------


def test_the_deck_is_16_9(deck: Any) -> None:
    assert (deck.slide_width, deck.slide_height) == (12192000, 6858000)  # 13.333 x 7.5 in
    assert abs(deck.slide_width / deck.slide_height - 16 / 9) < 0.001


def test_the_deck_names_the_five_strategies_and_the_target(deck: Any) -> None:
    text = deck_text(deck)
    for name in STRATEGIES:
        assert name in text
    assert "1000" in text and "亿元" in text and "整体收入破千亿元" in text
    [strategies] = [s for s in deck.slides if s.shapes.title is not None and s.shapes.title.text == "五大核心战略"]
    assert all(name in "\n".join(shape_text(sh) for sh in strategies.shapes) for name in STRATEGIES)


def test_slides_fill_the_templates_named_layouts(deck: Any) -> None:
    layouts = [slide.slide_layout.name for slide in deck.slides]
    assert layouts[0] == "Title Slide" and layouts[-1] == "Section Header"
    assert set(layouts) <= {"Title Slide", "Title and Content", "Section Header", "Title Only", "Blank"}
    assert len(deck.slides) == 9


def test_every_run_sets_east_asian_and_latin_typefaces_and_chinese(deck_path: Path) -> None:
    runs = 0
    for root in slide_xml(deck_path):
        for properties in root.iter(f"{A}rPr"):
            runs += 1
            assert properties.get("lang") == "zh-CN"
            assert properties.get("altLang") == "en-US"
            ea, latin = properties.find(f"{A}ea"), properties.find(f"{A}latin")
            assert ea is not None and ea.get("typeface") == "Noto Sans SC"
            assert latin is not None and latin.get("typeface") == "Noto Sans SC"
    assert runs > 50


def test_the_theme_carries_brand_colours_and_both_typefaces(deck_path: Path) -> None:
    colours = load_theme().theme.colors
    with zipfile.ZipFile(deck_path) as archive:
        theme = etree.fromstring(archive.read("ppt/theme/theme1.xml"))
        slides = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("ppt/slides/slide"))
    scheme = theme.find(f".//{A}clrScheme")
    assert scheme.find(f"{A}accent1/{A}srgbClr").get("val") == colours.brand.lstrip("#")
    assert scheme.find(f"{A}lt2/{A}srgbClr").get("val") == colours.tint.lstrip("#")
    for which in ("majorFont", "minorFont"):
        fonts = theme.find(f".//{A}{which}")
        assert fonts.find(f"{A}latin").get("typeface") == "Noto Sans SC"
        assert fonts.find(f"{A}ea").get("typeface") == "Noto Sans SC"
    # What we draw refers to the scheme, so a user's template recolours it.
    assert '<a:schemeClr val="accent1"/>' in slides
    assert "srgbClr" not in slides


def test_autofit_is_off_everywhere(deck_path: Path) -> None:
    for root in slide_xml(deck_path):
        for body in root.iter(f"{A}bodyPr"):
            if body.getparent().getparent().tag == f"{P}sp" and body.getparent().find(f"{A}p/{A}r") is not None:
                assert body.find(f"{A}noAutofit") is not None
                assert body.find(f"{A}normAutofit") is None


def test_slide_numbers_on_every_slide_but_the_first(deck_path: Path) -> None:
    for number, root in enumerate(slide_xml(deck_path), start=1):
        fields = [f for f in root.iter(f"{A}fld") if f.get("type") == "slidenum"]
        if number == 1:
            assert fields == []
        else:
            [field] = fields
            assert field.find(f"{A}t").text == str(number)


def test_notes_on_every_slide_verbatim_from_the_letter(deck: Any, source_paragraphs: list[str]) -> None:
    source = {squash(p) for p in source_paragraphs}
    covered: set[str] = set()
    for slide in deck.slides:
        assert slide.has_notes_slide
        paragraphs = [p.text for p in slide.notes_slide.notes_text_frame.paragraphs if p.text]
        assert paragraphs, slide.shapes.title.text if slide.shapes.title else "?"
        for paragraph in paragraphs:
            assert squash(paragraph) in source, paragraph
            covered.add(squash(paragraph))
    # The opening, the review, the strategies, the target and the values are all in the notes.
    for start in (
        "雷军：刚刚过去的2016年",
        "2016年是小米的“补课元年”",
        "今年，我们要聚焦5大核心战略",
        "说起来还有点小激动",
    ):
        assert any(p.startswith(start) for p in covered), start


def test_a_native_chart_with_its_data_in_the_embedded_workbook(deck: Any, deck_path: Path) -> None:
    charts = [shape for slide in deck.slides for shape in slide.shapes if shape.has_chart]
    [frame] = charts
    chart = frame.chart
    assert chart.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
    assert list(chart.plots[0].categories) == ["至今已开通", "2017年计划", "未来三年"]
    assert list(chart.series[0].values) == [54, 200, 1000]
    with zipfile.ZipFile(deck_path) as archive:
        [embedded] = [n for n in archive.namelist() if n.startswith("ppt/embeddings/") and n.endswith(".xlsx")]
        workbook = zipfile.ZipFile(io.BytesIO(archive.read(embedded)))
        chart_xml = next(archive.read(n) for n in archive.namelist() if re.fullmatch(r"ppt/charts/chart\d+\.xml", n))
    sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
    assert [float(v) for v in re.findall(r"<v>([\d.]+)</v>", sheet)][-3:] == [54, 200, 1000] or all(
        f"<v>{n}</v>" in sheet for n in (54, 200, 1000)
    )
    strings = workbook.read("xl/sharedStrings.xml").decode()
    assert all(label in strings for label in ["至今已开通", "2017年计划", "未来三年"])
    # Data labels carry the unit; the chart's text is Chinese in Noto Sans SC.
    root = etree.fromstring(chart_xml)
    assert root.find(f".//{C}dLbls/{C}numFmt").get("formatCode") == '0"家"'
    for properties in root.iter(f"{A}defRPr"):
        assert properties.get("lang") == "zh-CN" and properties.find(f"{A}ea").get("typeface") == "Noto Sans SC"


def test_reproducible_byte_for_byte(deck_path: Path, tmp_path: Path) -> None:
    again = build_deck(tmp_path)
    assert again.read_bytes() == deck_path.read_bytes()
    properties = Presentation(again).core_properties
    when = datetime.fromtimestamp(EPOCH, UTC).replace(tzinfo=None)
    assert (properties.created, properties.modified, properties.revision) == (when, when, 1)
    assert (properties.title, properties.author, properties.language) == ("小米2017年新年公开信", "雷军", "zh-CN")
    with zipfile.ZipFile(again) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2017, 1, 1, 0, 0, 0)}


def test_the_package_describes_this_deck(deck_path: Path) -> None:
    with zipfile.ZipFile(deck_path) as archive:
        names = archive.namelist()
        app = archive.read("docProps/app.xml").decode()
    assert not any("thumbnail" in name for name in names)  # the template's picture is not of this deck
    assert "<Slides>9</Slides>" in app and "<Notes>9</Notes>" in app


# -- nothing overflows: every text box measured with the real fonts ----------------------------


@dataclass
class Rect:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Rect, tolerance: float = 0.5) -> bool:
        return (
            min(self.right, other.right) - max(self.left, other.left) > tolerance
            and min(self.bottom, other.bottom) - max(self.top, other.top) > tolerance
        )

    def contains(self, other: Rect, tolerance: float) -> bool:
        return (
            other.left >= self.left - tolerance
            and other.right <= self.right + tolerance
            and other.top >= self.top - tolerance
            and other.bottom <= self.bottom + tolerance
        )


def rect(shape: Any) -> Rect:
    return Rect(
        shape.left / EMU,
        shape.top / EMU,
        (shape.left + shape.width) / EMU,
        (shape.top + shape.height) / EMU,
    )


def inherited_margin(shape: Any) -> float:
    """The first-level left margin a body placeholder's paragraphs inherit from layout and master."""
    if not shape.is_placeholder:
        return 0.0
    layout = shape.part.slide_layout
    base = layout.placeholders.get(idx=shape.placeholder_format.idx)
    if base is not None:
        level = base._element.find(f"{P}txBody/{A}lstStyle/{A}lvl1pPr")
        if level is not None and level.get("marL") is not None:
            return int(level.get("marL")) / EMU
    if shape.placeholder_format.type in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT):
        level = layout.slide_master._element.find(f"{P}txStyles/{P}bodyStyle/{A}lvl1pPr")
        if level is not None:
            return int(level.get("marL", "0")) / EMU
    return 0.0


def inherited_size(shape: Any) -> float:
    """The size a run without `sz` gets: from the shape's list style, its layout's, its master's."""
    chain = [shape._element]
    if shape.is_placeholder:
        kind = shape.placeholder_format.type
        layout = shape.part.slide_layout
        for holder in (layout, layout.slide_master):
            chain += [p._element for p in holder.placeholders if p.placeholder_format.type == kind]
    for element in chain:
        found = element.find(f"{P}txBody/{A}lstStyle/{A}lvl1pPr/{A}defRPr")
        if found is not None and found.get("sz"):
            return int(found.get("sz")) / 100
    return 18.0


def overflows(path: Path, measure: FaceMeasure) -> list[str]:
    """Every way a text box of the deck fails to hold its text, measured with the real advance widths.

    Lines are broken as a client would (per character, clreq rules, Latin words whole, a quarter em
    between Han and Latin as LibreOffice sets it), with no safety margin.
    """
    problems: list[str] = []
    presentation = Presentation(path)
    width, height = presentation.slide_width / EMU, presentation.slide_height / EMU
    for number, slide in enumerate(presentation.slides, start=1):
        boxes: list[tuple[Rect, str]] = []
        for shape in slide.shapes:
            if not shape.has_text_frame or not shape.text_frame.text.strip():
                continue
            box = rect(shape)
            frame = shape.text_frame
            text = shape.text_frame.text.replace("\n", " / ")
            where = f"slide {number} {text[:24]!r}"
            if not Rect(0, 0, width, height).contains(box, 0.01):
                problems.append(f"{where}: box off the slide")
            boxes.append((box, where))
            inner_width = box.right - box.left - (frame.margin_left + frame.margin_right) / EMU
            inner_height = box.bottom - box.top - (frame.margin_top + frame.margin_bottom) / EMU
            used = 0.0
            for index, paragraph in enumerate(frame.paragraphs):
                p = paragraph._p
                runs = [r for r in p if r.tag in (f"{A}r", f"{A}fld")]
                styles = set()
                content = ""
                for run in runs:
                    properties = run.find(f"{A}rPr")
                    size = inherited_size(shape)
                    if properties is not None and properties.get("sz"):
                        size = int(properties.get("sz")) / 100
                    bold = properties is not None and properties.get("b") == "1"
                    styles.add((size, bold))
                    content += run.findtext(f"{A}t") or ""
                if not content:
                    continue
                ppr = p.find(f"{A}pPr")
                margin = inherited_margin(shape)
                if ppr is not None and ppr.get("marL") is not None:
                    margin = int(ppr.get("marL")) / EMU
                pitch_element = p.find(f"{A}pPr/{A}lnSpc/{A}spcPts")
                biggest = max(size for size, _ in styles)
                pitch = int(pitch_element.get("val")) / 100 if pitch_element is not None else biggest * 1.2
                if pitch < biggest:
                    problems.append(f"{where}: lines {pitch} pt apart set at {biggest} pt would collide")
                before = p.find(f"{A}pPr/{A}spcBef/{A}spcPts")
                if index and before is not None:
                    used += int(before.get("val")) / 100

                def unit_width(piece: str, styles: set[tuple[float, bool]] = styles) -> float:
                    found = max(measure.width(piece, size, bold) for size, bold in styles)
                    if piece[:1].isascii() and piece[:1].isalnum():
                        found += 0.5 * max(size for size, _ in styles)
                    return found

                available = inner_width - margin
                lines = wrap(content, unit_width, available, 0.0)
                for line in lines:
                    if line.width > available + 0.01:
                        problems.append(f"{where}: line {line.text!r} is {line.width:.1f} pt in {available:.1f}")
                    if line.text[:1] in NO_START or line.text[-1:] in NO_END:
                        problems.append(f"{where}: line {line.text!r} breaks a line-start or line-end rule")
                used += len(lines) * pitch
            if used > inner_height + 0.01:
                problems.append(f"{where}: text is {used:.1f} pt tall in {inner_height:.1f}")
        for i, (first, first_where) in enumerate(boxes):
            for second, second_where in boxes[i + 1 :]:
                if first.overlaps(second):
                    problems.append(f"{first_where} overlaps {second_where}")
    return problems


def test_every_text_box_holds_its_text(deck_path: Path, measure: FaceMeasure) -> None:
    assert overflows(deck_path, measure) == []


def test_no_text_below_the_minimum_sizes(deck: Any) -> None:
    slides = load_theme().theme.slides
    for slide in deck.slides:
        for shape in slide.shapes:
            if not shape.has_text_frame or (shape.is_placeholder and shape.placeholder_format.type in FOOTERS):
                continue
            is_title = shape.is_placeholder and shape.placeholder_format.type in TITLES
            for run in shape._element.iter(f"{A}r"):
                size = int(run.find(f"{A}rPr").get("sz")) / 100
                assert size >= (slides.min_title if is_title else slides.min_body), run.findtext(f"{A}t")


TITLES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
FOOTERS = (PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.DATE)


# -- a user's template: other size, other layout names ---------------------------------------


RENAMED = {
    "Title Slide": "封面",
    "Title and Content": "标题和正文",
    "Section Header": "章节",
    "Title Only": "仅标题",
    "Blank": "空白页",
}


def user_template(path: Path) -> Path:
    """python-pptx's own 4:3 template with its layouts renamed and a slide of its own."""
    presentation = Presentation()
    for layout in presentation.slide_layouts:
        layout.name = RENAMED.get(layout.name, layout.name)
    slide = presentation.slides.add_slide(presentation.slide_layouts[0])
    slide.shapes.title.text = "模板自带的幻灯片"
    presentation.save(path)
    if path.suffix == ".potx":
        data = path.read_bytes()
        path.write_bytes(as_template(data))
    return path


def as_template(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                content = content.replace(b"presentation.main+xml", b"template.main+xml")
            target.writestr(info, content)
    return out.getvalue()


@pytest.mark.parametrize("suffix", [".pptx", ".potx"])
def test_a_users_template_of_another_size_and_layout_names(
    tmp_path: Path, suffix: str, measure: FaceMeasure, source_paragraphs: list[str]
) -> None:
    template = user_template(tmp_path / f"user{suffix}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = build_deck(tmp_path / "out", template)
    messages = [str(w.message) for w in caught if issubclass(w.category, TemplateWarning)]
    assert any("'Title and Content'" in m for m in messages), messages
    deck = Presentation(path)
    assert (deck.slide_width, deck.slide_height) == (Inches(10), Inches(7.5))
    assert "模板自带的幻灯片" not in deck_text(deck)
    assert len(deck.slides) == 9
    used = {slide.slide_layout.name for slide in deck.slides}
    assert used <= set(RENAMED.values()) | {"Two Content", "Comparison", "Content with Caption"}
    assert "标题和正文" in used and "封面" in used
    for name in STRATEGIES:
        assert name in deck_text(deck)
    assert overflows(path, measure) == []
    source = {squash(p) for p in source_paragraphs}
    for slide in deck.slides:
        notes = [p.text for p in slide.notes_slide.notes_text_frame.paragraphs if p.text]
        assert notes and all(squash(n) in source for n in notes)


def test_a_template_that_is_not_powerpoint_is_a_clear_error(tmp_path: Path) -> None:
    from publish.errors import InputError

    template = tmp_path / "notes.pptx"
    template.write_text("not a presentation", encoding="utf-8")
    with pytest.raises(InputError, match="not a PowerPoint presentation or template"):
        build_deck(tmp_path / "out", template)
    assert not (tmp_path / "out" / "letter.pptx").exists()


def archive_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_committed_template_is_what_the_script_makes(tmp_path: Path) -> None:
    from conftest import ROOT

    target = tmp_path / "template.pptx"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts/make_pptx_template.py"), str(target)],
        check=True,
        capture_output=True,
    )
    # Member by member: the compressed bytes may differ between zlib builds, the content may not.
    assert archive_members(target) == archive_members(ROOT / "assets/template.pptx")
    template = Presentation(target)
    assert [layout.name for layout in template.slide_layouts] == [
        "Title Slide",
        "Title and Content",
        "Section Header",
        "Two Content",
        "Title Only",
        "Blank",
    ]
    assert (template.slide_width, template.slide_height) == (12192000, 6858000)


# -- as LibreOffice draws it -----------------------------------------------------------------


@dataclass
class Word:
    page: int
    text: str
    box: Rect


@pytest.fixture(scope="session")
def drawn(deck_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Word]]:
    """The deck converted to PDF by LibreOffice (with our fonts), and every word it drew."""
    for tool in ("soffice", "pdftotext"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (LibreOffice, poppler-utils)")
    folder = tmp_path_factory.mktemp("drawn")
    fonts = folder / "fonts"
    fonts.mkdir()
    job = render_job(load_document(LETTER), LETTER, load_theme(), RenderOptions())
    for face in (job.faces.sans, job.faces.sans_bold):
        shutil.copy(job.font_file(face), fonts / f"{face.postscript_name}.ttf")
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{fonts}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(deck_path),
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=240,
    )
    pdf = folder / (deck_path.stem + ".pdf")
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    words: list[Word] = []
    for page, body in enumerate(re.findall(r"<page.*?</page>", xhtml, flags=re.S), start=1):
        for x0, y0, x1, y1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', body
        ):
            words.append(Word(page, text, Rect(float(x0), float(y0), float(x1), float(y1))))
    return pdf, words


def test_libreoffice_draws_every_slide_with_our_fonts(drawn: tuple[Path, list[Word]], deck: Any) -> None:
    pdf, words = drawn
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(rf"Pages:\s+{len(deck.slides)}\n", info), info
    assert re.search(r"Page size:\s+960(\.\d+)? x 540", info), info
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "NotoSansSC-Regular" in fonts and "NotoSansSC-Bold" in fonts
    for name in STRATEGIES:
        assert any(name in w.text for w in words)


def test_libreoffice_draws_no_text_outside_its_box(drawn: tuple[Path, list[Word]], deck: Any) -> None:
    _, words = drawn
    for number, slide in enumerate(deck.slides, start=1):
        areas = [rect(s) for s in slide.shapes if (s.has_text_frame and s.text_frame.text.strip()) or s.has_chart]
        page = Rect(0, 0, deck.slide_width / EMU, deck.slide_height / EMU)
        for word in (w for w in words if w.page == number):
            assert page.contains(word.box, 0.01), (number, word)
            assert any(area.contains(word.box, 1.0) for area in areas), (number, word)


def test_libreoffice_draws_no_text_on_other_text(drawn: tuple[Path, list[Word]]) -> None:
    _, words = drawn

    # A word's box spans the font's whole ascent and descent, more than our line pitch; the middle
    # half of it is where the ink is.
    def core(word: Word) -> Rect:
        quarter = (word.box.bottom - word.box.top) / 4
        return Rect(word.box.left, word.box.top + quarter, word.box.right, word.box.bottom - quarter)

    for page in sorted({w.page for w in words}):
        on_page = [w for w in words if w.page == page]
        for i, first in enumerate(on_page):
            for second in on_page[i + 1 :]:
                assert not core(first).overlaps(core(second), 0.5), (page, first.text, second.text)
