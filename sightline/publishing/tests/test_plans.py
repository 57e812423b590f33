"""Publication plans: preparing, two-person approval, the advance-copy rule, decisions not to
publish, plans for briefings and the workflow's page in the docs. Publication by the task
worker and removal are tested in test_plans_publish.py."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sightline.accounts.models import Duty, Role
from sightline.core.clocks import get_calendar, today
from sightline.core.models import Notification
from sightline.core.templatetags.govuk import govuk_datetime
from sightline.core.workflow import TransitionRefused
from sightline.learning.models import Briefing
from sightline.publishing import guard, services, services_publish
from sightline.publishing.models import LibraryItem, PublicationApproval, PublicationPlan
from sightline.publishing.tests.test_plans_support import (
    CHILD_NAME,
    LONDON,
    advance_case,
    allowed_time,
    approve_by,
    approved_plan,
    fresh,
    pdf_bytes,
    ready_plan,
    schedule,
    submit,
)
from sightline.publishing.workflow import PUBLICATION_WORKFLOW

pytestmark = pytest.mark.django_db
S = PublicationPlan.Status


# --------------------------------------------------------------------------- preparing


def test_a_full_report_needs_a_case_ready_for_publication_but_a_summary_does_not(world):
    case = advance_case(world.p, to="draft")
    with pytest.raises(TransitionRefused, match="ready for publication"):
        services.plan_create(
            by=world.bu, kind="review", case=case, title="Child A", summary="Learning."
        )
    plan = services.plan_create(
        by=world.bu,
        kind="review",
        case=case,
        title="Child A: summary",
        summary="Learning.",
        version_kind=PublicationPlan.Version.SUMMARY,
    )
    assert plan.reference.startswith("PUB-")
    assert plan.status == S.PREPARING
    assert list(plan.themes.all()) == list(case.themes.all())


def test_only_the_business_unit_creates_plans(world):
    for user in (world.approvers["council"], world.admin, world.p.scrutineer):
        with pytest.raises(TransitionRefused):
            services.plan_create(by=user, kind="other", title="X", summary="Y")


def test_submitting_needs_the_checklist_and_advance_copies(world):
    plan = ready_plan(
        world, anonymisation_checked=False, advance_copy_sos_date=None, family_informed_date=None
    )
    with pytest.raises(ValidationError) as refused:
        submit(world, plan)
    text = " ".join(refused.value.messages)
    assert "anonymisation" in text
    assert "family was informed" in text
    assert "Secretary of State" in text


def test_submitting_needs_a_file_or_text(world):
    plan = ready_plan(world, body="")
    with pytest.raises(ValidationError, match="Upload the file"):
        submit(world, plan)


def test_submitting_tells_the_approvers(world):
    submit(world, ready_plan(world))
    assert Notification.objects.filter(
        user=world.approvers["police"], subject__startswith="Publication ready for your approval"
    ).exists()


# --------------------------------------------------------------------------- two-person approval


def test_one_approval_is_not_enough_to_schedule(world):
    plan = approve_by(submit(world, ready_plan(world)), world.approvers["council"])
    with pytest.raises(ValidationError, match="Two approvals are needed"):
        schedule(world, plan)
    assert fresh(plan).status == S.AWAITING_APPROVAL


def test_two_approvers_from_the_same_agency_are_refused(world):
    plan = approve_by(submit(world, ready_plan(world)), world.approvers["council"])
    with pytest.raises(TransitionRefused) as refused:
        services.plan_approve(plan=fresh(plan), by=world.second_council_approver)
    assert refused.value.messages == [
        "An approver from Northvale Council has already approved; the second approval must "
        "come from a different partner."
    ]
    assert PublicationApproval.objects.filter(plan=plan).count() == 1


def test_the_same_person_cannot_approve_twice(world):
    plan = approve_by(submit(world, ready_plan(world)), world.approvers["icb"])
    approved_at = PublicationApproval.objects.get(plan=plan).approved_at
    with pytest.raises(TransitionRefused) as refused:
        services.plan_approve(plan=fresh(plan), by=world.approvers["icb"])
    assert refused.value.messages == [
        f"You approved this version on {govuk_datetime(approved_at)}."
    ]
    assert PublicationApproval.objects.filter(plan=plan).count() == 1


def test_an_administrator_or_the_business_unit_alone_cannot_approve_or_publish(world):
    plan = submit(world, ready_plan(world))
    for user in (world.admin, world.bu, world.p.partner_leads["council"], world.p.scrutineer):
        with pytest.raises(TransitionRefused, match="Only a publication approver"):
            services.plan_approve(plan=fresh(plan), by=user)
    with pytest.raises(ValidationError):
        schedule(world, plan)
    with pytest.raises(ValidationError):
        PUBLICATION_WORKFLOW.check(fresh(plan), PUBLICATION_WORKFLOW.get("publish"), world.admin)
    assert services_publish.plan_publish_due(now=timezone.now() + timedelta(days=400)) == {
        "published": [],
        "failed": [],
    }
    assert not LibraryItem.objects.exists()


def test_an_approver_at_a_relevant_agency_or_as_agency_lead_is_not_an_approver(world, make_user):
    trust_lead = make_user(Role.PARTNER_LEAD, world.p.trust, duties=[Duty.PUBLICATION_APPROVER])
    council_agency_lead = make_user(
        Role.AGENCY_LEAD, world.p.council, duties=[Duty.PUBLICATION_APPROVER]
    )
    plan = submit(world, ready_plan(world))
    for user in (trust_lead, council_agency_lead):
        with pytest.raises(TransitionRefused, match="Only a publication approver"):
            services.plan_approve(plan=fresh(plan), by=user)


def test_two_approvers_from_different_partners_allow_scheduling(world):
    plan = approve_by(
        submit(world, ready_plan(world)), world.approvers["council"], world.approvers["police"]
    )
    plan = schedule(world, plan)
    assert plan.status == S.SCHEDULED
    assert {a.agency for a in plan.approvals.all()} == {world.p.council, world.p.police}
    assert all(a.fingerprint == guard.fingerprint(plan) for a in plan.approvals.all())


def test_an_approver_may_not_also_schedule(world, make_user):
    bu_approver = make_user(Role.BUSINESS_UNIT, world.p.icb, duties=[Duty.PUBLICATION_APPROVER])
    plan = approve_by(submit(world, ready_plan(world)), world.approvers["council"], bu_approver)
    with pytest.raises(TransitionRefused, match="another member of the business unit"):
        services.plan_transition(
            plan=plan,
            by=bu_approver,
            name="schedule",
            expected_version=plan.version,
            scheduled_for=allowed_time(plan),
        )
    assert schedule(world, plan).status == S.SCHEDULED


def test_a_content_change_after_approval_withdraws_the_approvals(world):
    plan = approve_by(
        submit(world, ready_plan(world)), world.approvers["council"], world.approvers["icb"]
    )
    plan = services.plan_update(
        plan=plan, by=world.bu, expected_version=plan.version, summary="A new summary."
    )
    plan = fresh(plan)
    assert plan.status == S.PREPARING
    assert all(a.withdrawn_at for a in plan.approvals.all())
    assert plan.guard_fingerprint == ""
    assert Notification.objects.filter(
        user=world.approvers["icb"], subject__contains="was withdrawn"
    ).exists()
    plan = submit(world, plan)
    with pytest.raises(ValidationError, match="Two approvals are needed"):
        schedule(world, plan)


def test_a_new_file_withdraws_the_approvals(world):
    plan = approve_by(submit(world, ready_plan(world)), world.approvers["council"])
    services.plan_attach_document(
        plan=plan,
        by=world.bu,
        uploaded_file=SimpleUploadedFile("report.pdf", pdf_bytes(["Overview report"])),
        expected_version=plan.version,
    )
    assert fresh(plan).status == S.PREPARING
    assert not PublicationApproval.objects.filter(plan=plan, withdrawn_at__isnull=True).exists()


def test_an_approval_of_an_older_version_is_refused(world):
    plan = submit(world, ready_plan(world))
    with pytest.raises(TransitionRefused, match="changed while you were reading"):
        services.plan_approve(plan=plan, by=world.approvers["council"], fingerprint_seen="0" * 64)


# --------------------------------------------------------------------------- advance copies


def test_scheduling_six_working_days_after_the_advance_copies_is_refused(world):
    plan = approved_plan(world)
    with pytest.raises(ValidationError, match="cannot be scheduled before"):
        schedule(world, plan, allowed_time(plan, working_days=6))
    assert schedule(world, plan, allowed_time(plan, working_days=7)).status == S.SCHEDULED


def test_the_advance_copy_rule_counts_working_days_across_a_bank_holiday(world):
    cal = get_calendar()
    holiday = next(
        d
        for d in (today() + timedelta(days=n) for n in range(20, 400))
        if d.weekday() < 5 and not cal.is_working_day(d)
    )
    sent = cal.subtract_working_days(holiday, 2)
    plan = ready_plan(world, advance_copy_panel_date=sent, advance_copy_sos_date=sent)
    plan = approve_by(submit(world, plan), world.approvers["council"], world.approvers["icb"])
    seventh = cal.add_working_days(sent, 7)
    sixth = cal.add_working_days(sent, 6)
    assert (seventh - sent).days > 9, "the bank holiday pushes the date out"
    with pytest.raises(ValidationError, match="cannot be scheduled before"):
        schedule(world, plan, datetime.combine(sixth, time(23, 0), tzinfo=LONDON))
    plan = schedule(world, plan, datetime.combine(seventh, time(9, 0), tzinfo=LONDON))
    assert plan.status == S.SCHEDULED


def test_the_later_of_the_two_advance_copies_counts(world):
    cal = get_calendar()
    day = today()
    later = cal.add_working_days(day, 3)
    plan = ready_plan(world, advance_copy_panel_date=day, advance_copy_sos_date=later)
    plan = approve_by(submit(world, plan), world.approvers["council"], world.approvers["icb"])
    with pytest.raises(ValidationError, match="cannot be scheduled before"):
        schedule(world, plan, datetime.combine(cal.add_working_days(day, 7), time(9), LONDON))
    when = datetime.combine(cal.add_working_days(later, 7), time(9), LONDON)
    assert schedule(world, plan, when).status == S.SCHEDULED


def test_publication_cannot_be_scheduled_in_the_past(world):
    plan = approved_plan(world)
    with pytest.raises(ValidationError, match="must be in the future"):
        schedule(world, plan, timezone.now() - timedelta(hours=1))


# --------------------------------------------------------------------------- not publishing


def test_a_decision_not_to_publish_is_recorded_and_improvements_prepared_instead(world):
    plan = submit(world, ready_plan(world))
    with pytest.raises(ValidationError) as refused:
        services.plan_withhold(
            plan=plan,
            by=world.bu,
            expected_version=plan.version,
            reasons="",
            decision_makers="",
            decided_on=None,
        )
    assert len(refused.value.messages) == 3
    plan = services.plan_withhold(
        plan=fresh(plan),
        by=world.bu,
        expected_version=fresh(plan).version,
        reasons="Publishing would identify the surviving sibling.",
        decision_makers="The three delegated safeguarding partners",
        decided_on=today(),
    )
    plan = fresh(plan)
    assert plan.status == S.WITHHELD
    assert plan.withheld_date == today()

    instead = services.plan_create_improvements(plan=plan, by=world.bu)
    assert instead.version_kind == PublicationPlan.Version.IMPROVEMENTS
    assert instead.case == plan.case
    assert instead.status == S.PREPARING
    with pytest.raises(ValidationError):
        services.plan_transition(
            plan=plan, by=world.bu, name="submit", expected_version=plan.version
        )


# --------------------------------------------------------------------------- briefings


def _briefing(world, **fields) -> Briefing:
    values = {
        "reference": "7MB-2026-0001",
        "title": "Bruising in babies who are not yet mobile",
        "status": Briefing.Status.PUBLISHED,
        "section_1": "A baby was seriously injured at home after bruising was missed.",
        "section_2": "Bruising in a baby who cannot move is rare.",
        "section_7": "Read the bruising protocol.",
        "reflective_questions": "What would you do?\nWho would you tell?",
        "author": world.bu,
        "is_public": True,
        **fields,
    }
    return Briefing.objects.create(**values)


def test_a_published_briefing_becomes_a_plan_without_advance_copies(world, settings):
    briefing = _briefing(world)
    plan = services.plan_create_from_briefing(by=world.bu, briefing=briefing)
    headings = settings.SIGHTLINE_BRIEFING_HEADINGS
    assert plan.kind == PublicationPlan.Kind.BRIEFING
    assert plan.briefing == briefing
    assert plan.body.startswith(f"{headings[0]}\n\nA baby was seriously injured")
    assert headings[6] in plan.body
    assert "- Who would you tell?" in plan.body
    assert headings[3] not in plan.body, "empty sections are left out"
    plan = services.plan_update(
        plan=plan,
        by=world.bu,
        expected_version=plan.version,
        anonymisation_checked=True,
        legal_check_done=True,
    )
    plan = approve_by(submit(world, plan), world.approvers["council"], world.approvers["icb"])
    plan = schedule(world, plan, timezone.now() + timedelta(hours=1))
    services_publish.plan_publish_due(now=plan.scheduled_for)
    item = LibraryItem.objects.get(plan=plan)
    assert item.kind == LibraryItem.Kind.BRIEFING
    assert item.child == ""
    with pytest.raises(TransitionRefused, match="already a publication plan"):
        services.plan_create_from_briefing(by=world.bu, briefing=briefing)


def test_a_draft_briefing_cannot_be_prepared(world):
    briefing = _briefing(world, status=Briefing.Status.DRAFT)
    with pytest.raises(TransitionRefused, match="published briefing"):
        services.plan_create_from_briefing(by=world.bu, briefing=briefing)


def test_a_briefing_from_a_case_is_scanned_against_that_case(world):
    case = advance_case(world.p, to="ready_for_publication")
    briefing = _briefing(world, source_case=case, section_2=f"{CHILD_NAME} had a bruise.")
    plan = services.plan_create_from_briefing(by=world.bu, briefing=briefing)
    findings = services.plan_run_guard(plan=plan, by=world.bu)
    assert [(f.where, f.kind) for f in findings] == [("text", guard.KIND_CHILD)]


# --------------------------------------------------------------------------- docs


DOC = Path(__file__).resolve().parents[3] / "docs" / "workflows" / "publishing.md"
MERMAID_BLOCK = re.compile(r"^```mermaid\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def test_the_docs_diagram_is_the_workflow():
    blocks = MERMAID_BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert blocks == [PUBLICATION_WORKFLOW.mermaid()]


def test_the_docs_table_lists_every_transition():
    text = DOC.read_text(encoding="utf-8")
    for t in PUBLICATION_WORKFLOW.transitions:
        assert f"| {t.label} (`{t.name}`) |" in text, t.name
