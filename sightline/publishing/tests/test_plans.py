"""Publication plans: preparing, two-person approval, the advance-copy rule, publication by the
task worker, removal with a catalogue entry left behind, and decisions not to publish."""

from __future__ import annotations

import io
import re
import sys
import types
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from sightline.accounts.models import Duty, Membership, Role
from sightline.core.calendar import add_months
from sightline.core.clocks import get_calendar, today
from sightline.core.models import Notification
from sightline.core.workflow import TransitionRefused
from sightline.learning.models import Briefing
from sightline.publishing import guard, services, services_publish
from sightline.publishing.models import LibraryItem, PublicationApproval, PublicationPlan
from sightline.publishing.tests.test_plans_support import (
    CHILD_NAME,
    CLEAN_BODY,
    LONDON,
    advance_case,
    allowed_time,
    approve_by,
    fresh,
    pdf_bytes,
    published_plan,
    ready_plan,
    schedule,
    store_raw,
    submit,
)
from sightline.publishing.workflow import PUBLICATION_WORKFLOW
from sightline.reviews.models import CaseSubject

pytestmark = pytest.mark.django_db
S = PublicationPlan.Status
R = PublicationPlan.RemovalKind


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
    with pytest.raises(TransitionRefused, match="already approved"):
        services.plan_approve(plan=fresh(plan), by=world.second_council_approver)
    assert PublicationApproval.objects.filter(plan=plan).count() == 1


def test_the_same_person_cannot_approve_twice(world):
    plan = approve_by(submit(world, ready_plan(world)), world.approvers["icb"])
    with pytest.raises(TransitionRefused, match="already approved"):
        services.plan_approve(plan=fresh(plan), by=world.approvers["icb"])


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


def _approved(world):
    return approve_by(
        submit(world, ready_plan(world)), world.approvers["council"], world.approvers["icb"]
    )


def test_scheduling_six_working_days_after_the_advance_copies_is_refused(world):
    plan = _approved(world)
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
    plan = _approved(world)
    with pytest.raises(ValidationError, match="must be in the future"):
        schedule(world, plan, timezone.now() - timedelta(hours=1))


# --------------------------------------------------------------------------- publishing


@pytest.fixture
def subscribers(monkeypatch):
    """Stands in for the public side's subscriptions module and records what it is told."""
    told = []
    module = types.ModuleType("sightline.publishing.subscriptions")
    module.notify_new_publication = told.append
    monkeypatch.setitem(sys.modules, "sightline.publishing.subscriptions", module)
    return told


def test_the_task_publishes_at_the_planned_time_and_not_before(
    world, subscribers, django_capture_on_commit_callbacks
):
    plan = schedule(world, _approved(world))
    assert services_publish.plan_publish_due(now=plan.scheduled_for - timedelta(minutes=1)) == {
        "published": [],
        "failed": [],
    }
    assert not LibraryItem.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        result = services_publish.plan_publish_due(now=plan.scheduled_for + timedelta(minutes=1))

    assert result == {"published": [plan.reference], "failed": []}
    plan = fresh(plan)
    assert plan.status == S.PUBLISHED
    day = timezone.localdate(plan.published_at)
    assert plan.min_end_date == add_months(day, 12)
    item = LibraryItem.objects.get(plan=plan)
    assert item.is_public
    assert item.removed_at is None
    assert item.kind == LibraryItem.Kind.REVIEW
    assert item.slug.endswith(plan.reference.lower())
    assert item.published == day
    assert item.year == day.year
    assert item.child == "Child A"
    assert item.summary == plan.summary
    assert CLEAN_BODY in item.text
    assert set(item.themes.all()) == set(plan.themes.all())
    assert subscribers == [item]
    # Publishing again changes nothing.
    assert services_publish.plan_publish_due(now=plan.scheduled_for + timedelta(hours=1)) == {
        "published": [],
        "failed": [],
    }
    assert LibraryItem.objects.count() == 1


def test_the_published_file_is_rewritten_without_metadata(world):
    plan = ready_plan(world)
    data = pdf_bytes(
        ["Overview report", "Learning for agencies"],
        info={"Author": "Report writer", "Title": "Draft v7 with comments"},
    )
    plan = store_raw(plan, data, "pdf", "Draft v7 with comments.pdf")
    assert PdfReader(io.BytesIO(data)).metadata  # the stored draft kept its properties
    plan = approve_by(submit(world, plan), world.approvers["council"], world.approvers["icb"])
    plan = schedule(world, plan)
    services_publish.plan_publish_due(now=plan.scheduled_for)

    plan = fresh(plan)
    published = plan.published_document
    assert published is not None
    assert published.pk != plan.document_id
    with default_storage.open(published.storage_name, "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert not reader.metadata
    assert "/Metadata" not in reader.trailer["/Root"]
    assert "Overview report" in reader.pages[0].extract_text()
    assert published.original_name == "child-a-local-child-safeguarding-practice-review.pdf"
    item = LibraryItem.objects.get(plan=plan)
    assert item.document == published
    assert "Learning for agencies" in item.text


def test_publication_fails_back_to_the_business_unit_if_the_guard_now_finds_something(world):
    body = f"{CLEAN_BODY} Staff at Marlowe Park Primary noticed the sibling's distress."
    plan = ready_plan(world, body=body)
    plan = approve_by(submit(world, plan), world.approvers["council"], world.approvers["icb"])
    plan = schedule(world, plan)
    # After approval, the school is added to the restricted record.
    CaseSubject.objects.filter(case=plan.case).update(school="Marlowe Park Primary School")

    result = services_publish.plan_publish_due(now=plan.scheduled_for + timedelta(minutes=5))

    assert result == {"published": [], "failed": [plan.reference]}
    plan = fresh(plan)
    assert plan.status == S.AWAITING_APPROVAL
    assert [f["kind"] for f in plan.guard_findings] == [guard.KIND_SCHOOL]
    assert not LibraryItem.objects.exists()
    assert Notification.objects.filter(
        user=world.bu, subject=f"Publication of {plan.reference} did not go ahead"
    ).exists()


def test_publication_fails_if_an_approver_lost_the_duty(world):
    plan = schedule(world, _approved(world))
    Membership.objects.filter(user=world.approvers["icb"]).update(duties=[])
    result = services_publish.plan_publish_due(now=plan.scheduled_for)
    assert result["failed"] == [plan.reference]
    assert fresh(plan).status == S.AWAITING_APPROVAL


def test_a_daily_sweep_publishes_a_plan_whose_timed_run_was_missed(world):
    plan = schedule(world, _approved(world))
    result = services_publish.publication_daily(
        on=timezone.localdate(plan.scheduled_for) + timedelta(days=1),
        now=plan.scheduled_for + timedelta(days=1),
    )
    assert result["published"] == [plan.reference]


def test_the_timed_task_runs_the_due_work(world):
    from sightline.publishing.tasks import publication_run_due

    plan = schedule(world, _approved(world))
    PublicationPlan.objects.filter(pk=plan.pk).update(
        scheduled_for=timezone.now() - timedelta(seconds=1)
    )
    result = publication_run_due.call()
    assert result["published"] == [plan.reference]


# --------------------------------------------------------------------------- removal


def test_scheduled_removal_leaves_the_catalogue_entry_with_a_notice(world):
    plan = published_plan(world)
    cal = get_calendar()
    nspcc_day = cal.add_working_days(today(), 1)
    plan = services_publish.plan_record_nspcc(
        plan=plan, by=world.bu, expected_version=plan.version, submitted_on=nspcc_day
    )
    end = datetime.combine(plan.min_end_date, time(10, 0), tzinfo=LONDON)
    plan = services_publish.plan_schedule_removal(
        plan=fresh(plan),
        by=world.bu,
        expected_version=fresh(plan).version,
        removal_planned_for=end,
        removal_kind=R.PERIOD_ENDED,
        removal_reason="The minimum public period has ended and the partners agreed to remove it.",
    )
    assert services_publish.plan_remove_due(now=end - timedelta(minutes=1))["removed"] == []

    result = services_publish.plan_remove_due(now=end)

    assert result == {"removed": [plan.reference], "failed": []}
    plan = fresh(plan)
    assert plan.status == S.REMOVED
    assert plan.removed_at == end
    item = LibraryItem.objects.get(plan=plan)
    assert item.removed_at == end
    assert item.is_public, "the catalogue entry stays"
    assert item.document is None
    assert item.text == ""
    assert item.title == plan.title
    assert item.summary == plan.summary
    assert item.removal_notice == (
        f"Removed on {end.day} {end:%B %Y} because its minimum public period ended. "
        "You can ask the partnership for a copy. It is held in the NSPCC national case review "
        f"repository (submitted on {nspcc_day.day} {nspcc_day:%B %Y}): "
        "https://learning.nspcc.org.uk/case-reviews/national-case-review-repository"
    )
    assert "agreed to remove" not in item.removal_notice, "the internal reason stays internal"


def test_removal_before_the_minimum_period_needs_a_reason_and_someone_elses_approval(world):
    plan = published_plan(world)
    common = {"by": world.bu, "removal_reason": "Reporting restriction order made."}
    with pytest.raises(ValidationError, match="court order, a risk to a child"):
        services_publish.plan_remove(
            plan=fresh(plan),
            expected_version=fresh(plan).version,
            removal_kind=R.PERIOD_ENDED,
            **common,
        )
    with pytest.raises(ValidationError, match="Select who approved"):
        services_publish.plan_remove(
            plan=fresh(plan),
            expected_version=fresh(plan).version,
            removal_kind=R.COURT_ORDER,
            **common,
        )
    with pytest.raises(TransitionRefused, match="Someone other than you"):
        services_publish.plan_remove(
            plan=fresh(plan),
            expected_version=fresh(plan).version,
            removal_kind=R.COURT_ORDER,
            removal_approved_by=world.bu,
            **common,
        )
    with pytest.raises(TransitionRefused, match="partner lead or in the business unit"):
        services_publish.plan_remove(
            plan=fresh(plan),
            expected_version=fresh(plan).version,
            removal_kind=R.COURT_ORDER,
            removal_approved_by=world.p.practitioner,
            **common,
        )
    approver = world.p.partner_leads["police"]
    plan = services_publish.plan_remove(
        plan=fresh(plan),
        expected_version=fresh(plan).version,
        removal_kind=R.COURT_ORDER,
        removal_approved_by=approver,
        **common,
    )
    plan = fresh(plan)
    assert plan.status == S.REMOVED
    assert plan.removal_approved_by == approver
    item = LibraryItem.objects.get(plan=plan)
    assert item.summary == "", "a court order takes the summary out of the catalogue too"
    assert "because of a court order" in item.removal_notice
    assert "NSPCC" not in item.removal_notice


def test_the_nspcc_date_recorded_after_removal_updates_the_notice(world):
    plan = published_plan(world)
    plan = services_publish.plan_remove(
        plan=plan,
        by=world.bu,
        expected_version=plan.version,
        removal_kind=R.FAMILY_REQUEST,
        removal_reason="The family asked.",
        removal_approved_by=world.p.partner_leads["icb"],
    )
    plan = fresh(plan)
    services_publish.plan_record_nspcc(
        plan=plan, by=world.bu, expected_version=plan.version, submitted_on=today()
    )
    assert "NSPCC national case review repository" in (
        LibraryItem.objects.get(plan=plan).removal_notice
    )


def test_removal_reviews_are_sent_once_when_the_period_nears_its_end(world):
    plan = published_plan(world)
    cal = get_calendar()
    early = cal.subtract_working_days(plan.min_end_date, 30)
    due = cal.subtract_working_days(plan.min_end_date, 10)
    assert services_publish.plan_send_removal_reviews(on=early) == 0
    assert services_publish.plan_send_removal_reviews(on=due) >= 1
    assert services_publish.plan_send_removal_reviews(on=due) == 0, "not repeated"
    assert Notification.objects.filter(
        user=world.bu, subject=f"Review whether to keep {plan.title} public"
    ).exists()


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


def test_scheduling_asks_the_task_worker_to_run_at_that_time(
    world, settings, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    plan = _approved(world)
    with django_capture_on_commit_callbacks(execute=True):
        plan = schedule(world, plan)
    timed = [r for r in default_task_backend.results if r.task.name == "publication_run_due"]
    assert [r.task.run_after for r in timed] == [plan.scheduled_for]
