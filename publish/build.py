"""Building one input: load and check it, prepare fonts, render each format, write atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from publish.errors import InputError
from publish.fonts import FaceSet, characters, faces, missing_character_warnings, prepare_all
from publish.load import checked_asset, load_document
from publish.model import Document
from publish.render import FORMATS, RenderJob, RenderOptions, renderer
from publish.theme import LoadedTheme, load_theme


@dataclass
class BuildResult:
    """What building one input wrote: format name -> output path."""

    source: Path
    outputs: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    """Located warning lines (characters no font has); the outputs were written all the same."""


def output_dir_ready(out_dir: Path) -> None:
    """Makes `out_dir` if needed; an InputError if it is a file or cannot be written."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(out_dir, "the output folder is a file; choose a folder with -o")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(out_dir, f"cannot create the output folder: {exc.strerror or exc}") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise InputError(out_dir, "the output folder is not writable")


def template_path(
    theme: LoadedTheme, option: Path | None, kind: str, allow_outside_assets: bool = False
) -> Path | None:
    """The reference template for `kind` (docx or pptx): the option, else the theme's; checked.

    A theme's template path must lie in the theme's folder unless `allow_outside_assets`.
    """
    if option is not None:
        path, origin = Path(option), "--" + kind + "-template"
    else:
        reference = getattr(theme.theme.templates, kind)
        if reference is None:
            return None
        contained = not reference.startswith("pkg:") and not allow_outside_assets
        return checked_asset(theme.resolve(reference), reference, theme.path, ("templates", kind), f"{kind} template",
                             contained=contained)
    if not path.is_file():
        raise InputError(path, f"{kind} template not found (from {origin})")
    if not os.access(path, os.R_OK):
        raise InputError(path, f"{kind} template is not readable (from {origin})")
    return path


def theme_texts(theme: LoadedTheme) -> Iterable[str]:
    """The words the theme makes renderers print (labels), for font preparation."""
    labels = theme.theme.labels
    return [getattr(labels, name) for name in type(labels).model_fields]


def render_job(
    document: Document, source: Path, theme: LoadedTheme, options: RenderOptions, jobs: int = 1,
    allow_outside_assets: bool = False,
) -> RenderJob:
    """The job for `document`: faces checked, fonts prepared for the characters it uses."""
    texts = [*document.all_text(), *theme_texts(theme)]
    faceset: FaceSet = faces(theme, texts, allow_outside_assets=allow_outside_assets)
    chars = characters(texts)
    prepare_all(faceset, chars, jobs=jobs)
    return RenderJob(document, theme, source, faceset, chars, options)


def write_atomic(target: Path, write: object) -> None:
    """Calls `write(stream)` on a temporary file beside `target`, then renames it into place.

    A failure leaves no partial file and the previous `target` untouched.
    """
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as stream:
            write(stream)  # type: ignore[operator]
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def build(
    source: Path,
    out_dir: Path,
    formats: Iterable[str] = tuple(FORMATS),
    theme_path: Path | None = None,
    options: RenderOptions | None = None,
    allow_outside_assets: bool = False,
) -> BuildResult:
    """Builds `source` into `out_dir`, one file per format named after the input.

    `allow_outside_assets` lets the theme name files outside its own folder.
    """
    options = options or RenderOptions()
    document = load_document(source)
    theme = load_theme(theme_path)
    options = RenderOptions(
        docx_template=template_path(theme, options.docx_template, "docx", allow_outside_assets),
        pptx_template=template_path(theme, options.pptx_template, "pptx", allow_outside_assets),
        source_date_epoch=options.source_date_epoch,
    )
    output_dir_ready(out_dir)
    job = render_job(document, source, theme, options, allow_outside_assets=allow_outside_assets)
    result = BuildResult(source)
    result.warnings = missing_character_warnings(
        job.faces, [*document.all_text(), *theme_texts(theme)], [source, theme.path]
    )
    for name in formats:
        fmt = FORMATS[name]
        target = out_dir / (source.stem + fmt.suffix)
        render = renderer(name)
        write_atomic(target, lambda stream, render=render: render(job, stream))
        result.outputs[name] = target
    return result
