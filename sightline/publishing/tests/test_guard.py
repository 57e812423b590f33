"""The publication guard: identities of the case (and anything shaped like an NHS number or a
postcode) block publication wherever they hide, and are never shown back in full."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sightline.publishing import guard, services
from sightline.publishing.models import PublicationPlan
from sightline.publishing.tests.test_plans_support import (
    CHILD_NAME,
    CLEAN_BODY,
    docx_bytes,
    fresh,
    pdf_bytes,
    ready_plan,
    store_raw,
    submit,
)
from sightline.reviews.models import CaseSubject

pytestmark = pytest.mark.django_db

SUBJECT_NS = SimpleNamespace(
    child_name="Maisie Thornbury",
    other_names="Maisie Hollis",
    date_of_birth=date(2019, 3, 5),
    address="14 Larkspur Close, Eastbrook, Northvale",
    postcode="NV4 7QX",
    nhs_number="999 765 4323",
    school="Marlowe Park Primary School",
    family_members=(
        "Jade Thornbury, mother, 14 May 2002\nRyan Hollis, mother's partner, 30 September 1999"
    ),
    residence_local_authority="Northvale Council",
)
TERMS = [*guard.identity_terms(SUBJECT_NS), *guard.GENERIC_TERMS]


def kinds(findings) -> set[str]:
    return {f.kind for f in findings}


def places(findings) -> set[str]:
    return {f.where for f in findings}


def assert_masked(findings, *secrets: str) -> None:
    for finding in findings:
        assert guard.MASK in finding.excerpt or finding.kind in (
            guard.KIND_COMMENTS,
            guard.KIND_TRACKED,
            guard.KIND_UNREADABLE,
        )
        for secret in secrets:
            assert secret.lower() not in finding.excerpt.lower(), finding


# --------------------------------------------------------------------------- through a plan


def test_a_planted_name_blocks_submission_and_passes_once_removed(world):
    body = f"{CLEAN_BODY} The health visitor saw {CHILD_NAME} at home in October."
    plan = ready_plan(world, body=body)

    with pytest.raises(ValidationError) as refused:
        submit(world, plan)

    assert "text" in " ".join(refused.value.messages)
    plan = fresh(plan)
    assert plan.status == PublicationPlan.Status.PREPARING
    assert plan.guard_findings, "the findings are kept even though the move was refused"
    finding = guard.Finding.from_dict(plan.guard_findings[0])
    assert (finding.where, finding.kind) == ("text", guard.KIND_CHILD)
    assert "The health visitor saw ██████ at home" in finding.excerpt
    assert_masked([finding], CHILD_NAME, "Thornbury", "Maisie")

    plan = services.plan_update(
        plan=plan, by=world.bu, expected_version=plan.version, body=CLEAN_BODY
    )
    assert fresh(plan).guard_fingerprint == "", "an edit makes the old result stale"
    plan = submit(world, plan)
    assert plan.status == PublicationPlan.Status.AWAITING_APPROVAL
    assert plan.guard_findings == []
    assert plan.guard_fingerprint == guard.fingerprint(plan)


def test_the_surname_alone_and_family_names_are_found(world):
    plan = ready_plan(world, body=f"{CLEAN_BODY} The Thornbury family moved. Ryan Hollis left.")
    findings = services.plan_run_guard(plan=plan, by=world.bu)
    assert kinds(findings) >= {guard.KIND_CHILD, guard.KIND_FAMILY}
    assert_masked(findings, "Thornbury", "Hollis", "Ryan")


def test_a_date_of_birth_in_another_format_in_the_summary_is_found(world):
    plan = ready_plan(world)
    dob = CaseSubject.objects.get(case=plan.case).date_of_birth
    written = f"{dob.day:02d}/{dob.month:02d}/{dob.year}"
    plan = services.plan_update(
        plan=plan,
        by=world.bu,
        expected_version=plan.version,
        summary=f"The baby, born {written}, was injured.",
    )
    findings = services.plan_run_guard(plan=plan, by=world.bu)
    assert [(f.where, f.kind) for f in findings] == [("summary", guard.KIND_DOB)]
    assert written not in findings[0].excerpt


@pytest.mark.parametrize(
    "written",
    ["5 March 2019", "05/03/2019", "5/3/2019", "2019-03-05", "5 Mar 2019", "5th March 2019"],
)
def test_dates_of_birth_in_every_usual_format(written):
    findings = guard.scan_text(f"She was born on {written} in hospital.", "text", TERMS)
    assert kinds(findings) == {guard.KIND_DOB}
    assert_masked(findings, written)


def test_a_family_members_date_of_birth_is_found():
    findings = guard.scan_text("Mother was born on 14/05/2002.", "text", TERMS)
    assert kinds(findings) == {guard.KIND_DOB}


@pytest.mark.parametrize("written", ["NV4 7QX", "nv47qx", "Nv4   7qX", "NV4\n7QX"])
def test_the_postcode_with_odd_spacing_or_case(written):
    findings = guard.scan_text(f"The family lived near {written} at the time.", "text", TERMS)
    assert kinds(findings) == {guard.KIND_POSTCODE}
    assert_masked(findings, written)


@pytest.mark.parametrize("written", ["999 765 4323", "9997654323", "999-765-4323", "999 7654323"])
def test_the_nhs_number_with_or_without_spaces(written):
    findings = guard.scan_text(f"NHS number {written} on the referral.", "text", TERMS)
    assert kinds(findings) == {guard.KIND_NHS}
    assert_masked(findings, written)


def test_address_lines_school_and_other_names_are_found():
    text = (
        "She lived at 14 Larkspur Close in Eastbrook and went to Marlowe Park Primary. "
        "She was also known as Maisie Hollis."
    )
    findings = guard.scan_text(text, "text", TERMS)
    assert kinds(findings) == {guard.KIND_ADDRESS, guard.KIND_SCHOOL, guard.KIND_CHILD}
    assert_masked(findings, "Larkspur", "Eastbrook", "Marlowe", "Hollis")


def test_the_partnership_area_and_common_words_are_not_findings():
    text = (
        "Northvale agencies may need to act. Jade-coloured paint. The mother and her partner "
        "were seen by the school nurse in May."
    )
    assert guard.scan_text(text, "text", TERMS) == []


def test_generic_nhs_numbers_and_postcodes_in_a_plan_with_no_case(world):
    plan = services.plan_create(
        by=world.bu,
        kind=PublicationPlan.Kind.OTHER,
        title="Annual learning digest",
        summary="Learning from the year.",
        body="Referral for NHS number 943 476 5919 from SW1A 1AA. Invoice 1234567890 paid.",
    )
    findings = services.plan_run_guard(plan=plan, by=world.bu)
    assert [f.kind for f in findings] == [guard.KIND_NHS_PATTERN, guard.KIND_POSTCODE_PATTERN]
    assert_masked(findings, "943 476 5919", "SW1A 1AA")


def test_a_ten_digit_number_without_a_valid_check_digit_is_not_an_nhs_number():
    assert guard.nhs_check_digit_ok("9434765919")
    assert not guard.nhs_check_digit_ok("9434765918")
    assert not guard.nhs_check_digit_ok("0000000000")
    assert guard.scan_text("Case 943 476 5918 closed.", "text", guard.GENERIC_TERMS) == []


# --------------------------------------------------------------------------- in files


def test_a_name_only_in_a_word_comment_is_found():
    data = docx_bytes(["A clean paragraph."], comment="Check this with Maisie Thornbury's aunt")
    findings = guard.scan_bytes(data, kind="docx", terms=TERMS)
    named = [f for f in findings if f.kind == guard.KIND_CHILD]
    assert [f.where for f in named] == ["file part word/comments.xml"]
    assert guard.KIND_COMMENTS in kinds(findings)
    assert_masked(findings, "Thornbury")


def test_a_name_only_in_a_tracked_deletion_is_found():
    data = docx_bytes(["A clean paragraph."], deleted="Maisie Thornbury was at home")
    findings = guard.scan_bytes(data, kind="docx", terms=TERMS)
    named = [f for f in findings if f.kind == guard.KIND_CHILD]
    assert [f.where for f in named] == ["file part word/document.xml (tracked changes)"]
    assert guard.KIND_TRACKED in kinds(findings)


def test_a_name_only_in_the_document_properties_is_found():
    data = docx_bytes(["A clean paragraph."], creator="Jade Thornbury")
    findings = guard.scan_bytes(data, kind="docx", terms=TERMS)
    assert [(f.where, f.kind) for f in findings] == [("file metadata", guard.KIND_FAMILY)]
    assert_masked(findings, "Thornbury")


def test_a_clean_word_document_has_no_findings():
    assert guard.scan_bytes(docx_bytes(["A clean paragraph."]), kind="docx", terms=TERMS) == []


def test_a_stored_word_file_that_kept_its_author_blocks_the_plan(world):
    plan = ready_plan(world)
    plan = store_raw(plan, docx_bytes([CLEAN_BODY], creator=CHILD_NAME), "docx", "report.docx")
    findings = services.plan_run_guard(plan=plan, by=world.bu)
    assert [(f.where, f.kind) for f in findings] == [("file metadata", guard.KIND_CHILD)]
    with pytest.raises(ValidationError, match="file metadata"):
        submit(world, plan)


def test_an_uploaded_word_file_with_a_name_in_a_comment_blocks_the_plan(world):
    plan = ready_plan(world)
    upload = SimpleUploadedFile(
        "report.docx", docx_bytes([CLEAN_BODY], comment=f"Ask {CHILD_NAME}'s mother")
    )
    plan = services.plan_attach_document(
        plan=plan, by=world.bu, uploaded_file=upload, expected_version=plan.version
    )
    findings = services.plan_run_guard(plan=fresh(plan), by=world.bu)
    assert ("file part word/comments.xml", guard.KIND_CHILD) in {
        (f.where, f.kind) for f in findings
    }


def test_text_under_a_black_box_in_a_pdf_is_found(world):
    data = pdf_bytes(
        ["Overview report", f"The child, {CHILD_NAME}, was seen twice.", "Learning"],
        cover_line=1,
    )
    plan = ready_plan(world)
    plan = services.plan_attach_document(
        plan=plan,
        by=world.bu,
        uploaded_file=SimpleUploadedFile("report.pdf", data),
        expected_version=plan.version,
    )
    findings = services.plan_run_guard(plan=fresh(plan), by=world.bu)
    assert [(f.where, f.kind) for f in findings] == [("file text", guard.KIND_CHILD)]
    assert_masked(findings, CHILD_NAME)


def test_pdf_properties_are_scanned():
    data = pdf_bytes(["Overview report"], info={"Author": "Jade Thornbury"})
    findings = guard.scan_bytes(data, kind="pdf", terms=TERMS)
    assert places(findings) == {"file metadata"}


def test_the_file_name_is_scanned(world):
    plan = ready_plan(world)
    plan = store_raw(plan, pdf_bytes(["Overview report"]), "pdf", f"{CHILD_NAME} final.pdf")
    findings = services.plan_run_guard(plan=plan, by=world.bu)
    assert [(f.where, f.kind) for f in findings] == [("file metadata", guard.KIND_CHILD)]


def test_a_file_that_cannot_be_read_blocks_publication(world):
    plan = ready_plan(world)
    plan = store_raw(plan, b"PK\x03\x04 not really a zip", "docx", "report.docx")
    findings = services.plan_run_guard(plan=plan, by=world.bu)
    assert [f.kind for f in findings] == [guard.KIND_UNREADABLE]


# --------------------------------------------------------------------------- fingerprint


def test_the_fingerprint_is_deterministic_and_follows_the_content(world):
    plan = ready_plan(world)
    first = guard.fingerprint(plan)
    assert first == guard.fingerprint(fresh(plan))
    plan.body += " More."
    assert guard.fingerprint(plan) != first


def test_the_guard_reading_the_restricted_record_is_logged(world):
    from sightline.core.models import Event

    plan = ready_plan(world)
    services.plan_run_guard(plan=plan, by=world.bu)
    read = Event.objects.filter(action="case_subject.scan", kind=Event.Kind.READ).last()
    assert read is not None
    assert plan.reference in read.reason


def test_a_name_in_a_spreadsheet_cell_is_found():
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "Chronology"
    workbook.active["B2"] = "Home visit to Maisie Thornbury"
    buffer = io.BytesIO()
    workbook.save(buffer)
    findings = guard.scan_bytes(buffer.getvalue(), kind="xlsx", terms=TERMS)
    assert [f.kind for f in findings] == [guard.KIND_CHILD]
    assert findings[0].where.startswith("file part xl/")


def test_a_name_in_spreadsheet_shared_strings_is_found():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<si><t>Chronology</t></si><si><t>Ryan Hollis</t></si></sst>",
        )
    findings = guard.scan_bytes(buffer.getvalue(), kind="xlsx", terms=TERMS)
    assert [(f.where, f.kind) for f in findings] == [
        ("file part xl/sharedStrings.xml", guard.KIND_FAMILY)
    ]


def test_redacting_hides_every_match():
    text = "Maisie Thornbury lived at 14 Larkspur Close, NV4 7QX."
    assert guard.redact(text, TERMS) == "██████ lived at ██████, ██████."
