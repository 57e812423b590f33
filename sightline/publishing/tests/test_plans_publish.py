"""Publication plans: publication by the task worker at the scheduled time, the published
copy, the checks made again at publication, and removal with a catalogue entry left behind."""

from __future__ import annotations

import io
import sys
import types
from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from sightline.accounts.models import Membership
from sightline.core.calendar import add_months
from sightline.core.clocks import get_calendar, today
from sightline.core.models import Notification
from sightline.publishing import guard, services_publish
from sightline.publishing.models import LibraryItem, PublicationPlan
from sightline.publishing.tests.test_plans_support import (
    CLEAN_BODY,
    LONDON,
    approve_by,
    approved_plan,
    confirm_removal,
    fresh,
    pdf_bytes,
    published_plan,
    ready_plan,
    request_removal,
    schedule,
    store_raw,
    submit,
)
from sightline.reviews.models import CaseSubject

pytestmark = pytest.mark.django_db
S = PublicationPlan.Status
R = PublicationPlan.RemovalKind


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
    plan = schedule(world, approved_plan(world))
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
    plan = schedule(world, approved_plan(world))
    Membership.objects.filter(user=world.approvers["icb"]).update(duties=[])
    result = services_publish.plan_publish_due(now=plan.scheduled_for)
    assert result["failed"] == [plan.reference]
    assert fresh(plan).status == S.AWAITING_APPROVAL


def test_a_daily_sweep_publishes_a_plan_whose_timed_run_was_missed(world):
    plan = schedule(world, approved_plan(world))
    result = services_publish.publication_daily(
        on=timezone.localdate(plan.scheduled_for) + timedelta(days=1),
        now=plan.scheduled_for + timedelta(days=1),
    )
    assert result["published"] == [plan.reference]


def test_the_timed_task_runs_the_due_work(world):
    from sightline.publishing.tasks import publication_run_due

    plan = schedule(world, approved_plan(world))
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
        f"Removed on {end.day} {end:%B %Y} at the end of its publication period. "
        "You can ask the partnership for a copy. It is held in the NSPCC national case review "
        f"repository (submitted on {nspcc_day.day} {nspcc_day:%B %Y}): "
        "https://learning.nspcc.org.uk/case-reviews/national-case-review-repository"
    )
    assert "agreed to remove" not in item.removal_notice, "the internal reason stays internal"


def test_the_business_unit_cannot_remove_early_on_its_own(world):
    """Before the end of the minimum public period the business unit's removal is refused: a
    reason that allows it and the named partner lead's confirmation are both needed."""
    plan = published_plan(world)
    common = {"by": world.bu, "removal_reason": "Reporting restriction order made."}
    with pytest.raises(ValidationError, match="court order, a risk to a child"):
        services_publish.plan_remove(
            plan=fresh(plan),
            expected_version=fresh(plan).version,
            removal_kind=R.PERIOD_ENDED,
            **common,
        )
    with pytest.raises(ValidationError, match="once the partner lead named to approve"):
        services_publish.plan_remove(
            plan=fresh(plan),
            expected_version=fresh(plan).version,
            removal_kind=R.COURT_ORDER,
            **common,
        )
    later = timezone.now() + timedelta(days=2)
    with pytest.raises(ValidationError, match="once the partner lead named to approve"):
        services_publish.plan_schedule_removal(
            plan=fresh(plan),
            expected_version=fresh(plan).version,
            removal_planned_for=later,
            removal_kind=R.COURT_ORDER,
            **common,
        )
    assert fresh(plan).status == S.PUBLISHED
    assert LibraryItem.objects.get(plan=plan).removed_at is None


def test_the_nspcc_date_recorded_after_removal_updates_the_notice(world):
    plan = published_plan(world)
    request_removal(world, plan, kind=R.FAMILY_REQUEST, reason="The family asked.")
    confirm_removal(plan, world.p.partner_leads["police"])
    plan = fresh(plan)
    assert plan.status == S.REMOVED
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


def test_scheduling_asks_the_task_worker_to_run_at_that_time(
    world, settings, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    plan = approved_plan(world)
    with django_capture_on_commit_callbacks(execute=True):
        plan = schedule(world, plan)
    timed = [r for r in default_task_backend.results if r.task.name == "publication_run_due"]
    assert [r.task.run_after for r in timed] == [plan.scheduled_for]
