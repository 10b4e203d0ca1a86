"""The line-breaking rules, on cases taken from the letter."""

from __future__ import annotations

import itertools

import pytest

from publish.linebreak import NO_END, NO_START, break_opportunities, units, wrap


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
