"""PDF handout (ReportLab). First version: title, headings and every paragraph, fonts embedded."""

from __future__ import annotations

from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from publish.model import Subsection
from publish.render import RenderJob
from publish.text import parse_inline


def render(job: RenderJob, out: BinaryIO) -> None:
    """Writes the letter as an A4 PDF to `out`."""
    serif = job.font_file(job.faces.serif)
    sans = job.font_file(job.faces.sans_bold)
    pdfmetrics.registerFont(TTFont("Body", str(serif)))
    pdfmetrics.registerFont(TTFont("Head", str(sans)))
    body = ParagraphStyle("body", fontName="Body", fontSize=10.5, leading=18, wordWrap="CJK", firstLineIndent=21)
    head = ParagraphStyle("head", fontName="Head", fontSize=14, leading=22, spaceBefore=8)
    meta = job.document.meta
    story = [Paragraph(escape(meta.title), ParagraphStyle("t", parent=head, fontSize=22, leading=30)), Spacer(1, 12)]
    for section in job.document.body:
        if section.heading:
            story.append(Paragraph(escape(section.heading), head))
        for block in section.blocks:
            if isinstance(block, Subsection):
                story.append(Paragraph(escape(block.heading), head))
                story += [Paragraph(escape("".join(r.text for r in parse_inline(p.text))), body) for p in block.blocks]
            else:
                story.append(Paragraph(escape("".join(r.text for r in parse_inline(block.text))), body))
    SimpleDocTemplate(out, pagesize=A4, title=meta.title, author=meta.author).build(story)
