"""The one upload path for documents: checks, cleaning, text extraction and storage.

Every file a user submits goes through `document_create()`, which calls `inspect_upload()`:

1. size: the declared size, then at most limit + 1 bytes are read;
2. type by content (magic bytes) against an allow-list, and the file name's extension must agree;
3. an optional virus scan through clamd (`SIGHTLINE_CLAMD_ADDRESS`; fails closed when set);
4. per type: Office archives are checked (entry count and declared size before anything is
   unpacked, paths, nested archives, macros, DTDs, external links that fetch or run things) and
   rebuilt; PDFs are refused if they carry scripts, launch actions, embedded files or
   script/file links, and are rewritten; images are verified and re-encoded. What is stored is
   the rebuilt file, without its metadata;
5. text is extracted from the stored bytes for search.

Stored files get a server-generated name; the submitted name is kept, cleaned, for display and
for the download's Content-Disposition only. Files are served only through
`sightline.core.access.document_for_user()`, which asks the owner's registered access rule.

The checks for each type live beside this module: `document_office` (Word and Excel packages),
`document_pdf`, `document_images` and `document_text` (extraction), with what they share in
`document_base`. Import from here: every public name is re-exported below.
"""

from __future__ import annotations

import hashlib
import re
import socket
import struct
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone

from sightline.core.document_base import (
    MSG_ACTIVE,
    MSG_BOMB,
    MSG_DAMAGED,
    MSG_EMPTY,
    MSG_MACROS,
    MSG_MISMATCH,
    MSG_PASSWORD,
    MSG_SCAN_FAILED,
    MSG_TOO_BIG,
    MSG_TYPE,
    MSG_VIRUS,
    UploadRejected,
    file_extension,
    sniff,
)
from sightline.core.document_images import clean_image
from sightline.core.document_office import clean_office
from sightline.core.document_pdf import PDF_OBJECT_BUDGET, clean_pdf
from sightline.core.document_text import TEXT_LIMIT, XLSX_CELL_BUDGET, extract_text
from sightline.core.events import record_event
from sightline.core.models import Document, Event

__all__ = [
    "ACCEPT",
    "KINDS",
    "MSG_ACTIVE",
    "MSG_BOMB",
    "MSG_DAMAGED",
    "MSG_EMPTY",
    "MSG_MACROS",
    "MSG_MISMATCH",
    "MSG_PASSWORD",
    "MSG_SCAN_FAILED",
    "MSG_TOO_BIG",
    "MSG_TYPE",
    "MSG_VIRUS",
    "NAME_LIMIT",
    "PDF_OBJECT_BUDGET",
    "TEXT_LIMIT",
    "XLSX_CELL_BUDGET",
    "Inspected",
    "Kind",
    "UploadRejected",
    "clean_filename",
    "document_create",
    "inspect_upload",
    "owner_access_rule",
    "owner_documents",
    "register_owner_access",
    "sweep_orphan_documents",
    "unregister_owner_access",
]

NAME_LIMIT = 200


@dataclass(frozen=True)
class Kind:
    code: str
    content_type: str
    extensions: tuple[str, ...]  # the first is used for stored names


KINDS = {
    "pdf": Kind("pdf", "application/pdf", ("pdf",)),
    "docx": Kind(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ("docx",),
    ),
    "xlsx": Kind(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)
    ),
    "png": Kind("png", "image/png", ("png",)),
    "jpeg": Kind("jpeg", "image/jpeg", ("jpg", "jpeg")),
}
_EXTENSION_KIND = {ext: kind for kind in KINDS.values() for ext in kind.extensions}
# For <input type="file" accept="...">; the server still checks content.
ACCEPT = ",".join(f".{ext}" for ext in _EXTENSION_KIND)


@dataclass(frozen=True)
class Inspected:
    """An upload that passed every check: the cleaned bytes are what gets stored."""

    kind: str
    content_type: str
    extension: str
    name: str
    content: bytes
    text: str


# --------------------------------------------------------------------------- entry point


def inspect_upload(uploaded_file) -> Inspected:
    """Check and clean one uploaded file; raise UploadRejected with a user-facing message."""
    data = _read_limited(uploaded_file, settings.SIGHTLINE_UPLOAD_MAX_BYTES)
    name = clean_filename(getattr(uploaded_file, "name", "") or "")
    ext = file_extension(name)
    if ext not in _EXTENSION_KIND:
        raise UploadRejected(MSG_TYPE, "type")
    sniffed = sniff(data)
    if sniffed is None:
        raise UploadRejected(MSG_TYPE, "type")
    expected = _EXTENSION_KIND[ext].code
    if sniffed == "zip" and expected not in ("docx", "xlsx"):
        raise UploadRejected(MSG_MISMATCH, "mismatch")
    if sniffed != "zip" and sniffed != expected:
        raise UploadRejected(MSG_MISMATCH, "mismatch")
    _virus_scan(data)
    if sniffed == "zip":
        code, content = clean_office(data)
        if code != expected:
            raise UploadRejected(MSG_MISMATCH, "mismatch")
    elif sniffed == "pdf":
        code, content = "pdf", clean_pdf(data)
    else:
        code, content = sniffed, clean_image(data, sniffed)
    kind = KINDS[code]
    return Inspected(
        kind=code,
        content_type=kind.content_type,
        extension=kind.extensions[0],
        name=name,
        content=content,
        text=extract_text(code, content),
    )


def document_create(*, uploaded_file, by, owner: models.Model | None = None) -> Document:
    """Check, clean and store an uploaded file, and record it.

    Call inside the caller's `transaction.atomic()` together with the owner's own change. If that
    transaction rolls back, the stored file is left without a row; `sweep_orphan_documents()`
    (command `sweep_documents`) deletes such files later.
    """
    inspected = inspect_upload(uploaded_file)
    owner_type, owner_id = None, ""
    if owner is not None:
        if owner.pk is None:
            raise ValueError("The owner must be saved before documents are attached to it.")
        owner_type, owner_id = ContentType.objects.get_for_model(owner), str(owner.pk)
    uploader = by if by is not None and getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        stored = default_storage.save(
            _new_storage_name(inspected.extension), ContentFile(inspected.content)
        )
        try:
            document = Document.objects.create(
                original_name=inspected.name,
                content_type=inspected.content_type,
                kind=inspected.kind,
                size=len(inspected.content),
                sha256=hashlib.sha256(inspected.content).hexdigest(),
                storage_name=stored,
                extracted_text=inspected.text,
                owner_type=owner_type,
                owner_id=owner_id,
                uploaded_by=uploader,
            )
            record_event(
                action="document.upload",
                actor=by,
                obj=document,
                changes={"name": [None, document.original_name], "size": [None, document.size]},
            )
        except BaseException:
            default_storage.delete(stored)
            raise
    return document


def owner_documents(owner: models.Model) -> models.QuerySet[Document]:
    """Documents attached to one record (check access to the owner before listing them)."""
    return Document.objects.filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=str(owner.pk)
    )


# --------------------------------------------------------------------------- owner access

_OWNER_ACCESS: dict[str, Callable[[object, str, Document], bool]] = {}


def register_owner_access(model_label: str, fn: Callable[[object, str, Document], bool]) -> None:
    """Declare who may read documents owned by records of one model ("app_label.modelname").

    `fn(user, owner_id)` returns True when the user may read that owner's documents. Documents
    whose owner model has no registered rule are never served.
    """
    _OWNER_ACCESS[model_label.lower()] = fn


def unregister_owner_access(model_label: str) -> None:
    _OWNER_ACCESS.pop(model_label.lower(), None)


def owner_access_rule(model_label: str) -> Callable[[object, str, Document], bool] | None:
    return _OWNER_ACCESS.get(model_label.lower())


# --------------------------------------------------------------------------- orphan files

_STORED_NAME = re.compile(r"^\d{4}/\d{2}/[0-9a-f]{32}\.(?:pdf|docx|xlsx|png|jpg)$")


def sweep_orphan_documents(older_than_minutes: int = 60) -> int:
    """Delete stored files with no Document row (left by rolled-back uploads); return the count.

    Only names this module generates are considered, and only files older than the cut-off, so
    an upload whose transaction has not committed yet is left alone.
    """
    storage = default_storage
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    deleted = 0
    for folder in _month_folders(storage):
        names = [f"{folder}/{f}" for f in storage.listdir(folder)[1]]
        names = [n for n in names if _STORED_NAME.match(n)]
        for start in range(0, len(names), 500):
            batch = names[start : start + 500]
            known = set(
                Document.objects.filter(storage_name__in=batch).values_list(
                    "storage_name", flat=True
                )
            )
            for name in batch:
                if name not in known and storage.get_modified_time(name) <= cutoff:
                    storage.delete(name)
                    deleted += 1
    if deleted:
        record_event(
            action="document.sweep", kind=Event.Kind.SYSTEM, changes={"deleted": [None, deleted]}
        )
    return deleted


def _month_folders(storage):
    try:
        years = storage.listdir("")[0]
    except FileNotFoundError:
        return
    for year in sorted(years):
        if re.fullmatch(r"\d{4}", year):
            for month in sorted(storage.listdir(year)[0]):
                if re.fullmatch(r"\d{2}", month):
                    yield f"{year}/{month}"


def _new_storage_name(extension: str) -> str:
    now = timezone.localtime()
    return f"{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{extension}"


# --------------------------------------------------------------------------- names and bytes

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(10)
}
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # controls, bidi/format marks, surrogates


def clean_filename(name: str, *, limit: int = NAME_LIMIT) -> str:
    """A display name for a submitted file: no path, controls, bidi overrides or reserved names."""
    name = unicodedata.normalize("NFC", str(name))
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r'[<>:"|?*]', "_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,10}", ext):
        stem, ext = name, ""
    stem = stem.strip(" .")
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    stem = stem[: limit - len(ext) - 1].rstrip(" .") or "document"
    return f"{stem}.{ext}" if ext else stem


def _size_label(limit: int) -> str:
    mb, kb = 1024 * 1024, 1024
    if limit >= mb:
        return f"{limit // mb}MB" if limit % mb == 0 else f"{limit / mb:.1f}MB"
    if limit >= kb:
        return f"{limit // kb}KB"
    return f"{limit} bytes"


def _read_limited(uploaded_file, limit: int) -> bytes:
    too_big = UploadRejected(MSG_TOO_BIG.format(limit=_size_label(limit)), "too_big")
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > limit:
        raise too_big
    try:
        uploaded_file.seek(0)
    except (AttributeError, OSError, ValueError):
        pass
    chunks, total = [], 0
    while total <= limit:
        chunk = uploaded_file.read(min(1024 * 1024, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise too_big
    if total == 0:
        raise UploadRejected(MSG_EMPTY, "empty")
    return b"".join(chunks)


# --------------------------------------------------------------------------- virus scan


def _virus_scan(data: bytes) -> None:
    """Scan through clamd when SIGHTLINE_CLAMD_ADDRESS is set ("/path/clamd.ctl" or "host:port").

    When it is set and clamd cannot answer, the upload is refused.
    """
    address = getattr(settings, "SIGHTLINE_CLAMD_ADDRESS", "")
    if not address:
        return
    try:
        verdict = _clamd_instream(address, data)
    except (OSError, ValueError) as exc:
        raise UploadRejected(MSG_SCAN_FAILED, "scan_failed") from exc
    if verdict.endswith("FOUND"):
        raise UploadRejected(MSG_VIRUS, "virus")
    if not verdict.endswith("OK"):
        raise UploadRejected(MSG_SCAN_FAILED, "scan_failed")


def _clamd_instream(address: str, data: bytes, timeout: float = 60) -> str:
    if address.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(address)
    else:
        host, _, port = address.rpartition(":")
        sock = socket.create_connection((host, int(port)), timeout=timeout)
    with sock:
        sock.sendall(b"zINSTREAM\0")
        for start in range(0, len(data), 64 * 1024):
            chunk = data[start : start + 64 * 1024]
            sock.sendall(struct.pack("!L", len(chunk)) + chunk)
        sock.sendall(struct.pack("!L", 0))
        reply = b""
        while not reply.endswith(b"\0") and len(reply) < 4096:
            part = sock.recv(4096)
            if not part:
                break
            reply += part
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()
