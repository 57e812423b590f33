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
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import socket
import struct
import unicodedata
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from xml.etree import ElementTree
from xml.sax import SAXException
from xml.sax.handler import ContentHandler
from xml.sax.saxutils import quoteattr

import defusedxml.ElementTree as SafeElementTree
import defusedxml.sax as safe_sax
from defusedxml import DefusedXmlException
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from sightline.core.events import record_event
from sightline.core.models import Document, Event

TEXT_LIMIT = 2_000_000  # characters of extracted text kept for search
XLSX_CELL_BUDGET = 20_000_000  # cells (including padding) read from a spreadsheet for text
PDF_OBJECT_BUDGET = 2_000_000  # PDF objects inspected before a file counts as too complex
NAME_LIMIT = 200

MSG_TYPE = "The selected file must be a PDF, Word document, Excel spreadsheet, PNG or JPEG"
MSG_TOO_BIG = "The selected file must be smaller than {limit}"
MSG_EMPTY = "The selected file is empty"
MSG_MACROS = "The selected file contains macros"
MSG_MISMATCH = "The selected file's name does not match its type"
MSG_PASSWORD = "The selected file is password protected"
MSG_ACTIVE = "The selected file contains scripts, embedded files or other active content"
MSG_BOMB = "The selected file is too large to open safely"
MSG_DAMAGED = "The selected file is damaged and cannot be opened"
MSG_VIRUS = "The selected file contains a virus"
MSG_SCAN_FAILED = "The selected file could not be checked for viruses – try again later"


class UploadRejected(ValidationError):
    """A submitted file was refused; `message` is fit to show the user, `code` names the check."""

    def __init__(self, message: str, code: str):
        super().__init__(message, code=code)


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
    ext = _extension(name)
    if ext not in _EXTENSION_KIND:
        raise UploadRejected(MSG_TYPE, "type")
    sniffed = _sniff(data)
    if sniffed is None:
        raise UploadRejected(MSG_TYPE, "type")
    expected = _EXTENSION_KIND[ext].code
    if sniffed == "zip" and expected not in ("docx", "xlsx"):
        raise UploadRejected(MSG_MISMATCH, "mismatch")
    if sniffed != "zip" and sniffed != expected:
        raise UploadRejected(MSG_MISMATCH, "mismatch")
    _virus_scan(data)
    if sniffed == "zip":
        code, content = _clean_office(data)
        if code != expected:
            raise UploadRejected(MSG_MISMATCH, "mismatch")
    elif sniffed == "pdf":
        code, content = "pdf", _clean_pdf(data)
    else:
        code, content = sniffed, _clean_image(data, sniffed)
    kind = KINDS[code]
    return Inspected(
        kind=code,
        content_type=kind.content_type,
        extension=kind.extensions[0],
        name=name,
        content=content,
        text=_extract_text(code, content),
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

_OWNER_ACCESS: dict[str, Callable[[object, str], bool]] = {}


def register_owner_access(model_label: str, fn: Callable[[object, str], bool]) -> None:
    """Declare who may read documents owned by records of one model ("app_label.modelname").

    `fn(user, owner_id)` returns True when the user may read that owner's documents. Documents
    whose owner model has no registered rule are never served.
    """
    _OWNER_ACCESS[model_label.lower()] = fn


def unregister_owner_access(model_label: str) -> None:
    _OWNER_ACCESS.pop(model_label.lower(), None)


def owner_access_rule(model_label: str) -> Callable[[object, str], bool] | None:
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


def _extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


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


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    return None


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


# --------------------------------------------------------------------------- Office files

_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_MAIN_PARTS = {
    "word/document.xml": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "xl/workbook.xml": (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
}
_MACRO_TYPES = ("macroenabled", "vbaproject", "vbadata", "macrosheet")
_ACTIVE_TYPES = ("activex", "oleobject", "externallink")
# External relationships that make Office fetch or run something when the file is opened
# (remote templates, OLE links as in CVE-2022-30190, frames, remote images that report the reader).
_ACTIVE_EXTERNAL_RELS = (
    "/attachedtemplate", "/oleobject", "/frame", "/subdocument", "/image", "/package",
    "/externallinkpath", "/control", "/afchunk", "/slideupdateinfo",
)  # fmt: skip
_SAFE_LINK_SCHEMES = {"http", "https", "mailto"}
_MACRO_NAMES = {"vbaproject.bin", "vbadata.xml", "vbaprojectsignature.bin"}
_NESTED_EXTENSIONS = {
    "zip", "jar", "7z", "rar", "gz", "tgz", "bz2", "xz", "cab", "docx", "docm", "dotm", "xlsx",
    "xlsm", "xlsb", "xltm", "pptx", "pptm", "odt", "ods", "odp", "exe", "dll", "msi", "ps1",
    "bat", "cmd", "vbs", "js", "hta", "scr", "lnk", "jse", "wsf",
}  # fmt: skip
_NESTED_MAGIC = (
    b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"\xfd7zXZ\x00", b"MSCF", b"MZ", b"\x1f\x8b",
)  # fmt: skip
_XML_EXTENSIONS = {"xml", "rels", "vml"}
_MEDIA = re.compile(r"^(?:word|xl)/media/[^/]+\.(?:png|jpe?g)$")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_EMPTY_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
)
_EMPTY_APP = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    b' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>'
)


@dataclass
class _PackagePlan:
    core: set[str]
    app: set[str]
    drop: set[str]


def _clean_office(data: bytes) -> tuple[str, bytes]:
    """Check an OOXML package before unpacking it, then rebuild it without its properties."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UploadRejected(MSG_DAMAGED, "damaged") from exc
    with archive:
        infos = _check_zip_directory(archive.infolist())
        by_name = {info.filename.lower(): info for info in infos}
        if "[content_types].xml" not in by_name:
            raise UploadRejected(MSG_TYPE, "type")
        content_types = _read_entry(archive, by_name["[content_types].xml"])
        code = _main_kind(_parse_xml(content_types), set(by_name))
        if "_rels/.rels" not in by_name:
            raise UploadRejected(MSG_DAMAGED, "damaged")
        rels = _read_entry(archive, by_name["_rels/.rels"])
        plan = _package_plan(_parse_xml(rels))
        return code, _rebuild_package(archive, infos, plan)


def _check_zip_directory(infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """Everything checkable from the central directory, before any entry is decompressed."""
    if len(infos) > settings.SIGHTLINE_ZIP_MAX_ENTRIES:
        raise UploadRejected(MSG_BOMB, "bomb")
    if sum(info.file_size for info in infos) > settings.SIGHTLINE_ZIP_MAX_UNCOMPRESSED:
        raise UploadRejected(MSG_BOMB, "bomb")
    seen = set()
    for info in infos:
        name = info.filename
        if info.flag_bits & 0x1:
            raise UploadRejected(MSG_PASSWORD, "password")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRejected(MSG_DAMAGED, "damaged")
        if _unsafe_entry_name(name) or name.lower() in seen:
            raise UploadRejected(MSG_ACTIVE, "unsafe_path")
        seen.add(name.lower())
        _check_entry_name(name.lower())
    return infos


def _unsafe_entry_name(name: str) -> bool:
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return True
    if re.match(r"^[A-Za-z]:", name):
        return True
    return any(part in ("..", ".") for part in name.split("/"))


def _check_entry_name(name: str) -> None:
    base = posixpath.basename(name)
    if base in _MACRO_NAMES or "macrosheets/" in name:
        raise UploadRejected(MSG_MACROS, "macros")
    path = f"/{name}"
    if "/activex/" in path or "/embeddings/" in path:
        raise UploadRejected(MSG_ACTIVE, "embedded")
    if _extension(base) in _NESTED_EXTENSIONS:
        raise UploadRejected(MSG_ACTIVE, "nested_archive")


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Read one entry; never more than its declared size (zipfile stops there and checks CRC)."""
    try:
        with archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        raise UploadRejected(MSG_DAMAGED, "damaged") from exc
    except Exception as exc:  # zlib.error and friends from a corrupt stream
        raise UploadRejected(MSG_DAMAGED, "damaged") from exc
    if len(data) != info.file_size:
        raise UploadRejected(MSG_DAMAGED, "damaged")
    return data


def _parse_xml(data: bytes) -> ElementTree.Element:
    try:
        return SafeElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise UploadRejected(MSG_ACTIVE, "xml_dtd") from exc
    except ElementTree.ParseError as exc:
        raise UploadRejected(MSG_DAMAGED, "damaged") from exc


def _check_xml(data: bytes) -> None:
    """Stream-parse an XML part: well formed, and no DTD (so no entities, no XXE)."""
    try:
        safe_sax.parseString(data, ContentHandler(), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise UploadRejected(MSG_ACTIVE, "xml_dtd") from exc
    except (SAXException, ValueError) as exc:
        raise UploadRejected(MSG_DAMAGED, "damaged") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _main_kind(root: ElementTree.Element, names: set[str]) -> str:
    if root.tag != f"{{{_CT_NS}}}Types":
        raise UploadRejected(MSG_DAMAGED, "damaged")
    overrides: dict[str, str] = {}
    declared: list[str] = []
    for element in root:
        content_type = (element.get("ContentType") or "").strip()
        declared.append(content_type.lower())
        if _local(element.tag) == "Override":
            overrides[(element.get("PartName") or "").lower().lstrip("/")] = content_type
    if any(marker in ct for ct in declared for marker in _MACRO_TYPES):
        raise UploadRejected(MSG_MACROS, "macros")
    if any(marker in ct for ct in declared for marker in _ACTIVE_TYPES):
        raise UploadRejected(MSG_ACTIVE, "embedded")
    for part, (code, content_type) in _MAIN_PARTS.items():
        if overrides.get(part) == content_type and part in names:
            return code
    raise UploadRejected(MSG_TYPE, "type")


def _package_plan(root: ElementTree.Element) -> _PackagePlan:
    """Which parts hold document properties (from the package relationships, and by name)."""
    plan = _PackagePlan(core={"docprops/core.xml"}, app={"docprops/app.xml"}, drop=set())
    plan.drop.add("docprops/custom.xml")
    for element in root:
        if _local(element.tag) != "Relationship" or element.get("TargetMode") == "External":
            continue
        rel_type = element.get("Type") or ""
        target = posixpath.normpath((element.get("Target") or "").lstrip("/")).lower()
        if rel_type.endswith("/metadata/core-properties"):
            plan.core.add(target)
        elif rel_type.endswith("/extended-properties"):
            plan.app.add(target)
        elif rel_type.endswith(("/custom-properties", "/metadata/thumbnail")):
            plan.drop.add(target)
    return plan


def _rebuild_package(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], plan: _PackagePlan
) -> bytes:
    output = io.BytesIO()
    ordered = sorted(infos, key=lambda info: info.filename.lower() != "[content_types].xml")
    present = {info.filename.lower() for info in infos}
    dropped = plan.drop & present
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as rebuilt:
        for info in ordered:
            lower = info.filename.lower()
            if info.is_dir() or lower in dropped:
                continue
            data = _read_entry(archive, info)
            _check_entry_content(lower, data)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            rebuilt.writestr(entry, _clean_part(lower, data, plan, dropped))
    return output.getvalue()


def _check_entry_content(name: str, data: bytes) -> None:
    if not name.endswith(".odttf") and data.startswith(_NESTED_MAGIC):
        raise UploadRejected(MSG_ACTIVE, "nested_archive")
    if _extension(name) in _XML_EXTENSIONS:
        _check_xml(data)
    if name.endswith(".rels"):
        _check_relationships(_parse_xml(data))


def _check_relationships(root: ElementTree.Element) -> None:
    """Refuse external relationships that fetch or run things; links may be web or e-mail only."""
    for element in root:
        if element.get("TargetMode") != "External":
            continue
        rel_type = (element.get("Type") or "").lower()
        target = (element.get("Target") or "").strip()
        scheme = target.split(":", 1)[0].lower() if re.match(r"^[A-Za-z][\w+.-]*:", target) else ""
        if (
            rel_type.endswith(_ACTIVE_EXTERNAL_RELS)
            or (scheme and scheme not in _SAFE_LINK_SCHEMES)
            or target.startswith(("\\\\", "//"))
        ):
            raise UploadRejected(MSG_ACTIVE, "external_link")


def _clean_part(name: str, data: bytes, plan: _PackagePlan, dropped: set[str]) -> bytes:
    if name in plan.core:
        return _EMPTY_CORE
    if name in plan.app:
        return _EMPTY_APP
    if dropped and name == "[content_types].xml":
        return _without_children(data, _CT_NS, "PartName", dropped)
    if dropped and name == "_rels/.rels":
        return _without_children(data, _REL_NS, "Target", dropped)
    if _MEDIA.match(name):
        kind = _sniff(data)
        if kind in ("png", "jpeg"):
            try:
                return _clean_image(data, kind)
            except (UploadRejected, OSError, ValueError):
                return data  # not rendered by us; the part is kept as it was
    return data


def _without_children(data: bytes, namespace: str, attribute: str, dropped: set[str]) -> bytes:
    """Rewrite a flat package XML part ([Content_Types].xml, _rels/.rels) without some entries."""
    root = _parse_xml(data)
    lines = [f'<{_local(root.tag)} xmlns="{namespace}">']
    for element in root:
        if not element.tag.startswith(f"{{{namespace}}}") or len(element):
            raise UploadRejected(MSG_DAMAGED, "damaged")
        value = posixpath.normpath((element.get(attribute) or "").lstrip("/")).lower()
        if value in dropped:
            continue
        attributes = "".join(
            f" {key}={quoteattr(val)}" for key, val in element.attrib.items() if "}" not in key
        )
        lines.append(f"<{_local(element.tag)}{attributes}/>")
    lines.append(f"</{_local(root.tag)}>")
    header = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    return (header + "".join(lines)).encode()


# --------------------------------------------------------------------------- PDF

_PDF_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/Launch", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/RichMedia",
     "/RichMediaContent", "/RichMediaExecute", "/XFA"}
)  # fmt: skip
_PDF_ACTIVE_VALUES = frozenset(
    {"/JavaScript", "/Launch", "/EmbeddedFile", "/FileAttachment", "/RichMedia",
     "/RichMediaExecute", "/ImportData", "/GoToE", "/SubmitForm", "/Rendition", "/Movie",
     "/Sound"}
)  # fmt: skip


def _clean_pdf(data: bytes) -> bytes:
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


# --------------------------------------------------------------------------- images


def _clean_image(data: bytes, kind: str) -> bytes:
    """Verify an image and re-encode its pixels only: no EXIF, XMP, comments or text chunks."""
    expected = {"png": ("PNG",), "jpeg": ("JPEG", "MPO")}[kind]
    limit = Image.MAX_IMAGE_PIXELS or 89_478_485
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in expected:
                raise UploadRejected(MSG_MISMATCH, "mismatch")
            if probe.width * probe.height > limit:
                raise UploadRejected(MSG_BOMB, "bomb")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return _reencode(image, kind)
    except UploadRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise UploadRejected(MSG_BOMB, "bomb") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise UploadRejected(MSG_DAMAGED, "damaged") from exc


def _reencode(image: Image.Image, kind: str) -> bytes:
    icc_profile = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    orientation = image.getexif().get(0x0112, 1)
    params: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if kind == "jpeg" and orientation in (None, 1) and image.format == "JPEG":
        target, params["quality"] = image, "keep"  # same quantisation: no visible loss
    else:
        target = ImageOps.exif_transpose(image)
        if kind == "jpeg":
            params["quality"] = 92
    if kind == "png" and transparency is not None:
        params["transparency"] = transparency
    target.info = {}
    output = io.BytesIO()
    target.save(output, format="PNG" if kind == "png" else "JPEG", **params)
    return output.getvalue()


# --------------------------------------------------------------------------- text


class _TextCollector:
    def __init__(self, limit: int = TEXT_LIMIT):
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit

    @property
    def full(self) -> bool:
        return self.size >= self.limit

    def add(self, text: str) -> None:
        text = (text or "").replace("\x00", "").strip()
        if text and not self.full:
            self.parts.append(text)
            self.size += len(text) + 1

    def value(self) -> str:
        return "\n".join(self.parts)[: self.limit]


def _extract_text(kind: str, content: bytes) -> str:
    if kind in ("png", "jpeg"):
        return ""
    extractor = {"pdf": _pdf_text, "docx": _docx_text, "xlsx": _xlsx_text}[kind]
    try:
        return extractor(content)
    except UploadRejected:
        raise
    except Exception as exc:  # the file passed our checks but its library cannot open it
        raise UploadRejected(MSG_DAMAGED, "damaged") from exc


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    collector = _TextCollector()
    for page in PdfReader(io.BytesIO(content)).pages:
        try:
            collector.add(page.extract_text())
        except Exception:  # one unreadable page does not spoil the rest
            continue
        if collector.full:
            break
    return collector.value()


def _docx_text(content: bytes) -> str:
    import docx

    collector = _TextCollector()
    _docx_blocks(docx.Document(io.BytesIO(content)).iter_inner_content(), collector, 0)
    return collector.value()


def _docx_blocks(blocks, collector: _TextCollector, depth: int) -> None:
    from docx.table import Table as WordTable

    for block in blocks:
        if collector.full:
            return
        if isinstance(block, WordTable):
            if depth < 5:
                _docx_table(block, collector, depth)
        else:
            collector.add(block.text)


def _docx_table(table, collector: _TextCollector, depth: int) -> None:
    for row in table.rows:
        seen = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell appears once per grid column
                continue
            seen.add(id(cell._tc))
            _docx_blocks(cell.iter_inner_content(), collector, depth + 1)


def _xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    collector = _TextCollector()
    budget = XLSX_CELL_BUDGET
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            collector.add(sheet.title)
            sheet.reset_dimensions()  # do not trust the declared size: it would pad every row
            for row in sheet.iter_rows(values_only=True):
                budget -= max(len(row), 1)
                if budget < 0 or collector.full:
                    return collector.value()
                collector.add("\t".join(str(v) for v in row if v is not None and v != ""))
    finally:
        workbook.close()
    return collector.value()
