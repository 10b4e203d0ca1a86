"""The `publish` command: build, check, schema. Thin: parse arguments, call, report.

A mistake in the user's input is printed as one line `file:line:col: message` on stderr with
exit code 2 and no traceback. Anything else is our bug: one line too, exit code 70, and the
traceback only with -v.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from publish import GC_YOUNG_THRESHOLD, __version__
from publish.errors import InputError, InputErrors

EXIT_INPUT = 2
EXIT_INTERNAL = 70

FORMAT_NAMES = ("pdf", "docx", "pptx")


def _formats(value: str) -> list[str]:
    names = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [n for n in names if n not in FORMAT_NAMES]
    if unknown or not names:
        raise click.BadParameter(f"choose from {', '.join(FORMAT_NAMES)} (comma-separated), not {value!r}")
    return list(dict.fromkeys(names))


def _report_input_error(exc: InputError | InputErrors) -> None:
    errors = exc.errors if isinstance(exc, InputErrors) else [exc]
    for error in errors:
        click.echo(str(error), err=True)


def _source_date_epoch() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise click.BadParameter(f"SOURCE_DATE_EPOCH must be whole seconds, not {value!r}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publish")
def cli() -> None:
    """Turn a YAML letter into a PDF handout, a Word document and a slide deck."""


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), default=Path("dist"), show_default=True,
              help="Folder for the outputs, named after each input.")
@click.option("-f", "--formats", "formats", default="pdf,docx,pptx", show_default=True,
              help="Formats to build, comma-separated.")
@click.option("--theme", "theme_path", type=click.Path(path_type=Path), default=None,
              help="A theme YAML file (default: the built-in assets/theme.yaml).")
@click.option("--docx-template", type=click.Path(path_type=Path), default=None,
              help="A .docx or .dotx whose styles, page setup, headers and footers the DOCX uses.")
@click.option("--pptx-template", type=click.Path(path_type=Path), default=None,
              help="A .pptx or .potx whose master, layouts, colours and fonts the deck uses.")
@click.option("--allow-outside-assets", is_flag=True,
              help="Let the theme name fonts and templates outside its own folder.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Processes to build with (default: the number of CPUs).")
@click.option("--shard", default=None, metavar="K/N",
              help="Build only the K-th of N slices of the inputs (sorted by path), e.g. for a CI matrix.")
@click.option("--force", is_flag=True, help="Rebuild outputs even if they are up to date.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON document: per input its status, outputs (size, sha256), time, errors.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option("-v", "--verbose", is_flag=True, help="Say what happens to each input; tracebacks for internal errors.")
def build(inputs: tuple[Path, ...], out_dir: Path, formats: str, theme_path: Path | None,
          docx_template: Path | None, pptx_template: Path | None, allow_outside_assets: bool, jobs: int | None,
          shard: str | None, force: bool, as_json: bool, quiet: bool, verbose: bool) -> None:
    """Build INPUT files, globs or folders (default: letter.yaml) into PDF, DOCX and PPTX.

    A folder stands for its .yaml and .yml files. Outputs that are up to date are skipped.
    """
    import time

    from publish import batch, fonts
    from publish.build import settle_heap
    from publish.render import RenderOptions

    started = time.perf_counter()
    names = _formats(formats)
    shard_of: tuple[int, int] | None = None
    if shard is not None:
        try:
            shard_of = batch.parse_shard(shard)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--shard") from None
    options = RenderOptions(docx_template=docx_template, pptx_template=pptx_template,
                            source_date_epoch=_source_date_epoch())
    settings = batch.Settings(out_dir, tuple(names), theme_path, options, allow_outside_assets, force)
    sources, problems = batch.expand_inputs(inputs or [Path("letter.yaml")])
    if theme_path is not None:  # a theme kept beside the letters is not one of them
        sources = [s for s in sources if os.path.realpath(s) != os.path.realpath(theme_path)]
    if shard_of is not None:
        sources = batch.select_shard(sources, *shard_of)
    clashes = batch.name_clashes(sources, out_dir)
    workers = jobs or _cpu_count()

    if verbose:
        _log_to_stderr()
    show = _Reporter(quiet=quiet, verbose=verbose, as_json=as_json, total=len(sources))
    for problem in problems:
        show.error(problem)
    settle_heap()  # this process is ours: the libraries imported so far need no more collecting
    fonts.prepare_in_fresh_processes = True  # and its main module is safe to import again
    try:
        with show:
            reports = batch.run(sources, settings, workers, on_report=show.report, skipped=clashes,
                                on_start=show.start)
    except Exception as exc:  # a failure of the run itself, not of one input
        _internal_error(exc, verbose)
    seconds = time.perf_counter() - started
    failed_arguments = [batch.InputReport(Path(p.path), "failed", errors=[p]) for p in problems]
    everything = [*failed_arguments, *reports]
    code = batch.exit_code(everything)
    if as_json:
        document = {
            "publish": __version__,
            "ok": code == 0,
            "exit_code": code,
            "duration": round(seconds, 3),
            "shard": f"{shard_of[0]}/{shard_of[1]}" if shard_of else None,
            "summary": {status.replace(" ", "_"): sum(1 for r in everything if r.status == status)
                        for status in ("built", "up to date", "failed", "crashed")},
            "inputs": [r.as_json(with_traceback=verbose) for r in everything],
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    if not quiet:
        click.echo(batch.summary_line(everything, seconds), err=True)
    if code:
        sys.exit(code)


def _cpu_count() -> int:
    """CPUs this process may run on (the affinity mask where there is one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _log_to_stderr() -> None:
    """Shows publish's own log lines (e.g. fonts being prepared) on stderr, once per process."""
    import logging

    logger = logging.getLogger("publish")
    if not any(getattr(h, "publish_cli", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("publish: %(message)s"))
        handler.publish_cli = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


class _Reporter:
    """Prints how each input went: a progress bar on a terminal, plain lines otherwise.

    Errors and warnings always go to stderr as `file:line:col: message`. Written paths go to
    stdout, one a line, unless quiet, JSON or a progress bar is shown.
    """

    def __init__(self, quiet: bool, verbose: bool, as_json: bool, total: int):
        self.quiet = quiet
        self.verbose = verbose
        self.as_json = as_json
        self.total = total
        self.progress: Any = None
        self.finished = 0
        self.task: Any = None

    def __enter__(self) -> _Reporter:
        return self

    def start(self) -> None:
        """Shows the progress bar (multi-input builds on a terminal); once workers are forked."""
        if self.total > 1 and not self.quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("building"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                     TextColumn("{task.description}"), console=Console(stderr=True), transient=True)
            self.task = self.progress.add_task("", total=self.total, completed=self.finished)
            self.progress.start()

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def _err(self, line: str) -> None:
        if self.progress is not None:
            self.progress.console.print(line, markup=False, highlight=False)
        else:
            click.echo(line, err=True)

    def error(self, error: InputError) -> None:
        self._err(str(error))

    def report(self, report: Any) -> None:
        self.finished += 1
        for error in report.errors:
            self._err(str(error))
        if report.traceback and self.verbose:
            self._err(report.traceback.rstrip())
        if report.status == "crashed" and not self.verbose:
            self._err(f"{report.source}: (run with -v for the traceback)")
        if not self.quiet:
            for warning in report.warnings:
                self._err(warning)
        if self.verbose:
            self._err(f"{report.source}: {report.status} ({report.duration:.2f} s)")
        if self.progress is not None:
            self.progress.update(self.task, advance=1, description=str(report.source))
        elif not self.quiet and not self.as_json:
            for output in report.files:
                if output.rebuilt:
                    click.echo(str(output.path))


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for internal errors.")
def check(inputs: tuple[Path, ...], verbose: bool) -> None:
    """Validate INPUT files, globs or folders without writing anything."""
    from publish.batch import expand_inputs
    from publish.load import load_document

    sources, problems = expand_inputs(inputs)
    for problem in problems:
        _report_input_error(problem)
    failed = len(problems)
    for source in sources:
        try:
            load_document(source)
        except (InputError, InputErrors) as exc:
            _report_input_error(exc)
            failed += 1
        except Exception as exc:
            _internal_error(exc, verbose)
        else:
            click.echo(f"{source}: ok")
    if failed:
        sys.exit(EXIT_INPUT)


@cli.command()
@click.option("--theme", "for_theme", is_flag=True, help="Print the theme's schema instead of the letter's.")
def schema(for_theme: bool) -> None:
    """Print the JSON Schema of letter files (or of theme files)."""
    from publish.schema import document_schema, theme_schema

    click.echo(json.dumps(theme_schema() if for_theme else document_schema(), ensure_ascii=False, indent=2))


def _internal_error(exc: Exception, verbose: bool) -> None:
    if verbose:
        traceback.print_exc()
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    place = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    click.echo(f"publish: internal error{place}: {type(exc).__name__}: {exc} (run with -v for details)", err=True)
    sys.exit(EXIT_INTERNAL)


def main() -> None:
    """Console-script entry point.

    Ends the process with `os._exit` once the output is flushed: every file is written and
    closed by then, and skipping the interpreter's teardown of the imported libraries saves
    a tenth of a second or more on every run. The garbage collector's youngest generation is
    collected less often from the start: importing the libraries alone makes hundreds of
    thousands of objects, and every collection of them would walk the whole heap again.
    """
    gc.set_threshold(GC_YOUNG_THRESHOLD)
    try:
        cli(prog_name="publish")
        code: int = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            click.echo(str(exc.code), err=True)
            code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
