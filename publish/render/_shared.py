"""What more than one renderer needs to say the same way: figures as phrases, where a figure goes."""

from __future__ import annotations

from publish.model import Document, Figure, Paragraph
from publish.text import plain_text


def figure_phrase(figure: Figure) -> str:
    """Number, qualifier and unit, the qualifier where the source puts it (超过5000万台, 300多人)."""
    qualifier = figure.qualifier or ""
    if qualifier and f"{figure.shown}{qualifier}" in plain_text(figure.source):
        return f"{figure.shown}{qualifier}{figure.unit}"
    return f"{qualifier}{figure.shown}{figure.unit}"


def anchor_paragraph(document: Document, sources: list[str], sentences: list[str]) -> Paragraph | None:
    """The paragraph a figure or callout follows: the last one `sources` names, else the last one
    quoting any of `sentences`; None when neither finds one."""
    named = document.paragraphs_for(sources)
    if named:
        return named[-1]
    quoting = [p for p in document.paragraphs() if any(s in plain_text(p.text) for s in sentences)]
    return quoting[-1] if quoting else None
