"""Many inputs: expansion, shards, failure isolation, JSON reports, atomic outputs, incremental builds.

Most builds here make DOCX only (the quickest format) or use stand-in renderers, because what is
tested is the build machinery, not a renderer.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from click.testing import CliRunner, Result
from conftest import LETTER
from docx import Document as WordDocument

from publish import batch
from publish.cli import cli
from publish.render import RenderJob


def run(*args: str | Path) -> Result:
    """The `publish` command run in this process, stdout and stderr kept apart."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def copies(folder: Path, *stems: str) -> list[Path]:
    """Copies of the letter named `stem`.yaml in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}.yaml" for stem in stems]
    for path in paths:
        shutil.copyfile(LETTER, path)
    return paths


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too) -> its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def word_text(path: Path) -> str:
    return "\n".join(p.text for p in WordDocument(str(path)).paragraphs)


FIRST_PARAGRAPH_START = "刚刚过去的2016年，对所有小米人来说"


# --- which inputs ---------------------------------------------------------------------------------


def test_a_folder_stands_for_its_yaml_files_sorted(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "notes.txt", "c.YAML"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.yaml").write_text("x", encoding="utf-8")
    found, problems = batch.expand_inputs([tmp_path])
    assert [p.name for p in found] == ["a.yml", "b.yaml", "c.YAML"]
    assert problems == []


def test_globs_missing_files_and_duplicates(tmp_path: Path) -> None:
    for name in ("x1.yaml", "x2.yaml", "y.yaml"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    names = ["x*.yaml", "y.yaml", "x1.yaml", "absent.yaml", "z*.yaml"]
    found, problems = batch.expand_inputs([tmp_path / name for name in names])
    assert [p.name for p in found] == ["x1.yaml", "x2.yaml", "y.yaml", "absent.yaml"]
    assert [(Path(p.path).name, p.message) for p in problems] == [("z*.yaml", "the pattern matches no file")]


def test_an_empty_folder_is_reported(tmp_path: Path) -> None:
    found, problems = batch.expand_inputs([tmp_path])
    assert found == [] and "no .yaml or .yml" in problems[0].message


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_shards_split_the_inputs_exactly_once_whatever_their_order(count: int) -> None:
    inputs = [Path(f"letters/{name}.yaml") for name in "qwertyuiopasdfg"]
    shards = [batch.select_shard(inputs, k, count) for k in range(1, count + 1)]
    assert sorted(p for shard in shards for p in shard) == sorted(inputs)
    assert sum(len(shard) for shard in shards) == len(inputs)
    assert max(map(len, shards)) - min(map(len, shards)) <= 1
    assert shards == [batch.select_shard(list(reversed(inputs)), k, count) for k in range(1, count + 1)]


@pytest.mark.parametrize("text", ["0/3", "4/3", "2", "a/b", "1/0", "-1/2"])
def test_a_bad_shard_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="shard"):
        batch.parse_shard(text)


def test_inputs_that_would_write_the_same_outputs_clash(tmp_path: Path) -> None:
    a, b = copies(tmp_path / "a", "letter")[0], copies(tmp_path / "b", "letter")[0]
    out = tmp_path / "out"
    result = run("build", a, b, "-o", out, "-f", "docx", "-j", "1", "--json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    statuses = {entry["input"]: entry["status"] for entry in report["inputs"]}
    assert statuses == {str(a): "built", str(b): "failed"}
    assert "would overwrite those of" in result.stderr
    assert FIRST_PARAGRAPH_START in word_text(out / "letter.docx")


# --- failure isolation and the JSON report -------------------------------------------------------


def test_one_bad_input_does_not_stop_the_others(tmp_path: Path) -> None:
    good = copies(tmp_path / "in", "one", "two", "three")
    bad = tmp_path / "in" / "bad.yaml"
    bad.write_text(LETTER.read_text(encoding="utf-8").replace("  author:", "  autor:", 1), encoding="utf-8")
    out = tmp_path / "out"
    result = run("build", tmp_path / "in", "-o", out, "-f", "docx", "-j", "2", "--json")
    assert result.exit_code == 2, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["exit_code"] == 2
    assert report["summary"] == {"built": 3, "up_to_date": 0, "failed": 1, "crashed": 0}
    by_input = {Path(entry["input"]).name: entry for entry in report["inputs"]}
    assert set(by_input) == {"bad.yaml", "one.yaml", "two.yaml", "three.yaml"}

    failed = by_input["bad.yaml"]
    assert failed["status"] == "failed" and failed["outputs"] == []
    line = next(i for i, text in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if "autor:" in text)
    error = failed["errors"][0]
    assert (error["file"], error["line"], error["column"]) == (str(bad), line, 3)
    assert "unknown key 'autor'" in error["message"]
    assert error["text"] in result.stderr.splitlines()
    assert not (out / "bad.docx").exists()

    for path in good:
        entry = by_input[path.name]
        assert entry["status"] == "built" and entry["duration"] > 0 and entry["errors"] == []
        [output] = entry["outputs"]
        written = Path(output["path"])
        assert written == out / f"{path.stem}.docx"
        data = written.read_bytes()
        assert output["size"] == len(data)
        assert output["sha256"] == hashlib.sha256(data).hexdigest()
        assert FIRST_PARAGRAPH_START in word_text(written)
    assert "4 inputs: 3 built, 1 failed" in result.stderr


def _crash_for(stem: str) -> Any:
    """A DOCX renderer that fails unexpectedly for the input named `stem`, and works otherwise."""
    from publish.render import docx

    real = docx.render

    def render(job: RenderJob, out: BinaryIO) -> None:
        if job.source.stem == stem:
            out.write(b"PK\x03\x04 half a zip")
            raise RuntimeError("renderer bug")
        real(job, out)

    return render


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_crash_is_isolated_reported_and_exits_70(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    from publish.render import docx

    monkeypatch.setattr(docx, "render", _crash_for("two"))
    copies(tmp_path / "in", "one", "two")
    out = tmp_path / "out"
    result = run("build", tmp_path / "in", "-o", out, "-f", "docx", "-j", jobs, "--json")
    assert result.exit_code == 70
    report = {Path(e["input"]).stem: e for e in json.loads(result.stdout)["inputs"]}
    assert report["one"]["status"] == "built"
    assert report["two"]["status"] == "crashed"
    assert "RuntimeError: renderer bug" in report["two"]["errors"][0]["message"]
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [".publish", "one.docx"]


# --- atomic outputs ---------------------------------------------------------------------------------


def _fake(content: bytes) -> Any:
    def render(job: RenderJob, out: BinaryIO) -> None:
        out.write(content)

    return render


def _failing_after_writing(job: RenderJob, out: BinaryIO) -> None:
    out.write(b"%PDF-1.4 half a file")
    out.flush()
    raise RuntimeError("failed halfway")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failed_format_replaces_no_output_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    from publish.render import docx, pdf, pptx

    [source] = copies(tmp_path, "letter")
    out = tmp_path / "out"
    monkeypatch.setattr(docx, "render", _fake(b"old docx"))
    monkeypatch.setattr(pdf, "render", _fake(b"old pdf"))
    monkeypatch.setattr(pptx, "render", _fake(b"old pptx"))
    assert run("build", source, "-o", out, "-j", jobs, "-q").exit_code == 0
    before = snapshot(out)
    assert before["letter.pdf"] == b"old pdf"

    monkeypatch.setattr(docx, "render", _fake(b"new docx"))
    monkeypatch.setattr(pptx, "render", _fake(b"new pptx"))
    monkeypatch.setattr(pdf, "render", _failing_after_writing)
    result = run("build", source, "-o", out, "-j", jobs, "--force")
    assert result.exit_code == 70
    assert "RuntimeError: failed halfway" in result.stderr
    assert snapshot(out) == before  # neither the half PDF nor the new DOCX and PPTX


def test_a_bad_input_leaves_the_last_good_outputs_untouched(tmp_path: Path) -> None:
    [source] = copies(tmp_path, "letter")
    out = tmp_path / "out"
    assert run("build", source, "-o", out, "-f", "docx", "-q").exit_code == 0
    before = snapshot(out)
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("body:", "body:\n  - label: [unclosed", 1), encoding="utf-8")
    result = run("build", source, "-o", out, "-f", "docx")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{source}:")
    assert snapshot(out) == before


# --- incremental builds -----------------------------------------------------------------------------


def _statuses(result: Result) -> list[tuple[str, list[bool]]]:
    report = json.loads(result.stdout)
    return [(e["status"], [o["rebuilt"] for o in e["outputs"]]) for e in report["inputs"]]


def test_up_to_date_outputs_are_skipped_until_something_changes(tmp_path: Path) -> None:
    [source] = copies(tmp_path, "letter")
    out = tmp_path / "out"
    docx_file = out / "letter.docx"

    def build(*extra: str | Path) -> list[tuple[str, list[bool]]]:
        result = run("build", source, "-o", out, "-f", "docx", "--json", *extra)
        assert result.exit_code == 0, result.stderr
        return _statuses(result)

    assert build() == [("built", [True])]
    stamp = docx_file.stat().st_mtime_ns
    assert build() == [("up to date", [False])]
    assert docx_file.stat().st_mtime_ns == stamp

    assert build("--force") == [("built", [True])]
    assert build() == [("up to date", [False])]

    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("title: ", "title: 新", 1), encoding="utf-8")
    assert build() == [("built", [True])]
    assert "新" in WordDocument(str(docx_file)).core_properties.title

    theme = tmp_path / "theme.yaml"
    from publish.theme import default_theme_path

    theme.write_text(default_theme_path().read_text(encoding="utf-8").replace("#FF6900", "#0066CC"), encoding="utf-8")
    assert build("--theme", theme) == [("built", [True])]
    assert build("--theme", theme) == [("up to date", [False])]

    docx_file.write_bytes(b"edited by hand")
    assert build("--theme", theme) == [("built", [True])]
    docx_file.unlink()
    assert build("--theme", theme) == [("built", [True])]


def test_only_missing_formats_are_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from publish.render import pdf

    monkeypatch.setattr(pdf, "render", _fake(b"pdf stand-in"))
    [source] = copies(tmp_path, "letter")
    out = tmp_path / "out"
    assert run("build", source, "-o", out, "-f", "docx", "-q").exit_code == 0
    result = run("build", source, "-o", out, "-f", "docx,pdf", "--json")
    [entry] = json.loads(result.stdout)["inputs"]
    assert entry["status"] == "built"
    assert {o["format"]: o["rebuilt"] for o in entry["outputs"]} == {"docx": False, "pdf": True}
    assert (out / "letter.pdf").read_bytes() == b"pdf stand-in"


def test_the_build_key_follows_the_epoch_and_templates(tmp_path: Path) -> None:
    from publish.build import build_keys
    from publish.render import RenderOptions
    from publish.theme import load_theme

    theme = load_theme()
    template = tmp_path / "template.docx"
    template.write_bytes(b"one")
    keys = [
        build_keys("source", theme, RenderOptions(), ["docx"]),
        build_keys("source", theme, RenderOptions(source_date_epoch=1), ["docx"]),
        build_keys("source", theme, RenderOptions(docx_template=template), ["docx"]),
        build_keys("other source", theme, RenderOptions(), ["docx"]),
    ]
    template.write_bytes(b"two")
    keys.append(build_keys("source", theme, RenderOptions(docx_template=template), ["docx"]))
    assert len({k["docx"] for k in keys}) == len(keys)
    assert keys[0] == build_keys("source", theme, RenderOptions(), ["docx"])


def _refusing(job: RenderJob, out: BinaryIO) -> None:
    from publish.errors import InputError

    out.write(b"PK half")
    raise InputError(job.source, "the slides cannot hold the text", 3, 5)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_renderer_input_error_comes_back_located_from_a_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    from publish.render import docx, pptx

    monkeypatch.setattr(docx, "render", _fake(b"docx stand-in"))
    monkeypatch.setattr(pptx, "render", _refusing)
    [source] = copies(tmp_path, "letter")
    out = tmp_path / "out"
    result = run("build", source, "-o", out, "-f", "docx,pptx", "-j", jobs)
    assert result.exit_code == 2
    assert f"{source}:3:5: the slides cannot hold the text" in result.stderr.splitlines()
    assert not out.exists() or snapshot(out) == {}


def test_a_letter_comes_out_the_same_after_another_letter_in_the_same_process(tmp_path: Path) -> None:
    """Two letters with different characters, one process: the second is drawn with its own glyphs.

    Each letter's fonts are subsets with the same PostScript name; ReportLab would reuse the first
    letter's subset for the second, whose characters then come out as empty boxes. The second
    letter's PDF must be byte for byte the one it gets when built alone in a fresh process.
    """
    import os
    import subprocess
    import sys

    from publish.render import RenderOptions

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fixtures.odd.letters import letter_yaml

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.yaml").write_text(letter_yaml(["小米 2017 年的目标：整体收入突破 1000 亿元。"]), encoding="utf-8")
    (inputs / "b.yaml").write_text(letter_yaml(["春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。"]), encoding="utf-8")
    epoch = 1700000000
    settings = batch.Settings(tmp_path / "together", ("pdf",), options=RenderOptions(source_date_epoch=epoch))
    reports = batch.run(sorted(inputs.iterdir()), settings, jobs=1)
    assert [r.status for r in reports] == ["built", "built"]
    alone = tmp_path / "alone"
    command = [sys.executable, "-m", "publish", "build", str(inputs / "b.yaml"), "-o", str(alone), "-f", "pdf", "-q"]
    subprocess.run(command, check=True, env={**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}, timeout=300)
    assert (tmp_path / "together" / "b.pdf").read_bytes() == (alone / "b.pdf").read_bytes()


def test_a_long_batch_keeps_only_so_many_fonts_registered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fonts of earlier letters are let go (ReportLab keeps each file's bytes), and a letter drawn
    after that is still drawn with its own glyphs."""
    import subprocess
    import sys

    from reportlab.pdfbase import pdfmetrics

    from publish.render import RenderOptions, _pdf_fonts

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fixtures.odd.letters import letter_yaml

    monkeypatch.setattr(_pdf_fonts, "KEPT_REGISTRATIONS", 5)
    inputs = tmp_path / "in"
    inputs.mkdir()
    texts = ["小米 2017 年的目标：整体收入突破 1000 亿元。", "春眠不觉晓，处处闻啼鸟。", "床前明月光，疑是地上霜。"]
    for index, text in enumerate(texts):
        (inputs / f"{index}.yaml").write_text(letter_yaml([text]), encoding="utf-8")
    epoch = 1700000000
    settings = batch.Settings(tmp_path / "together", ("pdf",), options=RenderOptions(source_date_epoch=epoch))
    reports = batch.run(sorted(inputs.iterdir()), settings, jobs=1)
    assert [r.status for r in reports] == ["built"] * 3
    kept = list(_pdf_fonts._registered.values())
    assert len(kept) <= 5
    ours = [name for name in pdfmetrics.getRegisteredFontNames() if name.startswith("Noto")]
    assert set(ours) <= set(kept), "a font let go is no longer registered with ReportLab"
    alone = tmp_path / "alone"
    command = [sys.executable, "-m", "publish", "build", str(inputs / "2.yaml"), "-o", str(alone), "-f", "pdf", "-q"]
    subprocess.run(command, check=True, env={**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}, timeout=300)
    assert (tmp_path / "together" / "2.pdf").read_bytes() == (alone / "2.pdf").read_bytes()
