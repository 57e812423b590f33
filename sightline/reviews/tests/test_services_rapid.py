"""Writes to the rapid review: agency returns, the collated pack, the record, its workflow
moves, partner sign-off and the decision, with the event log, notifications and optimistic
locking."""

from __future__ import annotations

from datetime import date

import pytest

from sightline.core.clocks import get_calendar, today
from sightline.core.versioning import StaleEdit
from sightline.core.workflow import TransitionRefused
from sightline.reviews import services
from sightline.reviews.models import (
    AgencyReturn,
    CaseStage,
    LocalReview,
    PartnerSignOff,
    RapidReview,
)
from sightline.reviews.tests.conftest import AGENCY_KEYS, advance_case
from sightline.reviews.tests.test_services_support import (
    decide,
    events,
    lr_of,
    return_of,
    rr_of,
    someone_else_saved,
    subjects_for,
)

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- rapid review


def test_requesting_returns_creates_one_per_agency_and_tells_their_leads(partnership):
    p = partnership
    case = advance_case(p, "notified")
    rr = rr_of(case)
    due = get_calendar().add_working_days(rr.start_date, 7)
    services.rapid_review_request_returns(
        rr=rr, by=p.bu, expected_version=rr.version, agencies=[p.police, p.school], due_date=due
    )

    rr.refresh_from_db()
    assert rr.status == RapidReview.Status.RETURNS_REQUESTED
    assert rr.returns_due_date == due
    returns = AgencyReturn.objects.filter(rapid_review=rr)
    assert {r.agency for r in returns} == {p.police, p.school}
    assert all(r.status == AgencyReturn.Status.REQUESTED and r.due_date == due for r in returns)
    assert p.school in case.involved_agencies.all()
    wanted = f"Rapid review information requested: {case.reference}"
    assert wanted in subjects_for(p.agency_leads["police"])
    assert wanted in subjects_for(p.agency_leads["school"])
    assert wanted not in subjects_for(p.agency_leads["trust"])


def test_requesting_returns_from_no_agency_is_refused(partnership):
    p = partnership
    rr = rr_of(advance_case(p, "notified"))
    with pytest.raises(TransitionRefused):
        services.rapid_review_request_returns(
            rr=rr, by=p.bu, expected_version=rr.version, agencies=[], due_date=today()
        )
    assert rr_of(rr.case).status == RapidReview.Status.OPEN


def test_requesting_returns_from_a_stale_version_is_refused(partnership):
    p = partnership
    rr = rr_of(advance_case(p, "notified"))
    someone_else_saved(rr)
    with pytest.raises(StaleEdit):
        services.rapid_review_request_returns(
            rr=rr, by=p.bu, expected_version=rr.version, agencies=[p.police], due_date=today()
        )
    assert not AgencyReturn.objects.exists()


def test_saving_a_return_as_a_draft_keeps_it_requested(partnership):
    p = partnership
    case = advance_case(p, "returns_requested")
    ret = return_of(case, p.school)
    services.agency_return_save(
        ret=ret,
        by=p.agency_leads["school"],
        expected_version=ret.version,
        submit=False,
        involvement="Older sibling attends the school.",
    )

    ret.refresh_from_db()
    assert ret.status == AgencyReturn.Status.REQUESTED
    assert ret.involvement == "Older sibling attends the school."
    assert ret.submitted_at is None
    assert events("agency_return.save", ret).get().changes == {
        "involvement": ["", "Older sibling attends the school."]
    }


def test_submitting_a_return_needs_involvement_and_key_practice_episodes(partnership):
    p = partnership
    case = advance_case(p, "returns_requested")
    ret = return_of(case, p.school)
    with pytest.raises(TransitionRefused) as refused:
        services.agency_return_save(
            ret=ret,
            by=p.agency_leads["school"],
            expected_version=ret.version,
            submit=True,
            early_learning="Logging is not the same as referring.",
        )
    assert refused.value.messages == ["Enter the involvement", "Enter the key practice episodes"]
    assert AgencyReturn.objects.get(pk=ret.pk).status == AgencyReturn.Status.REQUESTED


def test_submitting_a_return_records_who_and_when_and_tells_the_business_unit(partnership):
    p = partnership
    case = advance_case(p, "returns_requested")
    ret = return_of(case, p.school)
    services.agency_return_save(
        ret=ret,
        by=p.agency_leads["school"],
        expected_version=ret.version,
        submit=True,
        involvement="Older sibling attends the school.",
        key_practice_episodes="Disclosure to a teaching assistant was logged, not referred.",
    )

    ret.refresh_from_db()
    assert ret.status == AgencyReturn.Status.SUBMITTED
    assert ret.submitted_by == p.agency_leads["school"]
    assert ret.submitted_at is not None
    assert events("agency_return.submit", ret).exists()
    assert f"Larkspur Primary School submitted its return for {case.reference}" in subjects_for(
        p.bu
    )


def test_a_submitted_return_cannot_be_edited_by_the_agency_but_can_by_the_business_unit(
    partnership,
):
    p = partnership
    case = advance_case(p, "returns_submitted")
    ret = return_of(case, p.school)
    with pytest.raises(TransitionRefused):
        services.agency_return_save(
            ret=ret,
            by=p.agency_leads["school"],
            expected_version=ret.version,
            submit=False,
            involvement="Changed after submission.",
        )
    ret = return_of(case, p.school)
    services.agency_return_save(
        ret=ret,
        by=p.bu,
        expected_version=ret.version,
        submit=False,
        early_learning="Corrected by the business unit.",
    )

    ret.refresh_from_db()
    assert ret.early_learning == "Corrected by the business unit."
    assert ret.status == AgencyReturn.Status.SUBMITTED
    assert "Changed after submission." not in ret.involvement


def test_saving_a_return_from_a_stale_version_is_refused(partnership):
    p = partnership
    ret = return_of(advance_case(p, "returns_requested"), p.school)
    someone_else_saved(ret)
    with pytest.raises(StaleEdit):
        services.agency_return_save(
            ret=ret,
            by=p.agency_leads["school"],
            expected_version=ret.version,
            submit=False,
            involvement="Too late.",
        )


def test_sharing_the_pack_stamps_it_and_tells_the_agencies_that_made_returns(partnership):
    p = partnership
    case = advance_case(p, "returns_submitted", return_agencies=["police", "trust"])
    rr = services.rapid_review_share_pack(rr=rr_of(case), by=p.bu)

    assert rr.pack_shared_at is not None
    assert events("rapid_review.share_pack", case).exists()
    wanted = f"The collated rapid review pack is ready: {case.reference}"
    assert wanted in subjects_for(p.agency_leads["police"])
    assert wanted in subjects_for(p.agency_leads["trust"])
    assert wanted not in subjects_for(p.agency_leads["school"])


def test_updating_the_rapid_review_records_the_changed_fields(partnership):
    p = partnership
    rr = rr_of(advance_case(p, "returns_submitted"))
    services.rapid_review_update(
        rr=rr, by=p.bu, expected_version=rr.version, facts="Child A sustained a fractured femur."
    )

    rr.refresh_from_db()
    assert rr.facts == "Child A sustained a fractured femur."
    assert events("rapid_review.update", rr.case).get().changes == {
        "facts": ["", "Child A sustained a fractured femur."]
    }


@pytest.mark.parametrize("field", ["status", "start_date", "case", "pack_shared_at"])
def test_updating_the_rapid_review_refuses_fields_that_are_not_editable(partnership, field):
    p = partnership
    rr = rr_of(advance_case(p, "notified"))
    with pytest.raises(ValueError, match=field):
        services.rapid_review_update(rr=rr, by=p.bu, expected_version=rr.version, **{field: None})


def test_updating_the_rapid_review_from_a_stale_version_is_refused(partnership):
    p = partnership
    rr = rr_of(advance_case(p, "notified"))
    someone_else_saved(rr)
    with pytest.raises(StaleEdit):
        services.rapid_review_update(rr=rr, by=p.bu, expected_version=rr.version, facts="x")


def test_moving_the_rapid_review_from_a_stale_version_is_refused(partnership):
    p = partnership
    rr = rr_of(advance_case(p, "meeting_held"))
    services.rapid_review_update(
        rr=rr,
        by=p.bu,
        expected_version=rr.version,
        recommendation="local_review",
        recommendation_reasons="Yes.",
    )
    someone_else_saved(rr)
    with pytest.raises(StaleEdit):
        services.rapid_review_transition(
            rr=rr, by=p.bu, name="recommend", expected_version=rr.version
        )
    assert rr_of(rr.case).status == RapidReview.Status.MEETING_HELD


# --------------------------------------------------------------------------- partner sign-off


def test_a_partner_lead_signs_off_for_their_own_agency(partnership):
    p = partnership
    case = advance_case(p, "recommended")
    signoff = services.partner_sign_off(
        case=case,
        by=p.partner_leads["police"],
        stage=PartnerSignOff.Stage.RAPID_REVIEW,
        agency=p.police,
        comment="Agreed.",
    )

    assert signoff.signed_by == p.partner_leads["police"]
    assert events("partner.sign_off", case).get().changes == {
        "stage": [None, "rapid_review"],
        "agency": [None, p.police.pk],
        "fingerprint": [None, signoff.fingerprint],
    }
    assert f"Northvale Police signed off rapid review for {case.reference}" in subjects_for(p.bu)


@pytest.mark.parametrize(
    ("who", "agency"),
    [
        ("partner lead for another partner", "icb"),
        ("agency lead of the partner", "police"),
        ("agency lead of a relevant agency", "trust"),
        ("business unit", "police"),
    ],
)
def test_signing_off_for_an_agency_the_user_does_not_lead_as_partner_is_refused(
    partnership, who, agency
):
    p = partnership
    user = {
        "partner lead for another partner": p.partner_leads["police"],
        "agency lead of the partner": p.agency_leads["police"],
        "agency lead of a relevant agency": p.agency_leads["trust"],
        "business unit": p.bu,
    }[who]
    case = advance_case(p, "recommended")
    with pytest.raises(TransitionRefused):
        services.partner_sign_off(
            case=case, by=user, stage=PartnerSignOff.Stage.RAPID_REVIEW, agency=p.agency(agency)
        )
    assert not PartnerSignOff.objects.exists()


def test_a_partner_signs_off_each_stage_only_once(partnership):
    p = partnership
    case = advance_case(p, "recommended")
    lead = p.partner_leads["icb"]
    services.partner_sign_off(case=case, by=lead, stage="rapid_review", agency=p.icb)
    with pytest.raises(TransitionRefused, match="You signed this off for .* on "):
        services.partner_sign_off(case=case, by=lead, stage="rapid_review", agency=p.icb)
    assert PartnerSignOff.objects.filter(case=case, agency=p.icb).count() == 1


def test_a_partner_cannot_sign_off_a_stage_that_is_not_ready(partnership):
    p = partnership
    case = advance_case(p, "meeting_held")
    lead = p.partner_leads["icb"]
    with pytest.raises(TransitionRefused, match="not ready for sign-off"):
        services.partner_sign_off(case=case, by=lead, stage="rapid_review", agency=p.icb)
    with pytest.raises(TransitionRefused, match="quality assurance"):
        services.partner_sign_off(case=case, by=lead, stage="final_report", agency=p.icb)
    assert not PartnerSignOff.objects.filter(case=case).exists()


# --------------------------------------------------------------------------- the decision


def test_sending_to_the_panel_moves_the_case_to_awaiting_decision(partnership):
    case = advance_case(partnership, "sent_to_panel")
    assert case.stage == CaseStage.DECISION
    assert rr_of(case).status == RapidReview.Status.SENT_TO_PANEL


def test_deciding_on_a_local_review_commissions_it_from_the_decision_date(partnership):
    p = partnership
    case = advance_case(p, "decided_lcspr", decision_date=date(2026, 12, 14))

    assert case.stage == CaseStage.LOCAL_REVIEW
    rr = rr_of(case)
    assert rr.status == RapidReview.Status.DECIDED
    assert rr.panel_response_date is not None
    review = lr_of(case)
    assert review.decision_date == date(2026, 12, 14)
    assert review.status == LocalReview.Status.COMMISSIONED
    assert events("local_review.commission", case).get().changes == {
        "decision_date": [None, "2026-12-14"]
    }


@pytest.mark.parametrize(
    ("decision", "stage"),
    [
        (RapidReview.Decision.LCSPR, CaseStage.LOCAL_REVIEW),
        (RapidReview.Decision.NATIONAL, CaseStage.NATIONAL_REVIEW),
        (RapidReview.Decision.ALTERNATIVE, CaseStage.ALTERNATIVE_LEARNING),
    ],
)
def test_each_decision_moves_the_case_to_its_stage(partnership, decision, stage):
    case = decide(partnership, decision)

    assert case.stage == stage
    assert rr_of(case).decision == decision
    assert LocalReview.objects.filter(case=case).exists() == (decision == "lcspr")
    assert events("case.stage", case).last().changes["stage"] == ["decision", stage]


@pytest.mark.parametrize("key", AGENCY_KEYS)
def test_every_agency_in_the_partnership_submits_its_return(partnership, key):
    case = advance_case(partnership, "returns_submitted")
    assert return_of(case, partnership.agency(key)).status == AgencyReturn.Status.SUBMITTED
