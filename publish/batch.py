"""Many inputs in one run: expand files, globs and folders, pick a shard, build each, report.

Inputs are built in a pool of processes forked after the renderers are imported, so no worker
pays for the imports again. One input's failure never stops the others: every input ends as a
report (built, up to date, failed with located errors, or crashed), and the run's exit code is
decided from all of them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from publish.build import OutputFile, RenderCrash, build, can_fork, crash_summary, settle_heap
from publish.errors import InputError, InputErrors
from publish.render import FORMATS, RenderOptions

Status = Literal["built", "up to date", "failed", "crashed"]

YAML_SUFFIXES = (".yaml", ".yml")
"""A folder given as input stands for its files with these suffixes (not its subfolders)."""

EXIT_OK = 0
EXIT_INPUT = 2
EXIT_INTERNAL = 70


@dataclass(frozen=True)
class Settings:
    """How to build every input of a run; the same for all of them."""

    out_dir: Path
    formats: tuple[str, ...] = tuple(FORMATS)
    theme_path: Path | None = None
    options: RenderOptions = field(default_factory=RenderOptions)
    allow_outside_assets: bool = False
    force: bool = False
    """Rebuild outputs the manifest says are up to date."""


@dataclass
class InputReport:
    """How one input's build ended; plain data, so it crosses process boundaries."""

    source: Path
    status: Status
    duration: float = 0.0
    files: list[OutputFile] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    traceback: str | None = None
    """The traceback of a crash (our bug); None for anything else."""

    def as_json(self, with_traceback: bool = False) -> dict[str, Any]:
        """The report as JSON data; the crash's traceback only if `with_traceback`."""
        data: dict[str, Any] = {
            "input": str(self.source),
            "status": self.status,
            "duration": round(self.duration, 3),
            "outputs": [
                {"format": f.format, "path": str(f.path), "size": f.size, "sha256": f.sha256, "rebuilt": f.rebuilt}
                for f in self.files
            ],
            "errors": [
                {"file": e.path, "line": e.line, "column": e.column, "message": e.message, "text": str(e)}
                for e in self.errors
            ],
            "warnings": list(self.warnings),
        }
        if with_traceback and self.traceback:
            data["traceback"] = self.traceback
        return data

    def __reduce__(self) -> tuple[Any, ...]:
        # InputError cannot be rebuilt from its args alone; send its fields instead.
        errors = [(e.path, e.message, e.line, e.column) for e in self.errors]
        fields = (self.source, self.status, self.duration, self.files, errors, self.warnings, self.traceback)
        return (_rebuild_report, fields)


def _rebuild_report(
    source: Path, status: Status, duration: float, files: list[OutputFile],
    errors: list[tuple[str, str, int | None, int | None]], warnings: list[str], details: str | None,
) -> InputReport:
    return InputReport(source, status, duration, files, [InputError(*e) for e in errors], warnings, details)


# --- which inputs ---------------------------------------------------------------------------------


def _has_magic(text: str) -> bool:
    return any(char in text for char in "*?[")


def expand_inputs(arguments: Iterable[str | Path]) -> tuple[list[Path], list[InputError]]:
    """The YAML files named by `arguments` (files, globs, folders), and the arguments naming none.

    A folder stands for its *.yaml and *.yml files, sorted; a glob for its matches, sorted. A
    plain path is kept even if it does not exist, so its build reports it like any bad input.
    Duplicates (the same file reached twice) are kept once, at their first place.
    """
    found: list[Path] = []
    problems: list[InputError] = []
    for argument in arguments:
        text = str(argument)
        path = Path(text)
        if path.is_dir():
            members = sorted(p for p in path.iterdir() if p.suffix.lower() in YAML_SUFFIXES and p.is_file())
            if not members:
                problems.append(InputError(path, "the folder holds no .yaml or .yml file"))
            found.extend(members)
        elif not path.exists() and _has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True))
            files = [m for m in matches if m.is_file()]
            if not files:
                problems.append(InputError(path, "the pattern matches no file"))
            found.extend(files)
        else:
            found.append(path)
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(os.path.realpath(path), path)
    return list(unique.values()), problems


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` as (K, N), 1 <= K <= N; ValueError with a readable message otherwise."""
    index, slash, count = text.partition("/")
    try:
        k, n = int(index), int(count)
    except ValueError:
        raise ValueError(f"--shard takes K/N, e.g. 2/4, not {text!r}") from None
    if not slash or n < 1 or not 1 <= k <= n:
        raise ValueError(f"--shard K/N needs 1 <= K <= N, not {text!r}")
    return k, n


def select_shard(inputs: Sequence[Path], index: int, count: int) -> list[Path]:
    """The `index`-th (1-based) of `count` shards: every count-th input of the sorted list.

    Sorting by path makes the split the same on every machine whatever order the inputs were
    named in; taking every count-th input spreads large and small inputs evenly.
    """
    ordered = sorted(inputs, key=lambda p: p.as_posix())
    return ordered[index - 1 :: count]


def name_clashes(inputs: Sequence[Path], out_dir: Path) -> dict[Path, InputError]:
    """Inputs whose outputs another input (earlier in sorted order) would also write."""
    owner: dict[str, Path] = {}
    clashes: dict[Path, InputError] = {}
    for path in sorted(inputs, key=lambda p: p.as_posix()):
        stem = path.stem
        if stem in owner:
            clashes[path] = InputError(
                path, f"its outputs {out_dir / stem}.* would overwrite those of {owner[stem]}; rename one of them"
            )
        else:
            owner[stem] = path
    return clashes


# --- building ---------------------------------------------------------------------------------------


def build_report(source: Path, settings: Settings, jobs: int = 1) -> InputReport:
    """Builds one input and reports how it went; never raises for a failed build."""
    started = time.perf_counter()
    report = InputReport(source, "built")
    try:
        result = build(
            source, settings.out_dir, settings.formats, settings.theme_path, settings.options,
            settings.allow_outside_assets, jobs=jobs, manifest=True, force=settings.force,
        )
    except InputError as exc:
        report.status, report.errors = "failed", [exc]
    except InputErrors as exc:
        report.status, report.errors = "failed", list(exc.errors)
    except RenderCrash as exc:
        report.status, report.traceback = "crashed", exc.details
        report.errors = [InputError(source, exc.summary)]
    except Exception as exc:
        import traceback

        report.status, report.traceback = "crashed", traceback.format_exc()
        report.errors = [InputError(source, crash_summary(exc))]
    else:
        report.files, report.warnings = result.files, result.warnings
        if result.up_to_date:
            report.status = "up to date"
    report.duration = time.perf_counter() - started
    return report


def _preload(settings: Settings) -> None:
    """Imports the renderers and reads the theme once, before worker processes are forked."""
    from publish.build import tool_identity
    from publish.render import renderer
    from publish.theme import load_theme

    for name in settings.formats:
        renderer(name)
    tool_identity()
    with contextlib.suppress(InputError, InputErrors):  # each input's build reports it, located
        load_theme(settings.theme_path)


def run(
    inputs: Sequence[Path],
    settings: Settings,
    jobs: int,
    on_report: Callable[[InputReport], None] | None = None,
    skipped: dict[Path, InputError] | None = None,
    on_start: Callable[[], None] | None = None,
) -> list[InputReport]:
    """Builds every input, `jobs` at a time; reports in input order.

    A single input uses the `jobs` processes for its formats instead. `on_report` is called as
    each input finishes (in finishing order). Inputs in `skipped` are not built but reported
    failed with their error. `on_start` is called once the worker processes exist: a thread
    started after that (a progress display) is never copied, half-way, into a forked worker.
    """
    start = on_start or (lambda: None)
    skipped = skipped or {}
    reports: dict[int, InputReport] = {}

    def done(index: int, report: InputReport) -> None:
        reports[index] = report
        if on_report:
            on_report(report)

    todo: list[tuple[int, Path]] = []
    for index, source in enumerate(inputs):
        if source in skipped:
            done(index, InputReport(source, "failed", errors=[skipped[source]]))
        else:
            todo.append((index, source))

    if jobs <= 1 or len(todo) <= 1 or not can_fork():
        start()
        for index, source in todo:
            done(index, build_report(source, settings, jobs=jobs))
    else:
        _run_pool(todo, settings, min(jobs, len(todo)), done, start)
    return [reports[index] for index in range(len(inputs))]


def _run_pool(
    todo: list[tuple[int, Path]], settings: Settings, workers: int, done: Callable[[int, InputReport], None],
    started: Callable[[], None],
) -> None:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    _preload(settings)
    context = multiprocessing.get_context("fork")
    # Each worker starts by putting the imported libraries out of the collector's sight.
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=settle_heap) as pool:
        pending: dict[Future[InputReport], tuple[int, Path]] = {
            pool.submit(build_report, source, settings): (index, source) for index, source in todo
        }
        started()  # with fork, the pool forks all its workers at the first submit
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                index, source = pending.pop(future)
                try:
                    report = future.result()
                except BrokenProcessPool as exc:
                    summary = f"internal error: a worker process died ({exc})"
                    report = InputReport(source, "crashed", errors=[InputError(source, summary)], traceback=summary)
                done(index, report)


def exit_code(reports: Iterable[InputReport]) -> int:
    """70 if any input crashed (our bug), else 2 if any failed (the user's), else 0."""
    statuses = {report.status for report in reports}
    if "crashed" in statuses:
        return EXIT_INTERNAL
    if "failed" in statuses:
        return EXIT_INPUT
    return EXIT_OK


def summary_line(reports: Sequence[InputReport], seconds: float) -> str:
    """One line closing a run: how many inputs were built, up to date, failed; how long it took."""
    counts = {status: sum(1 for r in reports if r.status == status) for status in
              ("built", "up to date", "failed", "crashed")}
    parts = [f"{count} {status}" for status, count in counts.items() if count]
    inputs = f"{len(reports)} input{'s' if len(reports) != 1 else ''}"
    return f"publish: {inputs}: {', '.join(parts) or 'nothing to do'} in {seconds:.1f} s"
