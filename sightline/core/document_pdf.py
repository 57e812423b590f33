"""PDFs: refused if encrypted or carrying active content, otherwise rewritten without their
document information and XMP metadata."""

from __future__ import annotations

import io
import re

from sightline.core.document_base import (
    MSG_ACTIVE,
    MSG_BOMB,
    MSG_DAMAGED,
    MSG_PASSWORD,
    UploadRejected,
)

PDF_OBJECT_BUDGET = 2_000_000  # PDF objects inspected before a file counts as too complex

_PDF_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/Launch", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/RichMedia",
     "/RichMediaContent", "/RichMediaExecute", "/XFA"}
)  # fmt: skip
_PDF_ACTIVE_VALUES = frozenset(
    {"/JavaScript", "/Launch", "/EmbeddedFile", "/FileAttachment", "/RichMedia",
     "/RichMediaExecute", "/ImportData", "/GoToE", "/SubmitForm", "/Rendition", "/Movie",
     "/Sound"}
)  # fmt: skip


def clean_pdf(data: bytes) -> bytes:
    """Refuse encrypted or active PDFs; rewrite the rest without document info or XMP."""
    from pypdf import PdfReader, PdfWriter

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UploadRejected(MSG_PASSWORD, "password")
        if _pdf_has_active_content(reader):
            raise UploadRejected(MSG_ACTIVE, "pdf_active")
        writer = PdfWriter(clone_from=reader)
        _strip_pdf_metadata(writer)
        output = io.BytesIO()
        writer.write(output)
    except UploadRejected:
        raise
    except Exception as exc:  # pypdf raises many types on malformed input
        raise UploadRejected(MSG_DAMAGED, "damaged") from exc
    return output.getvalue()


def _pdf_has_active_content(reader) -> bool:
    """Walk every object in the file (names arrive decoded, so /J#61vaScript is /JavaScript)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    references = [(num, gen) for gen, table in reader.xref.items() for num in table]
    references += [(num, 0) for num in reader.xref_objStm]
    stack: list = [reader.trailer]
    stack += [reader.get_object(IndirectObject(num, gen, reader)) for num, gen in references]
    budget = PDF_OBJECT_BUDGET
    while stack:
        obj = stack.pop()
        budget -= 1
        if budget < 0:
            raise UploadRejected(MSG_BOMB, "bomb")
        if isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                if key in _PDF_ACTIVE_KEYS or (key == "/URI" and _unsafe_uri(value)):
                    return True
                if not isinstance(value, IndirectObject):
                    stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(value for value in obj if not isinstance(value, IndirectObject))
        elif isinstance(obj, NameObject) and obj in _PDF_ACTIVE_VALUES:
            return True
    return False


def _unsafe_uri(value) -> bool:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return False
    text = re.sub(r"\s+", "", value).lower()
    return text.startswith(("javascript:", "vbscript:", "data:", "file:", "\\\\"))


def _strip_pdf_metadata(writer) -> None:
    from pypdf.generic import DictionaryObject

    writer.metadata = None
    for obj in writer._objects:
        if isinstance(obj, DictionaryObject):
            for key in ("/Metadata", "/PieceInfo"):
                if key in obj:
                    del obj[key]
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
