"""publish: one YAML letter in, a PDF handout, a Word document and a slide deck out."""

__version__ = "0.1.0"

GC_YOUNG_THRESHOLD = 50_000
"""New objects between two collections of the garbage collector's youngest generation during
imports and builds (Python's default: 700)."""
