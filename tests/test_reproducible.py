"""Reproducible bytes: with SOURCE_DATE_EPOCH, two builds of the letter are byte-identical.

One build runs the real command in a fresh process with the environment variable and the
formats rendered in parallel children; the other runs in this process, one format after
another. Every format must come out the same, and its dates must be the epoch's. A renderer
must take the epoch from `job.options`, not from the environment: a build through the API with
the same epoch and no environment variable must give the same PDF too.
"""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import LETTER, ROOT

from publish.build import build
from publish.render import RenderOptions
from publish.reproducible import reproducible_zip, zip_time

EPOCH = 1700000000
"""2023-11-14 22:13:20 UTC: not midnight, so a local-time or rounding slip shows."""

FORMATS = ("pdf", "docx", "pptx")


@pytest.fixture(scope="module")
def twice(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], dict[str, Path]]:
    """The letter built twice with the same epoch: (by the command, -j 2), (in-process, -j 1)."""
    first = tmp_path_factory.mktemp("first")
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
    run = subprocess.run(
        [sys.executable, "-m", "publish", "build", str(LETTER), "-o", str(first), "-j", "2", "-q"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    second = tmp_path_factory.mktemp("second")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        result = build(LETTER, second, options=RenderOptions(source_date_epoch=EPOCH), jobs=1)
    by_command = {name: first / f"letter.{name}" for name in FORMATS}
    return by_command, dict(result.outputs)


def _zip_differences(a: Path, b: Path) -> list[str]:
    """What differs between two zips: member order, then each member whose bytes differ."""
    with zipfile.ZipFile(a) as left, zipfile.ZipFile(b) as right:
        if left.namelist() != right.namelist():
            return [f"member order: {left.namelist()} != {right.namelist()}"]
        found = [name for name in left.namelist() if left.read(name) != right.read(name)]
        found += [f"{i.filename} (header)" for i, j in zip(left.infolist(), right.infolist(), strict=True)
                  if (i.date_time, i.external_attr, i.compress_type) != (j.date_time, j.external_attr, j.compress_type)]
        return found


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_builds_are_byte_identical(twice: tuple[dict[str, Path], dict[str, Path]], fmt: str) -> None:
    first, second = twice[0][fmt].read_bytes(), twice[1][fmt].read_bytes()
    if first != second and fmt in ("docx", "pptx"):
        pytest.fail(f"{fmt} differs in: {_zip_differences(twice[0][fmt], twice[1][fmt])}")
    assert first == second, f"{fmt}: {len(first)} and {len(second)} bytes differ"


@pytest.mark.parametrize("fmt", ["docx", "pptx"])
def test_zip_members_are_stamped_with_the_epoch(twice: tuple[dict[str, Path], dict[str, Path]], fmt: str) -> None:
    with zipfile.ZipFile(twice[0][fmt]) as archive:
        infos = archive.infolist()
        core = archive.read("docProps/core.xml").decode("utf-8")
    assert infos[0].filename == "[Content_Types].xml"
    assert {info.date_time for info in infos} == {(2023, 11, 14, 22, 13, 20)}
    assert {(info.external_attr >> 16) & 0o777 for info in infos} == {0o644}
    assert {info.create_system for info in infos} == {3}
    stamp = "2023-11-14T22:13:20Z"
    assert re.search(rf"<dcterms:created[^>]*>{stamp}</dcterms:created>", core), core
    assert re.search(rf"<dcterms:modified[^>]*>{stamp}</dcterms:modified>", core), core


def test_pdf_dates_come_from_the_epoch(twice: tuple[dict[str, Path], dict[str, Path]]) -> None:
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser

    with open(twice[0]["pdf"], "rb") as handle:
        info = PDFDocument(PDFParser(handle)).info[0]
    assert info["CreationDate"].startswith(b"D:20231114221320")
    assert info["ModDate"].startswith(b"D:20231114221320")


def test_pdf_takes_the_epoch_from_the_options_not_the_environment(
    twice: tuple[dict[str, Path], dict[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    result = build(LETTER, tmp_path, formats=["pdf"], options=RenderOptions(source_date_epoch=EPOCH))
    pdfs = (twice[0]["pdf"], result.outputs["pdf"])
    ids = [re.findall(rb"/ID\s*\[<([0-9a-f]+)>", path.read_bytes()) for path in pdfs]
    assert ids[0] == ids[1], "the PDF /ID depends on the SOURCE_DATE_EPOCH variable, not only on job.options"
    assert twice[0]["pdf"].read_bytes() == result.outputs["pdf"].read_bytes()


def test_reproducible_zip_ignores_order_times_and_permissions() -> None:
    members = {"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>",
               **{f"word/part{i}.xml": f"<p>{i}</p>".encode() for i in range(8)}}

    def shuffled_zip(seed: int) -> bytes:
        rng = random.Random(seed)
        names = list(members)
        rng.shuffle(names)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name in names:
                info = zipfile.ZipInfo(name, date_time=(2000 + rng.randrange(20), 1 + rng.randrange(12), 1, 0, 0, 0))
                info.external_attr = rng.choice([0o600, 0o755, 0o644]) << 16
                archive.writestr(info, members[name], compress_type=rng.choice([zipfile.ZIP_STORED,
                                                                               zipfile.ZIP_DEFLATED]))
        return out.getvalue()

    one, two = reproducible_zip(shuffled_zip(1), EPOCH), reproducible_zip(shuffled_zip(2), EPOCH)
    assert shuffled_zip(1) != shuffled_zip(2)
    assert one == two
    with zipfile.ZipFile(io.BytesIO(one)) as archive:
        assert archive.namelist()[:2] == ["[Content_Types].xml", "_rels/.rels"]
        assert archive.namelist()[2:] == sorted(archive.namelist()[2:])
        assert {name: archive.read(name) for name in archive.namelist()} == members


def test_zip_time_is_utc_and_clamped_to_the_zip_range() -> None:
    moment = datetime.fromtimestamp(EPOCH, UTC)
    assert zip_time(EPOCH) == (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    assert zip_time(0) == (1980, 1, 1, 0, 0, 0)
    assert zip_time(2**40) == (2107, 12, 31, 23, 59, 58)


def test_the_pdf_does_not_depend_on_when_the_font_cache_was_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fonts prepared at different times (with and without SOURCE_DATE_EPOCH) give the same PDF.

    ReportLab copies the prepared font's `head` table, timestamps included, into the PDF.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fixtures.odd.letters import letter_yaml

    source = tmp_path / "short.yaml"
    source.write_text(letter_yaml(["小米 2017 年的目标：整体收入突破 1000 亿元。"]), encoding="utf-8")
    outputs = []
    for name, preparation_epoch in (("a", None), ("b", "86400")):
        monkeypatch.setenv("PUBLISH_CACHE_DIR", str(tmp_path / f"cache-{name}"))
        if preparation_epoch is None:
            monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
        else:
            monkeypatch.setenv("SOURCE_DATE_EPOCH", preparation_epoch)
        result = build(source, tmp_path / name, formats=["pdf"], options=RenderOptions(source_date_epoch=EPOCH))
        outputs.append(result.outputs["pdf"].read_bytes())
    assert list((tmp_path / "cache-a").rglob("*.ttf")), "the first build prepared its own fonts"
    assert outputs[0] == outputs[1]
