"""Files and fixtures for the document tests (`test_documents_*.py`).

Builders make small real files by hand or with the libraries, so that each hostile variant is
exactly what a test says it is: build_pdf, pypdf_pdf, build_docx, build_xlsx, build_image, and
rezip to edit, add or drop entries of an Office package. upload() wraps bytes as a submitted
file; rejected() returns the message a refused file gets.

Fixtures: storage_dir (documents stored in a temporary folder; the document tests use it for
every test), user (the uploader) and theme (a record to own documents).
"""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter
from pypdf.actions import JavaScript

from sightline.core.documents import UploadRejected, inspect_upload
from sightline.core.models import Theme

XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq><rdf:li>Jane Doe</rdf:li>'
    b'</rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


# --------------------------------------------------------------------------- file builders


def build_pdf(catalog_extra: str = "", text: str = "Hello canary", metadata: bool = True) -> bytes:
    """A small valid PDF written by hand, so hostile variants are exactly what we say."""
    content = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R {catalog_extra} >>".encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(XMP)
        + XMP
        + b"\nendstream",
        b"<< /Author (Jane Doe) /Title (Secret title) /Creator (Case system) >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    info = " /Info 7 0 R" if metadata else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\n".encode()
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def pypdf_pdf(**kwargs) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Author": "Jane Doe", "/Title": "Secret title"})
    if kwargs.get("js"):
        writer.add_open_action(JavaScript("app.alert('hello');"))
    if kwargs.get("attachment"):
        writer.add_attachment("payload.exe", b"MZ\x90\x00")
    if kwargs.get("password"):
        writer.encrypt(user_password="secret", owner_password="secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build_docx() -> bytes:
    document = docx.Document()
    document.core_properties.author = "Jane Doe"
    document.core_properties.last_modified_by = "Jane Doe"
    document.core_properties.comments = "Secret comment"
    document.add_paragraph("Canary paragraph about the review")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Cell canary"
    table.cell(0, 1).text = "Second cell"
    out = io.BytesIO()
    document.save(out)
    return with_custom_properties(out.getvalue())


def with_custom_properties(data: bytes) -> bytes:
    custom = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
        b' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="CaseRef">'
        b"<vt:lpwstr>Jane Doe case 77</vt:lpwstr></property></Properties>"
    )
    rel = (
        b'<Relationship Id="rIdCustom" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>'
    )
    override = (
        b'<Override PartName="/docProps/custom.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.custom-properties+xml"/></Types>'
    )

    def edit(name, body):
        if name == "_rels/.rels":
            return body.replace(b"</Relationships>", rel)
        if name == "[Content_Types].xml":
            return body.replace(b"</Types>", override)
        return body

    return rezip(data, edit=edit, add={"docProps/custom.xml": custom})


def build_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.properties.creator = "Jane Doe"
    workbook.properties.lastModifiedBy = "Jane Doe"
    workbook.properties.title = "Secret title"
    sheet = workbook.active
    sheet.title = "Returns"
    sheet["A1"] = "Canary cell"
    sheet["B2"] = 42
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rezip(data: bytes, *, edit=None, add=None, drop=()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            body = source.read(info)
            target.writestr(info.filename, edit(info.filename, body) if edit else body)
        for name, body in (add or {}).items():
            target.writestr(name, body)
    return out.getvalue()


def build_image(fmt: str, *, orientation: int | None = None, size=(40, 20)) -> bytes:
    image = Image.new("RGB", size, "red")
    exif = Image.Exif()
    exif[0x013B] = "Jane Doe"  # Artist
    exif[0x010E] = "Taken at 1 Acacia Avenue"  # ImageDescription
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    if fmt == "PNG":
        info = PngInfo()
        info.add_text("Author", "Jane Doe")
        info.add_itxt("Comment", "Jane Doe home address", zip=True)
        image.save(out, "PNG", pnginfo=info, exif=exif.tobytes())
    else:
        image.save(out, "JPEG", exif=exif.tobytes(), comment=b"Jane Doe comment")
    return out.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def zip_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()


def zip_read(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def rejected(name: str, data: bytes, code: str | None = None) -> str:
    """The user-facing message for a refused file (and, if given, check which check refused it)."""
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(upload(name, data))
    if code is not None:
        assert caught.value.code == code
    return caught.value.message


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def storage_dir(settings, tmp_path):
    location = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


def stored_files(location: Path) -> list[str]:
    if not location.exists():
        return []
    return sorted(str(p.relative_to(location)) for p in location.rglob("*") if p.is_file())


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(
        email="uploader@example.org", password=None, full_name="Ula Uploader"
    )


@pytest.fixture
def theme(db):
    return Theme.objects.create(name=f"Test theme {uuid.uuid4().hex[:6]}", slug=uuid.uuid4().hex)
