"""JSON Schemas of letter and theme files, for editors (YAML language server) and `publish schema`."""

from __future__ import annotations

from typing import Any

from publish.model import Document


def document_schema() -> dict[str, Any]:
    """The JSON Schema of a letter file."""
    schema = Document.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "publish letter"
    return schema


def theme_schema() -> dict[str, Any]:
    """The JSON Schema of a theme file."""
    from publish.theme import Theme

    schema = Theme.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "publish theme"
    return schema
