"""The publication guard's reading of files: the stored bytes, not only the text extracted at
upload.

- Word and Excel: the text of every XML part, so comments, tracked changes (`w:del`, `w:ins`),
  headers, footers, text boxes, shared strings, document properties and link targets are
  covered; comments and tracked changes left in the file are findings in themselves;
- PDF: the text of every page (text under a black box still extracts), document information,
  XMP metadata, annotations and bookmarks;
- the file's name.

A file that cannot be opened is a finding too, so the guard fails closed."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

import defusedxml.ElementTree as SafeElementTree
from django.conf import settings

from sightline.publishing.guard_terms import (
    GENERIC_TERMS,
    KIND_COMMENTS,
    KIND_TRACKED,
    KIND_UNREADABLE,
    WHERE_FILE_METADATA,
    WHERE_FILE_TEXT,
    Finding,
    Term,
    scan_text,
)

OFFICE_PART_LIMIT = 50 * 1024 * 1024  # bytes of one XML part read for scanning


def _unreadable(where: str = "file") -> Finding:
    return Finding(
        where=where,
        kind=KIND_UNREADABLE,
        excerpt="The file could not be opened to check it. Upload it again as a PDF or Word "
        "document.",
    )


def scan_bytes(data: bytes, *, kind: str, terms: Iterable[Term] | None = None) -> list[Finding]:
    """Findings in a file's bytes. `kind` is the stored document kind (pdf, docx, xlsx, …).

    Without `terms`, only the generic patterns are looked for."""
    terms = list(GENERIC_TERMS if terms is None else terms)
    try:
        if kind in ("docx", "xlsx"):
            return _scan_office(data, terms)
        if kind == "pdf":
            return _scan_pdf(data, terms)
    except Exception:  # noqa: BLE001 - any failure to read the file is a finding: fail closed
        return [_unreadable()]
    return []  # images: re-encoded at upload, they carry no text or metadata


def scan_document(document, terms: Iterable[Term]) -> list[Finding]:
    """Findings in a stored document: its name, then its bytes read from storage."""
    from django.core.files.storage import default_storage

    terms = list(terms)
    findings = scan_text(document.original_name, WHERE_FILE_METADATA, terms)
    try:
        with default_storage.open(document.storage_name, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return [*findings, _unreadable()]
    return [*findings, *scan_bytes(data, kind=document.kind, terms=terms)]


# --------------------------------------------------------------------------- Office files

_BREAK_TAGS = frozenset(
    {"p", "br", "cr", "tab", "tr", "tc", "si", "row", "c", "comment", "txbxContent"}
)
_TRACKED_TAGS = frozenset({"del", "ins", "moveFrom", "moveTo"})
_META_ATTRIBUTES = frozenset({"author", "initials", "creator", "lastModifiedBy"})
_COMMENT_TAGS = frozenset({"comment", "threadedComment"})


@dataclass
class _PartText:
    main: list[str]
    tracked: list[str]
    metadata: list[str]
    has_tracked: bool = False
    has_comments: bool = False


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _walk(element, in_tracked: bool, out: _PartText, depth: int = 0) -> None:
    if depth > 400:
        raise ValueError("too deeply nested")
    local = _local(element.tag)
    tracked = in_tracked or local in _TRACKED_TAGS
    if local in _TRACKED_TAGS:
        out.has_tracked = True
    if local in _COMMENT_TAGS:
        out.has_comments = True
    target = out.tracked if tracked else out.main
    for name, value in element.attrib.items():
        local_name = _local(name)
        if local_name in _META_ATTRIBUTES and value.strip():
            out.metadata.append(value)
        elif local_name == "Target" and value.strip():
            target.append(f"\n{value}\n")
    if element.text:
        target.append(element.text)
    for child in element:
        _walk(child, tracked, out, depth + 1)
        if child.tail:
            target.append(child.tail)
    if local in _BREAK_TAGS:
        target.append("\n")


def _part_text(data: bytes) -> _PartText:
    out = _PartText(main=[], tracked=[], metadata=[])
    _walk(SafeElementTree.fromstring(data, forbid_dtd=True), False, out)
    return out


def _scan_office(data: bytes, terms: list[Term]) -> list[Finding]:
    findings: list[Finding] = []
    budget = getattr(settings, "SIGHTLINE_ZIP_MAX_UNCOMPRESSED", 200 * 1024 * 1024)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > getattr(settings, "SIGHTLINE_ZIP_MAX_ENTRIES", 2000):
            return [_unreadable()]
        for info in infos:
            name = info.filename
            lower = name.lower()
            if info.is_dir() or not lower.endswith((".xml", ".rels", ".vml")):
                continue
            budget -= info.file_size
            if info.file_size > OFFICE_PART_LIMIT or budget < 0:
                return [*findings, _unreadable()]
            with archive.open(info) as handle:
                part = _part_text(handle.read(OFFICE_PART_LIMIT + 1))
            findings.extend(_office_part_findings(name, part, terms))
    return findings


def _office_part_findings(name: str, part: _PartText, terms: list[Term]) -> list[Finding]:
    lower = name.lower()
    if lower.startswith("docprops/"):
        text = "\n".join([*part.main, *part.tracked, *part.metadata])
        return scan_text(text, WHERE_FILE_METADATA, terms)
    where = WHERE_FILE_TEXT if lower == "word/document.xml" else f"file part {name}"
    findings = [
        *scan_text("".join(part.main), where, terms),
        *scan_text("".join(part.tracked), f"file part {name} (tracked changes)", terms),
        *scan_text("\n".join(part.metadata), WHERE_FILE_METADATA, terms),
    ]
    if part.has_tracked:
        findings.append(
            Finding(
                where=f"file part {name}",
                kind=KIND_TRACKED,
                excerpt="The file still has tracked changes. Accept or reject them all, then "
                "upload the file again.",
            )
        )
    if part.has_comments:
        findings.append(
            Finding(
                where=f"file part {name}",
                kind=KIND_COMMENTS,
                excerpt="The file still has comments. Delete them, then upload the file again.",
            )
        )
    return findings


# --------------------------------------------------------------------------- PDF

_PDF_COMMENT_SUBTYPES = frozenset(
    {"/Text", "/FreeText", "/Popup", "/Highlight", "/Underline", "/StrikeOut", "/Squiggly",
     "/Caret", "/Ink", "/Stamp", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Line"}
)  # fmt: skip


def _pdf_string(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("latin-1", "replace")
    return str(value)


def _scan_pdf(data: bytes, terms: list[Term]) -> list[Finding]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        return [_unreadable()]
    pages_text, annotations, has_comments = [], [], False
    for page in reader.pages:
        pages_text.append(page.extract_text() or "")
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Subtype") in _PDF_COMMENT_SUBTYPES:
                has_comments = True
            for key in ("/Contents", "/T", "/Subj", "/RC"):
                annotations.append(_pdf_string(annot.get(key)))
    metadata = [_pdf_string(v) for v in (reader.metadata or {}).values()]
    root = reader.trailer["/Root"].get_object()
    if "/Metadata" in root:
        xmp = root["/Metadata"].get_object().get_data().decode("utf-8", "replace")
        metadata.append(re.sub(r"<[^>]+>", " ", xmp))
    findings = [
        *scan_text("\n".join(pages_text), WHERE_FILE_TEXT, terms),
        *scan_text("\n".join(metadata), WHERE_FILE_METADATA, terms),
        *scan_text("\n".join(annotations), "file part annotations", terms),
        *scan_text("\n".join(_outline_titles(reader.outline)), "file part bookmarks", terms),
    ]
    if has_comments:
        findings.append(
            Finding(
                where="file part annotations",
                kind=KIND_COMMENTS,
                excerpt="The file still has comments or mark-up. Remove them, then upload the "
                "file again.",
            )
        )
    return findings


def _outline_titles(outline, depth: int = 0) -> list[str]:
    titles: list[str] = []
    if depth > 50:
        return titles
    for item in outline or []:
        if isinstance(item, list):
            titles.extend(_outline_titles(item, depth + 1))
        else:
            titles.append(_pdf_string(getattr(item, "title", "")))
    return titles
