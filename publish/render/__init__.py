"""Renderers: one module per output format, all listed in one registry.

Every renderer is a module with the same function, `render(job: RenderJob, out: BinaryIO) -> None`,
that writes one complete file to `out`. Modules are imported only when their format is built, so a
PDF-only build never pays for python-pptx. Renderers never import each other; what two of them
share lives in `publish.text`, `publish.fonts`, `publish.linebreak` or `publish.theme`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from publish.fonts import Face, FaceSet, prepare
from publish.model import Document
from publish.theme import LoadedTheme


@dataclass(frozen=True)
class Format:
    """An output format: its name on the command line, file suffix and renderer module."""

    name: str
    suffix: str
    module: str
    needs_fonts: bool
    description: str
    cost: float
    """CPU seconds to import the renderer and render the letter, measured; the lightest format of
    a parallel build is rendered by the parent process itself rather than by another process."""


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("pdf", ".pdf", "publish.render.pdf", True, "print-ready A4 handout (ReportLab)", 0.55),
        Format("docx", ".docx", "publish.render.docx", False, "editable Word document (python-docx)", 0.25),
        Format("pptx", ".pptx", "publish.render.pptx", True, "16:9 slide deck (python-pptx)", 0.55),
    )
}


@dataclass(frozen=True)
class RenderOptions:
    """Per-build choices. None means: from the theme, or the built-in default."""

    docx_template: Path | None = None
    pptx_template: Path | None = None
    source_date_epoch: int | None = None
    """Fixed timestamp for reproducible output (SOURCE_DATE_EPOCH); None means now."""


@dataclass(frozen=True)
class RenderJob:
    """Everything a renderer needs: the document, theme, fonts and where the input lives."""

    document: Document
    theme: LoadedTheme
    source: Path
    faces: FaceSet
    characters: frozenset[str]
    options: RenderOptions = field(default_factory=RenderOptions)

    def font_file(self, face: Face) -> Path:
        """The prepared TrueType subset of `face` covering this document (cached on disk)."""
        return prepare(face, self.characters)


Renderer = Callable[[RenderJob, BinaryIO], None]


def renderer(name: str) -> Renderer:
    """The render function of format `name` (imports its module now)."""
    module = importlib.import_module(FORMATS[name].module)
    function: Renderer = module.render
    return function
