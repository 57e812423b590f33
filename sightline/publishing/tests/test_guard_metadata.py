"""The officer is told what their file's own properties held: the upload path removes document
properties, PDF information and XMP, and pictures' EXIF and comments before the guard ever
sees the file, but the officer's original, and every copy sent from it, still has them."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from sightline.core.models import Event
from sightline.publishing import guard, services
from sightline.publishing.guard_metadata import (
    KIND_LOCATION,
    SOURCE_EXIF,
    SOURCE_PDF_INFO,
    SOURCE_PROPERTIES,
    SOURCE_XMP,
    metadata_report,
)
from sightline.publishing.tests.test_plans_support import (
    CHILD_NAME,
    SUBJECT,
    docx_bytes,
    fresh,
    pdf_bytes,
    ready_plan,
)

pytestmark = pytest.mark.django_db
CHILD = guard.KIND_CHILD
POSTCODE = guard.KIND_POSTCODE


def subject_terms():
    """What the guard looks for in a plan from the test case (its restricted record)."""
    return [*guard.identity_terms(SimpleNamespace(**SUBJECT, school="")), *guard.GENERIC_TERMS]


def rows(report) -> dict:
    return {(r["source"], r["field"]): r["kinds"] for r in report}


def xmp_packet(creator: str) -> bytes:
    return (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Writer" '
        'xmp:CreateDate="2026-01-01T00:00:00Z">'
        f"<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>"
        '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Overview report</rdf:li></rdf:Alt>'
        "</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def pdf_with_xmp(creator: str) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(["Overview report"]))))
    stream = StreamObject()
    stream.set_data(xmp_packet(creator))
    stream.update({NameObject("/Type"): NameObject("/Metadata")})
    writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg_with_exif(artist: str, *, gps: bool) -> bytes:
    image = Image.new("RGB", (8, 8), "white")
    exif = Image.Exif()
    exif[0x013B] = artist  # Artist
    exif[0x010E] = "Garden"  # Image description
    if gps:
        exif[0x8825] = {1: "N", 2: (53.0, 33.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"Taken at NV4 7QX")
    return out.getvalue()


def test_word_document_properties_are_reported_with_the_kinds_they_held():
    data = docx_bytes(["The child was seen at home."], creator=CHILD_NAME)
    report = rows(metadata_report(data, kind="docx", terms=subject_terms()))
    assert report == {
        (SOURCE_PROPERTIES, "Title"): [],
        (SOURCE_PROPERTIES, "Author"): [CHILD],
    }


def test_pdf_document_information_and_xmp_are_reported():
    info = pdf_bytes(
        ["Overview report"],
        info={"Title": "Overview report", "Author": CHILD_NAME, "Keywords": SUBJECT["postcode"]},
    )
    assert rows(metadata_report(info, kind="pdf", terms=subject_terms())) == {
        (SOURCE_PDF_INFO, "Title"): [],
        (SOURCE_PDF_INFO, "Author"): [CHILD],
        (SOURCE_PDF_INFO, "Keywords"): [POSTCODE],
    }
    xmp = rows(metadata_report(pdf_with_xmp(CHILD_NAME), kind="pdf", terms=subject_terms()))
    assert xmp[(SOURCE_XMP, "Author")] == [CHILD]
    assert xmp[(SOURCE_XMP, "Title")] == []
    assert xmp[(SOURCE_XMP, "Application")] == []
    assert not [key for key in xmp if "Date" in key[1]], "the file's own dates are not listed"


def test_a_pictures_exif_gps_and_comment_are_reported():
    report = rows(
        metadata_report(jpeg_with_exif(CHILD_NAME, gps=True), kind="jpeg", terms=subject_terms())
    )
    assert report[(SOURCE_EXIF, "Artist")] == [CHILD]
    assert report[(SOURCE_EXIF, "Image description")] == []
    assert report[(SOURCE_EXIF, "GPS position")] == [KIND_LOCATION]
    assert report[("picture comments and text", "Comment")] == [POSTCODE]


def test_a_file_whose_properties_cannot_be_read_says_so():
    assert metadata_report(b"%PDF-1.4 broken", kind="pdf", terms=subject_terms()) == [
        {"source": "file properties", "field": "", "kinds": [], "unreadable": True}
    ]


def test_the_report_never_holds_the_values(world):
    report = metadata_report(
        docx_bytes(["Text."], creator=CHILD_NAME), kind="docx", terms=subject_terms()
    )
    for part in CHILD_NAME.split():
        assert part not in repr(report)


def upload(world, plan, data: bytes, name: str):
    return services.plan_attach_document(
        plan=plan,
        by=world.bu,
        uploaded_file=SimpleUploadedFile(name, data),
        expected_version=fresh(plan).version,
    )


def test_uploading_keeps_what_the_properties_held_although_the_stored_copy_is_clean(world):
    plan = ready_plan(world)
    data = pdf_bytes(
        ["Overview report"], info={"Author": CHILD_NAME, "Keywords": SUBJECT["postcode"]}
    )
    plan = upload(world, plan, data, "report.pdf")

    stored = default_storage.open(fresh(plan).document.storage_name).read()
    assert CHILD_NAME.encode() not in stored, "the upload path removed the properties"
    assert services.plan_run_guard(plan=fresh(plan), by=world.bu) == [], "so the guard is clear"
    assert fresh(plan).document_metadata == [
        {"source": SOURCE_PDF_INFO, "field": "Author", "kinds": [CHILD]},
        {"source": SOURCE_PDF_INFO, "field": "Keywords", "kinds": [POSTCODE]},
    ]
    assert Event.objects.filter(
        action="case_subject.scan", reason__endswith="the uploaded file's properties"
    ).exists(), "reading the restricted record for it is logged"
    event = Event.objects.filter(action="publication.document").last()
    assert event.changes["properties_with_identifiers"] == [None, 2]


def test_the_plan_page_says_what_was_removed_and_that_copies_still_hold_it(world, signed_in_client):
    plan = ready_plan(world)
    client = signed_in_client(world.bu)
    data = docx_bytes(["The child was seen at home."], creator=CHILD_NAME)
    response = client.post(
        reverse("publishing:upload", args=[plan.reference]),
        {"version": plan.version, "file": SimpleUploadedFile("report.docx", data)},
        follow=True,
    )
    page = response.content.decode()
    assert "Its properties held possible identifiers (child&#x27;s name)" in page
    assert "copies sent from your original file still contain them" in page
    assert "including the advance copies to the national Panel and the Secretary of State" in page
    assert "What the file’s own properties held" in page
    assert '<td class="govuk-table__cell">Author</td>' in page
    main = page.split('id="main-content"', 1)[1]
    for part in CHILD_NAME.split():
        assert part not in main, "the identity is never shown back"


def test_a_clean_files_properties_are_listed_without_a_warning(world, signed_in_client):
    plan = ready_plan(world)
    plan = upload(world, plan, pdf_bytes(["Overview report"], info={"Title": "Overview"}), "r.pdf")
    page = signed_in_client(world.bu).get(reverse("publishing:detail", args=[plan.reference]))
    html = page.content.decode()
    assert "were removed when it was stored" in html
    assert "No identifiers found" in html
    assert "still contain them" not in html
