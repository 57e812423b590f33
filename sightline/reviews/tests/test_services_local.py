"""Writes to the local child safeguarding practice review: its record and workflow,
engagement, parallel proceedings, monitoring, drafts, lessons, recommendations and the actions
made from them."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType

from sightline.actions.models import Action, ActionPlan, ActionStatus
from sightline.core.models import Document, Theme
from sightline.core.versioning import StaleEdit
from sightline.core.workflow import TransitionRefused
from sightline.reviews import services_local
from sightline.reviews.models import (
    Case,
    CaseStage,
    DraftVersion,
    EngagementEntry,
    LocalReview,
    MonitoringEntry,
    ParallelProceeding,
)
from sightline.reviews.tests.conftest import advance_case, pdf_upload, reviewer_for
from sightline.reviews.tests.test_services_support import (
    add_action,
    decide,
    events,
    lr_of,
    someone_else_saved,
    subjects_for,
)

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- the local review


def test_the_business_unit_updates_the_local_review(partnership):
    p = partnership
    review = lr_of(advance_case(p, "decided_lcspr"))
    services_local.local_review_update(
        review=review, by=p.bu, expected_version=review.version, methodology="Systems approach."
    )

    review.refresh_from_db()
    assert review.methodology == "Systems approach."
    assert events("local_review.update", review.case).get().changes == {
        "methodology": ["", "Systems approach."]
    }


def test_the_reviewer_updates_the_local_review_but_others_cannot(partnership):
    p = partnership
    case = advance_case(p, "reviewer_appointed")
    review = lr_of(case)
    services_local.local_review_update(
        review=review,
        by=reviewer_for(case),
        expected_version=review.version,
        delay_reason="Criminal trial listed for June.",
    )
    for user in (p.partner_leads["police"], p.agency_leads["trust"], p.scrutineer):
        with pytest.raises(TransitionRefused):
            services_local.local_review_update(
                review=review, by=user, expected_version=review.version, delay_reason="Other."
            )
    assert lr_of(case).delay_reason == "Criminal trial listed for June."


def test_updating_the_local_review_refuses_unknown_fields(partnership):
    p = partnership
    review = lr_of(advance_case(p, "decided_lcspr"))
    with pytest.raises(ValueError, match="status"):
        services_local.local_review_update(
            review=review, by=p.bu, expected_version=review.version, status="closed"
        )


def test_updating_the_local_review_from_a_stale_version_is_refused(partnership):
    p = partnership
    review = lr_of(advance_case(p, "decided_lcspr"))
    someone_else_saved(review)
    with pytest.raises(StaleEdit):
        services_local.local_review_update(
            review=review, by=p.bu, expected_version=review.version, methodology="x"
        )


def test_moving_the_local_review_from_a_stale_version_is_refused(partnership):
    p = partnership
    review = lr_of(advance_case(p, "draft"))
    someone_else_saved(review)
    with pytest.raises(StaleEdit):
        services_local.local_review_transition(
            review=review, by=p.bu, name="start_qa", expected_version=review.version
        )
    assert lr_of(review.case).status == LocalReview.Status.DRAFT


def test_starting_quality_assurance_asks_the_partner_leads(partnership):
    p = partnership
    case = advance_case(p, "partner_qa")
    wanted = f"Review report ready for quality assurance: {case.reference}"
    for key in p.partner_keys:
        assert wanted in subjects_for(p.partner_leads[key])
    assert wanted not in subjects_for(p.agency_leads["trust"])


def test_marking_ready_for_publication_moves_the_case(partnership):
    case = advance_case(partnership, "ready_for_publication")
    assert case.stage == CaseStage.READY_FOR_PUBLICATION
    assert lr_of(case).status == LocalReview.Status.READY_FOR_PUBLICATION


def test_the_reviewer_logs_engagement_with_the_family(partnership):
    p = partnership
    case = advance_case(p, "tor_agreed")
    entry = services_local.engagement_add(
        review=lr_of(case),
        by=reviewer_for(case),
        on_date=date(2027, 2, 3),
        with_whom="family",
        who="Mother",
        summary="Met at the grandmother's home; shared her view of the support.",
    )

    assert EngagementEntry.objects.get(pk=entry.pk).recorded_by == reviewer_for(case)
    assert events("local_review.engagement", case).get().changes == {
        "entry": [None, entry.pk],
        "with_whom": [None, "family"],
    }


def test_engagement_cannot_be_logged_by_an_agency(partnership):
    p = partnership
    case = advance_case(p, "tor_agreed")
    with pytest.raises(TransitionRefused):
        services_local.engagement_add(
            review=lr_of(case),
            by=p.agency_leads["trust"],
            on_date=date(2027, 2, 3),
            with_whom="practitioner",
            who="Midwife",
            summary="Spoke to the midwife.",
        )
    assert not EngagementEntry.objects.exists()


def test_parallel_proceedings_that_cause_delay_alert_the_business_unit(partnership):
    p = partnership
    case = advance_case(p, "decided_lcspr")
    proceeding = services_local.proceeding_add(
        review=lr_of(case),
        by=p.bu,
        kind=ParallelProceeding.Kind.CRIMINAL,
        status="Mother's partner charged; trial listed for June 2027",
        liaison_notes="CPS protocol: SIO to review the draft before circulation.",
        causes_delay=True,
    )

    assert proceeding.kind == "criminal"
    assert events("local_review.proceeding_add", case).get().changes["causes_delay"] == [None, True]
    assert f"Parallel proceedings may delay {case.reference}" in subjects_for(p.bu)


def test_parallel_proceedings_are_updated_with_a_version_check(partnership):
    p = partnership
    case = advance_case(p, "decided_lcspr")
    proceeding = services_local.proceeding_add(
        review=lr_of(case), by=p.bu, kind="inquest", status="Inquest opened and adjourned"
    )
    services_local.proceeding_update(
        proceeding=proceeding,
        by=p.bu,
        expected_version=proceeding.version,
        status="Inquest resumes in September",
        causes_delay=True,
    )
    proceeding.refresh_from_db()
    assert proceeding.status == "Inquest resumes in September"
    assert events("local_review.proceeding_update", case).get().changes == {
        "causes_delay": [False, True],
        "status": ["Inquest opened and adjourned", "Inquest resumes in September"],
    }

    someone_else_saved(proceeding)
    with pytest.raises(StaleEdit):
        services_local.proceeding_update(
            proceeding=proceeding, by=p.bu, expected_version=proceeding.version, status="Ended"
        )


def test_a_partner_lead_records_monitoring_only_for_their_own_agency(partnership):
    p = partnership
    case = advance_case(p, "tor_agreed")
    review = lr_of(case)
    entry = services_local.monitoring_add(
        review=review,
        by=p.partner_leads["police"],
        agency=p.police,
        on_date=date(2027, 1, 20),
        note="Timescale on track; asked for the draft chronology.",
        information_requested=True,
    )
    assert entry.recorded_by == p.partner_leads["police"]
    assert events("local_review.monitoring", case).get().changes == {
        "agency": [None, p.police.pk],
        "information_requested": [None, True],
    }

    with pytest.raises(TransitionRefused):
        services_local.monitoring_add(
            review=review,
            by=p.partner_leads["police"],
            agency=p.icb,
            on_date=date(2027, 1, 20),
            note="For the ICB.",
        )
    with pytest.raises(TransitionRefused):
        services_local.monitoring_add(
            review=review,
            by=p.agency_leads["trust"],
            agency=p.trust,
            on_date=date(2027, 1, 20),
            note="Not a partner.",
        )
    services_local.monitoring_add(
        review=review,
        by=p.bu,
        agency=p.icb,
        on_date=date(2027, 1, 21),
        note="Recorded for the ICB.",
    )
    assert MonitoringEntry.objects.filter(local_review=review).count() == 2


def test_uploading_a_draft_stores_the_pdf_owned_by_the_draft(partnership):
    p = partnership
    case = advance_case(p, "evidence")
    draft = services_local.draft_add(
        review=lr_of(case),
        by=reviewer_for(case),
        label="Second draft",
        received_on=date(2027, 3, 1),
        uploaded_file=pdf_upload("child-a-draft-2.pdf"),
        notes="Includes the family's comments.",
    )

    document = Document.objects.get(pk=draft.document_id)
    assert document.kind == "pdf"
    assert document.original_name == "child-a-draft-2.pdf"
    assert document.owner_type == ContentType.objects.get_for_model(DraftVersion)
    assert document.owner_id == str(draft.pk)
    assert events("local_review.draft_add", case).get().changes == {
        "draft": [None, draft.pk],
        "label": [None, "Second draft"],
    }


def test_a_draft_cannot_be_uploaded_by_a_partner(partnership):
    p = partnership
    case = advance_case(p, "evidence")
    with pytest.raises(TransitionRefused):
        services_local.draft_add(
            review=lr_of(case),
            by=p.partner_leads["council"],
            label="x",
            received_on=date(2027, 3, 1),
            uploaded_file=pdf_upload(),
        )
    assert not DraftVersion.objects.exists()


def test_lessons_are_recorded_with_themes(partnership):
    p = partnership
    case = advance_case(p, "draft")
    neglect = Theme.objects.get(slug="neglect")
    lesson = services_local.lesson_add(
        case=case,
        by=p.bu,
        themes=[neglect],
        text="Information about a partner's violence was held by the police but not shared "
        "with health visiting.",
    )

    assert list(lesson.themes.all()) == [neglect]
    assert events("case.lesson_add", case).get().changes == {"lesson": [None, lesson.pk]}


def test_recommendations_are_numbered_in_order_within_each_case(partnership):
    p = partnership
    first_case = advance_case(p, "draft")
    second_case = advance_case(p, "draft", pseudonym="Child B")
    lesson = services_local.lesson_add(case=first_case, by=p.bu, text="Bruising protocol.")
    one = services_local.recommendation_add(
        case=first_case, by=p.bu, text="Audit the protocol.", lesson=lesson
    )
    two = services_local.recommendation_add(case=first_case, by=p.bu, text="Train GP staff.")
    other = services_local.recommendation_add(case=second_case, by=p.bu, text="Review the MASH.")

    assert (one.number, two.number, other.number) == (1, 2, 1)
    assert one.lesson == lesson
    assert [e.changes for e in events("case.recommendation_add", first_case)] == [
        {"recommendation": [None, 1]},
        {"recommendation": [None, 2]},
    ]


def test_actions_from_recommendations_go_into_one_shared_plan_per_case(partnership):
    p = partnership
    case = advance_case(p, "final_agreed")
    first = add_action(p, case, "Audit the bruising protocol.")
    second = add_action(p, case, "Train GP reception staff.")
    other_case = decide(p, "alternative", pseudonym="Child B")
    third = add_action(p, other_case)

    case_type = ContentType.objects.get_for_model(Case)
    plan = ActionPlan.objects.get(source_type=case_type, source_id=str(case.pk))
    assert plan.source == ActionPlan.Source.REVIEW
    assert case.reference in plan.title
    assert set(plan.actions.all()) == {first, second}
    assert third.plan != plan
    assert ActionPlan.objects.count() == 2
    assert first.lesson == "Recommendation 1: Audit the bruising protocol."
    assert list(case.recommendations.get(number=2).actions.all()) == [second]
    assert first.status == ActionStatus.NOT_STARTED
    assert events("case.recommendation_action", case).first().changes == {
        "recommendation": [None, 1],
        "action": [None, first.reference],
    }
    assert f"New action {first.reference} for {p.trust}" in subjects_for(p.agency_leads["trust"])


def test_only_the_business_unit_turns_recommendations_into_actions(partnership):
    p = partnership
    case = advance_case(p, "draft")
    rec = services_local.recommendation_add(case=case, by=reviewer_for(case), text="Audit.")
    with pytest.raises(TransitionRefused):
        services_local.recommendation_action_add(
            recommendation=rec,
            by=reviewer_for(case),
            description="x",
            expected_change="y",
            owner_agency=p.trust,
            due_date=date(2027, 6, 1),
        )
    assert not Action.objects.exists()
