"""Every mistake a user can make is one located line, exit code 2, no traceback, nothing written.

Each case runs `publish build` (click's runner, in process) on a bad input, with an output folder
already holding the "last good" outputs of that input, and checks the one line printed (place and
key words) and that the folder is exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from publish.cli import cli
from publish.errors import InputError, InputErrors
from publish.load import MAX_ALIAS_CHARACTERS, MAX_ALIASES, MAX_DEPTH, load_document
from publish.theme import default_theme_path, load_theme

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
GOOD_LETTER = "meta:\n  title: 新年公开信\n  author: 雷军\nbody:\n  - blocks:\n      - 刚刚过去的一年，是非凡的一年。\n"


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under `folder` (hidden ones too) with its content hash and modification time."""
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def last_good(out: Path, stem: str) -> None:
    """Puts the "last good" outputs of `stem` in `out`, for checking they survive a failed build."""
    out.mkdir(parents=True, exist_ok=True)
    for suffix in (".pdf", ".docx", ".pptx"):
        (out / f"{stem}{suffix}").write_bytes(f"last good {stem}{suffix}".encode())


def fails(source: Path, out: Path, *args: str) -> list[str]:
    """Runs `publish build source -o out ...`, expecting exit 2; returns the lines on stderr.

    Asserts no traceback, nothing on stdout, and `out` unchanged.
    """
    if out.is_dir() or (not out.exists() and out.parent.is_dir()):
        last_good(out, source.stem)
    before = snapshot(out) if out.is_dir() else None
    result = CliRunner().invoke(cli, ["build", str(source), "-o", str(out), *args])
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    if before is not None:
        assert snapshot(out) == before, "a failed build changed the output folder"
    return without_summary(result.stderr)


SUMMARY = re.compile(r"publish: \d+ inputs?: .* in \d+\.\d s")


def without_summary(stderr: str) -> list[str]:
    """The lines on stderr less the closing summary line of `publish build`, which must say "failed"."""
    lines = stderr.splitlines()
    if lines and SUMMARY.fullmatch(lines[-1]):
        assert "failed" in lines[-1], lines[-1]
        return lines[:-1]
    return lines


def one_line(lines: list[str], source: Path, line: int | None, column: int | None, *words: str) -> str:
    """Asserts `lines` is the single line `source:line:col: ...` holding every one of `words`."""
    assert len(lines) == 1, lines
    place = f"{source}:{line}:{column}: " if line is not None else f"{source}: "
    assert lines[0].startswith(place), (lines[0], place)
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


# --- the bad fixtures, one a mistake --------------------------------------------------------------

CASES = [
    ("malformed.yaml", 4, 5, ["invalid YAML", "flow sequence started at line 3, column 11"]),
    ("tab.yaml", 3, 1, ["tab character", "indentation", "spaces only"]),
    ("empty.yaml", None, None, ["the file is empty"]),
    ("binary.yaml", 2, 1, ["binary data", "not a YAML text file"]),
    ("not_mapping.yaml", 1, 1, ["top level must be a mapping", "not a list"]),
    ("gbk.yaml", 2, 10, ["not UTF-8", "GBK/GB18030", "Re-save it as UTF-8", "iconv -f GB18030 -t UTF-8"]),
    ("unknown_key.yaml", 3, 3, ["unknown key 'autor'", "did you mean 'author'?"]),
    ("missing_field.yaml", 2, 3, ["missing required key 'author' in 'meta'"]),
    ("wrong_type.yaml", 6, 13, ["'blocks' should be a list", "not text"]),
    ("duplicate_key.yaml", 6, 5, ["duplicate key 'heading'", "mapping starts at line 5", "text would be lost"]),
    ("python_object.yaml", 2, 10, ["tag !!python/object/apply:os.system is not allowed", "construct objects"]),
    ("control_escape.yaml", 6, 9, ["control character U+0007", "written as an escape"]),
    ("control_raw.yaml", 6, 14, ["control character U+000B", "cannot be stored in DOCX or PPTX"]),
    ("merge_key.yaml", 2, 3, ["merge keys (<<) are not allowed"]),
    ("alias_list.yaml", 7, 13, ["alias *k repeats a whole mapping or list"]),
]


@pytest.mark.parametrize(("name", "line", "column", "words"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_letter_is_one_located_line(
    tmp_path: Path, name: str, line: int | None, column: int | None, words: list[str]
) -> None:
    source = tmp_path / name
    shutil.copyfile(BAD / name, source)
    one_line(fails(source, tmp_path / "out"), source, line, column, *words)


def test_check_prints_the_same_line_as_build(tmp_path: Path) -> None:
    source = tmp_path / "unknown_key.yaml"
    shutil.copyfile(BAD / "unknown_key.yaml", source)
    result = CliRunner().invoke(cli, ["check", str(source)])
    assert result.exit_code == 2
    one_line(result.stderr.splitlines(), source, 3, 3, "did you mean 'author'?")


def test_gbk_file_is_really_gbk_chinese() -> None:
    # The fixture must stay what it claims to be: valid GBK Chinese, invalid UTF-8.
    raw = (BAD / "gbk.yaml").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "新年公开信" in raw.decode("gbk")


def test_utf16_is_named_and_not_called_binary(tmp_path: Path) -> None:
    source = tmp_path / "utf16.yaml"
    source.write_bytes(GOOD_LETTER.encode("utf-16"))
    one_line(fails(source, tmp_path / "out"), source, None, None, "UTF-16, not UTF-8", "re-save it as UTF-8")


def test_latin1_is_not_mistaken_for_gbk(tmp_path: Path) -> None:
    source = tmp_path / "latin1.yaml"
    source.write_bytes(GOOD_LETTER.replace("雷军", "José").encode("utf-8").replace("é".encode(), b"\xe9"))
    line = one_line(fails(source, tmp_path / "out"), source, 3, 14, "not UTF-8 text", "re-save it as UTF-8")
    assert "GBK" not in line


def test_whitespace_only_and_bom_only_files_are_empty(tmp_path: Path) -> None:
    for name, data in (("blank.yaml", b"  \n\n"), ("bom.yaml", b"\xef\xbb\xbf\n")):
        source = tmp_path / name
        source.write_bytes(data)
        one_line(fails(source, tmp_path / "out"), source, None, None, "the file is empty")


def test_missing_input_and_a_folder_as_input(tmp_path: Path) -> None:
    missing = tmp_path / "nothere.yaml"
    one_line(fails(missing, tmp_path / "out"), missing, None, None, "no such file")
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    one_line(fails(folder, tmp_path / "out"), folder, None, None, "the folder holds no .yaml or .yml file")


# --- alias bombs and deep nesting ----------------------------------------------------------------


def test_billion_laughs_is_refused_at_the_first_alias_of_a_list(tmp_path: Path) -> None:
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for index in range(1, 10):
        previous = chr(ord("a") + index - 1)
        levels.append(f"{chr(ord('a') + index)}: &{chr(ord('a') + index)} [{', '.join([f'*{previous}'] * 9)}]")
    source = tmp_path / "laughs.yaml"
    source.write_text("\n".join(levels) + "\n", encoding="utf-8")
    one_line(fails(source, tmp_path / "out"), source, 2, 8, "alias *a repeats a whole mapping or list")


def test_a_scalar_repeated_by_many_aliases_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    # 10 KB of text repeated by 200,000 aliases would be 2 GB; refused once aliases pass the limit.
    repeats = 200_000
    text = "meta:\n  title: &t " + "笑" * 10_000 + "\n  author: 雷军\n  keywords:\n" + "    - *t\n" * repeats
    source = tmp_path / "scalar_bomb.yaml"
    source.write_text(text + "body:\n  - blocks: [x]\n", encoding="utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as caught:
            load_document(source)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    first_refused = MAX_ALIAS_CHARACTERS // 10_000 + 1
    assert (caught.value.line, caught.value.column) == (4 + first_refused, 7)
    assert "too many aliases" in caught.value.message
    assert peak < 64 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    one_line(fails(source, tmp_path / "out"), source, 4 + first_refused, 7, "too many aliases")


def test_more_aliases_than_the_limit_are_refused(tmp_path: Path) -> None:
    text = "meta:\n  title: &t 新年\n  author: 雷军\n  keywords:\n" + "    - *t\n" * (MAX_ALIASES + 5)
    source = tmp_path / "many_aliases.yaml"
    source.write_text(text + "body:\n  - blocks: [x]\n", encoding="utf-8")
    one_line(fails(source, tmp_path / "out"), source, 5 + MAX_ALIASES, 7, "too many aliases")


def test_a_few_scalar_aliases_are_fine(tmp_path: Path) -> None:
    source = tmp_path / "aliases.yaml"
    source.write_text(
        "meta:\n  title: &t 新年公开信\n  author: 雷军\n  subject: *t\nbody:\n  - blocks: [*t]\n", encoding="utf-8"
    )
    document = load_document(source)
    assert document.meta.subject == document.body[0].blocks[0].text == "新年公开信"  # type: ignore[union-attr]


NESTING = {
    "flow_lists": ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", 1, 4 + MAX_DEPTH),
    # The composer stops at the key `b` of the 63rd mapping, the 65th node from the top.
    "flow_maps": ("a: " + "{b: " * 10_000 + "1" + "}" * 10_000 + "\n", 1, 3 + 4 * (MAX_DEPTH - 2) + 2),
    "block_lists": ("- " * 10_000 + "x\n", 1, 1 + 2 * MAX_DEPTH),
    "block_maps": ("".join(" " * i + f"k{i}:\n" for i in range(1000)) + " " * 1000 + "v\n", MAX_DEPTH, MAX_DEPTH),
}


@pytest.mark.parametrize("kind", list(NESTING))
def test_ten_thousand_levels_of_nesting_are_refused_without_recursion_error(tmp_path: Path, kind: str) -> None:
    text, line, column = NESTING[kind]
    source = tmp_path / f"{kind}.yaml"
    source.write_text(text, encoding="utf-8")
    one_line(fails(source, tmp_path / "out"), source, line, column, f"nested too deeply (more than {MAX_DEPTH} levels)")


@pytest.mark.parametrize(
    ("value", "tag"), [("!!binary aGVsbG8=", "!!binary"), ("!custom x", "!custom"), ("!!python/name:os.system ''", "")]
)
def test_tags_other_than_core_types_are_refused(tmp_path: Path, value: str, tag: str) -> None:
    source = tmp_path / "tagged.yaml"
    source.write_text(GOOD_LETTER.replace("title: 新年公开信", f"title: {value}"), encoding="utf-8")
    one_line(fails(source, tmp_path / "out"), source, 2, 10, f"tag {tag}", "is not allowed")


def test_even_core_tags_are_refused_with_a_hint_to_quote(tmp_path: Path) -> None:
    source = tmp_path / "core.yaml"
    source.write_text(GOOD_LETTER.replace("title: 新年公开信", "title: !!str 2017"), encoding="utf-8")
    one_line(fails(source, tmp_path / "out"), source, 2, 10, "tag !!str is not allowed", 'put it in quotes ("2017")')


@pytest.mark.parametrize(
    ("escape", "code"), [("\\x07", "U+0007"), ("\\x1b", "U+001B"), ("\\ud800", "U+D800"), ("\\uffff", "U+FFFF"),
                         ("\\x85", "U+0085"), ("\\x9b", "U+009B"), ("\\0", "U+0000")]
)
def test_control_characters_written_as_escapes_are_refused_where_they_are(
    tmp_path: Path, escape: str, code: str
) -> None:
    source = tmp_path / "escaped.yaml"
    quoted = GOOD_LETTER.replace("- 刚刚过去的一年", f'- "刚刚{escape}过去的一年').replace("一年。\n", '一年。"\n')
    source.write_text(quoted, encoding="utf-8")
    one_line(fails(source, tmp_path / "out"), source, 6, 9, code, "not allowed in text")


def test_a_control_character_in_a_key_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "key.yaml"
    source.write_text(GOOD_LETTER.replace("  author:", '  "auth\\x01or":'), encoding="utf-8")
    one_line(fails(source, tmp_path / "out"), source, 3, 3, "U+0001")


# --- assets: fonts and templates the theme names --------------------------------------------------

REAL_SERIF = "pkg:pylopdf_fonts_zh_cn/NotoSerifSC-Regular.otf"
REAL_SANS = "pkg:justmytype_intl_cjk/fonts/ofl/notosanssc/NotoSansSC[wght].ttf"


def write_theme(folder: Path, serif: str = REAL_SERIF, docx: str | None = None) -> Path:
    """A small theme in `folder`: the serif source is line 6, the docx template line 11."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        'colors: {brand: "#FF6900", brand_dark: "#C24F00", text: "#1F1F1F", muted: "#6E6E6E",',
        '         rule: "#D9D9D9", background: "#FFFFFF", tint: "#FFF3EA", on_brand: "#FFFFFF"}',
        "",
        "fonts:",
        "  serif:",
        f'    regular: {{source: "{serif}"}}',
        "  sans:",
        f'    regular: {{source: "{REAL_SANS}", weight: 400}}',
        f'    bold: {{source: "{REAL_SANS}", weight: 700}}',
        "templates:",
        f'  docx: "{docx}"' if docx else "  docx: null",
    ]
    theme = folder / "theme.yaml"
    theme.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_theme.cache_clear()
    return theme


def letter_in(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "letter.yaml"
    source.write_text(GOOD_LETTER, encoding="utf-8")
    return source


SERIF_COLUMN = len("    regular: {source: ") + 1
DOCX_COLUMN = len("  docx: ") + 1


def test_a_missing_font_is_located_in_the_theme(tmp_path: Path) -> None:
    theme = write_theme(tmp_path / "project", serif="fonts/missing.otf")
    source = letter_in(tmp_path / "project")
    one_line(fails(source, tmp_path / "out", "--theme", str(theme)), theme, 6, SERIF_COLUMN,
             "font 'fonts/missing.otf' not found", str(tmp_path / "project" / "fonts" / "missing.otf"))


def test_a_file_that_is_not_a_font_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "fonts").mkdir(parents=True)
    (project / "fonts" / "broken.otf").write_text("not a font", encoding="utf-8")
    theme = write_theme(project, serif="fonts/broken.otf")
    source = letter_in(project)
    one_line(fails(source, tmp_path / "out", "--theme", str(theme)), theme, 6, SERIF_COLUMN,
             "font 'fonts/broken.otf' is not a TrueType or OpenType font")


def test_a_folder_named_as_a_font_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "fonts" / "dir.otf").mkdir(parents=True)
    theme = write_theme(project, serif="fonts/dir.otf")
    one_line(fails(letter_in(project), tmp_path / "out", "--theme", str(theme)), theme, 6, SERIF_COLUMN,
             "is a folder, not a file")


def test_an_unreadable_font_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    (project / "fonts").mkdir(parents=True)
    font = project / "fonts" / "locked.otf"
    font.write_bytes(b"OTTO" + bytes(100))
    font.chmod(0)
    if os.geteuid() == 0:  # root reads every file: make opening this one fail as it would for a user
        real_open = Path.open

        def denied(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self == font:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", denied)
    theme = write_theme(project, serif="fonts/locked.otf")
    one_line(fails(letter_in(project), tmp_path / "out", "--theme", str(theme)), theme, 6, SERIF_COLUMN,
             "cannot be read")


def real_serif_path() -> Path:
    return load_theme(default_theme_path()).resolve(REAL_SERIF)


def test_a_font_outside_the_project_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "Serif.otf"
    outside.parent.mkdir()
    shutil.copyfile(real_serif_path(), outside)
    for reference in ("../elsewhere/Serif.otf", str(outside)):
        theme = write_theme(tmp_path / "project", serif=reference)
        one_line(fails(letter_in(tmp_path / "project"), tmp_path / "out", "--theme", str(theme)), theme, 6,
                 SERIF_COLUMN, f"font {reference!r} is outside the project folder", "--allow-outside-assets")


def test_a_symlink_leading_out_of_the_project_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "fonts").mkdir(parents=True)
    (project / "fonts" / "Serif.otf").symlink_to(real_serif_path())
    theme = write_theme(project, serif="fonts/Serif.otf")
    one_line(fails(letter_in(project), tmp_path / "out", "--theme", str(theme)), theme, 6, SERIF_COLUMN,
             "outside the project folder")


def test_allow_outside_assets_lets_the_theme_use_a_font_elsewhere(tmp_path: Path) -> None:
    project = tmp_path / "project"
    theme = write_theme(project, serif=str(real_serif_path()))
    source = letter_in(project)
    result = CliRunner().invoke(
        cli, ["build", str(source), "-o", str(tmp_path / "out"), "-f", "docx", "--theme", str(theme),
              "--allow-outside-assets"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "letter.docx").read_bytes()[:2] == b"PK"


def test_a_font_inside_the_project_folder_is_fine(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "fonts").mkdir(parents=True)
    shutil.copyfile(real_serif_path(), project / "fonts" / "Serif.otf")
    theme = write_theme(project, serif="fonts/Serif.otf")
    result = CliRunner().invoke(
        cli, ["build", str(letter_in(project)), "-o", str(tmp_path / "out"), "-f", "docx", "--theme", str(theme)]
    )
    assert result.exit_code == 0, result.output


def test_a_missing_template_is_located_in_the_theme(tmp_path: Path) -> None:
    theme = write_theme(tmp_path / "project", docx="templates/house.dotx")
    one_line(fails(letter_in(tmp_path / "project"), tmp_path / "out", "--theme", str(theme)), theme, 11,
             DOCX_COLUMN, "docx template 'templates/house.dotx' not found")


def test_a_template_outside_the_project_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "house.dotx").write_bytes(b"PK")
    theme = write_theme(tmp_path / "project", docx="../house.dotx")
    one_line(fails(letter_in(tmp_path / "project"), tmp_path / "out", "--theme", str(theme)), theme, 11,
             DOCX_COLUMN, "outside the project folder")


def test_a_missing_template_given_on_the_command_line(tmp_path: Path) -> None:
    missing = tmp_path / "nothere.dotx"
    one_line(fails(letter_in(tmp_path / "project"), tmp_path / "out", "--docx-template", str(missing)), missing,
             None, None, "docx template not found (from --docx-template)")


def test_a_missing_theme_file(tmp_path: Path) -> None:
    missing = tmp_path / "nothere.yaml"
    one_line(fails(letter_in(tmp_path / "project"), tmp_path / "out", "--theme", str(missing)), missing, None,
             None, "no such file")


def test_a_theme_with_an_unknown_key(tmp_path: Path) -> None:
    theme = write_theme(tmp_path / "project")
    theme.write_text(theme.read_text(encoding="utf-8").replace("templates:", "templtes:"), encoding="utf-8")
    one_line(fails(letter_in(tmp_path / "project"), tmp_path / "out", "--theme", str(theme)), theme, 10, 1,
             "unknown key 'templtes'", "did you mean 'templates'?")


# --- the output folder -------------------------------------------------------------------------------


def test_an_output_folder_that_is_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_bytes(b"a file, not a folder")
    one_line(fails(letter_in(tmp_path / "project"), out), out, None, None, "the output folder is a file")
    assert out.read_bytes() == b"a file, not a folder"


def test_an_output_folder_inside_a_file(tmp_path: Path) -> None:
    parent = tmp_path / "file"
    parent.write_bytes(b"x")
    out = parent / "out"
    one_line(fails(letter_in(tmp_path / "project"), out), out, None, None, "cannot create the output folder")


def test_an_output_folder_that_is_not_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    last_good(out, "letter")
    out.chmod(0o555)
    if os.geteuid() == 0:  # root may write anywhere: answer the access check as for a user
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if Path(path) == out and mode & os.W_OK
                            else real_access(path, mode, **kw))
    try:
        one_line(fails(letter_in(tmp_path / "project"), out), out, None, None, "not writable")
    finally:
        out.chmod(0o755)


# --- the real thing: a good build, then a broken letter ---------------------------------------------


def test_a_failed_build_leaves_the_last_good_outputs_untouched(tmp_path: Path) -> None:
    source = letter_in(tmp_path / "project")
    out = tmp_path / "out"
    good = CliRunner().invoke(cli, ["build", str(source), "-o", str(out), "-f", "pdf,docx"])
    assert good.exit_code == 0, good.output
    before = snapshot(out)
    assert {"letter.pdf", "letter.docx"} <= set(before)
    source.write_text(GOOD_LETTER.replace("  author: 雷军\n", "  author: 雷军\n  author: 小米\n"), encoding="utf-8")
    lines = without_summary(CliRunner().invoke(cli, ["build", str(source), "-o", str(out), "-f", "pdf,docx"]).stderr)
    one_line(lines, source, 4, 3, "duplicate key 'author'")
    assert snapshot(out) == before


def test_the_real_command_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    for name in ("gbk.yaml", "python_object.yaml"):
        source = tmp_path / name
        shutil.copyfile(BAD / name, source)
        done = subprocess.run(
            [sys.executable, "-m", "publish", "build", str(source), "-o", str(tmp_path / "out")],
            capture_output=True, text=True, cwd=tmp_path, check=False,
        )
        assert done.returncode == 2
        assert done.stdout == ""
        lines = without_summary(done.stderr)
        assert len(lines) == 1 and lines[0].startswith(f"{source}:2:10: "), done.stderr
        assert not (tmp_path / "out").exists()


def test_several_mistakes_are_one_line_each_in_file_order(tmp_path: Path) -> None:
    source = tmp_path / "several.yaml"
    source.write_text(
        "meta:\n  title: 2017\n  authr: 雷军\nbody:\n  - heading: 一\n    blocks: []\n", encoding="utf-8"
    )
    with pytest.raises(InputErrors) as caught:
        load_document(source)
    assert [str(e).split(": ", 1)[0] for e in caught.value.errors] == [
        f"{source}:2:10",
        f"{source}:3:3",
        f"{source}:6:13",
    ]


def test_no_output_folder_is_created_for_a_failed_build(tmp_path: Path) -> None:
    theme = write_theme(tmp_path / "project", serif="fonts/missing.otf")
    source = letter_in(tmp_path / "project")
    for args in (["--theme", str(theme)], []):
        bad = source if args else tmp_path / "tab.yaml"
        if not args:
            shutil.copyfile(BAD / "tab.yaml", bad)
        out = tmp_path / "never"
        result = CliRunner().invoke(cli, ["build", str(bad), "-o", str(out), *args])
        assert result.exit_code == 2, result.output
        assert not out.exists()


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        (GOOD_LETTER + "highlights:\n  figures:\n    - {id: a, label: l, value: .nan, unit: u, source: 非凡}\n",
         9, 32, ["'value' must be a finite number, not nan"]),
        (GOOD_LETTER + "highlights:\n  figures:\n    - {id: a, label: l, value: 1e400, unit: u, source: 非凡}\n",
         9, 32, ["'value' must be a finite number, not inf"]),
        (GOOD_LETTER.replace("  author: 雷军", "  author: 雷军\n  1: 数字键"), 4, 3,
         ["the key 1 is a number", "keys must be text"]),
        (GOOD_LETTER.replace("- 刚刚过去的一年，是非凡的一年。", '- ""'), 6, 9, ["'text' must not be empty"]),
        (GOOD_LETTER.replace("  title: 新年公开信", "  title: 2017-01-01"), 2, 10,
         ["'title' should be text, not a date (2017-01-01)", "put it in quotes"]),
        ("---\n" + GOOD_LETTER + "---\nmeta: {}\n", 8, 1, ["expected a single document"]),
    ],
    ids=["nan", "infinity", "number_key", "empty_text", "date", "two_documents"],
)
def test_values_that_would_crash_or_vanish_are_refused(
    tmp_path: Path, text: str, line: int, column: int, words: list[str]
) -> None:
    source = tmp_path / "odd_value.yaml"
    source.write_text(text, encoding="utf-8")
    one_line(fails(source, tmp_path / "out"), source, line, column, *words)


@pytest.mark.parametrize(("written", "column"), [("\u202e", 15), ("\\u2067", 9)], ids=["typed", "escaped"])
def test_bidirectional_controls_are_refused(tmp_path: Path, written: str, column: int) -> None:
    source = tmp_path / "bidi.yaml"
    quoted = GOOD_LETTER.replace("- 刚刚过去的一年", f'- "刚刚过去的{written}一年').replace("一年。\n", '一年。"\n')
    source.write_text(quoted, encoding="utf-8")
    one_line(fails(source, tmp_path / "out"), source, 6, column, "invisible bidirectional control U+20")
