"""Word and Excel uploads: rebuilt without their properties; macros, embedded objects, nested
archives, zip bombs, unsafe paths, DTDs and active external links refused."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pytest

from sightline.core.documents import (
    MSG_ACTIVE,
    MSG_BOMB,
    MSG_MACROS,
    MSG_PASSWORD,
    MSG_TYPE,
    inspect_upload,
)
from sightline.core.tests.conftest import (
    build_docx,
    build_xlsx,
    rejected,
    rezip,
    upload,
    zip_names,
    zip_read,
)

pytestmark = pytest.mark.usefixtures("storage_dir")


# --------------------------------------------------------------------------- accepted files


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


# --------------------------------------------------------------------------- refused: type


def test_office_file_without_content_types_is_refused():
    data = rezip(build_docx(), drop={"[Content_Types].xml"})
    assert rejected("chronology.docx", data) == MSG_TYPE


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
