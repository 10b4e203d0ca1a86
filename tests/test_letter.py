"""letter.yaml itself: the whole source letter, verbatim and in order, with structure taken from it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from conftest import LETTER, ROOT

from publish.load import load_document
from publish.model import Section, Subsection
from publish.text import plain_text


def printed_lines() -> list[str]:
    """Every line the PDF and DOCX print from the body, in order: headings and paragraphs."""
    document = load_document(LETTER)
    lines: list[str] = []
    for section in document.body:
        assert isinstance(section, Section)
        if section.heading:
            lines.append(section.heading)
        for block in section.blocks:
            if isinstance(block, Subsection):
                lines.append(block.heading)
                lines.extend(plain_text(p.text) for p in block.blocks)
            else:
                lines.append(plain_text(block.text))
    return lines


def test_every_source_line_verbatim_and_in_order(source_paragraphs: list[str]) -> None:
    assert printed_lines() == source_paragraphs


def test_metadata_states_only_what_the_letter_gives() -> None:
    meta = load_document(LETTER).meta
    assert (meta.author, meta.organization, meta.language) == ("雷军", "小米", "zh-CN")
    assert not re.search(r"\d{4}-\d{2}-\d{2}", meta.model_dump_json())  # no date the letter lacks


def test_structure_sections_and_achievements() -> None:
    document = load_document(LETTER)
    headings = [s.heading for s in document.body]
    assert headings == [None, "最坏的时候已经过去了", "五大核心战略和一个小目标", "比1000亿营收更重要的是价值观"]
    achievements = [b for b in document.body[0].blocks if isinstance(b, Subsection)]
    assert [a.heading[:2] for a in achievements] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    thanks = document.body[0].blocks[-1]
    assert not isinstance(thanks, Subsection) and thanks.text.endswith("感谢大家！")


def test_highlights_strategies_target_and_figures() -> None:
    document = load_document(LETTER)
    h = document.highlights
    assert h.strategies is not None and h.target is not None
    assert [s.name for s in h.strategies.items] == ["黑科技", "新零售", "国际化", "人工智能", "互联网金融"]
    assert all(s.summary and s.sources for s in h.strategies.items)
    assert (h.target.value, h.target.unit, h.target.label) == (1000, "亿元", "整体收入破千亿元")
    figures = {f.id: (f.value, f.unit) for f in h.figures}
    assert figures == {
        "patents-filed": (16000, "项"),
        "patents-granted": (3612, "项"),
        "patents-abroad": (1767, "项"),
        "stores-open": (54, "家"),
        "stores-2017": (200, "家"),
        "stores-3-years": (1000, "家"),
        "india-october": (135, "万台"),
        "india-year": (10, "亿美元"),
        "ecosystem-revenue": (150, "亿元"),
        "connected-devices": (5000, "万台"),
        "finance-team": (300, "人"),
    }
    text = "".join(plain_text(p.text) for p in document.paragraphs())
    for figure in h.figures:
        assert figure.source in text, figure.id


def test_strategy_sources_resolve_to_letter_paragraphs() -> None:
    document = load_document(LETTER)
    assert document.highlights.strategies is not None
    ai = next(s for s in document.highlights.strategies.items if s.name == "人工智能")
    notes = [p.text for p in document.paragraphs_for(ai.sources)]
    assert notes[0].startswith("AlphaGo") and notes[1].startswith("去年小米人脸检测")


def test_first_line_points_editors_at_the_schema() -> None:
    first = LETTER.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, first
    assert (ROOT / match.group(1)).is_file()


def test_committed_schemas_match_the_model() -> None:
    for args, path in (([], "schema/letter.schema.json"), (["--theme"], "schema/theme.schema.json")):
        printed = subprocess.run([sys.executable, "-m", "publish", "schema", *args],
                                 capture_output=True, text=True, check=True).stdout
        assert json.loads(printed) == json.loads((ROOT / path).read_text(encoding="utf-8")), (
            f"{path} is stale: run `publish schema {' '.join(args)} > {path}`")


def test_schema_validates_letter_yaml() -> None:
    import jsonschema
    from ruamel.yaml import YAML

    schema = json.loads((ROOT / "schema/letter.schema.json").read_text(encoding="utf-8"))
    data = json.loads(json.dumps(YAML(typ="safe").load(LETTER.read_text(encoding="utf-8"))))
    jsonschema.validate(data, schema)
    bad = dict(data, metta=data["meta"])
    try:
        jsonschema.validate(bad, schema)
    except jsonschema.ValidationError as exc:
        assert "metta" in str(exc)
    else:
        raise AssertionError("the schema accepted an unknown key")
