"""PDF uploads: rewritten without metadata, text extracted; encrypted and active PDFs refused."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from sightline.core.documents import MSG_ACTIVE, MSG_PASSWORD, inspect_upload
from sightline.core.tests.conftest import build_pdf, pypdf_pdf, rejected, upload

pytestmark = pytest.mark.usefixtures("storage_dir")


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
