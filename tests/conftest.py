"""Shared fixtures: the repository's letter, its source text, and one build of it per test session."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
LETTER = ROOT / "letter.yaml"


def squash(text: str) -> str:
    """`text` without any whitespace, for comparing extracted text with the source."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="session")
def source_paragraphs() -> list[str]:
    """Every non-empty line of the source letter (a copy kept in tests/fixtures)."""
    text = (FIXTURES / "letter.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """letter.yaml built once into all three formats: format name -> output path."""
    from publish.build import build

    out = tmp_path_factory.mktemp("dist")
    result = build(LETTER, out)
    return dict(result.outputs)
