"""What a file's own properties held before the upload path removed them.

The upload path (sightline/core/documents.py) stores a file without its document properties,
its PDF document information and XMP metadata, and its pictures' EXIF, XMP and comments, so
nothing of them is published. The officer's own file still has them, and so does every copy
sent from it, such as the advance copies to the national Panel and the Secretary of State.
`metadata_report(data, kind, terms)` reads the file as it was submitted and says, for each
property that held something, where it was (document properties, PDF document information,
XMP metadata, a picture's EXIF or comments), its name, and which kinds of identifier the
publication guard's terms find in it. It never keeps or shows the values themselves.

Reading is bounded like the guard's reading of files, and fails closed: a file whose properties
cannot be read gives one entry that says so, so the officer is still told to check their
copies.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import defusedxml.ElementTree as SafeElementTree
from django.conf import settings

from sightline.core.events import record_event
from sightline.core.models import Event
from sightline.publishing import guard
from sightline.publishing.guard_sources import OFFICE_PART_LIMIT
from sightline.publishing.guard_terms import Term, scan_text

SOURCE_PROPERTIES = "document properties"
SOURCE_CUSTOM = "custom document properties"
SOURCE_PDF_INFO = "PDF document information"
SOURCE_XMP = "XMP metadata"
SOURCE_EXIF = "picture EXIF data"
SOURCE_PICTURE_TEXT = "picture comments and text"
KIND_LOCATION = "location (GPS)"

# Word's and Excel's names for the core and extended properties (as File, Info shows them).
OFFICE_NAMES = {
    "title": "Title",
    "subject": "Subject",
    "creator": "Author",
    "keywords": "Tags",
    "description": "Comments",
    "lastModifiedBy": "Last modified by",
    "category": "Categories",
    "contentStatus": "Status",
    "identifier": "Identifier",
    "Company": "Company",
    "Manager": "Manager",
    "Template": "Template",
    "HyperlinkBase": "Hyperlink base",
}
PDF_NAMES = {
    "/Title": "Title",
    "/Author": "Author",
    "/Subject": "Subject",
    "/Keywords": "Keywords",
    "/Creator": "Application",
    "/Producer": "PDF producer",
}
XMP_NAMES = {
    "title": "Title",
    "creator": "Author",
    "description": "Description",
    "subject": "Keywords",
    "Keywords": "Keywords",
    "CreatorTool": "Application",
    "Producer": "PDF producer",
    "rights": "Copyright",
    "Marked": "Copyright status",
    "AuthorsPosition": "Author's job title",
    "CaptionWriter": "Caption writer",
    "Headline": "Headline",
    "City": "City",
    "State": "County or state",
    "Country": "Country",
    "Location": "Location",
}
EXIF_NAMES = {
    0x010E: "Image description",
    0x013B: "Artist",
    0x8298: "Copyright",
    0x0131: "Software",
    0x9286: "User comment",
    0x9C9B: "Title",
    0x9C9C: "Comments",
    0x9C9D: "Author",
    0x9C9E: "Tags",
    0x9C9F: "Subject",
}
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_SKIPPED_XMP = frozenset(
    {"CreateDate", "ModifyDate", "MetadataDate", "DocumentID", "InstanceID", "format", "PDFVersion"}
)  # dates and identifiers of the file itself, not about anyone
_MEDIA = re.compile(r"^(?:word|xl)/media/[^/]+\.(?:png|jpe?g)$", re.IGNORECASE)
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_NOTHING = re.compile(r"^[\s\x00]*$")


@dataclass(frozen=True)
class Property:
    source: str
    name: str
    text: str


def metadata_report(data: bytes, *, kind: str, terms: Iterable[Term]) -> list[dict]:
    """One entry per property that held something: {"source", "field", "kinds"}, with the kinds
    of identifier found in it (an empty list when none). Never the values."""
    terms = list(terms)
    try:
        properties = list(_properties(data, kind))
    except Exception:  # noqa: BLE001 - what cannot be read is reported, never ignored
        return [{"source": "file properties", "field": "", "kinds": [], "unreadable": True}]
    report: dict[tuple[str, str], list[str]] = {}
    for prop in properties:
        if _NOTHING.match(prop.text):
            continue
        kinds = report.setdefault((prop.source, prop.name), [])
        if prop.name == "GPS position":
            kinds.append(KIND_LOCATION)
            continue
        for finding in scan_text(prop.text, prop.source, terms):
            if finding.kind not in kinds:
                kinds.append(finding.kind)
    return [
        {"source": source, "field": name, "kinds": kinds}
        for (source, name), kinds in report.items()
    ]


def plan_file_metadata(*, plan, uploaded_file, kind: str, by) -> list[dict]:
    """`metadata_report` for a file just attached to a plan, read from the file as submitted
    (the stored copy no longer has its properties), against the plan's case. Reading the
    restricted record for it is logged, as every guard run is."""
    try:
        uploaded_file.seek(0)
        data = uploaded_file.read(settings.SIGHTLINE_UPLOAD_MAX_BYTES + 1)
    except (AttributeError, OSError, ValueError):
        data = b""
    subject = guard.subject_for(plan)
    if subject is not None:
        record_event(
            action="case_subject.scan",
            kind=Event.Kind.READ,
            actor=by,
            obj=subject,
            reason=f"Publication guard for {plan.reference}: the uploaded file's properties",
        )
    return metadata_report(data, kind=kind, terms=guard.plan_terms(plan))


def _properties(data: bytes, kind: str) -> Iterator[Property]:
    if kind in ("docx", "xlsx"):
        yield from _office(data)
    elif kind == "pdf":
        yield from _pdf(data)
    elif kind in ("png", "jpeg"):
        yield from _picture(data, "")


# --------------------------------------------------------------------------- Office files


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text_of(element) -> str:
    return " ".join(t.strip() for t in element.itertext() if t and t.strip())


def _office(data: bytes) -> Iterator[Property]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > getattr(settings, "SIGHTLINE_ZIP_MAX_ENTRIES", 2000):
            raise ValueError("too many entries")
        for info in infos:
            name = info.filename.lower()
            if info.file_size > OFFICE_PART_LIMIT:
                raise ValueError("part too large")
            if name in ("docprops/core.xml", "docprops/app.xml"):
                root = SafeElementTree.fromstring(archive.read(info), forbid_dtd=True)
                for element in root:
                    label = OFFICE_NAMES.get(_local(element.tag))
                    if label:
                        yield Property(SOURCE_PROPERTIES, label, _text_of(element))
            elif name == "docprops/custom.xml":
                root = SafeElementTree.fromstring(archive.read(info), forbid_dtd=True)
                for element in root:
                    label = element.attrib.get("name", "").strip() or "Unnamed"
                    yield Property(SOURCE_CUSTOM, f"“{label[:60]}”", _text_of(element))
            elif _MEDIA.match(info.filename):
                picture = info.filename.rsplit("/", 1)[-1]
                yield from _picture(archive.read(info), f" ({picture})")


# --------------------------------------------------------------------------- PDF


def _pdf(data: bytes) -> Iterator[Property]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise ValueError("encrypted")
    for key, value in (reader.metadata or {}).items():
        if key in ("/CreationDate", "/ModDate", "/Trapped"):
            continue
        label = PDF_NAMES.get(key, str(key).lstrip("/")[:60])
        yield Property(SOURCE_PDF_INFO, label, _pdf_text(value))
    root = reader.trailer["/Root"].get_object()
    if "/Metadata" in root:
        yield from _xmp(root["/Metadata"].get_object().get_data(), SOURCE_XMP)


def _pdf_text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1", "replace")
    return "" if value is None else str(value)


def _xmp(data: bytes, source: str) -> Iterator[Property]:
    """Each property of an XMP packet: elements with text (climbing out of rdf:Seq, rdf:Alt
    and rdf:li to the property they belong to) and the attribute form on rdf:Description."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
    start, end = text.find("<x:xmpmeta"), text.rfind("</x:xmpmeta>")
    if start >= 0 and end > start:
        text = text[start : end + len("</x:xmpmeta>")]
    root = SafeElementTree.fromstring(text, forbid_dtd=True)
    yield from _xmp_walk(root, None, source, 0)


def _xmp_walk(element, owner: str | None, source: str, depth: int) -> Iterator[Property]:
    if depth > 60:
        raise ValueError("too deeply nested")
    tag = element.tag if isinstance(element.tag, str) else ""
    in_rdf = tag.startswith(f"{{{_RDF}}}")
    local = _local(tag)
    if local == "Description" and in_rdf:
        for name, value in element.attrib.items():
            if not name.startswith(f"{{{_RDF}}}") and _local(name) not in _SKIPPED_XMP:
                yield Property(source, XMP_NAMES.get(_local(name), _local(name)), value)
    if not in_rdf and local not in ("xmpmeta", "RDF"):
        owner = local
    if owner and owner not in _SKIPPED_XMP and element.text and element.text.strip():
        yield Property(source, XMP_NAMES.get(owner, owner), element.text)
    for child in element:
        yield from _xmp_walk(child, owner, source, depth + 1)


# --------------------------------------------------------------------------- pictures


def _picture(data: bytes, where: str) -> Iterator[Property]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        ifds = [exif]
        try:
            ifds.append(exif.get_ifd(_EXIF_IFD))
        except (KeyError, ValueError):
            pass
        for ifd in ifds:
            for tag, label in EXIF_NAMES.items():
                if tag in ifd:
                    yield Property(f"{SOURCE_EXIF}{where}", label, _exif_text(ifd[tag]))
        try:
            gps = exif.get_ifd(_GPS_IFD)
        except (KeyError, ValueError):
            gps = {}
        if gps:
            yield Property(f"{SOURCE_EXIF}{where}", "GPS position", "set")
        info = dict(image.info)
    xmp = info.pop("xmp", None) or info.pop("XML:com.adobe.xmp", None)
    if xmp:
        yield from _xmp(xmp, f"{SOURCE_XMP}{where}")
    for key, value in info.items():
        # PNG text chunks are text; a JPEG's comment segment is bytes. The rest of `info` is
        # about the pixels (profiles, density, transparency).
        if isinstance(value, str) or (key == "comment" and isinstance(value, bytes)):
            label = "Comment" if key.lower() == "comment" else str(key)[:60]
            yield Property(f"{SOURCE_PICTURE_TEXT}{where}", label, _exif_text(value))


def _exif_text(value) -> str:
    if isinstance(value, bytes):
        if value[:8] in (b"ASCII\x00\x00\x00", b"UNICODE\x00"):
            value = value[8:]
        try:
            decoded = value.decode("utf-16-le") if b"\x00" in value else value.decode("utf-8")
        except UnicodeDecodeError:
            decoded = value.decode("latin-1", "replace")
        return decoded.replace("\x00", "")
    if isinstance(value, tuple):
        return " ".join(_exif_text(v) for v in value)
    return str(value)
