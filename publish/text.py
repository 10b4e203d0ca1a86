"""Inline text: the small markup every renderer shares, turned into styled runs.

Syntax: `**bold**`, `*emphasis*`; a backslash before `*` or `\\` makes it literal. A marker with
no partner is literal text, and everything else (`<`, `>`, `&`, quotes, HTML, other backslashes)
is text, never markup: renderers escape it for their own format.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of text in one style."""

    text: str
    bold: bool = False
    italic: bool = False


_MARKERS = ("**", "*")


def _tokens(source: str) -> list[tuple[str, str]]:
    """Splits into ("text", s), ("**", ""), ("*", "") tokens; escapes become text."""
    tokens: list[tuple[str, str]] = []
    buffer: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source) and source[i + 1] in "*\\":
            buffer.append(source[i + 1])
            i += 2
            continue
        if char == "*":
            if buffer:
                tokens.append(("text", "".join(buffer)))
                buffer = []
            marker = "**" if source.startswith("**", i) else "*"
            tokens.append((marker, ""))
            i += len(marker)
            continue
        buffer.append(char)
        i += 1
    if buffer:
        tokens.append(("text", "".join(buffer)))
    return tokens


@lru_cache(maxsize=4096)
def parse_inline(source: str) -> tuple[Run, ...]:
    """The runs of `source`, adjacent runs of one style merged; empty text gives no runs."""
    tokens = _tokens(source)
    open_state = {"**": False, "*": False}
    runs: list[Run] = []

    def add(text: str) -> None:
        bold, italic = open_state["**"], open_state["*"]
        if runs and runs[-1].bold == bold and runs[-1].italic == italic:
            runs[-1] = Run(runs[-1].text + text, bold, italic)
        elif text:
            runs.append(Run(text, bold, italic))

    for index, (kind, text) in enumerate(tokens):
        if kind == "text":
            add(text)
        elif open_state[kind]:
            open_state[kind] = False
        elif any(later == kind for later, _ in tokens[index + 2 :]):
            # Opens only if a partner follows with something in between, so `5*3` stays text.
            open_state[kind] = True
        else:
            add(kind)
    return tuple(runs)


def plain_text(source: str) -> str:
    """The text as a reader sees it: markup removed, escapes resolved."""
    return "".join(run.text for run in parse_inline(source))
