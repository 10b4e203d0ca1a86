"""Word document (python-docx). First version: styles, every paragraph."""

from __future__ import annotations

from typing import BinaryIO

import docx

from publish.model import Subsection
from publish.render import RenderJob
from publish.text import plain_text


def render(job: RenderJob, out: BinaryIO) -> None:
    """Writes the letter as a DOCX to `out`."""
    document = docx.Document()
    document.add_heading(job.document.meta.title, level=0)
    for section in job.document.body:
        if section.heading:
            document.add_heading(section.heading, level=1)
        for block in section.blocks:
            if isinstance(block, Subsection):
                document.add_heading(block.heading, level=2)
                for p in block.blocks:
                    document.add_paragraph(plain_text(p.text))
            else:
                document.add_paragraph(plain_text(block.text))
    document.save(out)
