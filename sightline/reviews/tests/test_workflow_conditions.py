"""The conditions on the case workflows' moves: every return submitted before the meeting,
all three partners signed off, a reviewer appointed, a draft uploaded, the final report's
quality assurance, and no open action when the review closes.

Every move goes through the services, as the views call them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sightline.actions.models import ActionStatus
from sightline.actions.services import action_plan_create, action_transition
from sightline.core.clocks import today
from sightline.core.workflow import TransitionRefused
from sightline.reviews import services, services_local
from sightline.reviews.models import (
    AgencyReturn,
    Case,
    CaseStage,
    LocalReview,
    PartnerSignOff,
    RapidReview,
)
from sightline.reviews.tests.conftest import advance_case, reviewer_for
from sightline.reviews.tests.test_workflow_support import (
    L,
    R,
    _lr_fill,
    _rr_fill,
    _sign_all,
    _upload_draft,
    record_of,
)

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- conditions


def _move(p, case, name, by=None, workflow=R):
    record = record_of(case, workflow)
    if workflow is R:
        return services.rapid_review_transition(
            rr=record, by=by or p.bu, name=name, expected_version=record.version
        )
    return services_local.local_review_transition(
        review=record, by=by or p.bu, name=name, expected_version=record.version
    )


def test_the_meeting_is_refused_until_every_return_is_submitted(partnership):
    p = partnership
    case = advance_case(p, "returns_requested", return_agencies=["police", "school"])
    _rr_fill(
        meeting_date=date(2026, 12, 10),
        attendees="Partners",
        facts="Facts.",
        immediate_actions="Actions.",
        family_context="Context.",
    )(p, case)
    police = AgencyReturn.objects.get(rapid_review__case=case, agency=p.police)
    services.agency_return_save(
        ret=police,
        by=p.agency_leads["police"],
        expected_version=police.version,
        submit=True,
        involvement="Call-out.",
        key_practice_episodes="Risk graded.",
    )
    school = AgencyReturn.objects.get(rapid_review__case=case, agency=p.school)
    services.agency_return_save(
        ret=school,
        by=p.agency_leads["school"],
        expected_version=school.version,
        submit=False,
        involvement="Sibling attends.",
    )

    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "record_meeting")
    assert refused.value.messages == ["Returns are still awaited from Larkspur Primary School"]

    school.refresh_from_db()
    services.agency_return_save(
        ret=school,
        by=p.agency_leads["school"],
        expected_version=school.version,
        submit=True,
        key_practice_episodes="Disclosure logged, not referred.",
    )
    _move(p, case, "record_meeting")
    assert record_of(case, R).status == RapidReview.Status.MEETING_HELD


def test_confirming_sign_off_is_refused_until_all_three_partners_have_signed(partnership):
    p = partnership
    case = advance_case(p, "recommended")
    for key in ("council", "icb"):
        services.partner_sign_off(
            case=case,
            by=p.partner_leads[key],
            stage=PartnerSignOff.Stage.RAPID_REVIEW,
            agency=p.agency(key),
        )

    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "complete_sign_off")
    assert refused.value.messages == ["Sign-off is still needed from Northvale Police"]

    services.partner_sign_off(
        case=case,
        by=p.partner_leads["police"],
        stage=PartnerSignOff.Stage.RAPID_REVIEW,
        agency=p.police,
    )
    _move(p, case, "complete_sign_off")
    assert record_of(case, R).status == RapidReview.Status.SIGNED_OFF


def test_confirming_sign_off_names_every_missing_partner(partnership):
    p = partnership
    case = advance_case(p, "recommended")
    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "complete_sign_off")
    assert refused.value.messages == [
        "Sign-off is still needed from NHS Northvale Integrated Care Board, Northvale Council, "
        "Northvale Police"
    ]


def test_final_report_sign_offs_do_not_count_for_the_rapid_review(partnership):
    p = partnership
    everyone = (
        "Sign-off is still needed from NHS Northvale Integrated Care Board, Northvale Council, "
        "Northvale Police"
    )
    # While the rapid review awaits sign-off there is no report to quality assure.
    case = advance_case(p, "recommended")
    with pytest.raises(TransitionRefused) as refused:
        _sign_all(PartnerSignOff.Stage.FINAL_REPORT)(p, case)
    assert refused.value.messages == ["The report is not with the partners for quality assurance."]
    assert not PartnerSignOff.objects.filter(case=case).exists()
    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "complete_sign_off")
    assert refused.value.messages == [everyone]

    # With the report at partner quality assurance the partners sign the final report; without
    # their rapid review sign-offs, the rapid review would still be missing all three.
    later = advance_case(p, "partner_qa", pseudonym="Child B")
    PartnerSignOff.objects.filter(case=later, stage=PartnerSignOff.Stage.RAPID_REVIEW).delete()
    _sign_all(PartnerSignOff.Stage.FINAL_REPORT)(p, later)
    assert PartnerSignOff.objects.filter(case=later).count() == 3
    rr = record_of(later, R)
    rr.status = RapidReview.Status.RECOMMENDATION_MADE
    with pytest.raises(TransitionRefused) as refused:
        services.rapid_review_transition(
            rr=rr, by=p.bu, name="complete_sign_off", expected_version=rr.version
        )
    assert refused.value.messages == [everyone]
    assert record_of(later, R).status == RapidReview.Status.DECIDED


def test_confirming_the_reviewer_is_refused_until_one_is_appointed(partnership):
    p = partnership
    case = advance_case(p, "decided_lcspr")
    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "confirm_reviewer", workflow=L)
    assert refused.value.messages == ["Appoint an independent reviewer first"]


def test_submitting_the_draft_is_refused_without_a_draft(partnership):
    p = partnership
    case = advance_case(p, "evidence")
    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "submit_draft", by=reviewer_for(case), workflow=L)
    assert refused.value.messages == ["Upload a draft report first"]

    _upload_draft(p, case)
    _move(p, case, "submit_draft", by=reviewer_for(case), workflow=L)
    assert record_of(case, L).status == LocalReview.Status.DRAFT


def test_agreeing_the_final_report_is_refused_without_three_quality_assurance_sign_offs(
    partnership,
):
    p = partnership
    case = advance_case(p, "partner_qa")
    _lr_fill(final_agreed_date=date(2027, 6, 30))(p, case)
    # All three signed off the rapid review earlier; that stage does not count here.
    assert PartnerSignOff.objects.filter(case=case, stage="rapid_review").count() == 3
    services.partner_sign_off(
        case=case,
        by=p.partner_leads["council"],
        stage=PartnerSignOff.Stage.FINAL_REPORT,
        agency=p.council,
    )

    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "agree_final", workflow=L)
    assert refused.value.messages == [
        "Quality assurance sign-off is still needed from NHS Northvale Integrated Care Board, "
        "Northvale Police"
    ]

    for key in ("icb", "police"):
        services.partner_sign_off(
            case=case,
            by=p.partner_leads[key],
            stage=PartnerSignOff.Stage.FINAL_REPORT,
            agency=p.agency(key),
        )
    _move(p, case, "agree_final", workflow=L)
    assert record_of(case, L).status == LocalReview.Status.FINAL_AGREED


def _action(p, case, number: int):
    rec = services_local.recommendation_add(
        case=case, by=p.bu, text=f"Recommendation text {number}."
    )
    return services_local.recommendation_action_add(
        recommendation=rec,
        by=p.bu,
        description=f"Action {number}.",
        expected_change="Bruising in non-mobile babies is always referred.",
        owner_agency=p.trust,
        due_date=today() + timedelta(days=60),
    )


def test_closing_the_review_is_refused_while_an_action_is_open(partnership):
    p = partnership
    case = advance_case(p, "ready_for_publication")
    first, second = _action(p, case, 1), _action(p, case, 2)
    action_transition(action=first, by=p.bu, name="start", expected_version=first.version)

    with pytest.raises(TransitionRefused) as refused:
        _move(p, case, "close", workflow=L)
    (message,) = refused.value.messages
    assert message.startswith("These actions must be complete or carried into another plan")
    assert first.reference in message
    assert second.reference in message
    assert Case.objects.get(pk=case.pk).stage == CaseStage.READY_FOR_PUBLICATION


def test_closing_the_review_is_allowed_once_actions_are_signed_off_or_carried_forward(
    partnership,
):
    p = partnership
    case = advance_case(p, "ready_for_publication")
    first, second = _action(p, case, 1), _action(p, case, 2)
    action_transition(
        action=first,
        by=p.bu,
        name="complete",
        expected_version=first.version,
        impact_statement="Audit in May: all 14 bruises in non-mobile babies referred.",
    )
    action_transition(action=first, by=p.bu, name="sign_off", expected_version=first.version)
    with pytest.raises(TransitionRefused, match=second.reference):
        _move(p, case, "close", workflow=L)

    neglect_plan = action_plan_create(by=p.bu, title="Neglect strategy 2027", source="priority")
    action_transition(
        action=second,
        by=p.bu,
        name="carry_forward",
        expected_version=second.version,
        carried_to=neglect_plan,
        note="Carried into the neglect strategy plan.",
    )
    assert first.status == ActionStatus.SIGNED_OFF
    assert second.status == ActionStatus.CARRIED_FORWARD

    _move(p, case, "close", workflow=L)
    case.refresh_from_db()
    assert record_of(case, L).status == LocalReview.Status.CLOSED
    assert case.stage == CaseStage.CLOSED
    assert case.closed_at is not None
