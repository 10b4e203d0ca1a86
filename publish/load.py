"""YAML file -> validated model. Every problem becomes an `InputError` at `file:line:col`.

ruamel.yaml's round-trip loader keeps the line and column of every key and item, so a pydantic
error's location (a path of keys and indexes) can be mapped back to the place the user typed it.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, SequenceNode

from publish.errors import InputError, InputErrors
from publish.model import Document, Paragraph, Section, Subsection
from publish.text import plain_text

M = TypeVar("M", bound=BaseModel)

MAX_DEPTH = 64
"""Deeper nesting than any letter needs; refused before it can exhaust the stack."""

MAX_ERRORS = 20
"""At most this many errors are reported for one file; the first is the one to fix first."""

# XML 1.0 (DOCX, PPTX) cannot hold these; YAML would let some of them through in escapes.
_FORBIDDEN_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


class _SafeComposer(Composer):
    """A composer that refuses aliases of mappings and sequences, so no alias bomb can expand."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            target = self.anchors.get(event.anchor)
            if isinstance(target, MappingNode | SequenceNode):
                raise MarkedYAMLError(
                    problem=f"alias *{event.anchor} repeats a whole mapping or list; "
                    "aliases are only allowed for single values, write the content out instead",
                    problem_mark=event.start_mark,
                )
        return super().compose_node(parent, index)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Composer = _SafeComposer
    yaml.allow_duplicate_keys = False
    yaml.max_depth = MAX_DEPTH
    return yaml


def read_text(path: Path) -> str:
    """The file's text, decoded as UTF-8 (a BOM is allowed); anything else is an InputError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a YAML file") from None
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror or exc}") from None
    if not raw.strip():
        raise InputError(path, "the file is empty; a letter needs at least meta and body")
    if b"\x00" in raw:
        line, column = _position(raw, raw.index(b"\x00"))
        raise InputError(path, "this is binary data, not a YAML text file (NUL byte)", line, column)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(raw, exc.start)
        raise InputError(path, _not_utf8_message(raw), line, column) from None
    match = _FORBIDDEN_CONTROL.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        raise InputError(
            path, f"control character U+{ord(match.group()):04X} is not allowed in text; remove it", line, column
        )
    return text


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    prefix = raw[line_start:offset].decode("utf-8", errors="replace")
    return raw.count(b"\n", 0, offset) + 1, len(prefix) + 1


def _not_utf8_message(raw: bytes) -> str:
    for encoding, name in (("gb18030", "GBK/GB18030"), ("big5", "Big5"), ("utf-16", "UTF-16")):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return (
            f"the file is not UTF-8 (it looks like {name}); re-save it as UTF-8, "
            f"e.g. `iconv -f {encoding.upper()} -t UTF-8` or your editor's 'Save with encoding'"
        )
    return "the file is not UTF-8 text; re-save it as UTF-8"


def parse_yaml(path: Path, text: str) -> Any:
    """The YAML tree of `text` (ruamel round-trip types, which remember positions)."""
    try:
        return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise InputError(path, _yaml_message(exc, text), line, column) from None
    except RecursionError:
        raise InputError(path, f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)") from None
    except YAMLError as exc:
        raise InputError(path, f"invalid YAML: {_one_line(str(exc))}") from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _yaml_message(exc: MarkedYAMLError, text: str) -> str:
    problem = _one_line(exc.problem or exc.context or "invalid YAML")
    if "duplicate key" in problem:
        key = re.search(r'duplicate key "(.*?)"', problem)
        first = exc.context_mark.line + 1 if exc.context_mark else None
        name = key.group(1) if key else "?"
        where = f" (the mapping starts at line {first})" if first else ""
        return f"duplicate key '{name}'{where}; each key may appear once, or text would be lost"
    if "'\\t'" in problem or "\\t" in problem or "tab" in problem.lower():
        return "a tab character is used for indentation; YAML indents with spaces only"
    if "maximum depth" in problem:
        return f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)"
    if exc.context and exc.problem and exc.context not in problem:
        return f"invalid YAML: {_one_line(exc.context)}, {problem}"
    return f"invalid YAML: {problem}"


def load_model(path: Path, model: type[M], data: Any) -> M:
    """Validates `data` (a YAML tree read from `path`) as `model`; errors located in the file."""
    if not isinstance(data, CommentedMap):
        kind = "a list" if isinstance(data, list) else "a single value" if data is not None else "empty"
        raise InputError(path, f"the top level must be a mapping of keys (meta, body, ...), not {kind}", 1, 1)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [_located(path, data, model, error) for error in exc.errors()[:MAX_ERRORS]]
        raise InputErrors(errors) from None


def load_document(path: str | Path) -> Document:
    """Reads, parses and checks a letter; raises InputError or InputErrors, never anything else."""
    path = Path(path)
    text = read_text(path)
    data = parse_yaml(path, text)
    document = load_model(path, Document, data)
    problems = list(check_references(path, data, document))
    if problems:
        raise InputErrors(problems[:MAX_ERRORS])
    return document


# --- where a pydantic error sits in the YAML tree ---------------------------------------------


def locate(data: Any, loc: Sequence[int | str], key_position: bool = False) -> tuple[int, int]:
    """The 1-based line and column of the node at `loc`; as deep as the tree goes.

    `key_position` asks for the key itself (for an unknown key) rather than its value. Parts of
    `loc` that are not in the tree (union tags, a missing key) are passed over.
    """
    node = data
    line, column = 0, 0
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, CommentedMap) and part in node:
            line, column = node.lc.key(part) if (last and key_position) else node.lc.value(part)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, column = node.lc.item(part)
            node = node[part]
    return line + 1, column + 1


def _located(path: Path, data: Any, model: type[BaseModel], error: ErrorDetails) -> InputError:
    loc = error["loc"]
    kind = error["type"]
    line, column = locate(data, loc, key_position=kind == "extra_forbidden")
    return InputError(path, _message(model, error), line, column)


_TAGS = {"paragraph", "subsection"}


def _field_name(loc: Sequence[int | str]) -> str:
    names = [p for p in loc if isinstance(p, str) and p not in _TAGS]
    if not names:
        return "the document"
    if isinstance(loc[-1], int):
        return f"item {loc[-1] + 1} of '{names[-1]}'"
    return f"'{names[-1]}'"


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _message(model: type[BaseModel], error: ErrorDetails) -> str:
    loc = error["loc"]
    kind = error["type"]
    name = _field_name(loc)
    value = error.get("input")
    match kind:
        case "missing":
            return f"missing required key {name}"
        case "extra_forbidden":
            allowed = sorted(_fields_at(model, loc[:-1]))
            guess = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.5)
            hint = f" (did you mean '{guess[0]}'?)" if guess else f" (allowed: {', '.join(allowed)})"
            return f"unknown key {name}{hint}"
        case "string_type":
            hint = "; put it in quotes to make it text" if isinstance(value, int | float | bool) else ""
            return f"{name} should be text, not {_kind_of(value)}{hint}"
        case "float_type" | "float_parsing" | "int_type" | "int_parsing" | "int_from_float":
            whole = kind.startswith("int")
            return f"{name} should be a {'whole ' if whole else ''}number, not {_kind_of(value)}"
        case "too_short":
            return f"{name} must not be empty"
        case "string_too_long":
            return f"{name} is too long ({error['msg'].lower()})"
        case "string_pattern_mismatch":
            return f"{name} must start with a letter and hold only letters, digits, - and _ (got {value!r})"
        case "list_type":
            return f"{name} should be a list (lines starting with '- '), not {_kind_of(value)}"
        case "model_type" | "model_attributes_type" | "dict_type":
            return f"{name} should be a mapping of keys, not {_kind_of(value)}"
        case "literal_error":
            return f"{name}: {error['msg'].lower()}, not {value!r}"
        case _:
            return f"{name}: {error['msg']}"


def _fields_at(model: type[BaseModel], loc: Sequence[int | str]) -> set[str]:
    """The keys the model allows at `loc` (a path to a mapping); empty when unknown."""
    current: Any = model
    for part in loc:
        candidates = list(_models_in(current))
        if isinstance(part, int):
            continue
        if part in _TAGS:
            current = next((c for c in candidates if c.__name__.lower() == part), None)
            continue
        owner = next((c for c in candidates if part in c.model_fields), None)
        if owner is None:
            return set()
        current = owner.model_fields[part].annotation
    models = list(_models_in(current))
    return set(models[0].model_fields) if len(models) == 1 else set()


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """The model classes inside a type annotation (through list, Optional, Annotated, unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    origin = get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType, typing.Annotated) or origin is not None:
        for arg in get_args(annotation):
            yield from _models_in(arg)


# --- cross references and verbatim quotes -------------------------------------------------------


def check_references(path: Path, data: Any, document: Document) -> Iterator[InputError]:
    """Ids defined once, every reference resolving, every quoted source found in the text."""

    def error(loc: Sequence[int | str], message: str) -> InputError:
        line, column = locate(data, loc)
        return InputError(path, message, line, column)

    defined: dict[str, tuple[int | str, ...]] = {}
    for s_index, section in enumerate(document.body):
        places: list[tuple[str | None, tuple[int | str, ...]]] = [(section.id, ("body", s_index, "id"))]
        for b_index, block in enumerate(section.blocks):
            block_loc = ("body", s_index, "blocks", b_index)
            places.append((block.id, (*block_loc, "id")))
            if isinstance(block, Subsection):
                for p_index, paragraph in enumerate(block.blocks):
                    places.append((paragraph.id, (*block_loc, "blocks", p_index, "id")))
        for ident, loc in places:
            if ident is None:
                continue
            if ident in defined:
                first_line, _ = locate(data, defined[ident])
                yield error(loc, f"id '{ident}' is already used at line {first_line}; ids must be unique")
            else:
                defined[ident] = loc

    figure_ids = {f.id for f in document.highlights.figures}
    text = "\n".join(plain_text(p.text) for p in document.paragraphs())
    highlights = document.highlights

    def refs(loc: tuple[int | str, ...], ids: list[str]) -> Iterator[InputError]:
        for index, ident in enumerate(ids):
            if ident not in defined:
                guess = difflib.get_close_matches(ident, list(defined), n=1)
                hint = f" (did you mean '{guess[0]}'?)" if guess else ""
                yield error((*loc, index), f"'{ident}' is not the id of any paragraph or section{hint}")

    def quoted(loc: tuple[int | str, ...], source: str) -> Iterator[InputError]:
        if plain_text(source) not in text:
            yield error(loc, "this source sentence is not in the letter's text; quote the letter verbatim")

    h = ("highlights",)
    if highlights.review:
        review = highlights.review
        target = document.id_index().get(review.section)
        if not isinstance(target, Section):
            yield error((*h, "review", "section"), f"'{review.section}' is not the id of a section")
    if highlights.strategies:
        yield from refs((*h, "strategies", "sources"), highlights.strategies.sources)
        for index, strategy in enumerate(highlights.strategies.items):
            yield from refs((*h, "strategies", "items", index, "sources"), strategy.sources)
    if highlights.target:
        yield from refs((*h, "target", "sources"), highlights.target.sources)
        yield from quoted((*h, "target", "source"), highlights.target.source)
    for index, figure in enumerate(highlights.figures):
        yield from quoted((*h, "figures", index, "source"), figure.source)
    seen_figures: set[str] = set()
    for index, figure in enumerate(highlights.figures):
        if figure.id in seen_figures:
            yield error((*h, "figures", index, "id"), f"figure id '{figure.id}' is used twice")
        seen_figures.add(figure.id)
    for c_index, chart in enumerate(highlights.charts):
        yield from refs((*h, "charts", c_index, "sources"), chart.sources)
        for p_index, point in enumerate(chart.points):
            if point.figure not in figure_ids:
                guess = difflib.get_close_matches(point.figure, sorted(figure_ids), n=1)
                hint = f" (did you mean '{guess[0]}'?)" if guess else ""
                yield error(
                    (*h, "charts", c_index, "points", p_index, "figure"),
                    f"'{point.figure}' is not the id of a figure{hint}",
                )
    if highlights.values:
        yield from refs((*h, "values", "sources"), highlights.values.sources)
    if highlights.closing:
        yield from refs((*h, "closing", "sources"), highlights.closing.sources)


__all__ = ["Paragraph", "load_document", "load_model", "locate", "parse_yaml", "read_text"]
