"""The `publish` command: its contract (exit codes, located errors, no tracebacks) and its output."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import pytest
from click.testing import CliRunner, Result
from conftest import LETTER, ROOT

from publish.cli import cli
from publish.render import RenderJob


def run(*args: str | Path) -> Result:
    """The `publish` command run in this process, stdout and stderr kept apart."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def letter_copy(folder: Path, stem: str = "letter") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.yaml"
    shutil.copyfile(LETTER, path)
    return path


def test_bad_input_is_one_located_line_and_exit_2(tmp_path: Path) -> None:
    source = tmp_path / "letter.yaml"
    source.write_text("meta:\n  title: 标题\n  author: 雷军\nbody:\n  - label: 开篇\n    blocks: [\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("build", source, "-o", out)
    assert result.exit_code == 2
    [line] = [text for text in result.stderr.splitlines() if not text.startswith("publish:")]
    assert line.startswith(f"{source}:7:1: invalid YAML")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not out.exists()


def test_check_validates_without_writing(tmp_path: Path) -> None:
    good = letter_copy(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("meta: {title: x}\n", encoding="utf-8")
    assert run("check", good).stdout == f"{good}: ok\n"
    result = run("check", good, bad)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{bad}:1:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "letter.yaml"]


def test_schema_is_json_of_the_letter_model() -> None:
    result = run("schema")
    schema = json.loads(result.stdout)
    assert {"meta", "body"} <= set(schema["properties"])


def _explode(job: RenderJob, out: BinaryIO) -> None:
    raise KeyError("no such style")


def test_internal_error_is_exit_70_with_a_traceback_only_when_verbose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from publish.render import docx

    monkeypatch.setattr(docx, "render", _explode)
    source = letter_copy(tmp_path)
    quiet = run("build", source, "-o", tmp_path / "out", "-f", "docx")
    assert quiet.exit_code == 70
    assert "internal error at test_cli.py:" in quiet.stderr and "KeyError: 'no such style'" in quiet.stderr
    assert "Traceback" not in quiet.stderr
    loud = run("build", source, "-o", tmp_path / "out", "-f", "docx", "-v")
    assert loud.exit_code == 70
    assert "Traceback (most recent call last)" in loud.stderr and "_explode" in loud.stderr


def test_plain_output_lists_written_files_then_a_summary(tmp_path: Path) -> None:
    source = letter_copy(tmp_path)
    out = tmp_path / "out"
    result = run("build", source, "-o", out, "-f", "docx")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [str(out / "letter.docx")]
    assert result.stderr.startswith("publish: 1 input: 1 built in ")
    again = run("build", source, "-o", out, "-f", "docx", "-v")
    assert again.stdout == ""
    assert f"{source}: up to date" in again.stderr and "1 up to date" in again.stderr
    assert run("build", source, "-o", out, "-f", "docx", "-q", "--force").output == ""


def test_shard_picks_its_slice_and_rejects_nonsense(tmp_path: Path) -> None:
    for stem in ("c", "a", "b"):
        letter_copy(tmp_path / "in", stem)
    result = run("build", tmp_path / "in", "-o", tmp_path / "out", "-f", "docx", "--shard", "2/2", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["shard"] == "2/2"
    assert [Path(e["input"]).name for e in report["inputs"]] == ["b.yaml"]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.docx")) == ["b.docx"]
    bad = run("build", tmp_path / "in", "--shard", "3/2")
    assert bad.exit_code == 2 and "--shard" in bad.stderr


def test_default_input_is_letter_yaml_in_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    letter_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run("build", "-f", "docx", "-q")
    assert result.exit_code == 0
    assert (tmp_path / "dist" / "letter.docx").stat().st_size > 0


def test_python_dash_m_publish_is_the_same_command() -> None:
    result = subprocess.run([sys.executable, "-m", "publish", "build", "--help"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0
    for option in ("-j, --jobs", "--shard K/N", "--force", "--json", "-q, --quiet", "-v, --verbose"):
        assert option in result.stdout


def _run_on_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Runs `publish` with stderr on a pseudo-terminal; its exit code and what the terminal showed."""
    main, secondary = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    process = subprocess.Popen([sys.executable, "-m", "publish", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=secondary, env=env)
    os.close(secondary)
    shown = b""
    while True:
        ready, _, _ = select.select([main], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed: the process has ended
            break
        if not chunk:
            break
        shown += chunk
    process.communicate(timeout=120)
    os.close(main)
    return process.returncode, shown.decode("utf-8", errors="replace")


def test_progress_bar_on_a_terminal_plain_lines_otherwise(tmp_path: Path) -> None:
    for stem in ("one", "two"):
        letter_copy(tmp_path / "in", stem)
    args = ["build", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-f", "docx", "-j", "1"]
    code, shown = _run_on_terminal([*args, "--force"], ROOT)
    assert code == 0
    assert "building" in shown and "2/2" in shown and "\x1b[" in shown  # rich's bar, drawn with escapes
    assert "publish: 2 inputs: 2 built" in shown
    piped = subprocess.run([sys.executable, "-m", "publish", *args, "--force"], cwd=ROOT, capture_output=True,
                           text=True, timeout=120)
    assert piped.returncode == 0
    assert "\x1b[" not in piped.stderr and "building" not in piped.stderr
    assert piped.stdout.splitlines() == [str(tmp_path / "out" / f"{s}.docx") for s in ("one", "two")]


def test_check_takes_folders_and_reports_empty_patterns(tmp_path: Path) -> None:
    letter_copy(tmp_path / "in", "a")
    (tmp_path / "in" / "b.yml").write_text("meta: {title: x}\n", encoding="utf-8")
    result = run("check", tmp_path / "in", tmp_path / "none-*.yaml")
    assert result.exit_code == 2
    assert result.stdout == f"{tmp_path / 'in' / 'a.yaml'}: ok\n"
    errors = result.stderr.splitlines()
    assert f"{tmp_path / 'none-*.yaml'}: the pattern matches no file" in errors
    assert any(line.startswith(f"{tmp_path / 'in' / 'b.yml'}:1:") for line in errors)


def test_a_theme_in_the_letters_folder_is_not_built_as_a_letter(tmp_path: Path) -> None:
    from publish.theme import default_theme_path

    letter_copy(tmp_path / "in", "a")
    theme = tmp_path / "in" / "theme.yaml"
    theme.write_text(default_theme_path().read_text(encoding="utf-8"), encoding="utf-8")
    result = run("build", tmp_path / "in", "--theme", theme, "-o", tmp_path / "out", "-f", "docx", "--json")
    assert result.exit_code == 0, result.stderr
    assert [Path(e["input"]).name for e in json.loads(result.stdout)["inputs"]] == ["a.yaml"]


def test_verbose_says_when_fonts_are_prepared_and_only_then(tmp_path: Path) -> None:
    """Preparing fonts takes seconds: `-v` says so, naming the faces; a cached build says nothing of it."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fixtures.odd.letters import letter_yaml

    source = tmp_path / "short.yaml"
    source.write_text(letter_yaml(["春眠不觉晓，处处闻啼鸟。"]), encoding="utf-8")
    env = {**os.environ, "PUBLISH_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "publish", "build", str(source), "-o", str(tmp_path / "out"), "-f", "pdf", "-v"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "publish: preparing NotoSerifSC-Regular for " in first.stderr
    assert f"kept in {tmp_path / 'cache' / 'fonts'}" in first.stderr
    again = subprocess.run([*command, "--force"], env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "preparing" not in again.stderr
    assert "built" in again.stderr
