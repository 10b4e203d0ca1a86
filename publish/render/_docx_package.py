"""The DOCX package around the content: the base document, settings, properties, reproducible zip.

The base is python-docx's blank document (the built-in look) or a user's reference document,
a .docx or .dotx, whose styles, page setup, headers and footers we keep, as pandoc's
--reference-doc does. Everything time-dependent is taken from SOURCE_DATE_EPOCH when it is set,
so two builds of the same input are byte-identical.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

from publish.errors import InputError
from publish.model import Meta
from publish.render._docx_xml import Element, val, w
from publish.reproducible import moment
from publish.text import plain_text

_CONTENT_TYPES = "[Content_Types].xml"
_DOCUMENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_TEMPLATE_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
_MACRO_TYPES = ("application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
                "application/vnd.ms-word.document.macroEnabled.main+xml")
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"

_SETTINGS_NAMES = """
    writeProtection view zoom removePersonalInformation removeDateAndTime doNotDisplayPageBoundaries
    displayBackgroundShape printPostScriptOverText printFractionalCharacterWidth printFormsData
    embedTrueTypeFonts embedSystemFonts saveSubsetFonts saveFormsData mirrorMargins alignBordersAndEdges
    bordersDoNotSurroundHeader bordersDoNotSurroundFooter gutterAtTop hideSpellingErrors
    hideGrammaticalErrors activeWritingStyle proofState formsDesign attachedTemplate linkStyles
    stylePaneFormatFilter stylePaneSortMethod documentType mailMerge revisionView trackRevisions
    doNotTrackMoves doNotTrackFormatting documentProtection autoFormatOverride styleLockTheme styleLockQFSet
    defaultTabStop autoHyphenation consecutiveHyphenLimit hyphenationZone doNotHyphenateCaps showEnvelope
    summaryLength clickAndTypeStyle defaultTableStyle evenAndOddHeaders bookFoldRevPrinting bookFoldPrinting
    bookFoldPrintingSheets drawingGridHorizontalSpacing drawingGridVerticalSpacing
    displayHorizontalDrawingGridEvery displayVerticalDrawingGridEvery doNotUseMarginsForDrawingGridOrigin
    drawingGridHorizontalOrigin drawingGridVerticalOrigin doNotShadeFormData noPunctuationKerning
    characterSpacingControl printTwoOnOne strictFirstAndLastChars noLineBreaksAfter noLineBreaksBefore
    savePreviewPicture doNotValidateAgainstSchema saveInvalidXml ignoreMixedContent alwaysShowPlaceholderText
    doNotDemarcateInvalidXml saveXmlDataOnly useXSLTWhenSaving saveThroughXslt showXMLTags
    alwaysMergeEmptyNamespace updateFields hdrShapeDefaults footnotePr endnotePr compat docVars rsids
    attachedSchema themeFontLang clrSchemeMapping doNotIncludeSubdocsInStats doNotAutoCompressPictures
    forceUpgrade captions readModeInkLockDown smartTagType shapeDefaults doNotEmbedSmartTags decimalSymbol
    listSeparator
"""
_SETTINGS_ORDER = tuple(qn(f"w:{name}") for name in _SETTINGS_NAMES.split())
"""The schema order of w:settings children (CT_Settings), for inserting one in its place."""

DocxDocument = Any
"""A python-docx Document (untyped for mypy)."""


def open_base(template: Path | None) -> DocxDocument:
    """python-docx's blank document, or the user's reference document (.docx or .dotx) opened as a document.

    A template that is not a Word document, or carries macros, is an InputError naming the file.
    """
    if template is None:
        document = docx.Document()
        _drop_blank_document_extras(document)
        return document
    try:
        blob = _as_document_package(template.read_bytes(), template)
        return docx.Document(io.BytesIO(blob))
    except InputError:
        raise
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(template, f"not a Word document or template ({exc})") from None
    except Exception as exc:  # python-docx raises its own types for a package it cannot read
        raise InputError(template, f"not a Word document or template ({type(exc).__name__}: {exc})") from None


def _as_document_package(blob: bytes, path: Path) -> bytes:
    """The package with a template's main part relabelled as a document's, so python-docx opens it."""
    with zipfile.ZipFile(io.BytesIO(blob)) as source:
        content_types = source.read(_CONTENT_TYPES).decode("utf-8")
        if any(kind in content_types for kind in _MACRO_TYPES):
            raise InputError(path, "macro-enabled templates (.dotm, .docm) are not supported; save as .dotx or .docx")
        if _TEMPLATE_TYPE not in content_types:
            return blob
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                data = source.read(info.filename)
                if info.filename == _CONTENT_TYPES:
                    data = content_types.replace(_TEMPLATE_TYPE, _DOCUMENT_TYPE).encode()
                target.writestr(info, data)
        return out.getvalue()


def _drop_blank_document_extras(document: DocxDocument) -> None:
    """Removes what python-docx's blank document carries that we do not want to ship.

    Its thumbnail shows an empty page, its stylesWithEffects part (read by Word 2010) would
    contradict our style sheet, and its customXml holds an empty bibliography.
    """
    package_rels = document.part.package.rels
    for rel_id, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package_rels[rel_id]
    part_rels = document.part.rels
    for rel_id, rel in list(part_rels.items()):
        if rel.reltype in (_STYLES_WITH_EFFECTS, RT.CUSTOM_XML):
            del part_rels[rel_id]


def body_elements(document: DocxDocument) -> Iterator[Element]:
    """The body's children except its final section properties."""
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            yield child


def clear_body(document: DocxDocument) -> None:
    """Empties the body, keeping the final sectPr (page setup, header and footer references)."""
    body = document.element.body
    for child in body_elements(document):
        body.remove(child)


def append_to_body(document: DocxDocument, element: Element) -> None:
    """Adds `element` at the end of the body, before the final sectPr."""
    body = document.element.body
    sect_pr = body.find(qn("w:sectPr"))
    if sect_pr is None:
        body.append(element)
    else:
        sect_pr.addprevious(element)


def set_setting(settings: Element, element: Element) -> None:
    """Puts `element` into w:settings in schema order, replacing one of the same name."""
    tag = element.tag
    for old in settings.findall(tag):
        settings.remove(old)
    names = _SETTINGS_ORDER
    later = set(names[names.index(tag) + 1:]) if tag in names else set()
    successor = next((child for child in settings if child.tag in later), None)
    if successor is None:
        settings.append(element)
    else:
        successor.addprevious(element)


def configure_settings(document: DocxDocument, language: str, built_in: bool) -> None:
    """Fields update on open; theme fonts resolve for Chinese; punctuation compresses (built-in look).

    `characterSpacingControl=compressPunctuation` is what Word sets for Chinese documents: adjacent
    full-width marks such as 。” take less than two ems (clreq's squeeze). A user template keeps
    its own choice.
    """
    settings = document.settings.element
    set_setting(settings, val("updateFields", "true"))
    lang = settings.find(qn("w:themeFontLang"))
    latin = lang.get(qn("w:val")) if lang is not None else None
    attrs = {"eastAsia": language}
    if latin:
        attrs = {"val": latin, **attrs}
    set_setting(settings, w("themeFontLang", attrs))
    if built_in:
        set_setting(settings, val("characterSpacingControl", "compressPunctuation"))
        for tag in ("w:proofState", "w:savePreviewPicture"):
            for old in settings.findall(qn(tag)):
                settings.remove(old)


def set_core_properties(document: DocxDocument, meta: Meta, epoch: int | None) -> None:
    """Title, author, subject, keywords and language; dates from `epoch`; nothing left from the base."""
    properties = document.core_properties
    root = properties._element
    for child in list(root):
        root.remove(child)
    when = moment(epoch)
    properties.title = plain_text(meta.title)
    properties.author = plain_text(meta.author)
    properties.last_modified_by = plain_text(meta.author)
    if meta.subject:
        properties.subject = plain_text(meta.subject)
    if meta.keywords:
        properties.keywords = ", ".join(plain_text(keyword) for keyword in meta.keywords)
    properties.language = meta.language
    properties.revision = 1
    properties.created = when
    properties.modified = when


def app_properties(meta: Meta) -> bytes:
    """docProps/app.xml naming this program (not the base document's), and the organization."""
    company = f"<Company>{escape(plain_text(meta.organization))}</Company>" if meta.organization else ""
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"<Application>publish</Application>{company}</Properties>"
    ).encode()
