#!/usr/bin/env python3
"""Benchmarks of `publish build`, each a median of several runs in fresh processes.

    .venv/bin/python scripts/bench.py                 # everything, 5 runs each (3 for the slow ones)
    .venv/bin/python scripts/bench.py --only warm,phases --runs 9

Cases:
  warm     one letter, all three formats, a fresh process, fonts already cached (-j 2)
  cold     the same with an empty font cache (PUBLISH_CACHE_DIR set to an empty folder)
  batch    N copies of the letter (default 100) with -j 2
  distinct N letters that each use characters no other one does, with -j 2
  big      a generated letter of 10,000 paragraphs (the letter's own, repeated), all formats
  phases   where the time goes: one build in one process, CPU seconds per phase, median

Wall times are medians; CPU is user + system of the whole process tree; peak RSS is the largest
single process of the tree (Linux `wait4`). Every build runs with --force, so nothing is skipped.
The numbers depend on the machine: say which, and whether it was busy, when quoting them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LETTER = ROOT / "letter.yaml"
PYTHON = sys.executable


@dataclass(frozen=True)
class Run:
    """One process tree's wall time, CPU time (s) and largest resident set (MiB)."""

    wall: float
    cpu: float
    peak_mib: float


def timed(args: list[str], env: dict[str, str] | None = None) -> Run:
    """Runs `args`, waits with wait4 for its own and its children's resource use; fails loudly."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(args)}\n{errors.decode(errors='replace')}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def publish(*args: str) -> list[str]:
    return [PYTHON, "-m", "publish", "build", *args, "--force", "-q"]


def summary(name: str, runs: list[Run], note: str = "") -> dict[str, object]:
    row = {
        "case": name,
        "runs": len(runs),
        "wall_median_s": round(statistics.median(r.wall for r in runs), 3),
        "wall_min_s": round(min(r.wall for r in runs), 3),
        "cpu_median_s": round(statistics.median(r.cpu for r in runs), 3),
        "peak_rss_mib": round(max(r.peak_mib for r in runs), 1),
    }
    extra = f"  {note}" if note else ""
    print(f"{name:8s} wall median {row['wall_median_s']:7.3f} s (min {row['wall_min_s']:.3f})  "
          f"cpu {row['cpu_median_s']:7.3f} s  peak RSS {row['peak_rss_mib']:6.1f} MiB  [{len(runs)} runs]{extra}",
          flush=True)
    return row


def warm(runs: int, work: Path) -> dict[str, object]:
    out = work / "warm"
    timed(publish(str(LETTER), "-o", str(out)))  # fills the font cache if it is empty
    return summary("warm", [timed(publish(str(LETTER), "-o", str(out), "-j", "2")) for _ in range(runs)])


def cold(runs: int, work: Path) -> dict[str, object]:
    results = []
    for index in range(runs):
        cache = work / f"cache-{index}"
        cache.mkdir()
        results.append(timed(publish(str(LETTER), "-o", str(work / "cold"), "-j", "2"),
                             env={"PUBLISH_CACHE_DIR": str(cache)}))
        shutil.rmtree(cache)
    return summary("cold", results, "empty PUBLISH_CACHE_DIR each run")


def batch(runs: int, work: Path, copies: int) -> dict[str, object]:
    inputs = work / "batch-in"
    inputs.mkdir()
    for index in range(copies):
        shutil.copyfile(LETTER, inputs / f"letter-{index:03d}.yaml")
    out = work / "batch-out"
    return summary("batch", [timed(publish(str(inputs), "-o", str(out), "-j", "2")) for _ in range(runs)],
                   f"{copies} copies, -j 2")


def distinct(runs: int, work: Path, copies: int) -> dict[str, object]:
    """Like `batch`, but every letter has characters of its own (its title and subject carry a
    number and two common Han characters no other letter has), so each needs fonts the others
    do not. The first run includes preparing the common characters once (see publish.fonts)."""
    inputs = work / "distinct-in"
    inputs.mkdir()
    text = LETTER.read_text(encoding="utf-8")
    han = [bytes((row, cell)).decode("gb2312") for row in range(0xB0, 0xD8) for cell in range(0xA1, 0xFF)
           if (row, cell) < (0xD7, 0xFA)]
    for index in range(copies):
        mark = f"第{index + 1}份{han[7 * index % len(han)]}{han[(7 * index + 3) % len(han)]}"
        varied = text.replace("  title: ", f"  title: {mark}", 1).replace("  subject: ", f"  subject: {mark}", 1)
        (inputs / f"letter-{index:03d}.yaml").write_text(varied, encoding="utf-8")
    out = work / "distinct-out"
    results = [timed(publish(str(inputs), "-o", str(out), "-j", "2")) for _ in range(runs)]
    return summary("distinct", results, f"{copies} letters with characters of their own, -j 2; "
                   f"first run {results[0].wall:.1f} s")


def big_letter(paragraphs: int) -> str:
    """The letter with generated sections appended, `paragraphs` paragraphs in all."""
    text = LETTER.read_text(encoding="utf-8")
    source = [line.strip() for line in (ROOT / "tests/fixtures/letter.txt").read_text(encoding="utf-8").splitlines()
              if line.strip()]
    body_end = text.index("\nhighlights:")
    have = text[:body_end].count("\n      - ")  # roughly the letter's own paragraphs
    lines = []
    for index in range(max(0, paragraphs - have)):
        if index % 50 == 0:
            lines.append(f"  - heading: 附录 {index // 50 + 1}\n    blocks:")
        lines.append(f"      - {json.dumps(source[index % len(source)], ensure_ascii=False)}")
    return text[:body_end] + "\n" + "\n".join(lines) + text[body_end:]


def big(runs: int, work: Path, paragraphs: int) -> dict[str, object]:
    source = work / "big.yaml"
    source.write_text(big_letter(paragraphs), encoding="utf-8")
    out = work / "big-out"
    results = [timed(publish(str(source), "-o", str(out), "-j", "2")) for _ in range(runs)]
    sizes = ", ".join(f"{p.suffix[1:]} {p.stat().st_size / 1024:.0f} KiB" for p in sorted(out.glob("big.*")))
    return summary("big", results, f"{paragraphs} paragraphs; {sizes}")


PHASES = r'''
import gc, io, json, sys, time
from pathlib import Path
gc.set_threshold(50_000)  # as publish.cli.main does
marks = []
def mark(name):
    marks.append((name, time.perf_counter(), time.process_time()))
mark("start")
import publish.cli; mark("import cli, click")
import publish.build as b; mark("import build (pydantic, ruamel, model)")
b.settle_heap()  # as the build command does
from publish.load import load_document
from publish.render import RenderOptions, renderer
from publish.theme import load_theme
theme = load_theme(None); mark("load theme")
options = RenderOptions(b.template_path(theme, None, "docx"), b.template_path(theme, None, "pptx"))
source = Path(sys.argv[1])
document = load_document(source); mark("load letter.yaml")
job = b.render_job(document, source, theme, options); mark("faces, fonts (cached)")
b.missing_character_warnings(job.faces, [*document.all_text(), *b.theme_texts(theme)], [source, theme.path])
mark("missing-character check")
for name in ("pdf", "docx", "pptx"):
    render = renderer(name); mark(f"import {name} renderer")
    render(job, io.BytesIO()); mark(f"render {name}")
print(json.dumps([(n, w, c) for n, w, c in marks]))
'''


def phases(runs: int) -> dict[str, object]:
    samples: dict[str, list[float]] = {}
    order: list[str] = []
    for _ in range(runs):
        result = subprocess.run([PYTHON, "-c", PHASES, str(LETTER)], cwd=ROOT, capture_output=True, text=True,
                                check=True)
        marks = json.loads(result.stdout)
        for (_, _, before), (name, _, after) in itertools.pairwise(marks):
            if name not in samples:
                order.append(name)
            samples.setdefault(name, []).append(after - before)
    medians = {name: statistics.median(samples[name]) for name in order}
    total = sum(medians.values())
    print(f"phases   CPU seconds in one process, all formats one after another, median of {runs}:")
    for name, seconds in medians.items():
        print(f"         {name:40s} {seconds:6.3f} s  {100 * seconds / total:5.1f} %")
    print(f"         {'total (after interpreter start)':40s} {total:6.3f} s", flush=True)
    return {"case": "phases", "runs": runs, "cpu_s": {k: round(v, 3) for k, v in medians.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs of the quick cases (warm, phases)")
    parser.add_argument("--slow-runs", type=int, default=3, help="runs of the slow cases (cold, batch, big)")
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--paragraphs", type=int, default=10_000)
    parser.add_argument("--only", default="warm,cold,batch,distinct,big,phases", help="comma-separated cases")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    cases = [c.strip() for c in args.only.split(",") if c.strip()]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"publish bench: {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load average {load:.2f} at start", flush=True)
    # An installed package has its bytecode compiled by pip; a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module of ours on every run instead.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "publish")], check=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="publish-bench-") as temp:
        work = Path(temp)
        for case in cases:
            match case:
                case "warm":
                    rows.append(warm(args.runs, work))
                case "cold":
                    rows.append(cold(args.slow_runs, work))
                case "batch":
                    rows.append(batch(args.slow_runs, work, args.copies))
                case "distinct":
                    rows.append(distinct(args.slow_runs, work, args.copies))
                case "big":
                    rows.append(big(args.slow_runs, work, args.paragraphs))
                case "phases":
                    rows.append(phases(args.runs))
                case _:
                    raise SystemExit(f"unknown case {case!r}")
    if hasattr(os, "getloadavg"):
        print(f"load average {os.getloadavg()[0]:.2f} at the end")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
