"""Partner sign-offs are bound to exactly the content signed: a later change to it withdraws
them (kept, marked withdrawn with the reason, recorded, the signers told), the workflow counts
only current ones, a sign-off of a version that changed meanwhile is refused, and once the
rapid review has gone to the Panel what was signed is the record."""

from __future__ import annotations

import hashlib
import json

import pytest

from sightline.core.workflow import TransitionRefused
from sightline.reviews import services, services_local, signoffs
from sightline.reviews.documents import rapid_review_sections
from sightline.reviews.models import Case, LocalReview, PartnerSignOff, RapidReview
from sightline.reviews.scenario import pdf_upload
from sightline.reviews.tests.conftest import PARTNER_KEYS, advance_case
from sightline.reviews.tests.test_services_support import events, rr_of, subjects_for

pytestmark = pytest.mark.django_db

RR = PartnerSignOff.Stage.RAPID_REVIEW
FR = PartnerSignOff.Stage.FINAL_REPORT


def sign_all(p, case, stage=RR):
    for key in PARTNER_KEYS:
        services.partner_sign_off(
            case=case, by=p.partner_leads[key], stage=stage, agency=p.agency(key)
        )


def edit_rr(p, case, **fields):
    rr = rr_of(case)
    return services.rapid_review_update(rr=rr, by=p.bu, expected_version=rr.version, **fields)


def section(sections, heading):
    return next(paragraphs for h, paragraphs in sections if h == heading)


# --------------------------------------------------------------------------- what is signed


def test_a_sign_off_keeps_the_fingerprint_and_the_content_it_signed(partnership):
    p = partnership
    case = advance_case(p, "recommended")
    signoff = services.partner_sign_off(
        case=case, by=p.partner_leads["icb"], stage=RR, agency=p.icb
    )

    stored = json.dumps(signoff.content, ensure_ascii=True, separators=(",", ":"))
    assert signoff.fingerprint == hashlib.sha256(stored.encode()).hexdigest()
    as_signed = dict(signoffs.from_stored(signoff.content))
    assert as_signed["Reasons"] == [rr_of(case).recommendation_reasons]
    assert (
        "Recommendation: Local child safeguarding practice review"
        in as_signed["Recommendation and the regulation 11 criteria considered"]
    )
    # The returns are part of it, and the sign-off and the date sent are not.
    assert "Northvale Police" in as_signed["Agency involvement and key practice episodes"]
    assert "Safeguarding partner sign-off" not in as_signed
    assert "Date sent to the Panel" not in as_signed
    assert signoff.fingerprint == signoffs.content_fingerprint(case, RR)


def test_a_sign_off_of_a_version_that_changed_meanwhile_is_refused(partnership):
    p = partnership
    case = advance_case(p, "recommended")
    read = signoffs.content_fingerprint(case, RR)
    edit_rr(p, case, recommendation_reasons="Reasons rewritten after the partner read them.")

    with pytest.raises(TransitionRefused, match="changed while you were reading it"):
        services.partner_sign_off(
            case=case, by=p.partner_leads["icb"], stage=RR, agency=p.icb, fingerprint_seen=read
        )
    assert not PartnerSignOff.objects.filter(case=case).exists()


# --------------------------------------------------------------------------- withdrawal


def test_changing_the_recommendation_withdraws_every_sign_off_and_tells_the_signers(partnership):
    p = partnership
    case = advance_case(p, "recommended")
    sign_all(p, case)

    edit_rr(p, case, recommendation=RapidReview.Recommendation.NO_REVIEW)

    rows = list(PartnerSignOff.objects.filter(case=case, stage=RR))
    assert len(rows) == 3, "withdrawn sign-offs are kept, not deleted"
    assert all(s.withdrawn_at is not None for s in rows)
    assert {s.withdrawn_reason for s in rows} == {"the recommendation changed"}
    withdrawn = events("partner.sign_off_withdrawn", case)
    assert withdrawn.count() == 3
    assert {e.reason for e in withdrawn} == {"Withdrawn because the recommendation changed"}
    for key in PARTNER_KEYS:
        assert (
            f"Your sign-off of the rapid review for {case.reference} was withdrawn"
            in subjects_for(p.partner_leads[key])
        )
    assert signoffs.partners_missing(case, RR) == sorted(a.name for a in p.partners)
    rr = rr_of(case)
    with pytest.raises(TransitionRefused, match="Sign-off is still needed from"):
        services.rapid_review_transition(
            rr=rr, by=p.bu, name="complete_sign_off", expected_version=rr.version
        )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("case summary", "the case summary changed"),
        ("return", "the agencies' returns changed"),
        ("criteria", "the recommendation changed"),
        (
            "reasons and learning",
            "the learning already shared and the reasons for the recommendation changed",
        ),
    ],
)
def test_any_change_to_signed_content_withdraws_the_sign_offs(partnership, change, reason):
    p = partnership
    case = advance_case(p, "recommended")
    sign_all(p, case)

    if change == "case summary":
        services.case_update(
            case=case, by=p.bu, expected_version=case.version, summary="A corrected summary."
        )
    elif change == "return":
        ret = rr_of(case).returns.get(agency=p.police)
        services.agency_return_save(
            ret=ret,
            by=p.bu,
            expected_version=ret.version,
            submit=False,
            involvement="Corrected by the business unit after the meeting.",
        )
    elif change == "criteria":
        edit_rr(p, case, criterion_recurrent_themes=True)
    else:
        edit_rr(p, case, recommendation_reasons="Rewritten.", learning_shared="Added later.")

    assert set(
        PartnerSignOff.objects.filter(case=case).values_list("withdrawn_reason", flat=True)
    ) == {reason}


def test_changes_outside_what_was_signed_leave_the_sign_offs(partnership):
    p = partnership
    case = advance_case(p, "recommended")
    sign_all(p, case)

    edit_rr(p, case, panel_response="Not yet.")
    services.case_update(case=case, by=p.bu, expected_version=case.version, case_officer=None)

    assert not PartnerSignOff.objects.filter(case=case, withdrawn_at__isnull=False).exists()
    assert signoffs.partners_missing(case, RR) == []


def test_partners_sign_again_after_a_withdrawal_and_the_new_sign_offs_count(partnership):
    p = partnership
    case = advance_case(p, "recommended")
    sign_all(p, case)
    edit_rr(p, case, recommendation_reasons="Rewritten.")

    sign_all(p, case)

    assert PartnerSignOff.objects.filter(case=case).count() == 6
    state = signoffs.signoff_state(case, RR)
    assert len(state.current) == 3
    assert state.missing == []
    assert state.withdrawal is None
    rr = rr_of(case)
    services.rapid_review_transition(
        rr=rr, by=p.bu, name="complete_sign_off", expected_version=rr.version
    )
    assert rr_of(case).status == RapidReview.Status.SIGNED_OFF


def test_a_change_after_the_sign_off_was_confirmed_takes_it_back_for_sign_off(partnership):
    p = partnership
    case = advance_case(p, "signed_off")

    edit_rr(p, case, improvements="Another improvement, added after the partners signed.")

    assert rr_of(case).status == RapidReview.Status.RECOMMENDATION_MADE
    move = events("rapid_review.reopen_sign_off").get()
    assert "withdrawn because the potential improvements changed" in move.reason
    assert signoffs.partners_missing(case, RR) == sorted(a.name for a in p.partners)


def test_signed_content_filled_in_on_a_move_page_withdraws_the_sign_offs_too(partnership):
    p = partnership
    case = advance_case(p, "recommended")
    sign_all(p, case)
    rr = rr_of(case)

    services.rapid_review_transition(
        rr=rr,
        by=p.bu,
        name="complete_sign_off",
        expected_version=rr.version,
        updates={"recommendation_reasons": "Changed on the move's own page."},
    )

    assert rr_of(case).status == RapidReview.Status.RECOMMENDATION_MADE
    assert signoffs.partners_missing(case, RR) == sorted(a.name for a in p.partners)
    assert events("partner.sign_off_withdrawn").count() == len(PARTNER_KEYS)


def test_a_move_page_cannot_change_what_was_signed_once_sent(partnership):
    p = partnership
    case = advance_case(p, "sent_to_panel")
    rr = rr_of(case)

    with pytest.raises(TransitionRefused, match="sent to the Panel"):
        services.rapid_review_transition(
            rr=rr,
            by=p.bu,
            name="record_panel_response",
            expected_version=rr.version,
            updates={
                "panel_response_date": rr.sent_to_panel_date,
                "panel_response": "Agreed.",
                "recommendation_reasons": "Changed after sending.",
            },
        )
    assert rr_of(case).status == RapidReview.Status.SENT_TO_PANEL


def test_a_stale_sign_off_that_escaped_withdrawal_does_not_count_and_is_replaced(partnership):
    """Content can change outside the reviews services (an agency renamed in Settings): the
    sign-off then no longer counts, and the partner can sign the current version."""
    p = partnership
    case = advance_case(p, "recommended")
    sign_all(p, case)
    type(p.school).objects.filter(pk=p.school.pk).update(name="Larkspur Primary Academy")

    assert signoffs.partners_missing(case, RR) == sorted(a.name for a in p.partners)
    services.partner_sign_off(case=case, by=p.partner_leads["icb"], stage=RR, agency=p.icb)

    icb = PartnerSignOff.objects.filter(case=case, agency=p.icb).order_by("id")
    assert [s.withdrawn_reason for s in icb] == [
        "the agencies involved and the agencies' returns changed",
        "",
    ]


# --------------------------------------------------------------------------- once sent


def test_once_sent_to_the_panel_the_signed_content_cannot_change(partnership):
    p = partnership
    case = advance_case(p, "sent_to_panel")

    with pytest.raises(TransitionRefused, match="sent to the Panel"):
        edit_rr(p, case, recommendation_reasons="Changed after sending.")
    ret = rr_of(case).returns.get(agency=p.police)
    with pytest.raises(TransitionRefused, match="sent to the Panel"):
        services.agency_return_save(
            ret=ret, by=p.bu, expected_version=ret.version, submit=False, involvement="Changed."
        )
    # The Panel's response and the decision are not part of what was signed.
    edit_rr(p, case, panel_response_date=rr_of(case).sent_to_panel_date, panel_response="Agreed.")
    assert rr_of(case).panel_response == "Agreed."


def test_once_sent_the_panel_document_prints_the_content_as_signed(partnership):
    p = partnership
    case = advance_case(p, "sent_to_panel")
    signed_summary = section(rapid_review_sections(case), "Case summary")

    services.case_update(
        case=case, by=p.bu, expected_version=case.version, summary="Rewritten much later."
    )

    sections = rapid_review_sections(Case.objects.get(pk=case.pk))
    assert section(sections, "Case summary") == signed_summary
    assert not PartnerSignOff.objects.filter(case=case, withdrawn_at__isnull=False).exists()


# --------------------------------------------------------------------------- the document


def test_the_panel_document_prints_who_signed_when_and_what(partnership):
    p = partnership
    case = advance_case(p, "signed_off")
    lines = section(rapid_review_sections(case), "Safeguarding partner sign-off")
    fingerprint = signoffs.content_fingerprint(case, RR)

    for key in PARTNER_KEYS:
        signoff = PartnerSignOff.objects.get(case=case, agency=p.agency(key))
        assert any(
            line.startswith(
                f"{p.agency(key).name}: signed off by {signoff.signed_by.full_name} on "
            )
            and " at " in line
            and line.endswith(f"Content as signed: SHA-256 {fingerprint}")
            for line in lines
        ), key
    assert (
        f"All the safeguarding partners signed the content printed above (SHA-256 {fingerprint})."
        in lines
    )


def test_the_panel_document_does_not_present_withdrawn_sign_offs_as_current(partnership):
    p = partnership
    case = advance_case(p, "recommended")
    sign_all(p, case)
    edit_rr(p, case, recommendation=RapidReview.Recommendation.NATIONAL_REVIEW)

    lines = [
        str(line) for line in section(rapid_review_sections(case), "Safeguarding partner sign-off")
    ]

    assert not any(": signed off by" in line for line in lines)
    assert f"Not yet signed off by: {', '.join(sorted(a.name for a in p.partners))}" in lines
    assert any(
        line.startswith("Sign-offs withdrawn on ")
        and line.endswith("because the recommendation changed")
        for line in lines
    )
    assert sum("withdrawn, it no longer counts" in line for line in lines) == 3


# --------------------------------------------------------------------------- the final report


def test_a_new_draft_in_quality_assurance_withdraws_the_final_report_sign_offs(partnership):
    p = partnership
    case = advance_case(p, "partner_qa")
    sign_all(p, case, FR)
    review = LocalReview.objects.get(case=case)
    reviewer = case.members.get(part="reviewer").user

    services_local.draft_add(
        review=review,
        by=reviewer,
        label="Second draft",
        received_on=review.drafts.first().received_on,
        uploaded_file=pdf_upload("second.pdf"),
    )

    assert set(
        PartnerSignOff.objects.filter(case=case, stage=FR).values_list(
            "withdrawn_reason", flat=True
        )
    ) == {"the final draft changed"}
    # The rapid review's sign-offs are another stage's, and stand.
    assert not PartnerSignOff.objects.filter(
        case=case, stage=RR, withdrawn_at__isnull=False
    ).exists()


def test_the_final_report_sign_off_binds_the_file_hash_and_the_report_fields(partnership):
    p = partnership
    case = advance_case(p, "partner_qa")
    services.partner_sign_off(case=case, by=p.partner_leads["icb"], stage=FR, agency=p.icb)
    signoff = PartnerSignOff.objects.get(case=case, stage=FR)
    as_signed = dict(signoffs.from_stored(signoff.content))
    draft = LocalReview.objects.get(case=case).drafts.first()
    assert f"SHA-256 of the file: {draft.document.sha256}" in as_signed["Final draft"]
    assert as_signed["Methodology"] == [LocalReview.objects.get(case=case).methodology]

    review = LocalReview.objects.get(case=case)
    services_local.local_review_update(
        review=review, by=p.bu, expected_version=review.version, methodology="Changed."
    )
    assert PartnerSignOff.objects.get(pk=signoff.pk).withdrawn_reason == "the methodology changed"


def test_once_the_final_report_is_agreed_its_draft_cannot_change(partnership):
    p = partnership
    case = advance_case(p, "final_agreed")
    review = LocalReview.objects.get(case=case)
    with pytest.raises(TransitionRefused, match="final report has been agreed"):
        services_local.draft_add(
            review=review,
            by=p.bu,
            label="Late draft",
            received_on=review.drafts.first().received_on,
            uploaded_file=pdf_upload("late.pdf"),
        )
    # Details outside the report still change.
    services_local.local_review_update(
        review=review, by=p.bu, expected_version=review.version, delay_reason="None."
    )
