"""Property: any Unicode text in a paragraph builds and comes back verbatim, or is refused where it is.

"Verbatim" means every character of the paragraph's plain text (its `**`/`*` markup removed) in
order; white space is compared loosely, because a PDF has no spaces or line breaks of its own and
extractors rebuild them. "Refused" means one InputError located at the paragraph's line and the
column where its string starts. Anything else (a traceback, an internal error) fails. Example
counts are kept small for a fast suite; PUBLISH_PROPERTY_EXAMPLES=500 runs a longer hunt.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from publish.build import build
from publish.errors import InputError, InputErrors
from publish.load import load_document
from publish.text import plain_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixtures.odd.letters import docx_paragraphs, letter_yaml, pdf_text, pptx_notes, squash

EXAMPLES = int(os.environ.get("PUBLISH_PROPERTY_EXAMPLES", "25"))
"""Examples per build property; the loader property runs ten times as many."""

PARAGRAPH_LINE = 7
PARAGRAPH_COLUMN = len("      - ") + 1

NASTY = [
    "<b>", "</b>", "&amp;", "&", "<", ">", "**", "*", "\\", "\\*", '"', "'", "{{x}}", "%s", "$1", "]]>", "<!--",
    "\x07", "\x00", "\x1b", "\x85", "\x9f", "\ud800", "\ufffe", "\uffff", "\t", "\n", "\r", "\u2028", "\u3000",
    "😀", "👨\u200d👩\u200d👧", "❤\ufe0f", "𠀀", "𠀡", "\u200b", "\ufeff", "\u0301", "\u202e", "ǅ", "ﷺ", "١٢٣",
    "刚刚过去的2016年", "小米5s", "“引号”", "——", "……",
]

any_character = st.characters(exclude_categories=())
text_pieces = st.one_of(st.text(alphabet=any_character, min_size=1, max_size=6), st.sampled_from(NASTY))
paragraphs = st.lists(text_pieces, min_size=1, max_size=6).map("".join)


def write_letter(folder: Path, text: str) -> Path:
    source = folder / "letter.yaml"
    source.write_text(letter_yaml([text]), encoding="utf-8")
    return source


def loads_or_is_refused_where_it_is(source: Path, text: str) -> bool:
    """True when the letter loads with the paragraph intact; False when refused at the paragraph."""
    try:
        document = load_document(source)
    except (InputError, InputErrors) as exc:
        errors = exc.errors if isinstance(exc, InputErrors) else [exc]
        assert len(errors) == 1, [str(e) for e in errors]
        assert (errors[0].line, errors[0].column) == (PARAGRAPH_LINE, PARAGRAPH_COLUMN), str(errors[0])
        assert str(errors[0]).startswith(f"{source}:{PARAGRAPH_LINE}:{PARAGRAPH_COLUMN}: ")
        return False
    assert [p.text for p in document.paragraphs()] == [text]
    return True


@settings(max_examples=10 * EXAMPLES, deadline=None)
@given(paragraphs)
@example("刚刚\x07过去")
@example("\ud800")
@example("<b>&amp;</b>")
def test_any_text_loads_intact_or_is_refused_at_its_place(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        loads_or_is_refused_where_it_is(write_letter(Path(folder), text), text)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraphs)
@example("<b>不是粗体</b> &amp; {{x}} %s $1 \\ **粗体**")
@example("表情😀，罕见字𠀡与𠀀\u200b")
def test_any_text_comes_back_from_the_docx_and_the_deck_notes(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = write_letter(Path(folder), text)
        assume(loads_or_is_refused_where_it_is(source, text))
        outputs = build(source, Path(folder) / "out", ["docx", "pptx"]).outputs
        expected = squash(plain_text(text))
        assert expected in [squash(p) for p in docx_paragraphs(outputs["docx"])]
        assert expected in squash("".join(pptx_notes(outputs["pptx"])))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraphs)
@example("<b>不是粗体</b> &amp; {{x}} %s $1 \\ **粗体**")
@example("表情😀，罕见字𠀡与𠀀\u200b")
def test_any_text_comes_back_from_the_pdf(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = write_letter(Path(folder), text)
        assume(loads_or_is_refused_where_it_is(source, text))
        outputs = build(source, Path(folder) / "out", ["pdf"]).outputs
        assert squash(plain_text(text)) in squash(pdf_text(outputs["pdf"]))
