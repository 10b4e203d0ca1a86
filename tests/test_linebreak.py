"""The line-breaking rules, on cases taken from the letter."""

from __future__ import annotations

import itertools

import pytest

from publish.linebreak import NO_END, NO_START, break_opportunities, glue_between, units, wrap, wrap_units


def cjk_width(text: str) -> float:
    """A stand-in font: Han and full-width marks one em, ASCII half an em."""
    return sum(0.5 if ord(c) < 128 else 1.0 for c in text)


LETTER_SENTENCES = [
    "小米是一家工程师文化主导的公司，“探索黑科技”是骨子里的追求。2016年，小米5在全球首发四轴光学防抖和3D陶瓷。",
    "尽管困难很多，我们依然取得了耀眼的成绩，感谢所有小米人的锐意进取和辛勤付出，感谢大家！",
    "说起来还有点小激动。新年里，我们也“定个小目标”――2017年，小米整体收入破千亿元。",
    "小米5s在中国首发超感光相机，单位像素面积达到1.55um，还在全球首发无孔式超声波指纹。年底的小米Note2率先采用双曲面柔性屏。",
    "2017年怎么干？“天上不会掉馅饼，撸起袖子加油干！”",
]


def test_units_keep_latin_runs_and_pairs_whole() -> None:
    assert units("小米Note2率先") == ("小", "米", "Note2", "率", "先")
    assert "1.55um" in units("达到1.55um，还在")
    assert "――" in units("小目标”――2017年")
    assert "2016" in units("2016年")
    assert "……" in units("好……好")


def test_no_break_before_closing_marks_or_after_opening_ones() -> None:
    pieces = units("“探索黑科技”是")
    allowed = break_opportunities(pieces)
    assert allowed[0] is False  # after “
    assert allowed[pieces.index("”") - 1] is False  # before ”


@pytest.mark.parametrize("sentence", LETTER_SENTENCES)
@pytest.mark.parametrize("width", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 17, 23])
def test_wrapped_lines_obey_the_rules(sentence: str, width: int) -> None:
    lines = wrap(sentence, cjk_width, width, em=1.0)
    assert "".join(line.text for line in lines) == sentence.replace(" ", "")
    for line in lines:
        assert line.text[0] not in NO_START, (width, [x.text for x in lines])
        assert line.text[-1] not in NO_END, (width, [x.text for x in lines])
        # Only a line with no break opportunity inside (a word and its mark) may be too wide.
        assert line.width - line.squeeze <= width + 1e-6 or not any(break_opportunities(units(line.text)))
    for before, after in itertools.pairwise(lines):
        assert not (before.text.endswith("―") and after.text.startswith("―"))
        assert not (before.text[-1].isascii() and before.text[-1].isalnum()
                    and after.text[0].isascii() and after.text[0].isalnum())


def test_closing_thanks_never_strands_the_exclamation_mark() -> None:
    sentence = LETTER_SENTENCES[1]
    for width in range(4, 40):
        lines = wrap(sentence, cjk_width, width, em=1.0)
        assert lines[-1].text != "！"
        assert all(not line.text.startswith(("！", "，")) for line in lines)


def test_squeeze_before_push_down() -> None:
    # "追求。" fits on a 2-em line only by squeezing the full stop by half an em.
    lines = wrap("追求。好", cjk_width, 2.5, em=1.0)
    assert lines[0].text == "追求。"
    assert lines[0].squeeze == pytest.approx(0.5)


def test_first_line_indent_width_function() -> None:
    text = "一二三四五六七八九十" * 2
    lines = wrap(text, cjk_width, lambda i: 6 if i == 0 else 8, em=1.0)
    assert [len(x.text) for x in lines] == [6, 8, 6]


def test_glue_between_han_and_latin_and_between_marks() -> None:
    assert glue_between("6", "年", 10.0) == pytest.approx(2.5)
    assert glue_between("米", "Note2", 10.0) == pytest.approx(2.5)
    assert glue_between("。", "”", 10.0) == pytest.approx(-5.0)
    assert glue_between("？", "“", 10.0) == pytest.approx(-5.0)
    assert glue_between("，", "2016", 10.0) == 0.0  # punctuation carries its own space
    assert glue_between("小", "米", 10.0) == 0.0
    assert glue_between("――", "2017", 10.0) == 0.0


def test_spacing_counts_glue_in_line_widths() -> None:
    # 2016年: four half-em digits, a quarter em, one em.
    assert wrap("2016年", cjk_width, 10, em=1.0, spacing=True)[0].width == pytest.approx(3.25)
    assert wrap("2016年", cjk_width, 10, em=1.0)[0].width == pytest.approx(3.0)
    # 一年。”。: the three marks take two ems, not three.
    assert wrap("一年。”。", cjk_width, 10, em=1.0, spacing=True)[0].width == pytest.approx(4.0)


def test_glue_is_dropped_at_a_line_break() -> None:
    lines = wrap("小米小米2016年", cjk_width, 4, em=1.0, spacing=True)
    assert [line.text for line in lines] == ["小米小米", "2016年"]
    assert lines[0].width == pytest.approx(4.0)


def test_lines_know_where_they_start() -> None:
    text = LETTER_SENTENCES[0]
    lines = wrap(text, cjk_width, 9, em=1.0, spacing=True)
    pieces = units(text)
    for line in lines:
        assert text[line.start : line.start + len(line.text)] == line.text
        assert "".join(pieces[line.first_unit : line.first_unit + line.unit_count]) == line.text


@pytest.mark.parametrize("width", range(5, 44))
def test_closing_thanks_last_line_never_holds_one_character(width: int) -> None:
    sentence = LETTER_SENTENCES[1]
    lines = wrap_units(units(sentence), [cjk_width(p) for p in units(sentence)], width, 1.0, min_last=2)
    assert "".join(line.text for line in lines) == sentence
    words = [c for c in lines[-1].text if c not in NO_START]
    assert len(lines) == 1 or len(words) >= 2, [line.text for line in lines]
    assert all(line.width - line.squeeze <= width + 1e-6 for line in lines)


def test_a_lone_last_character_takes_its_neighbour_down() -> None:
    sentence = "感谢所有小米人的锐意进取，感谢大家！"
    plain = wrap(sentence, cjk_width, 16, em=1.0)
    assert plain[-1].text == "家！"  # 16 ems hold everything up to 大, and ！ may not start a line
    filled = wrap_units(units(sentence), [cjk_width(p) for p in units(sentence)], 16, 1.0, min_last=2)
    assert [line.text for line in filled] == ["感谢所有小米人的锐意进取，感谢", "大家！"]


def test_quote_of_the_letter_is_never_opened_at_a_line_end() -> None:
    sentence = LETTER_SENTENCES[0]
    for width in range(3, 45):
        for line in wrap(sentence, cjk_width, width, em=1.0, spacing=True):
            assert not line.text.endswith("“"), width
            assert not line.text.startswith(("”", "，", "。")), width
