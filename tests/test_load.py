"""Odd but valid input loads and builds: a BOM, CRLF, very long paragraphs, 10,000 paragraphs.

Also the loader's helpers: positions in files with a BOM or CRLF, assets kept in the project folder,
characters found where the user typed them.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from publish.build import build
from publish.errors import InputError, InputErrors
from publish.load import checked_asset, load_document, locate_character, read_text
from publish.text import plain_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixtures.odd.letters import docx_paragraphs, letter_yaml, long_letter, pdf_text, pptx_notes, squash

ODD = Path(__file__).resolve().parent / "fixtures" / "odd"
PLAIN = "meta:\n  title: 新年公开信\n  author: 雷军\nbody:\n  - blocks:\n      - 刚刚过去的一年，是**非凡**的一年。\n"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bom.yaml", b"\xef\xbb\xbf" + PLAIN.encode()),
        ("crlf.yaml", PLAIN.replace("\n", "\r\n").encode()),
        ("bom_crlf.yaml", b"\xef\xbb\xbf" + PLAIN.replace("\n", "\r\n").encode()),
        ("cr_only.yaml", PLAIN.replace("\n", "\r").encode()),
    ],
)
def test_bom_and_line_endings_load_like_the_plain_file(tmp_path: Path, name: str, data: bytes) -> None:
    plain, odd = tmp_path / "plain.yaml", tmp_path / name
    plain.write_text(PLAIN, encoding="utf-8")
    odd.write_bytes(data)
    assert load_document(odd) == load_document(plain)
    assert "\ufeff" not in load_document(odd).meta.title


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_errors_are_located_alike_with_a_bom_or_crlf(tmp_path: Path, prefix: bytes, newline: str) -> None:
    source = tmp_path / "odd.yaml"
    source.write_bytes(prefix + PLAIN.replace("  author: 雷军", "  autor: 雷军").replace("\n", newline).encode())
    with pytest.raises(InputErrors) as caught:
        load_document(source)
    assert [str(e) for e in caught.value.errors] == [f"{source}:3:3: unknown key 'autor' (did you mean 'author'?)"]


def test_a_bom_does_not_shift_the_column_of_the_first_line(tmp_path: Path) -> None:
    source = tmp_path / "bom.yaml"
    source.write_bytes(b"\xef\xbb\xbfmeta: [\n")
    with pytest.raises(InputError) as caught:
        load_document(source)
    assert (caught.value.line, caught.value.column) == (2, 1)


def test_the_odd_fixture_builds_into_all_three(tmp_path: Path) -> None:
    # tests/fixtures/odd/odd.yaml: BOM, CRLF, markup-looking text, emoji, rare Han, a long paragraph.
    raw = (ODD / "odd.yaml").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    document = load_document(ODD / "odd.yaml")
    texts = [plain_text(p.text) for p in document.paragraphs()]
    assert max(len(t) for t in texts) > 5000
    outputs = build(ODD / "odd.yaml", tmp_path, ["pdf", "docx", "pptx"]).outputs
    pdf = squash(pdf_text(outputs["pdf"]))
    docx = docx_paragraphs(outputs["docx"])
    notes = squash("".join(pptx_notes(outputs["pptx"])))
    for text in texts:
        assert squash(text) in pdf, text[:40]
        assert text in docx, text[:40]
        assert squash(text) in notes, text[:40]


def test_a_very_long_paragraph_comes_back_whole(tmp_path: Path) -> None:
    paragraph = "".join(f"第{n}句：刚刚过去的2016年，对所有小米人来说是非凡的一年。" for n in range(600))
    source = tmp_path / "long_paragraph.yaml"
    source.write_text(letter_yaml([paragraph]), encoding="utf-8")
    outputs = build(source, tmp_path / "out", ["pdf", "docx"]).outputs
    assert squash(paragraph) in squash(pdf_text(outputs["pdf"]))
    assert paragraph in docx_paragraphs(outputs["docx"])


def test_ten_thousand_paragraphs_load_and_build(tmp_path: Path) -> None:
    source = tmp_path / "long.yaml"
    source.write_text(long_letter(10_000), encoding="utf-8")
    document = load_document(source)
    paragraphs = [p.text for p in document.paragraphs()]
    assert len(paragraphs) == 10_000 and paragraphs[-1].startswith("10000. ")
    docx = docx_paragraphs(build(source, tmp_path / "out", ["docx"]).outputs["docx"])
    assert sum(1 for p in docx if p in set(paragraphs)) == 10_000


def test_the_generator_writes_what_it_says() -> None:
    text = long_letter(250, per_section=100)
    assert text.count("\n  - heading: ") == 3
    assert text.count("\n      - ") == 250


# --- helpers ------------------------------------------------------------------------------------


def test_read_text_drops_the_bom(tmp_path: Path) -> None:
    source = tmp_path / "bom.yaml"
    source.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_text(source) == "a: 1\n"


def test_locate_character_finds_what_was_typed_or_escaped(tmp_path: Path) -> None:
    typed = tmp_path / "typed.yaml"
    typed.write_text("a: 一二\nb: 三𠀀四\n", encoding="utf-8")
    escaped = tmp_path / "escaped.yaml"
    escaped.write_text('a: x\nb:   "三\\U00020000四"\n', encoding="utf-8")
    assert locate_character([typed], "𠀀") == (typed, 2, 5)
    assert locate_character([escaped], "𠀀") == (escaped, 2, 6)
    assert locate_character([escaped, typed], "一") == (typed, 1, 4)
    assert locate_character([typed], "五") is None


def test_checked_asset_resolves_inside_and_refuses_outside(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "img").mkdir(parents=True)
    (project / "img" / "logo.png").write_bytes(b"\x89PNG")
    (tmp_path / "secret.txt").write_text("x", encoding="utf-8")
    named_in = project / "theme.yaml"
    named_in.write_text('logo: "img/logo.png"\nother: "../secret.txt"\n', encoding="utf-8")
    assert checked_asset(project / "img" / "logo.png", "img/logo.png", named_in, ("logo",), "image") == (
        project / "img" / "logo.png"
    )
    with pytest.raises(InputError) as caught:
        checked_asset(project / "../secret.txt", "../secret.txt", named_in, ("other",), "image")
    assert str(caught.value).startswith(f"{named_in}:2:8: image '../secret.txt' is outside the project folder")
    allowed = checked_asset(project / "../secret.txt", "../secret.txt", named_in, ("other",), "image", contained=False)
    assert allowed.resolve() == (tmp_path / "secret.txt").resolve()


def _positions(node: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every key's and item's (line, column) in a round-trip tree, with its path."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    found: list[tuple[object, ...]] = []
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            found.append((*path, key, node.lc.key(key), node.lc.value(key)))
            found += _positions(value, (*path, key))
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            found.append((*path, index, node.lc.item(index)))
            found += _positions(value, (*path, index))
    return found


def _utf8_files(paths: Iterable[Path]) -> list[Path]:
    """The files among `paths` that are UTF-8 text (the others are refused before parsing)."""
    readable = []
    for path in sorted(paths):
        with contextlib.suppress(InputError):
            read_text(path)
            readable.append(path)
    return readable


@pytest.mark.parametrize(
    "path",
    [Path("letter.yaml"), ODD / "odd.yaml", *_utf8_files((ODD.parent / "bad").glob("*.yaml"))],
    ids=lambda p: p.name,
)
def test_the_fast_parser_reads_what_the_reference_parser_reads(path: Path) -> None:
    """libyaml's events give the same tree, positions and refusals as ruamel's own parser."""
    from publish import load

    assert load._LibyamlParser is not None, "ruamel.yaml.clib is a dependency; the fast parser must be in use"
    text = read_text(Path(__file__).resolve().parent.parent / path)
    outcomes = []
    for fast in (True, False):
        try:
            data = load._yaml(fast=fast).load(text)
        except Exception as exc:  # the refusal itself is compared
            outcomes.append(("refused", type(exc).__name__))
        else:
            outcomes.append((data, _positions(data)))
    assert outcomes[0] == outcomes[1]
