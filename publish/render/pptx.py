"""Slide deck (python-pptx). First version: a title slide."""

from __future__ import annotations

from typing import BinaryIO

from pptx import Presentation

from publish.render import RenderJob


def render(job: RenderJob, out: BinaryIO) -> None:
    """Writes the deck to `out`."""
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = job.document.meta.title
    deck.save(out)
