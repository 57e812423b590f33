"""Shared set-up for the publication plan tests (no tests here).

    world (fixture, in conftest.py) -> World: the reviews `partnership` plus approvers:
        approvers["council" | "icb" | "police"]  partner leads with the publication approver duty
        second_council_approver                  another approver at the council
        bu                                       business unit (no approver duty)
        admin                                    system administrator
    ready_plan(world, **fields) -> PublicationPlan   a review report plan for a case ready for
        publication, with the checklist and advance copies done and clean text
    submit / approve_by / schedule helpers drive a plan through the services;
    approved_plan(world) is a ready plan submitted and approved by the council's and the ICB's
        approvers
    request_removal(world, plan, kind=..., ...) -> RemovalRequest   the business unit asks the
        police partner lead (by default) to confirm an early removal
    confirm_removal(plan, by) / refuse_removal(plan, by, reason)   the named partner lead decides
    pdf_bytes(...), docx_bytes(...)  real files built by hand (a PDF with a black box over
        text; a Word document with comments, tracked changes and properties)
    store_raw(plan, data, kind, name)  a stored file that kept what the upload path would have
        removed (to test the guard and the published copy)

All identities are the invented ones in sightline/reviews/tests/conftest.py.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from sightline.accounts.models import User
from sightline.core.clocks import get_calendar, today
from sightline.core.models import Document
from sightline.publishing import services, services_publish, services_removal
from sightline.publishing.models import PublicationPlan, RemovalRequest
from sightline.reviews.tests.conftest import CHILD_NAME, SUBJECT, Partnership, advance_case

__all__ = ["CHILD_NAME", "SUBJECT", "advance_case"]  # re-exported for the tests

LONDON = timezone.get_default_timezone()
CLEAN_BODY = (
    "Child A was a baby boy who lived with his mother and her partner. He was seriously "
    "injured at home. This review looks at how agencies shared information about domestic "
    "abuse and about bruising in a baby who could not yet move about."
)


@dataclass
class World:
    p: Partnership
    approvers: dict[str, User]
    second_council_approver: User

    @property
    def bu(self) -> User:
        return self.p.bu

    @property
    def admin(self) -> User:
        return self.p.admin


def ready_plan(world: World, *, body: str = CLEAN_BODY, kind=None, **fields) -> PublicationPlan:
    """A review report plan whose case is ready for publication, prepared to submit."""
    case = fields.pop("case", None) or advance_case(world.p, to="ready_for_publication")
    plan = services.plan_create(
        by=world.bu,
        kind=kind or PublicationPlan.Kind.REVIEW,
        case=case,
        title=fields.pop("title", "Child A: local child safeguarding practice review"),
        summary=fields.pop("summary", "What agencies learned from the serious injury of a baby."),
        body=body,
    )
    cal = get_calendar()
    day = today()
    values = {
        "anonymisation_checked": True,
        "legal_check_done": True,
        "family_informed_date": cal.subtract_working_days(day, 10),
        "practitioners_briefed_date": cal.subtract_working_days(day, 8),
        "advance_copy_panel_date": day,
        "advance_copy_sos_date": day,
        **fields,
    }
    return services.plan_update(plan=plan, by=world.bu, expected_version=plan.version, **values)


def fresh(plan: PublicationPlan) -> PublicationPlan:
    return PublicationPlan.objects.get(pk=plan.pk)


def submit(world: World, plan: PublicationPlan) -> PublicationPlan:
    plan = fresh(plan)
    services.plan_transition(plan=plan, by=world.bu, name="submit", expected_version=plan.version)
    return fresh(plan)


def approve_by(plan: PublicationPlan, *users: User) -> PublicationPlan:
    for user in users:
        services.plan_approve(plan=fresh(plan), by=user)
    return fresh(plan)


def approved_plan(world: World) -> PublicationPlan:
    return approve_by(
        submit(world, ready_plan(world)), world.approvers["council"], world.approvers["icb"]
    )


def allowed_time(plan: PublicationPlan, working_days: int | None = None) -> datetime:
    """9:30am London time on the first day the advance-copy rule allows (or `working_days`
    after the later advance copy)."""
    later = max(plan.advance_copy_panel_date, plan.advance_copy_sos_date)
    days = 7 if working_days is None else working_days
    day = get_calendar().add_working_days(later, days)
    return datetime.combine(day, time(9, 30), tzinfo=LONDON)


def schedule(world: World, plan: PublicationPlan, when: datetime | None = None):
    plan = fresh(plan)
    services.plan_transition(
        plan=plan,
        by=world.bu,
        name="schedule",
        expected_version=plan.version,
        scheduled_for=when or allowed_time(plan),
    )
    return fresh(plan)


def published_plan(world: World, *, pdf: bytes | None = None, **fields) -> PublicationPlan:
    """Prepared, approved by the council and the ICB, scheduled and published by the task."""
    plan = ready_plan(world, **fields)
    if pdf is not None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        services.plan_attach_document(
            plan=plan,
            by=world.bu,
            uploaded_file=SimpleUploadedFile("report.pdf", pdf),
            expected_version=plan.version,
        )
    plan = approve_by(submit(world, plan), world.approvers["council"], world.approvers["icb"])
    plan = schedule(world, plan)
    services_publish.plan_publish_due(now=plan.scheduled_for + timedelta(minutes=1))
    return fresh(plan)


def request_removal(
    world: World,
    plan: PublicationPlan,
    *,
    kind: str = PublicationPlan.RemovalKind.COURT_ORDER,
    reason: str = "The family court made a reporting restriction order.",
    approver: User | None | str = "police",
    by: User | None = None,
    offline: bool = False,
    planned_for: datetime | None = None,
) -> RemovalRequest:
    """`approver` is a person, None (nobody named) or a key of the partnership's partner leads."""
    plan = fresh(plan)
    if isinstance(approver, str):
        approver = world.p.partner_leads[approver]
    return services_removal.removal_request_create(
        plan=plan,
        by=by or world.bu,
        expected_version=plan.version,
        removal_kind=kind,
        removal_reason=reason,
        approver=approver,
        planned_for=planned_for,
        offline=offline,
    )


def _waiting(plan: PublicationPlan) -> RemovalRequest:
    return RemovalRequest.objects.get(plan=plan, status=RemovalRequest.Status.PENDING)


def confirm_removal(plan: PublicationPlan, by: User) -> RemovalRequest:
    return services_removal.removal_request_confirm(
        plan=fresh(plan), by=by, fingerprint_seen=_waiting(plan).fingerprint
    )


def refuse_removal(plan: PublicationPlan, by: User, reason: str) -> RemovalRequest:
    return services_removal.removal_request_refuse(
        plan=fresh(plan), by=by, fingerprint_seen=_waiting(plan).fingerprint, reason=reason
    )


# --------------------------------------------------------------------------- files


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_bytes(lines: list[str], *, cover_line: int | None = None, info: dict | None = None):
    """A one-page PDF written by hand. `cover_line` draws a filled black box over that line
    (the text underneath still extracts); `info` adds a document information dictionary."""
    ops = ["BT /F1 12 Tf 14 TL 72 760 Td"]
    ops += [f"({_pdf_string(line)}) Tj T*" for line in lines]
    ops.append("ET")
    if cover_line is not None:
        y = 760 - 14 * cover_line
        ops.append(f"0 0 0 rg 68 {y - 4} 360 16 re f")
    content = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    if info:
        entries = " ".join(f"/{k} ({_pdf_string(v)})" for k, v in info.items())
        objects.append(f"<< {entries} >>".encode("latin-1"))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    if info:
        trailer += b" /Info %d 0 R" % len(objects)
    out.write(b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def docx_bytes(
    paragraphs: list[str],
    *,
    comment: str | None = None,
    deleted: str | None = None,
    creator: str | None = None,
) -> bytes:
    """A small Word document written by hand, optionally with a comment, a tracked deletion
    and an author in its core properties."""
    body = "".join(f"<w:p>{_run(p)}</w:p>" for p in paragraphs)
    if deleted:
        body += (
            '<w:p><w:del w:id="1" w:author="Reviewer" w:date="2026-01-01T00:00:00Z"><w:r>'
            f'<w:delText xml:space="preserve">{deleted}</w:delText></w:r></w:del></w:p>'
        )
    if comment:
        body += (
            '<w:p><w:commentRangeStart w:id="0"/>'
            + _run("See note")
            + '<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r></w:p>'
        )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W}" xmlns:r="{REL}"><w:body>{body}<w:sectPr/></w:body>'
        "</w:document>"
    )
    overrides = [
        ("/word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml."
         "document.main+xml"),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
    ]  # fmt: skip
    doc_rels = ""
    if comment:
        overrides.append(
            ("/word/comments.xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml")
        )  # fmt: skip
        doc_rels = f'<Relationship Id="rId1" Type="{REL}/comments" Target="comments.xml"/>'
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in overrides)
        + "</Types>"
    )
    package_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
        'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        "</Relationships>"
    )
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>Overview report</dc:title><dc:creator>{creator or 'Report writer'}"
        "</dc:creator></cp:coreProperties>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr("word/document.xml", document)
        archive.writestr(
            "word/_rels/document.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{doc_rels}</Relationships>',
        )
        archive.writestr("docProps/core.xml", core)
        if comment:
            archive.writestr(
                "word/comments.xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<w:comments xmlns:w="{W}"><w:comment w:id="0" w:author="Reviewer" '
                f'w:initials="RV"><w:p>{_run(comment)}</w:p></w:comment></w:comments>',
            )
    return out.getvalue()


KIND_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def store_raw(plan: PublicationPlan, data: bytes, kind: str, name: str) -> PublicationPlan:
    """Attach bytes exactly as given, skipping the upload path's cleaning: a file that kept its
    properties, as if it had been stored before the upload path existed."""
    stored = default_storage.save(f"test/{uuid.uuid4().hex}.{kind}", ContentFile(data))
    document = Document.objects.create(
        original_name=name,
        content_type=KIND_TYPES[kind],
        kind=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_name=stored,
        extracted_text="",
        owner_type=ContentType.objects.get_for_model(PublicationPlan),
        owner_id=str(plan.pk),
    )
    PublicationPlan.objects.filter(pk=plan.pk).update(document=document)
    return fresh(plan)
