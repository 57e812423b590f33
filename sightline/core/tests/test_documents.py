"""The one upload path: real files are cleaned and stored; hostile ones refused, nothing kept."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import socket
import tempfile
import threading
import uuid
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.http import Http404
from django.test import RequestFactory
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript

from sightline.core.access import document_for_user
from sightline.core.documents import (
    MSG_ACTIVE,
    MSG_BOMB,
    MSG_DAMAGED,
    MSG_EMPTY,
    MSG_MACROS,
    MSG_MISMATCH,
    MSG_PASSWORD,
    MSG_SCAN_FAILED,
    MSG_TYPE,
    MSG_VIRUS,
    UploadRejected,
    clean_filename,
    document_create,
    inspect_upload,
    register_owner_access,
    sweep_orphan_documents,
    unregister_owner_access,
)
from sightline.core.models import Document, Event, Theme
from sightline.core.views_documents import document_download

STORED_NAME = re.compile(r"^\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|docx|xlsx|png|jpg)$")
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


@pytest.fixture(autouse=True)
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


@pytest.fixture
def theme_rule():
    register_owner_access("core.theme", lambda user, owner_id: user.email == "reader@example.org")
    yield
    unregister_owner_access("core.theme")


# --------------------------------------------------------------------------- accepted files


def test_pdf_is_rewritten_without_metadata_and_text_is_extracted():
    result = inspect_upload(upload("Review notes.pdf", build_pdf()))
    assert (result.kind, result.content_type, result.extension) == ("pdf", "application/pdf", "pdf")
    reader = PdfReader(io.BytesIO(result.content))
    assert not reader.metadata or "/Author" not in reader.metadata
    assert "/Metadata" not in reader.trailer["/Root"]
    assert b"Jane Doe" not in result.content
    assert "Hello canary" in result.text


def test_pypdf_metadata_is_removed():
    result = inspect_upload(upload("blank.pdf", pypdf_pdf()))
    metadata = PdfReader(io.BytesIO(result.content)).metadata
    assert metadata is None or metadata.author is None
    assert b"Jane Doe" not in result.content


def test_pdf_polyglot_tail_is_dropped_by_the_rewrite():
    data = build_pdf() + b"<html><script>alert(1)</script></html>"
    result = inspect_upload(upload("poly.pdf", data))
    assert b"<script>" not in result.content


def test_docx_properties_are_emptied_and_custom_properties_removed():
    result = inspect_upload(upload("Chronology.docx", build_docx()))
    assert result.kind == "docx"
    cleaned = docx.Document(io.BytesIO(result.content))
    assert cleaned.core_properties.author == ""
    assert cleaned.core_properties.last_modified_by == ""
    assert cleaned.core_properties.comments == ""
    names = zip_names(result.content)
    assert "docProps/custom.xml" not in names
    assert names[0] == "[Content_Types].xml"
    assert b"/docProps/custom.xml" not in zip_read(result.content, "[Content_Types].xml")
    assert b"custom-properties" not in zip_read(result.content, "_rels/.rels")
    for name in names:
        assert b"Jane Doe" not in zip_read(result.content, name), name
    assert "Canary paragraph about the review" in result.text
    assert "Cell canary" in result.text


def test_xlsx_properties_are_emptied_and_cells_extracted():
    result = inspect_upload(upload("returns.xlsx", build_xlsx()))
    assert result.kind == "xlsx"
    for name in zip_names(result.content):
        assert b"Jane Doe" not in zip_read(result.content, name), name
    workbook = openpyxl.load_workbook(io.BytesIO(result.content))
    assert workbook.properties.creator != "Jane Doe"
    assert workbook["Returns"]["A1"].value == "Canary cell"
    assert "Canary cell" in result.text
    assert "42" in result.text


@pytest.mark.parametrize(("name", "fmt"), [("photo.jpg", "JPEG"), ("scan.png", "PNG")])
def test_images_are_reencoded_without_exif_or_text(name, fmt):
    result = inspect_upload(upload(name, build_image(fmt)))
    assert result.text == ""
    with Image.open(io.BytesIO(result.content)) as image:
        assert image.format == fmt
        assert len(image.getexif()) == 0
        assert not {"comment", "Author", "Comment", "exif", "xmp"} & set(image.info)
    assert b"Jane Doe" not in result.content
    assert b"Acacia" not in result.content


def test_jpeg_orientation_is_applied_before_exif_is_dropped():
    result = inspect_upload(upload("rotated.jpeg", build_image("JPEG", orientation=6)))
    with Image.open(io.BytesIO(result.content)) as image:
        assert image.size == (20, 40)
    assert result.extension == "jpg"


# --------------------------------------------------------------------------- refused: type


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("report.pdf", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("minutes.docx", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
        ("notes.txt", b"plain text"),
        ("passwd", build_pdf()),
        ("a.pdf%00.html", build_pdf()),
        ("invoice\u202efdp.exe", build_pdf()),
    ],
)
def test_wrong_types_are_refused(name, data):
    assert rejected(name, data) == MSG_TYPE


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("image.png", build_pdf()),
        ("report.pdf", build_image("PNG")),
        ("photo.jpg", build_image("PNG")),
        ("chronology.xlsx", build_docx()),
        ("returns.docx", build_xlsx()),
        ("letter.pdf", build_docx()),
    ],
)
def test_extension_must_match_content(name, data):
    assert rejected(name, data) == MSG_MISMATCH


def test_office_file_without_content_types_is_refused():
    data = rezip(build_docx(), drop={"[Content_Types].xml"})
    assert rejected("chronology.docx", data) == MSG_TYPE


def test_empty_file_is_refused():
    assert rejected("empty.pdf", b"") == MSG_EMPTY


def test_corrupt_files_are_refused():
    assert rejected("broken.pdf", b"%PDF-1.7\n" + os.urandom(200)) == MSG_DAMAGED
    assert rejected("broken.png", build_image("PNG")[:60]) == MSG_DAMAGED
    assert rejected("broken.docx", b"PK\x03\x04" + os.urandom(100)) == MSG_DAMAGED


# --------------------------------------------------------------------------- refused: size


def test_over_size_file_is_refused_with_the_limit_in_the_message(settings):
    data = b"%PDF-1.7\n" + b"0" * settings.SIGHTLINE_UPLOAD_MAX_BYTES
    assert rejected("huge.pdf", data) == "The selected file must be smaller than 20MB"


def test_reads_at_most_limit_plus_one_when_size_is_not_declared(settings):
    settings.SIGHTLINE_UPLOAD_MAX_BYTES = 1024

    class Unsized(io.BytesIO):
        name = "stream.pdf"
        size = None
        taken = 0

        def read(self, n=-1):
            chunk = super().read(n)
            Unsized.taken += len(chunk)
            return chunk

    with pytest.raises(UploadRejected) as caught:
        inspect_upload(Unsized(b"%PDF-" + b"0" * 10_000_000))
    assert caught.value.message == "The selected file must be smaller than 1KB"
    assert Unsized.taken == 1025


def test_declared_size_is_checked_before_reading(settings):
    settings.SIGHTLINE_UPLOAD_MAX_BYTES = 1000

    class Lying:
        name = "x.pdf"
        size = 5000

        def read(self, n=-1):
            raise AssertionError("must not be read")

    with pytest.raises(UploadRejected):
        inspect_upload(Lying())


# --------------------------------------------------------------------------- refused: archives


def test_too_many_entries_is_refused_before_unpacking(monkeypatch):
    extra = {f"word/media/pad{i}.txt": b"" for i in range(2001)}
    data = rezip(build_docx(), add=extra)
    monkeypatch.setattr(zipfile.ZipFile, "open", _no_unpacking)
    assert rejected("many.docx", data, "bomb") == MSG_BOMB


def test_large_declared_size_is_refused_before_unpacking(settings, monkeypatch):
    settings.SIGHTLINE_ZIP_MAX_UNCOMPRESSED = 1024 * 1024
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(build_docx())) as source:
            for info in source.infolist():
                archive.writestr(info.filename, source.read(info))
        archive.writestr("word/media/zeros.dat", b"\x00" * (2 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 100_000  # a small upload that would expand to 2MB
    monkeypatch.setattr(zipfile.ZipFile, "open", _no_unpacking)
    assert rejected("bomb.docx", data) == MSG_BOMB


def test_forged_gigabyte_size_in_central_directory_is_refused():
    data = bytearray(rezip(build_docx(), add={"word/media/x.dat": b"x" * 10}))
    entry = data.rindex(b"PK\x01\x02")  # the last central directory record: word/media/x.dat
    data[entry + 24 : entry + 28] = (0xF0000000).to_bytes(4, "little")
    assert rejected("forged.docx", bytes(data)) == MSG_BOMB


def _no_unpacking(*args, **kwargs):
    raise AssertionError("an entry was opened before the archive was checked")


@pytest.mark.parametrize(
    "entry",
    ["word/embeddings/inner.zip", "word/embeddings/oleObject1.bin", "customXml/payload.exe"],
)
def test_nested_archives_and_embedded_objects_are_refused(entry):
    inner = rezip(build_docx())
    assert rejected("nested.docx", rezip(build_docx(), add={entry: inner})) == MSG_ACTIVE


def test_archive_hidden_under_an_innocent_name_is_refused():
    data = rezip(build_docx(), add={"customXml/item9.dat": build_xlsx()})
    assert rejected("hidden.docx", data, "nested_archive") == MSG_ACTIVE


@pytest.mark.parametrize("entry", ["../../evil.txt", "/etc/cron.d/evil", "word\\..\\..\\evil"])
def test_unsafe_entry_paths_are_refused(entry):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(build_docx())) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        info = zipfile.ZipInfo("placeholder")
        info.filename = entry  # bypass zipfile's own normalisation
        target.writestr(info, b"owned")
    assert rejected("paths.docx", out.getvalue(), "unsafe_path") == MSG_ACTIVE


def test_vba_project_is_refused():
    data = rezip(build_docx(), add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 60})
    assert rejected("macro.docx", data) == MSG_MACROS


def test_vba_content_type_is_refused():
    def edit(name, body):
        if name == "[Content_Types].xml":
            return body.replace(
                b"</Types>",
                b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                b"</Types>",
            )
        return body

    assert rejected("macro.docx", rezip(build_docx(), edit=edit)) == MSG_MACROS


def test_docm_renamed_docx_is_refused():
    def edit(name, body):
        if name == "[Content_Types].xml":
            return body.replace(
                b"wordprocessingml.document.main+xml",
                b"../vnd.ms-word.document.macroEnabled.main+xml",
            )
        return body

    assert rejected("renamed.docx", rezip(build_docx(), edit=edit)) == MSG_MACROS


def test_excel4_macro_sheet_is_refused():
    data = rezip(build_xlsx(), add={"xl/macrosheets/sheet1.xml": b"<xm:macrosheet/>"})
    assert rejected("macro.xlsx", data) == MSG_MACROS


XXE = (
    b'<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Override PartName="/word/document.xml" ContentType="&xxe;"/></Types>'
)


def test_xxe_in_content_types_is_refused():
    data = rezip(build_docx(), edit=lambda n, b: XXE if n == "[Content_Types].xml" else b)
    assert rejected("xxe.docx", data, "xml_dtd") == MSG_ACTIVE


def test_xxe_in_a_document_part_is_refused():
    payload = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><r>&x;</r>'
    )
    data = rezip(build_docx(), edit=lambda n, b: payload if n == "word/document.xml" else b)
    assert rejected("xxe.docx", data, "xml_dtd") == MSG_ACTIVE


def test_billion_laughs_is_refused():
    payload = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><r>&lol2;</r>'
    )
    data = rezip(build_xlsx(), edit=lambda n, b: payload if n == "xl/workbook.xml" else b)
    assert rejected("lol.xlsx", data, "xml_dtd") == MSG_ACTIVE


def test_encrypted_zip_entry_is_refused():
    data = bytearray(build_docx())
    entry = data.index(b"PK\x01\x02")
    data[entry + 8] |= 0x1  # general-purpose flag: encrypted
    assert rejected("locked.docx", bytes(data)) == MSG_PASSWORD


REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def with_document_relationship(rel_type: str, target: str) -> bytes:
    relationship = (
        f'<Relationship Id="rIdX" Type="{REL_TYPE}{rel_type}" Target="{target}" '
        'TargetMode="External"/></Relationships>'
    ).encode()

    def edit(name, body):
        if name == "word/_rels/document.xml.rels":
            return body.replace(b"</Relationships>", relationship)
        return body

    return rezip(build_docx(), edit=edit)


@pytest.mark.parametrize(
    ("rel_type", "target"),
    [
        ("oleObject", "mhtml:http://127.0.0.1/x.html!x-usc:http://127.0.0.1/x.html"),
        ("attachedTemplate", "http://127.0.0.1/template.dotm"),
        ("image", "https://tracker.example/pixel.png"),
        ("hyperlink", "ms-msdt:/id PCWDiagnostic"),
        ("hyperlink", "file:///C:/Windows/System32/calc.exe"),
        ("hyperlink", "\\\\evil.example\\share\\x"),
    ],
)
def test_active_external_relationships_are_refused(rel_type, target):
    data = with_document_relationship(rel_type, target)
    assert rejected("linked.docx", data, "external_link") == MSG_ACTIVE


def test_web_hyperlinks_are_allowed():
    data = with_document_relationship("hyperlink", "https://www.gov.uk/guidance")
    assert inspect_upload(upload("linked.docx", data)).kind == "docx"


# --------------------------------------------------------------------------- refused: PDF


@pytest.mark.parametrize(
    "catalog_extra",
    [
        "/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>",
        "/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",
        "/OpenAction << /S /Launch /F (cmd.exe) >>",
        "/AA << /WC << /S /JavaScript /JS (this.exportDataObject\\(\\)) >> >>",
        "/Names << /EmbeddedFiles << /Names [(a.exe) << /Type /Filespec /F (a.exe) >>] >> >>",
        "/AcroForm << /Fields [] /XFA (x) >>",
        "/RichMedia << >>",
        "/OpenAction << /S /URI /URI (javascript:app.alert\\(1\\)) >>",
        "/OpenAction << /S /URI /URI (file:///C:/Windows/System32/calc.exe) >>",
    ],
)
def test_active_pdfs_are_refused(catalog_extra):
    assert rejected("active.pdf", build_pdf(catalog_extra), "pdf_active") == MSG_ACTIVE


def test_pdf_web_link_is_allowed():
    result = inspect_upload(
        upload("link.pdf", build_pdf("/OpenAction << /S /URI /URI (https://x) >>"))
    )
    assert result.kind == "pdf"


def test_pdf_open_action_to_a_page_is_allowed():
    result = inspect_upload(upload("goto.pdf", build_pdf("/OpenAction [3 0 R /Fit]")))
    assert "Hello canary" in result.text


@pytest.mark.parametrize("kind", ["js", "attachment"])
def test_pypdf_javascript_and_attachments_are_refused(kind):
    assert rejected("active.pdf", pypdf_pdf(**{kind: True})) == MSG_ACTIVE


def test_encrypted_pdf_is_refused():
    assert rejected("locked.pdf", pypdf_pdf(password=True)) == MSG_PASSWORD


# --------------------------------------------------------------------------- refused: images


def test_decompression_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    assert rejected("big.png", build_image("PNG", size=(20, 20))) == MSG_BOMB


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\win.ini.pdf", "win.ini.pdf"),
        ("photo\u202egpj.pdf", "photogpj.pdf"),
        ("a\x00b\x1f\x7fc.pdf", "abc.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ('re<po>rt:"1"|?*.pdf', "re_po_rt__1____.pdf"),
        ("  .hidden.pdf. ", "hidden.pdf"),
        (".pdf", "pdf"),
        ("%2e%2e%2fpasswd.pdf", "%2e%2e%2fpasswd.pdf"),
        ("", "document"),
    ],
)
def test_clean_filename(raw, clean):
    assert clean_filename(raw) == clean


def test_long_names_are_cut_keeping_the_extension():
    name = clean_filename("x" * 300 + ".docx")
    assert len(name) == 200
    assert name.endswith("x.docx")


# --------------------------------------------------------------------------- storing


@pytest.mark.django_db
def test_document_create_stores_cleaned_bytes_under_a_generated_name(user, theme, storage_dir):
    document = document_create(
        uploaded_file=upload("../../etc/passwd\u202e.pdf", build_pdf()), by=user, owner=theme
    )
    assert STORED_NAME.match(document.storage_name)
    assert stored_files(storage_dir) == [document.storage_name]
    assert document.original_name == "passwd.pdf"
    with default_storage.open(document.storage_name, "rb") as handle:
        body = handle.read()
    assert document.size == len(body)
    assert document.sha256 == hashlib.sha256(body).hexdigest()
    assert b"Jane Doe" not in body
    assert (document.kind, document.content_type) == ("pdf", "application/pdf")
    assert "Hello canary" in document.extracted_text
    assert document.owner_type == ContentType.objects.get_for_model(Theme)
    assert document.owner_id == str(theme.pk)
    assert document.uploaded_by == user
    event = Event.objects.get(action="document.upload")
    assert event.object_id == str(document.pk)
    assert event.actor_id == user.pk
    assert event.changes == {"name": [None, "passwd.pdf"], "size": [None, document.size]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("evil.pdf", b"<html></html>"),
        ("macro.docx", rezip(build_docx(), add={"word/vbaProject.bin": b"x"})),
        ("active.pdf", build_pdf("/OpenAction << /S /JavaScript /JS (x) >>")),
    ],
)
def test_refused_uploads_store_nothing(user, storage_dir, name, data):
    with pytest.raises(UploadRejected):
        document_create(uploaded_file=upload(name, data), by=user)
    assert stored_files(storage_dir) == []
    assert not Document.objects.exists()
    assert not Event.objects.filter(action="document.upload").exists()


@pytest.mark.django_db
def test_failed_insert_removes_the_stored_file(user, storage_dir, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(Document.objects, "create", boom)
    with pytest.raises(RuntimeError):
        document_create(uploaded_file=upload("a.pdf", build_pdf()), by=user)
    assert stored_files(storage_dir) == []


class CallerFailed(Exception):
    pass


def rolled_back_upload(user, name, data):
    """The caller's transaction fails after the upload: the row goes, the file stays."""
    try:
        with transaction.atomic():
            document_create(uploaded_file=upload(name, data), by=user)
            raise CallerFailed
    except CallerFailed:
        pass


@pytest.mark.django_db
def test_sweep_deletes_files_left_by_rolled_back_uploads(user, storage_dir):
    kept = document_create(uploaded_file=upload("kept.pdf", build_pdf()), by=user)
    rolled_back_upload(user, "lost.pdf", build_pdf())
    other = default_storage.save("exports/keep-me.txt", io.BytesIO(b"not ours"))
    assert len(stored_files(storage_dir)) == 3
    assert sweep_orphan_documents(older_than_minutes=60) == 0  # too recent to touch
    assert sweep_orphan_documents(older_than_minutes=0) == 1
    assert sorted(stored_files(storage_dir)) == sorted([kept.storage_name, other])
    assert Event.objects.filter(action="document.sweep").count() == 1


@pytest.mark.django_db
def test_sweep_command(user, storage_dir, capsys):
    rolled_back_upload(user, "lost.png", build_image("PNG"))
    call_command("sweep_documents", "--older-than-minutes", "0")
    assert "Deleted 1 orphaned document file(s)." in capsys.readouterr().out
    assert stored_files(storage_dir) == []


# --------------------------------------------------------------------------- virus scanning


@pytest.fixture
def fake_clamd(settings):
    folder = tempfile.mkdtemp(prefix="clamd", dir="/tmp")
    path = os.path.join(folder, "clamd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(5)
    state = {"scanned": []}

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.endswith(b"\0\0\0\0"):
                    part = conn.recv(65536)
                    if not part:
                        break
                    data += part
                state["scanned"].append(data)
                found = b"SIGHTLINE-TEST-SIGNATURE" in data
                conn.sendall(b"stream: Sightline.Test FOUND\0" if found else b"stream: OK\0")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    settings.SIGHTLINE_CLAMD_ADDRESS = path
    yield state
    server.close()
    shutil.rmtree(folder, ignore_errors=True)


def test_clean_file_passes_the_virus_scan(fake_clamd):
    inspect_upload(upload("ok.pdf", build_pdf()))
    assert fake_clamd["scanned"][0].startswith(b"zINSTREAM\0")


def test_infected_file_is_refused(fake_clamd):
    data = build_pdf(text="SIGHTLINE-TEST-SIGNATURE")
    assert rejected("infected.pdf", data) == MSG_VIRUS


def test_upload_is_refused_when_the_scanner_is_down(settings):
    settings.SIGHTLINE_CLAMD_ADDRESS = "/nonexistent/clamd.sock"
    assert rejected("ok.pdf", build_pdf()) == MSG_SCAN_FAILED


# --------------------------------------------------------------------------- access and download


@pytest.fixture
def reader(db):
    return get_user_model().objects.create_user(
        email="reader@example.org", password=None, full_name="Rita Reader"
    )


@pytest.fixture
def stranger(db):
    return get_user_model().objects.create_user(
        email="stranger@example.org", password=None, full_name="Sam Stranger"
    )


@pytest.fixture
def owned_document(user, theme):
    return document_create(
        uploaded_file=upload("Résumé of events.pdf", build_pdf()), by=user, owner=theme
    )


@pytest.mark.django_db
def test_registered_rule_lets_the_reader_in_and_logs_the_read(theme_rule, reader, owned_document):
    assert document_for_user(reader, owned_document.pk) == owned_document
    assert document_for_user(reader, str(owned_document.pk)) == owned_document
    event = Event.objects.filter(action="document.download").last()
    assert (event.kind, event.actor_id, event.object_id) == (
        Event.Kind.READ,
        reader.pk,
        str(owned_document.pk),
    )


@pytest.mark.django_db
def test_forbidden_and_missing_documents_are_the_same_404(theme_rule, stranger, owned_document):
    for document_id in (owned_document.pk, uuid.uuid4(), "not-a-uuid", None):
        with pytest.raises(Http404):
            document_for_user(stranger, document_id)
    assert not Event.objects.filter(action="document.download").exists()
    denied = Event.objects.get(action="access.denied")
    assert (denied.kind, denied.object_id) == (Event.Kind.DENIED, str(owned_document.pk))


@pytest.mark.django_db
def test_no_rule_or_no_owner_means_nobody_reads(reader, user, owned_document):
    with pytest.raises(Http404):
        document_for_user(reader, owned_document.pk)  # core.theme has no rule registered
    register_owner_access("core.theme", lambda u, owner_id: True)
    try:
        orphan = document_create(uploaded_file=upload("loose.pdf", build_pdf()), by=user)
        with pytest.raises(Http404):
            document_for_user(reader, orphan.pk)
        with pytest.raises(Http404):
            document_for_user(AnonymousUser(), owned_document.pk)
    finally:
        unregister_owner_access("core.theme")


@pytest.mark.django_db
def test_download_view_serves_an_attachment_with_safe_headers(theme_rule, reader, owned_document):
    request = RequestFactory().get(f"/app/documents/{owned_document.pk}/")
    request.user = reader
    response = document_download(request, pk=owned_document.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store, private"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''R%C3%A9sum%C3%A9%20of%20events.pdf" in disposition
    body = b"".join(response.streaming_content)
    with default_storage.open(owned_document.storage_name, "rb") as handle:
        assert body == handle.read()


@pytest.mark.django_db
def test_download_view_404s_for_a_stranger(theme_rule, stranger, owned_document):
    request = RequestFactory().get(f"/app/documents/{owned_document.pk}/")
    request.user = stranger
    with pytest.raises(Http404):
        document_download(request, pk=owned_document.pk)


@pytest.mark.django_db
def test_download_view_needs_sign_in(owned_document):
    request = RequestFactory().get(f"/app/documents/{owned_document.pk}/")
    request.user = AnonymousUser()
    response = document_download(request, pk=owned_document.pk)
    assert response.status_code == 302


@pytest.mark.django_db
def test_missing_stored_file_is_a_404(theme_rule, reader, owned_document):
    default_storage.delete(owned_document.storage_name)
    request = RequestFactory().get("/")
    request.user = reader
    with pytest.raises(Http404):
        document_download(request, pk=owned_document.pk)
