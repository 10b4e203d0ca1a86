"""Building one input: load and check it, prepare fonts, render each format, write atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from publish.errors import InputError
from publish.fonts import FaceSet, FontError, characters, faces, prepare_all
from publish.load import load_document
from publish.model import Document
from publish.render import FORMATS, RenderJob, RenderOptions, renderer
from publish.theme import LoadedTheme, load_theme


@dataclass
class BuildResult:
    """What building one input wrote: format name -> output path."""

    source: Path
    outputs: dict[str, Path] = field(default_factory=dict)


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


def template_path(theme: LoadedTheme, option: Path | None, kind: str) -> Path | None:
    """The reference template for `kind` (docx or pptx): the option, else the theme's; checked."""
    if option is not None:
        path, origin = Path(option), "--" + kind + "-template"
    else:
        reference = getattr(theme.theme.templates, kind)
        if reference is None:
            return None
        path, origin = theme.resolve(reference), str(theme.path)
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
    document: Document, source: Path, theme: LoadedTheme, options: RenderOptions, jobs: int = 1
) -> RenderJob:
    """The job for `document`: faces checked, fonts prepared for the characters it uses."""
    try:
        faceset: FaceSet = faces(theme)
    except FontError as exc:
        raise InputError(theme.path, str(exc)) from None
    chars = characters([*document.all_text(), *theme_texts(theme)])
    try:
        prepare_all(faceset, chars, jobs=jobs)
    except FontError as exc:
        raise InputError(theme.path, str(exc)) from None
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
) -> BuildResult:
    """Builds `source` into `out_dir`, one file per format named after the input."""
    options = options or RenderOptions()
    document = load_document(source)
    theme = load_theme(theme_path)
    options = RenderOptions(
        docx_template=template_path(theme, options.docx_template, "docx"),
        pptx_template=template_path(theme, options.pptx_template, "pptx"),
        source_date_epoch=options.source_date_epoch,
    )
    output_dir_ready(out_dir)
    job = render_job(document, source, theme, options)
    result = BuildResult(source)
    for name in formats:
        fmt = FORMATS[name]
        target = out_dir / (source.stem + fmt.suffix)
        render = renderer(name)
        write_atomic(target, lambda stream, render=render: render(job, stream))
        result.outputs[name] = target
    return result
