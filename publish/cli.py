"""The `publish` command: build, check, schema. Thin: parse arguments, call, report.

A mistake in the user's input is printed as one line `file:line:col: message` on stderr with
exit code 2 and no traceback. Anything else is our bug: one line too, exit code 70, and the
traceback only with -v.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

import click

from publish import __version__
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
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for internal errors.")
def build(inputs: tuple[Path, ...], out_dir: Path, formats: str, theme_path: Path | None,
          docx_template: Path | None, pptx_template: Path | None, allow_outside_assets: bool, verbose: bool) -> None:
    """Build INPUT files (default: letter.yaml) into PDF, DOCX and PPTX."""
    from publish.build import build as build_one
    from publish.render import RenderOptions

    names = _formats(formats)
    sources = list(inputs) or [Path("letter.yaml")]
    options = RenderOptions(docx_template=docx_template, pptx_template=pptx_template,
                            source_date_epoch=_source_date_epoch())
    failed = 0
    for source in sources:
        try:
            result = build_one(source, out_dir, names, theme_path, options, allow_outside_assets)
        except (InputError, InputErrors) as exc:
            _report_input_error(exc)
            failed += 1
            continue
        except Exception as exc:
            _internal_error(exc, verbose)
        for warning in result.warnings:
            click.echo(warning, err=True)
        for path in result.outputs.values():
            click.echo(str(path))
    if failed:
        sys.exit(EXIT_INPUT)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for internal errors.")
def check(inputs: tuple[Path, ...], verbose: bool) -> None:
    """Validate INPUT files without writing anything."""
    from publish.load import load_document

    failed = 0
    for source in inputs:
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
    """Console-script entry point."""
    cli(prog_name="publish")
