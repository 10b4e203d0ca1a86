"""The deck plan (publish.render.deck): which slides, what is on each, notes, fitting and continuation.

No python-pptx here: the plan is plain data. Most tests measure with the real fonts' advance
widths; the splitting tests also use a fake measure so that their arithmetic is easy to follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import LETTER, squash

from publish.linebreak import NO_END, NO_START
from publish.load import load_document, parse_yaml, read_text
from publish.measure import FaceMeasure
from publish.model import Document, Subsection
from publish.render.deck import (
    DEFAULT_FRAME,
    SAFETY,
    Box,
    DeckError,
    DeckPlan,
    Frame,
    LayoutGeometry,
    SlidePlan,
    TextBlock,
    all_lines,
    break_lines,
    plan_deck,
    text_height,
)
from publish.text import plain_text
from publish.theme import Theme, load_theme


class FakeMeasure:
    """Every character one em, except ASCII, which is half an em."""

    def width(self, text: str, size: float, bold: bool = False) -> float:
        return sum(size * (0.5 if char.isascii() else 1.0) for char in text)


@pytest.fixture(scope="module")
def document() -> Document:
    return load_document(LETTER)


@pytest.fixture(scope="module")
def theme() -> Theme:
    return load_theme().theme


@pytest.fixture(scope="module")
def measure() -> FaceMeasure:
    """The real advance widths of the prepared Noto Sans SC faces."""
    from publish.build import render_job
    from publish.render import RenderOptions
    from publish.render.pptx import measure_for

    job = render_job(load_document(LETTER), LETTER, load_theme(), RenderOptions())
    return measure_for(job)


@pytest.fixture(scope="module")
def plan(document: Document, theme: Theme, measure: FaceMeasure) -> DeckPlan:
    return plan_deck(document, theme, measure)


def letter_data() -> Any:
    """letter.yaml as plain data, to make variants of it."""
    return parse_yaml(LETTER, read_text(LETTER))


def variant(change: Any) -> Document:
    """letter.yaml with `change(data)` applied, validated again."""
    data = letter_data()
    change(data)
    return Document.model_validate(data)


def by_kind(plan: DeckPlan, kind: str) -> list[SlidePlan]:
    return [s for s in plan.slides if s.kind == kind]


def block_texts(slide: SlidePlan) -> list[str]:
    return [b.text for b in slide.blocks if b.role != "title"]


# -- what is on which slide --------------------------------------------------------------------


def test_slides_follow_the_letter(plan: DeckPlan) -> None:
    kinds = [(s.kind, s.layout, s.title) for s in plan.slides]
    assert kinds == [
        ("title", "Title Slide", "小米2017年新年公开信"),
        ("bullets", "Title and Content", "2016年：补课元年"),
        ("chart", "Title Only", "小米之家门店"),
        ("cards", "Title Only", "五大核心战略"),
        ("bullets", "Title and Content", "人工智能"),
        ("bullets", "Title and Content", "互联网金融"),
        ("big_number", "Title Only", "定个小目标"),
        ("cards", "Title Only", "真诚和热爱"),
        ("closing", "Section Header", "让所有人都能享受科技的乐趣"),
    ]


def test_title_slide_names_subject_and_author(plan: DeckPlan) -> None:
    title = plan.slides[0]
    assert not title.numbered
    assert block_texts(title) == ["2016年回顾与2017年五大核心战略\n小米\u3000雷军"]


def test_review_lists_the_six_achievements_as_short_items(plan: DeckPlan, document: Document) -> None:
    review = plan.slides[1]
    body = next(b for b in review.blocks if b.role == "body")
    section = document.body[0]
    summaries = [b.short for b in section.blocks if isinstance(b, Subsection)]
    assert [p.text for p in body.paras] == summaries
    assert len(summaries) == 6
    assert all(p.bullet for p in body.paras)


def test_five_strategies_on_one_slide(plan: DeckPlan, document: Document) -> None:
    [slide] = [s for s in plan.slides if s.title == "五大核心战略"]
    text = slide.text
    strategies = document.highlights.strategies
    assert strategies is not None
    for strategy in strategies.items:
        assert strategy.name in text and strategy.summary in text
    assert [s.name for s in strategies.items] == ["黑科技", "新零售", "国际化", "人工智能", "互联网金融"]


def test_developed_strategies_get_their_own_slides(plan: DeckPlan, document: Document) -> None:
    strategies = document.highlights.strategies
    assert strategies is not None
    for strategy in strategies.items:
        own = [s for s in plan.slides if s.title == strategy.name]
        if strategy.points:
            [slide] = own
            assert block_texts(slide) == ["\n".join([strategy.summary, *strategy.points])]
            lead, *points = next(b for b in slide.blocks if b.role == "body").paras
            assert lead.spans[0].colour == "brand" and lead.spans[0].bold and not lead.bullet
            assert all(p.bullet for p in points)
        else:
            assert own == []


def test_target_is_a_big_number(plan: DeckPlan, theme: Theme) -> None:
    [slide] = by_kind(plan, "big_number")
    box = next(b for b in slide.blocks if b.role == "box")
    number = box.paras[1]
    assert number.text == "1000亿元"
    assert number.spans[0].text == "1000" and number.spans[0].size == theme.slides.big_number
    assert number.colour == "brand" and number.bold
    assert [p.text for p in box.paras] == ["2017", "1000亿元", "整体收入破千亿元"]


def test_chart_of_mi_home_stores(plan: DeckPlan) -> None:
    [slide] = by_kind(plan, "chart")
    chart = slide.chart
    assert chart is not None
    assert chart.categories == ("至今已开通", "2017年计划", "未来三年")
    assert chart.values == (54, 200, 1000)
    assert chart.unit == "家"


def test_values_and_closing(plan: DeckPlan) -> None:
    [values] = [s for s in plan.slides if s.title == "真诚和热爱"]
    names = [b.paras[0].text for b in values.blocks if b.role == "box"]
    assert names == ["真诚", "热爱"]
    closing = plan.slides[-1]
    assert block_texts(closing) == ["感谢小米所有的兄弟姐妹"]


# -- speaker notes ---------------------------------------------------------------------------


def test_every_slide_has_notes_verbatim_from_the_letter(plan: DeckPlan, source_paragraphs: list[str]) -> None:
    source = {squash(p) for p in source_paragraphs}
    for slide in plan.slides:
        assert slide.notes, slide.title
        for note in slide.notes:
            assert squash(note) in source, (slide.title, note)


def test_notes_hold_what_each_slide_summarizes(plan: DeckPlan, document: Document) -> None:
    def texts(ids: list[str]) -> tuple[str, ...]:
        return tuple(plain_text(p.text) for p in document.paragraphs_for(ids))

    section = document.body[0]
    assert plan.slides[0].notes == texts(["opening", "make-up-year"])
    assert plan.slides[1].notes == tuple(plain_text(p.text) for p in section.paragraphs())
    assert plan.slides[2].notes == texts(["retail-stores"])
    strategies = plan.slides[3].notes
    assert strategies[:3] == texts(["how-2017", "five-strategies", "first-three"])
    assert set(texts(["technology", "new-retail", "retail-upgrade", "international"])) <= set(strategies)
    assert plan.slides[4].notes == texts(["alphago", "face-detection"])
    assert plan.slides[5].notes == texts(["finance", "finance-future"])
    assert plan.slides[6].notes == texts(["small-target"])
    assert plan.slides[7].notes == texts(["sincerity-and-passion", "values-core"])
    assert plan.slides[8].notes == texts(["vision", "dream", "gratitude"])


# -- fitting ---------------------------------------------------------------------------------


def check_fits(plan: DeckPlan, theme: Theme, measure: Any) -> None:
    """Sizes at or above the minimums; every line inside its box's width; every block inside its height."""
    for slide, block, para, line in all_lines(plan):
        minimum = theme.slides.min_title if block.role == "title" else theme.slides.min_body
        assert para.size >= minimum, (slide.title, line)
        assert all((span.size or para.size) >= minimum for span in para.spans)
        width = block.box.inner_width - (block.indent if para.bullet or para.continued else 0)
        sizes = {span.size or para.size for span in para.spans}
        natural = max(measure.width(line, size, para.bold) for size in sizes)
        assert natural <= width, (slide.title, line, natural, width)
        assert line[:1] not in NO_START and line[-1:] not in NO_END, (slide.title, line)
    for slide in plan.slides:
        for block in slide.blocks:
            assert block.height <= block.box.inner_height, (slide.title, block.text)
            inside(block.box, plan.frame)


def inside(box: Box, frame: Frame) -> None:
    assert box.left >= -0.01 and box.top >= -0.01, box
    assert box.right <= frame.width + 0.01 and box.bottom <= frame.height + 0.01, box


def test_everything_fits_at_or_above_the_minimum_sizes(plan: DeckPlan, theme: Theme, measure: FaceMeasure) -> None:
    check_fits(plan, theme, measure)


def test_the_letter_is_set_at_the_preferred_sizes(plan: DeckPlan, theme: Theme) -> None:
    # Short items need no shrinking: titles at 36 pt, items at 24 pt.
    for slide in plan.slides:
        title = next(b for b in slide.blocks if b.role == "title")
        assert title.paras[0].size >= theme.slides.title
        assert len(title.paras[0].lines) == 1
    for slide in by_kind(plan, "bullets"):
        body = next(b for b in slide.blocks if b.role == "body")
        assert {p.size for p in body.paras} == {theme.slides.body}


def test_cards_do_not_overlap(plan: DeckPlan) -> None:
    for slide in by_kind(plan, "cards"):
        boxes = [b.box for b in slide.blocks] + [bar.box for bar in slide.bars]
        for i, first in enumerate(boxes):
            for second in boxes[i + 1 :]:
                overlap_x = min(first.right, second.right) - max(first.left, second.left)
                overlap_y = min(first.bottom, second.bottom) - max(first.top, second.top)
                assert overlap_x <= 0.01 or overlap_y <= 0.01, (slide.title, first, second)


LONG_POINT = (
    "当人类信息以指数级别爆发增长时，我们需要有能深度学习的人工智能为我们提供有力协助，"
    "帮助我们让人类生活更加便捷轻松，这显然是我们的使命。"
)


def long_points(data: Any) -> None:
    data["highlights"]["strategies"]["items"][3]["points"] = [f"{LONG_POINT}（{n}）" for n in range(1, 9)]


def test_too_much_for_one_slide_continues_on_the_next(theme: Theme, measure: FaceMeasure) -> None:
    document = variant(long_points)
    plan = plan_deck(document, theme, measure)
    slides = [s for s in plan.slides if s.title and s.title.startswith("人工智能")]
    assert len(slides) >= 2
    assert slides[0].title == "人工智能"
    assert [s.title for s in slides[1:]] == [theme.labels.continued.format(title="人工智能")] * (len(slides) - 1)
    bodies = [next(b for b in s.blocks if b.role == "body") for s in slides]
    lead, *points = [p for b in bodies for p in b.paras]
    assert lead.text == "让人类生活更加便捷轻松"
    # Nothing lost, nothing repeated, order kept.
    assert "".join(p.text for p in points) == "".join(f"{LONG_POINT}（{n}）" for n in range(1, 9))
    # Never shrunk below the minimum; same notes on every part.
    assert all(p.size >= theme.slides.min_body for b in bodies for p in b.paras)
    assert len({s.notes for s in slides}) == 1
    check_fits(plan, theme, measure)


def test_a_paragraph_longer_than_a_slide_is_split_at_a_line(theme: Theme) -> None:
    text = "小米" * 600

    def one_long_point(data: Any) -> None:
        data["highlights"]["strategies"]["items"][4]["points"] = [text]

    plan = plan_deck(variant(one_long_point), theme, FakeMeasure())
    slides = [s for s in plan.slides if s.title and s.title.startswith("互联网金融")]
    assert len(slides) >= 3
    lead, *paras = [p for s in slides for b in s.blocks if b.role == "body" for p in b.paras]
    assert lead.text == "金融是今年要拉开阵势干的大事"
    assert "".join(p.text for p in paras) == text
    assert paras[0].bullet and not paras[0].continued
    assert all(p.continued and not p.bullet for p in paras[1:])
    # Each part but the first and last fills its slide: as many lines as the box holds.
    body = DEFAULT_FRAME.layouts["Title and Content"].body
    assert body is not None
    capacity = int(body.inner_height * (1 - SAFETY) // paras[0].pitch)
    assert [len(p.lines) for p in paras[1:-1]] == [capacity] * (len(paras) - 2)
    # The first part shares its slide with the lead line, and fills the rest.
    assert len(paras[0].lines) == capacity - 1
    check_fits(plan, theme, FakeMeasure())


def test_a_long_summary_turns_cards_into_bullets(theme: Theme, measure: FaceMeasure) -> None:
    def long_summary(data: Any) -> None:
        data["highlights"]["values"]["items"][0]["summary"] = LONG_POINT * 3

    plan = plan_deck(variant(long_summary), theme, measure)
    slides = [s for s in plan.slides if s.title and s.title.startswith("真诚和热爱")]
    assert slides[0].kind == "bullets"
    assert LONG_POINT * 3 in "".join(p.text for s in slides for b in s.blocks for p in b.paras).replace("\n", "")
    check_fits(plan, theme, measure)


def test_a_letter_without_highlights_gives_a_deck_of_its_sections(theme: Theme, measure: FaceMeasure) -> None:
    def no_highlights(data: Any) -> None:
        del data["highlights"]

    document = variant(no_highlights)
    plan = plan_deck(document, theme, measure)
    assert plan.slides[0].kind == "title"
    names = [s.name for s in document.body if s.name]
    assert [s.title for s in plan.slides[1:]] == names
    for slide, section in zip(plan.slides[1:], [s for s in document.body if s.name], strict=True):
        assert slide.kind == "section" and slide.layout == "Section Header"
        assert slide.notes == tuple(plain_text(p.text) for p in section.paragraphs())
    check_fits(plan, theme, measure)


def four_by_three() -> Frame:
    """A 4:3 frame (10 x 7.5 in) with narrower boxes, as a user's template might have."""
    title = Box(36, 20, 648, 80)
    body = Box(36, 120, 648, 350)
    cover = Box(54, 150, 612, 150)
    layouts = {
        "Title Slide": LayoutGeometry(cover, Box(108, 300, 504, 120)),
        "Title and Content": LayoutGeometry(title, body, indent=27),
        "Section Header": LayoutGeometry(Box(57, 347, 612, 107), Box(57, 229, 612, 118)),
        "Title Only": LayoutGeometry(title, None),
        "Blank": LayoutGeometry(None, None),
    }
    return Frame(720, 540, layouts, body)


def test_a_narrower_frame_still_fits(document: Document, theme: Theme, measure: FaceMeasure) -> None:
    plan = plan_deck(document, theme, measure, four_by_three())
    assert [s.kind for s in plan.slides][:3] == ["title", "bullets", "chart"]
    check_fits(plan, theme, measure)


def test_a_title_that_cannot_fit_is_an_error(document: Document, theme: Theme) -> None:
    tiny = Box(0, 0, 60, 30)
    frame = Frame(960, 540, {**DEFAULT_FRAME.layouts, "Title Slide": LayoutGeometry(tiny, None)}, DEFAULT_FRAME.content)
    with pytest.raises(DeckError, match="does not fit"):
        plan_deck(document, theme, FakeMeasure(), frame)


def test_line_breaking_keeps_latin_words_whole_and_obeys_the_rules(measure: FaceMeasure) -> None:
    from publish.render.deck import Span

    text = "AlphaGo去年出人意料地轻松大胜顶尖棋士李世石，最近又套了个叫Master的马甲60连胜横扫全部人类高手。"
    lines = break_lines((Span(text),), 24, False, 200, measure)
    assert "".join(lines) == text
    for line in lines:
        assert line[:1] not in NO_START and line[-1:] not in NO_END
        assert measure.width(line, 24) <= 200
    words = ["AlphaGo", "Master", "60"]
    assert all(any(word in line for line in lines) for word in words)


def test_text_height_counts_space_between_paragraphs_only(plan: DeckPlan) -> None:
    body = next(b for b in plan.slides[1].blocks if b.role == "body")
    paras = body.paras
    assert text_height(paras) == pytest.approx(
        sum(len(p.lines) * p.pitch for p in paras) + sum(p.space_before for p in paras[1:])
    )


def iter_blocks(plan: DeckPlan) -> Iterator[TextBlock]:
    for slide in plan.slides:
        yield from slide.blocks


def test_the_plan_imports_no_python_pptx() -> None:
    import subprocess
    import sys

    code = "import sys, publish.render.deck; print('pptx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
