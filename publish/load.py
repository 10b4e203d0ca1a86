"""YAML file -> validated model. Every problem becomes an `InputError` at `file:line:col`.

ruamel.yaml's round-trip loader keeps the line and column of every key and item, so a pydantic
error's location (a path of keys and indexes) can be mapped back to the place the user typed it.
When ruamel.yaml.clib is installed, libyaml's C parser supplies the events (three times faster);
a file it refuses is parsed again by the pure Python parser, whose error messages we word.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
import types
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, MappingStartEvent, ScalarEvent, SequenceStartEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.scanner import RoundTripScanner

from publish.errors import InputError, InputErrors
from publish.model import Document, Paragraph, Section, Subsection
from publish.text import plain_text

M = TypeVar("M", bound=BaseModel)

MAX_DEPTH = 64
"""Deeper nesting than any letter needs; refused before it can exhaust the stack."""

MAX_ERRORS = 20
"""At most this many errors are reported for one file; the first is the one to fix first."""

MAX_ALIASES = 1000
"""Aliases (`*name`) one file may use; far more than a hand-written letter needs."""

MAX_ALIAS_CHARACTERS = 100_000
"""Characters that aliases may repeat in all, so that no file can blow up into gigabytes of text."""

# Characters XML 1.0 (DOCX, PPTX) cannot hold or YAML forbids in a stream: C0 controls other than
# tab and line breaks, DEL, C1 controls, lone surrogates and the two non-characters U+FFFE/FFFF.
# YAML escapes ("\x07", "\ud800") can put them into a parsed string, so parsed strings are
# checked as well as the raw file.
# Also refused: the invisible bidirectional embeddings, overrides and isolates (U+202A-U+202E,
# U+2066-U+2069). They make text display in another order than it is stored ("Trojan Source"),
# and PDF text extraction drops or moves them.
_FORBIDDEN_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)

# Explicit tags are refused, every one: `!!python/object` could construct objects, `!!binary` smuggle
# in bytes, and even `!!str 2017` reaches the model as a tagged value; quotes make text.
_CORE_TAGS = frozenset(f"!!{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map"))
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _LimitError(MarkedYAMLError):
    """A YAML construct we refuse (a tag, a merge key, an alias bomb, deep nesting), located."""

    def __init__(self, message: str, mark: Any):
        super().__init__(problem=message, problem_mark=mark)


class _SafeScanner(RoundTripScanner):
    """A scanner that refuses deeply nested flow collections (`[[[[...`) at once.

    Without this, ruamel's scanner reads every nested `[` before the composer's depth limit is
    reached, which takes seconds for ten thousand levels.
    """

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: str) -> None:
        if self.flow_level >= MAX_DEPTH:
            raise _LimitError(f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)", self.reader.get_mark())
        super().fetch_flow_collection_start(TokenClass, to_push)


class _SafeComposer(Composer):
    """A composer that refuses what could construct objects or expand without bound.

    Aliases of mappings and lists are refused (no billion laughs); aliases of single values are
    allowed up to `MAX_ALIASES` and `MAX_ALIAS_CHARACTERS`; explicit tags and merge keys (`<<`,
    which silently let one key override another) are refused.
    """

    alias_count = 0
    alias_characters = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            self._check_alias(event)
        elif isinstance(event, ScalarEvent | SequenceStartEvent | MappingStartEvent):
            tag = event.ctag
            if tag is not None:
                name = _tag_name(str(tag))
                hint = (
                    'to make a value text, put it in quotes ("2017")'
                    if name in _CORE_TAGS
                    else "tags can construct objects; write plain text, numbers, lists and mappings"
                )
                raise _LimitError(f"the tag {name} is not allowed: {hint}", event.start_mark)
        return super().compose_node(parent, index)

    def _check_alias(self, event: Any) -> None:
        target = self.anchors.get(event.anchor)
        if isinstance(target, MappingNode | SequenceNode):
            raise _LimitError(
                f"alias *{event.anchor} repeats a whole mapping or list; "
                "aliases are only allowed for single values, write the content out instead",
                event.start_mark,
            )
        self.alias_count += 1
        if isinstance(target, ScalarNode):
            self.alias_characters += len(str(target.value))
        if self.alias_count > MAX_ALIASES or self.alias_characters > MAX_ALIAS_CHARACTERS:
            raise _LimitError(
                f"too many aliases: more than {MAX_ALIASES} aliases or {MAX_ALIAS_CHARACTERS:,} repeated "
                "characters; write the text out instead",
                event.start_mark,
            )

    def compose_mapping_node(self, anchor: Any) -> Any:
        node = super().compose_mapping_node(anchor)
        for key, _ in node.value:
            if str(key.tag) == _MERGE_TAG:
                raise _LimitError(
                    "merge keys (<<) are not allowed: a merged key can silently replace another; "
                    "write the keys out",
                    key.start_mark,
                )
        return node


def _tag_name(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


try:
    from _ruamel_yaml import CParser as _LibyamlParser  # type: ignore[import-not-found]
except ImportError:  # no wheel for this platform: the pure Python parser does the same, slower
    _LibyamlParser = None


class _CEventParser:
    """ruamel's parser interface (events with their marks) over libyaml's C parser."""

    def __init__(self, loader: Any):
        self.loader = loader
        self._events: Any = None

    def _parser(self) -> Any:
        if self._events is None:
            # The reader has already refused unprintable characters and holds the text + "\0".
            self._events = _LibyamlParser(self.loader.reader.buffer[:-1])
        return self._events

    def check_event(self, *choices: Any) -> bool:
        return bool(self._parser().check_event(*choices))

    def peek_event(self) -> Any:
        return self._parser().peek_event()

    def get_event(self) -> Any:
        return self._parser().get_event()

    def dispose(self) -> None:
        self._events = None

    def reset_parser(self) -> None:
        self._events = None


def _yaml(fast: bool = False) -> YAML:
    """A round-trip YAML loader with our limits; `fast` takes its events from libyaml if installed."""
    yaml = YAML(typ="rt")
    if fast and _LibyamlParser is not None:
        yaml.Parser = _CEventParser
    yaml.Scanner = _SafeScanner
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
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            path, "the file is UTF-16, not UTF-8; re-save it as UTF-8 (in your editor: Save with Encoding, UTF-8)"
        )
    if not raw.strip() or not raw.removeprefix(b"\xef\xbb\xbf").strip():
        raise InputError(path, "the file is empty; a letter needs at least meta and body")
    if _looks_binary(raw):
        offset = next(i for i, byte in enumerate(raw) if byte in _BINARY_BYTES)
        line, column = _position(raw, offset)
        raise InputError(path, "this is binary data, not a YAML text file", line, column)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(raw, exc.start)
        raise InputError(path, _not_utf8_message(raw), line, column) from None
    match = _FORBIDDEN_CONTROL.search(text)
    if match:
        line, column = text_position(text, match.start())
        raise InputError(path, _control_message(match.group()), line, column)
    return text


_BINARY_BYTES = frozenset([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])


def _looks_binary(raw: bytes) -> bool:
    """NUL bytes, or control bytes in more than one of a hundred bytes: not text in any encoding."""
    if b"\x00" in raw:
        return True
    controls = sum(1 for byte in raw[:65536] if byte in _BINARY_BYTES)
    return controls * 100 > min(len(raw), 65536)


def text_position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in characters) of `offset` in `text`."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _control_message(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        what = f"a lone surrogate U+{code:04X} (half of a character)"
    elif code in (0xFFFE, 0xFFFF):
        what = f"the non-character U+{code:04X}"
    elif 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return (
            f"the invisible bidirectional control U+{code:04X} is not allowed: it can show text in another "
            "order than it is written, and PDF text extraction loses it; remove it"
        )
    else:
        what = f"the control character U+{code:04X}"
    return f"{what} cannot be stored in DOCX or PPTX (XML) and is not allowed in text; remove it"


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    prefix = raw[line_start:offset].decode("utf-8", errors="replace").removeprefix("\ufeff")
    return raw.count(b"\n", 0, offset) + 1, len(prefix) + 1


def _not_utf8_message(raw: bytes) -> str:
    """Names the likely encoding (GBK/GB18030 or Big5 for Chinese) and how to re-save as UTF-8."""
    for codec, name in (("gb18030", "GBK/GB18030"), ("big5", "Big5")):
        try:
            decoded = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        wide = [c for c in decoded if ord(c) > 0x7F]
        han = sum(1 for c in wide if _is_cjk(c))
        if wide and han * 10 >= len(wide) * 9:
            return (
                f"the file is not UTF-8; it looks like {name} (Chinese in a legacy encoding). "
                f"Re-save it as UTF-8: in your editor choose Save with Encoding > UTF-8, "
                f"or run: iconv -f {codec.upper()} -t UTF-8 FILE > FILE.utf8"
            )
    return "the file is not UTF-8 text; re-save it as UTF-8 (in your editor: Save with Encoding, UTF-8)"


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x3000 <= code <= 0x303F  # CJK punctuation
        or 0x3400 <= code <= 0x9FFF  # Han, Extension A
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x2010 <= code <= 0x206F  # general punctuation: quotes, dashes, ellipsis
        or 0x20000 <= code <= 0x3FFFF  # Extensions B and later
    )


def parse_yaml(path: Path, text: str) -> Any:
    """The YAML tree of `text` (ruamel round-trip types, which remember positions).

    Strings in the tree are checked for characters XML cannot hold (written as YAML escapes).
    """
    try:
        try:
            data = _yaml(fast=True).load(text)
        except Exception:  # whatever libyaml refuses, the reference parser judges
            data = _yaml().load(text)  # the same refusal, worded and located by the Python parser
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise InputError(path, _yaml_message(exc, text), line, column) from None
    except RecursionError:
        raise InputError(path, f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)") from None
    except YAMLError as exc:
        raise InputError(path, f"invalid YAML: {_one_line(str(exc))}") from None
    _check_strings(path, data)
    return data


def _check_strings(path: Path, data: Any) -> None:
    """Refuses a control character that reached a key or value through a YAML escape."""
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                for is_key, item in ((True, key), (False, value)):
                    if isinstance(item, str):
                        _check_string(path, item, node.lc.key(key) if is_key else node.lc.value(key))
                    else:
                        stack.append(item)
        elif isinstance(node, CommentedSeq):
            for index, item in enumerate(node):
                if isinstance(item, str):
                    _check_string(path, item, node.lc.item(index))
                else:
                    stack.append(item)


def _check_string(path: Path, value: str, position: tuple[int, int]) -> None:
    match = _FORBIDDEN_CONTROL.search(value)
    if match:
        line, column = position
        raise InputError(path, f"{_control_message(match.group())} (written as an escape)", line + 1, column + 1)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _yaml_message(exc: MarkedYAMLError, text: str) -> str:
    problem = _one_line(exc.problem or exc.context or "invalid YAML")
    if isinstance(exc, _LimitError):
        return problem
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
        mark, problem_mark = exc.context_mark, exc.problem_mark
        opened = ""
        if mark is not None and (problem_mark is None or mark.line != problem_mark.line):
            opened = f" started at line {mark.line + 1}, column {mark.column + 1}"
        return f"invalid YAML: {_one_line(exc.context)}{opened}, {problem}"
    return f"invalid YAML: {problem}"


def load_model(path: Path, model: type[M], data: Any) -> M:
    """Validates `data` (a YAML tree read from `path`) as `model`; errors located in the file."""
    if not isinstance(data, CommentedMap):
        kind = "a list" if isinstance(data, list) else "a single value" if data is not None else "empty"
        keys = ", ".join(list(model.model_fields)[:3])
        raise InputError(path, f"the top level must be a mapping of keys ({keys}, ...), not {kind}", 1, 1)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = _without_typo_echoes(model, exc.errors())
        errors = [_located(path, data, model, error) for error in details[:MAX_ERRORS]]
        raise InputErrors(errors) from None


def _without_typo_echoes(model: type[BaseModel], errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Drops "missing key" errors that a misspelt key beside them explains (`autor` for `author`)."""
    guessed = {
        (tuple(error["loc"][:-1]), guess)
        for error in errors
        if error["type"] == "extra_forbidden" and (guess := _suggestion(model, error["loc"])) is not None
    }
    return [
        error
        for error in errors
        if not (error["type"] == "missing" and (tuple(error["loc"][:-1]), str(error["loc"][-1])) in guessed)
    ]


def _suggestion(model: type[BaseModel], loc: Sequence[int | str]) -> str | None:
    """The allowed key closest to the unknown key at `loc`; None when none is close."""
    guess = difflib.get_close_matches(str(loc[-1]), sorted(_fields_at(model, loc[:-1])), n=1, cutoff=0.5)
    return guess[0] if guess else None


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
    line, column = locate(data, loc, key_position=kind in ("extra_forbidden", "invalid_key"))
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
    if isinstance(value, datetime.date):
        return f"a date ({value.isoformat()})"
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
            parent = _field_name(loc[:-1]) if any(isinstance(p, str) and p not in _TAGS for p in loc[:-1]) else ""
            return f"missing required key {name}" + (f" in {parent}" if parent else "")
        case "extra_forbidden":
            allowed = sorted(_fields_at(model, loc[:-1]))
            guess = _suggestion(model, loc)
            hint = f" (did you mean '{guess}'?)" if guess else f" (allowed: {', '.join(allowed)})"
            return f"unknown key {name}{hint}"
        case "string_type":
            hint = "; put it in quotes to make it text" if isinstance(value, int | float | bool | datetime.date) else ""
            return f"{name} should be text, not {_kind_of(value)}{hint}"
        case "float_type" | "float_parsing" | "int_type" | "int_parsing" | "int_from_float":
            whole = kind.startswith("int")
            return f"{name} should be a {'whole ' if whole else ''}number, not {_kind_of(value)}"
        case "too_short" | "string_too_short":
            return f"{name} must not be empty"
        case "invalid_key":
            return f"the key {value!r} is {_kind_of(value)}; keys must be text (put it in quotes)"
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


# --- assets: files a YAML file names ------------------------------------------------------------


def locate_in_file(path: Path, loc: Sequence[int | str]) -> tuple[int | None, int | None]:
    """The line and column of the value at `loc` in the YAML file `path`; None when not found."""
    try:
        data = parse_yaml(path, read_text(path))
    except InputError:
        return None, None
    if not isinstance(data, CommentedMap):
        return None, None
    line, column = locate(data, loc)
    return (line, column) if line > 0 else (None, None)


def checked_asset(
    path: Path, reference: str, named_in: Path, loc: Sequence[int | str], kind: str, *, contained: bool = True
) -> Path:
    """`path`, which `reference` at `loc` in the YAML file `named_in` resolved to, checked.

    It must be a readable file and, when `contained`, lie inside the project folder: the folder
    of `named_in` or below it, after symbolic links are resolved. Errors are located at the
    reference in `named_in`.
    """

    def fail(message: str) -> InputError:
        # Only a failure pays for parsing the YAML file again to find where the reference is.
        line, column = locate_in_file(named_in, loc) if named_in.is_file() else (None, None)
        return InputError(named_in, message, line, column)

    if contained:
        project = named_in.resolve().parent
        real = path.resolve()
        if not real.is_relative_to(project):
            raise fail(
                f"{kind} {reference!r} is outside the project folder {project} (it is {real}); "
                "put it beside or below the YAML file, or pass --allow-outside-assets"
            )
    if path.is_dir():
        raise fail(f"{kind} {reference!r} is a folder, not a file (looked for {path})")
    if not path.is_file():
        raise fail(f"{kind} {reference!r} not found (looked for {path})")
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise fail(f"{kind} {reference!r} cannot be read: {exc.strerror or exc}") from None
    return path


def locate_character(paths: Sequence[Path], char: str) -> tuple[Path, int | None, int | None] | None:
    """The first file of `paths` whose text holds `char`, with its line and column there.

    Looks in the raw text first (what the user typed), then in the parsed strings (for a
    character written as an escape such as "\\U00020000"); None when no file holds it.
    """
    for path in paths:
        try:
            text = read_text(path)
        except InputError:
            continue
        offset = text.find(char)
        if offset >= 0:
            return (path, *text_position(text, offset))
        try:
            data = parse_yaml(path, text)
        except InputError:
            continue
        found = _find_in_tree(data, char)
        if found is not None:
            return path, found[0] + 1, found[1] + 1
    return None


def _find_in_tree(data: Any, char: str) -> tuple[int, int] | None:
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                if isinstance(value, str) and char in value:
                    return cast(tuple[int, int], tuple(node.lc.value(key)))
                stack.append(value)
        elif isinstance(node, CommentedSeq):
            for index, item in enumerate(node):
                if isinstance(item, str) and char in item:
                    return cast(tuple[int, int], tuple(node.lc.item(index)))
                stack.append(item)
    return None


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
        if not math.isfinite(figure.value):
            yield error((*h, "figures", index, "value"), f"'value' must be a finite number, not {figure.value}")
    if highlights.target and not math.isfinite(highlights.target.value):
        yield error((*h, "target", "value"), f"'value' must be a finite number, not {highlights.target.value}")
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


__all__ = [
    "Paragraph",
    "checked_asset",
    "load_document",
    "load_model",
    "locate",
    "locate_character",
    "locate_in_file",
    "parse_yaml",
    "read_text",
    "text_position",
]
