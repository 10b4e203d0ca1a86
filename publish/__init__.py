"""publish: one YAML letter in, a PDF handout, a Word document and a slide deck out."""

__version__ = "0.1.0"
