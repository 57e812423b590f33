"""Office files (Word .docx and Excel .xlsx packages): checked before anything is unpacked,
then rebuilt without their document properties.

From the central directory: entry count, declared unpacked size, encryption, compression
method, unsafe or repeated paths, macro parts, embedded objects and nested archives. Then, entry
by entry: archives hidden under other names, XML with a DTD (no entities, so no XXE or billion
laughs), and external relationships that fetch or run things. Embedded PNG and JPEG images are
re-encoded.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.sax import SAXException
from xml.sax.handler import ContentHandler
from xml.sax.saxutils import quoteattr

import defusedxml.ElementTree as SafeElementTree
import defusedxml.sax as safe_sax
from defusedxml import DefusedXmlException
from django.conf import settings

from sightline.core.document_base import (
    MSG_ACTIVE,
    MSG_BOMB,
    MSG_DAMAGED,
    MSG_MACROS,
    MSG_PASSWORD,
    MSG_TYPE,
    UploadRejected,
    file_extension,
    sniff,
)
from sightline.core.document_images import clean_image

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


def clean_office(data: bytes) -> tuple[str, bytes]:
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
    if file_extension(base) in _NESTED_EXTENSIONS:
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
    if file_extension(name) in _XML_EXTENSIONS:
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
        kind = sniff(data)
        if kind in ("png", "jpeg"):
            try:
                return clean_image(data, kind)
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
