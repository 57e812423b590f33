"""The demo publications: made once through the services, in every state, telling the same
story as the demo cases and keeping every rule the services enforce (checked here with the
same rules and the working-day calendar, never with dates worked out by hand)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.utils import timezone

from sightline.core.calendar import add_months
from sightline.core.clocks import today
from sightline.core.demo import seed_base
from sightline.publishing import access, guard
from sightline.publishing.demo import READY_CASE, seed_demo_publications
from sightline.publishing.models import LibraryItem, PublicationPlan, RemovalRequest
from sightline.publishing.workflow import (
    PUBLICATION_WORKFLOW,
    approvals_problem,
    earliest_publication_date,
    needs_advance_copies,
    valid_approvals,
)
from sightline.reviews.demo import DEMO_CASES, seed_demo_cases
from sightline.reviews.models import Case

pytestmark = pytest.mark.django_db
S = PublicationPlan.Status
R = PublicationPlan.RemovalKind
PSEUDONYM = re.compile(r"\b(?:Child|Baby) [A-Z]\b")


@pytest.fixture
def demo():
    seed_base(with_processes=False)
    seed_demo_cases()
    assert seed_demo_publications() is True
    return list(PublicationPlan.objects.select_related("case", "document").order_by("pk"))


def test_the_demo_publications_are_made_once_in_every_state(demo):
    statuses = sorted(plan.status for plan in demo)
    assert statuses == sorted(
        [S.SCHEDULED, S.PUBLISHED, S.PUBLISHED, S.SCHEDULED, S.WITHHELD, S.PREPARING, S.REMOVED]
    ), "every demo publication was made, none left out by a refused check"
    removed = LibraryItem.objects.get(removed_at__isnull=False)
    assert removed.removal_notice.startswith("Removed on ")
    assert "NSPCC national case review repository" in removed.removal_notice
    assert removed.document is None
    live = LibraryItem.objects.filter(removed_at__isnull=True)
    assert live.count() == 2
    assert all(item.document is not None for item in live)
    assert seed_demo_publications() is False
    assert PublicationPlan.objects.count() == len(demo)


def test_each_case_publication_is_about_that_case(demo):
    demo_pseudonyms = {row[0] for row in DEMO_CASES} | {"Child J"}
    with_case = [plan for plan in demo if plan.case_id]
    assert [plan.case.pseudonym for plan in with_case] == [READY_CASE]
    for plan in with_case:
        case = plan.case
        for text in (plan.title, plan.summary, plan.body):
            named = set(PSEUDONYM.findall(text))
            assert named <= {case.pseudonym}, f"{plan.reference} names another child: {named}"
        assert plan.title.startswith(f"{case.pseudonym}:")
        assert case.pseudonym in plan.summary
        for fact in ("11 weeks", "fractured femur", "domestic abuse"):
            assert fact in case.summary  # the case's own circumstances …
            assert fact in plan.summary  # … are what its publication is about
        assert guard.scan(plan) == [], "nothing in it identifies the child or family"
        assert plan.kind == PublicationPlan.Kind.REVIEW
    for plan in demo:
        if plan.case_id is None:
            assert not set(PSEUDONYM.findall(plan.title)) & demo_pseudonyms, (
                f"{plan.title} uses the pseudonym of a demo case it is not about"
            )


def test_every_demo_date_obeys_the_rules_the_services_enforce(demo):
    day = today()
    now = timezone.now()
    for plan in demo:
        ref = plan.reference
        when = plan.scheduled_for
        # Things already done are not in the future.
        for done in (
            plan.family_informed_date,
            plan.practitioners_briefed_date,
            plan.advance_copy_panel_date,
            plan.advance_copy_sos_date,
            plan.withheld_date,
            plan.nspcc_submitted_date,
        ):
            assert done is None or done <= day, ref
        if plan.status in (S.PREPARING, S.WITHHELD):
            continue
        publication_day = timezone.localdate(when)
        if needs_advance_copies(plan):
            # At least SIGHTLINE_ADVANCE_COPY_WORKING_DAYS working days before publication.
            assert earliest_publication_date(plan) <= publication_day, ref
        for briefed in (plan.family_informed_date, plan.practitioners_briefed_date):
            assert briefed is None or briefed < publication_day, ref
        if plan.case_id:
            final = plan.case.local_review.final_agreed_date
            assert plan.advance_copy_panel_date >= final, "copies of the agreed final report"
        # Two valid approvals from two partners, given before it was scheduled to publish.
        assert approvals_problem(plan) is None, ref
        assert all(a.approved_at <= when for a in valid_approvals(plan)), ref
        # What the publish move checks holds at the scheduled time (the guard and approvals).
        plan._as_of = when
        for condition in PUBLICATION_WORKFLOW.get("publish").conditions:
            assert condition(plan) is None, ref
        if plan.status == S.SCHEDULED:
            assert when > now, ref
            continue
        assert plan.published_at == when, f"{ref} was published at its scheduled time"
        assert plan.published_at <= now, ref
        assert plan.min_end_date == add_months(
            timezone.localdate(plan.published_at), settings.SIGHTLINE_MIN_PUBLIC_MONTHS
        )
        if plan.nspcc_submitted_date:
            assert plan.nspcc_submitted_date >= timezone.localdate(plan.published_at), ref
        if plan.status == S.REMOVED:
            removed_on = timezone.localdate(plan.removed_at)
            assert plan.removal_kind == R.PERIOD_ENDED
            assert removed_on >= plan.min_end_date, "removed after the minimum public period"
            assert plan.removed_at <= now, ref
            plan._as_of = plan.removed_at
            assert PUBLICATION_WORKFLOW.get("remove").conditions[0](plan) is None, ref


def test_the_demo_has_an_early_removal_waiting_for_a_partner_lead(demo):
    request = RemovalRequest.objects.get()
    plan = request.plan
    assert request.status == RemovalRequest.Status.PENDING
    assert plan.status == S.PUBLISHED
    assert today() < plan.min_end_date, "it is early, so it needs the confirmation"
    assert request.removal_kind == R.FAMILY_REQUEST
    assert access.removal_approvers(request.requested_by).filter(pk=request.approver_id).exists()
    assert request.approver != request.requested_by


def test_without_the_demo_partnership_nothing_is_made():
    assert seed_demo_publications() is False
    assert not PublicationPlan.objects.exists()


def test_without_the_demo_cases_the_case_publication_is_left_out():
    seed_base(with_processes=False)
    assert not Case.objects.exists()
    assert seed_demo_publications() is True
    assert not PublicationPlan.objects.filter(case__isnull=False).exists()
    assert not PublicationPlan.objects.filter(title__startswith=READY_CASE).exists()
