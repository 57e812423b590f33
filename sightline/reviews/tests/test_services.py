"""Every write to a serious incident case: the database, the event log, notifications (in-app
and by e-mail after commit), references and optimistic locking."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import F

from sightline.accounts.models import Membership, Role, User
from sightline.actions.models import Action, ActionPlan, ActionStatus
from sightline.actions.services import action_plan_create, action_transition
from sightline.core.clocks import get_calendar, today
from sightline.core.models import Document, Event, Notification, Theme
from sightline.core.versioning import StaleEdit
from sightline.core.workflow import TransitionRefused
from sightline.reviews import services, services_local
from sightline.reviews.models import (
    AgeBand,
    AgencyReturn,
    Case,
    CaseMember,
    CaseStage,
    CaseSubject,
    DraftVersion,
    EngagementEntry,
    IncidentNotification,
    LocalReview,
    MonitoringEntry,
    ParallelProceeding,
    PartnerSignOff,
    RapidReview,
)
from sightline.reviews.tests.conftest import (
    AGENCY_KEYS,
    CHILD_NAME,
    SUBJECT,
    advance_case,
    pdf_upload,
    reviewer_for,
)

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- helpers


def events(action: str, obj=None):
    qs = Event.objects.filter(action=action)
    if obj is not None:
        qs = qs.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return qs.order_by("id")


def subjects_for(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("subject", flat=True))


def someone_else_saved(obj) -> None:
    """Another person saves the record after `obj` was read: its version is now stale."""
    type(obj).objects.filter(pk=obj.pk).update(version=F("version") + 1)


def rr_of(case: Case) -> RapidReview:
    return RapidReview.objects.get(case=case)


def lr_of(case: Case) -> LocalReview:
    return LocalReview.objects.get(case=case)


def return_of(case: Case, agency) -> AgencyReturn:
    return AgencyReturn.objects.get(rapid_review__case=case, agency=agency)


def decide(p, decision: str, **options) -> Case:
    """A case sent to the Panel, then decided directly (no Panel response recorded)."""
    case = advance_case(p, "sent_to_panel", **options)
    rr = rr_of(case)
    services.rapid_review_update(
        rr=rr,
        by=p.bu,
        expected_version=rr.version,
        decision=decision,
        decision_date=rr.sent_to_panel_date + timedelta(days=7),
        decision_reasons="Decided by the delegated safeguarding partners on the Panel's advice.",
    )
    services.rapid_review_transition(rr=rr, by=p.bu, name="decide", expected_version=rr.version)
    return Case.objects.get(pk=case.pk)


def not_notify(p, **options) -> Case:
    case = advance_case(p, "concern", **options)
    n = case.notification
    services.notification_decide(
        notification=n,
        by=p.notifier,
        name="not_notify",
        expected_version=n.version,
        fields={
            "abuse_or_neglect": False,
            "death_or_serious_harm": True,
            "looked_after_child": False,
            "decision_date": case.aware_date,
            "not_notified_reasons": "The injury was accidental: a fall witnessed by a "
            "nursery worker. No abuse or neglect is suspected.",
            "referred_to_line_of_sight": True,
        },
    )
    return Case.objects.get(pk=case.pk)


def add_action(
    p,
    case: Case,
    text: str = "Health visitors to check for bruising at every contact with a non-mobile baby.",
) -> Action:
    rec = services_local.recommendation_add(case=case, by=p.bu, text=text)
    return services_local.recommendation_action_add(
        recommendation=rec,
        by=p.bu,
        description="Re-issue the bruising protocol and audit use.",
        expected_change="Every bruise in a non-mobile baby leads to a safeguarding referral.",
        owner_agency=p.trust,
        due_date=today() + timedelta(days=90),
    )


# --------------------------------------------------------------------------- raising a concern


def test_raising_a_concern_numbers_it_by_the_year_of_awareness(partnership):
    first = advance_case(partnership, aware_date=date(2026, 3, 2))
    second = advance_case(partnership, aware_date=date(2026, 6, 15), pseudonym="Child B")
    earlier = advance_case(partnership, aware_date=date(2025, 11, 3), pseudonym="Child C")

    assert first.reference == "SI-2026-0001"
    assert second.reference == "SI-2026-0002"
    assert earlier.reference == "SI-2025-0001"


def test_raising_a_concern_creates_the_case_subject_and_notification(partnership):
    p = partnership
    case = advance_case(p, aware_date=date(2026, 10, 5), involved=["police"])

    assert case.stage == CaseStage.CONCERN
    assert case.pseudonym == "Child A"
    assert case.lead_agency == p.council
    assert case.raised_by_agency == p.trust
    assert set(case.involved_agencies.all()) == {p.council, p.trust, p.police}
    subject = CaseSubject.objects.get(case=case)
    assert subject.child_name == CHILD_NAME
    assert subject.postcode == SUBJECT["postcode"]
    assert subject.nhs_number == SUBJECT["nhs_number"]
    notification = IncidentNotification.objects.get(case=case)
    assert notification.status == IncidentNotification.Status.CONCERN_RAISED
    assert notification.raised_by == p.agency_leads["trust"]


def test_raising_a_concern_with_awareness_before_the_incident_is_refused(partnership):
    p = partnership
    with pytest.raises(TransitionRefused):
        services.case_raise(
            by=p.agency_leads["trust"],
            raised_by_agency=p.trust,
            lead_agency=p.council,
            pseudonym="Child D",
            age_band=AgeBand.AGE_1_4,
            harm=Case.Harm.SERIOUS_HARM,
            looked_after=False,
            incident_date=date(2026, 5, 10),
            aware_date=date(2026, 5, 9),
            summary="Scald to the legs.",
        )
    assert not Case.objects.exists()


def test_raising_a_concern_logs_the_case_and_only_the_names_of_the_subject_fields(partnership):
    case = advance_case(partnership)

    raised = events("case.raise", case).get()
    assert raised.changes["pseudonym"] == [None, "Child A"]
    assert raised.actor == partnership.agency_leads["trust"]
    subject_event = events("case_subject.create", case.subject).get()
    assert subject_event.changes == {
        "fields": [
            None,
            sorted(name for name, value in {**SUBJECT, "date_of_birth": "set"}.items() if value),
        ]
    }


def test_the_childs_identity_never_appears_in_the_event_log(partnership):
    case = advance_case(partnership, "ready_for_publication")
    subject = CaseSubject.objects.get(case=case)
    services.case_subject_update(
        subject=subject,
        by=partnership.bu,
        expected_version=subject.version,
        child_name="Maisie Hollis",
        postcode="NV4 8RT",
    )

    identifying = [
        CHILD_NAME,
        "Maisie Hollis",
        "Thornbury",
        SUBJECT["postcode"],
        "NV4 8RT",
        SUBJECT["nhs_number"],
        subject.date_of_birth.isoformat(),
        "Larkspur Close",
    ]
    for event in Event.objects.all():
        text = " ".join([json.dumps(event.changes), event.reason, event.object_label])
        for value in identifying:
            assert value not in text, f"{value!r} appears in the {event.action} event"


def test_raising_a_concern_tells_the_notifier_and_business_unit_in_app_and_by_email(
    partnership, django_capture_on_commit_callbacks, mailoutbox
):
    p = partnership
    with django_capture_on_commit_callbacks(execute=True):
        case = advance_case(p)

    subject = f"Possible serious incident raised: {case.reference}"
    assert subjects_for(p.notifier) == [subject]
    assert subjects_for(p.bu) == [subject]
    for bystander in (p.agency_leads["council"], p.partner_leads["council"], p.outsider):
        assert subjects_for(bystander) == []
    assert sorted(m.to[0] for m in mailoutbox) == sorted([p.notifier.email, p.bu.email])
    assert all(m.subject == subject for m in mailoutbox)
    assert "Child A" in mailoutbox[0].body
    assert CHILD_NAME not in mailoutbox[0].body
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


def test_no_email_is_sent_if_the_transaction_does_not_commit(partnership, mailoutbox):
    advance_case(partnership)
    assert mailoutbox == []
    assert Notification.objects.filter(user=partnership.bu).count() == 1


def test_updating_a_case_keeps_the_lead_and_raising_agencies_involved(partnership):
    p = partnership
    case = advance_case(p)
    services.case_update(
        case=case,
        by=p.bu,
        expected_version=case.version,
        involved_agencies=[p.school],
        summary="Updated summary of Child A.",
    )

    case.refresh_from_db()
    assert set(case.involved_agencies.all()) == {p.council, p.trust, p.school}
    assert events("case.update", case).last().changes["summary"][1] == "Updated summary of Child A."


def test_updating_a_case_from_a_stale_version_is_refused(partnership):
    case = advance_case(partnership)
    someone_else_saved(case)
    with pytest.raises(StaleEdit):
        services.case_update(
            case=case, by=partnership.bu, expected_version=case.version, pseudonym="Child Z"
        )
    assert Case.objects.get(pk=case.pk).pseudonym == "Child A"


# --------------------------------------------------------------------------- notification decision


def test_notifying_opens_the_rapid_review_from_the_date_the_notification_was_sent(partnership):
    p = partnership
    case = advance_case(p, "notified", aware_date=date(2026, 9, 7), sent_date=date(2026, 9, 9))

    assert case.stage == CaseStage.RAPID_REVIEW
    assert case.notification.status == IncidentNotification.Status.NOTIFIED
    assert case.notification.decided_by == p.notifier
    rr = rr_of(case)
    assert rr.start_date == date(2026, 9, 9)
    assert rr.status == RapidReview.Status.OPEN
    assert events("rapid_review.open", case).get().changes == {"start_date": [None, "2026-09-09"]}
    assert events("notification.notify", case.notification).exists()
    assert f"Serious incident notified: {case.reference}" in subjects_for(p.partner_leads["icb"])
    assert f"Serious incident notified: {case.reference}" in subjects_for(p.bu)


def test_deciding_not_to_notify_records_the_reasons_and_opens_no_rapid_review(partnership):
    p = partnership
    case = not_notify(p)

    assert case.stage == CaseStage.NOT_NOTIFIED
    assert case.notification.status == IncidentNotification.Status.NOT_NOTIFIED
    assert "accidental" in case.notification.not_notified_reasons
    assert case.notification.referred_to_line_of_sight is True
    assert not RapidReview.objects.filter(case=case).exists()
    assert f"Decided not to notify: {case.reference}" in subjects_for(p.bu)


def test_an_agency_lead_without_the_notifier_duty_cannot_decide(partnership):
    p = partnership
    case = advance_case(p)
    n = case.notification
    with pytest.raises(TransitionRefused):
        services.notification_decide(
            notification=n,
            by=p.agency_leads["council"],
            name="not_notify",
            expected_version=n.version,
            fields={
                "abuse_or_neglect": False,
                "death_or_serious_harm": False,
                "looked_after_child": False,
                "decision_date": case.aware_date,
                "not_notified_reasons": "Not serious harm.",
            },
        )
    assert IncidentNotification.objects.get(pk=n.pk).status == "concern_raised"


def test_a_stale_notification_decision_is_refused(partnership):
    p = partnership
    case = advance_case(p)
    n = case.notification
    someone_else_saved(n)
    with pytest.raises(StaleEdit):
        services.notification_decide(
            notification=n,
            by=p.notifier,
            name="not_notify",
            expected_version=n.version,
            fields={
                "abuse_or_neglect": False,
                "death_or_serious_harm": False,
                "looked_after_child": False,
                "decision_date": case.aware_date,
                "not_notified_reasons": "Not serious harm.",
            },
        )
    assert Case.objects.get(pk=case.pk).stage == CaseStage.CONCERN


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
    with pytest.raises(TransitionRefused, match="already signed off"):
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


# --------------------------------------------------------------------------- people on the case


def test_appointing_a_new_reviewer_invites_them_with_an_end_date(
    partnership, django_capture_on_commit_callbacks, mailoutbox
):
    p = partnership
    case = advance_case(p, "decided_lcspr")
    ends = today() + timedelta(days=240)
    with django_capture_on_commit_callbacks(execute=True):
        member = services.reviewer_appoint(
            case=case,
            by=p.bu,
            email=" Helen.Marsh@Reviews.example.org ",
            full_name="Helen Marsh",
            agency=p.reviewers,
            access_ends_on=ends,
        )

    reviewer = User.objects.get(email="helen.marsh@reviews.example.org")
    assert reviewer.access_ends_on == ends
    assert not reviewer.has_usable_password()
    assert Membership.objects.filter(user=reviewer, agency=p.reviewers, role=Role.REVIEWER).exists()
    assert member.user == reviewer
    assert member.part == CaseMember.Part.REVIEWER
    assert member.can_see_identity is True
    assert member.access_ends_on == ends
    assert events("case.member_add", case).get().changes["part"] == [None, "reviewer"]
    assert f"You have been named on case {case.reference}" in subjects_for(reviewer)
    to_reviewer = [m.subject for m in mailoutbox if m.to == [reviewer.email]]
    assert any("invited to Sightline" in s for s in to_reviewer)


def test_appointing_an_existing_user_as_reviewer_adds_the_role_without_a_new_account(
    partnership, make_user
):
    p = partnership
    existing = make_user(Role.PRACTITIONER, p.elsewhere, "r.khan@example.org", full_name="R Khan")
    case = advance_case(p, "decided_lcspr")
    services.reviewer_appoint(
        case=case,
        by=p.bu,
        email="R.Khan@example.org",
        full_name="R Khan",
        agency=p.reviewers,
        access_ends_on=today() + timedelta(days=30),
    )

    assert User.objects.filter(email="r.khan@example.org").count() == 1
    assert Membership.objects.filter(user=existing, role=Role.REVIEWER).exists()
    assert reviewer_for(case) == existing


def test_removing_a_member_archives_their_place_on_the_case(partnership):
    p = partnership
    case = advance_case(p, "reviewer_appointed")
    member = CaseMember.objects.get(case=case)
    services.case_member_remove(member=member, by=p.bu)

    assert CaseMember.objects.get(pk=member.pk).archived_at is not None
    assert reviewer_for(case) is None
    assert events("case.member_remove", case).exists()


# --------------------------------------------------------------------------- the restricted record


def test_editing_the_subject_logs_the_changed_field_names_only(partnership):
    p = partnership
    case = advance_case(p)
    subject = CaseSubject.objects.get(case=case)
    services.case_subject_update(
        subject=subject,
        by=p.bu,
        expected_version=subject.version,
        school="Larkspur Nursery",
        postcode="NV4 9AB",
        child_name=CHILD_NAME,
    )

    subject.refresh_from_db()
    assert subject.school == "Larkspur Nursery"
    event = events("case_subject.update", subject).get()
    assert event.changes == {"fields": [None, ["postcode", "school"]]}
    assert "NV4 9AB" not in json.dumps(event.changes)


def test_only_people_who_may_see_identities_can_edit_the_subject(partnership):
    p = partnership
    case = advance_case(p)
    subject = CaseSubject.objects.get(case=case)
    for user in (p.agency_leads["trust"], p.partner_leads["council"], p.scrutineer):
        with pytest.raises(TransitionRefused):
            services.case_subject_update(
                subject=subject, by=user, expected_version=subject.version, school="Anywhere"
            )
    assert CaseSubject.objects.get(pk=subject.pk).school == ""


def test_editing_the_subject_from_a_stale_version_is_refused(partnership):
    p = partnership
    subject = CaseSubject.objects.get(case=advance_case(p))
    someone_else_saved(subject)
    with pytest.raises(StaleEdit):
        services.case_subject_update(
            subject=subject, by=p.bu, expected_version=subject.version, school="Anywhere"
        )


# --------------------------------------------------------------------------- closing a case


@pytest.mark.parametrize(
    "point", ["concern", "notified", "sent_to_panel", "decided_lcspr", "ready_for_publication"]
)
def test_closing_is_refused_while_the_case_is_still_running(partnership, point):
    case = advance_case(partnership, point)
    with pytest.raises(TransitionRefused, match="current stage"):
        services.case_close(case=case, by=partnership.bu, reason="No longer needed.")
    assert Case.objects.get(pk=case.pk).stage != CaseStage.CLOSED


def test_closing_a_closed_case_is_refused(partnership):
    case = not_notify(partnership)
    services.case_close(case=case, by=partnership.bu, reason="Line of Sight completed.")
    with pytest.raises(TransitionRefused):
        services.case_close(case=case, by=partnership.bu, reason="Again.")


@pytest.mark.parametrize("decision", ["national", "alternative", None])
def test_closing_is_allowed_once_there_is_no_local_review_to_run(partnership, decision):
    case = decide(partnership, decision) if decision else not_notify(partnership)
    services.case_close(case=case, by=partnership.bu, reason="Learning taken forward.")

    case.refresh_from_db()
    assert case.stage == CaseStage.CLOSED
    assert case.closed_at is not None
    assert events("case.close", case).get().reason == "Learning taken forward."


def test_closing_is_refused_without_a_reason(partnership):
    case = not_notify(partnership)
    with pytest.raises(TransitionRefused, match="reason"):
        services.case_close(case=case, by=partnership.bu, reason="  ")
    assert Case.objects.get(pk=case.pk).stage == CaseStage.NOT_NOTIFIED


def test_closing_is_refused_for_anyone_but_the_business_unit(partnership):
    p = partnership
    case = not_notify(p)
    for user in (p.notifier, p.partner_leads["council"], p.scrutineer):
        with pytest.raises(TransitionRefused):
            services.case_close(case=case, by=user, reason="Done.")


def test_closing_is_refused_while_an_action_is_open_and_allowed_once_carried_forward(partnership):
    p = partnership
    case = decide(p, "alternative")
    action = add_action(p, case)
    with pytest.raises(TransitionRefused, match=action.reference):
        services.case_close(case=case, by=p.bu, reason="Done.")

    other = action_plan_create(by=p.bu, title="Neglect strategy action plan", source="priority")
    action_transition(
        action=action,
        by=p.bu,
        name="carry_forward",
        expected_version=action.version,
        carried_to=other,
        note="Now part of the neglect strategy.",
    )
    services.case_close(case=case, by=p.bu, reason="Learning taken forward.")
    assert Case.objects.get(pk=case.pk).stage == CaseStage.CLOSED


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


# --------------------------------------------------------------------------- reminders


MON_1_MAR_2027 = date(2027, 3, 1)


def test_a_clock_due_soon_reminds_its_owners(partnership):
    p = partnership
    case = advance_case(p, "concern", aware_date=MON_1_MAR_2027)
    # Notification due Mon 8 Mar 2027 (5 working days); due soon within 2 working days. On
    # Wed 3 Mar three are left (Thu 4, Fri 5, Mon 8): still on track, so nobody is reminded.
    assert services.case_send_reminders(on=date(2027, 3, 3)) == 0
    assert not Notification.objects.filter(dedupe_key__startswith="case-due").exists()
    # On Thu 4 Mar two are left (Fri 5, Mon 8): due soon.
    sent = services.case_send_reminders(on=date(2027, 3, 4))

    wanted = f"Due soon: Notification to the Panel for {case.reference} by 8 March 2027"
    assert wanted in subjects_for(p.notifier)
    assert wanted in subjects_for(p.bu)
    assert subjects_for(p.agency_leads["council"]) == []
    assert subjects_for(p.agency_leads["trust"]) == []
    assert sent == 2


def test_a_missed_clock_is_escalated(partnership):
    p = partnership
    case = advance_case(p, "concern", aware_date=MON_1_MAR_2027)
    services.case_send_reminders(on=date(2027, 3, 9))

    wanted = f"Overdue: Notification to the Panel for {case.reference} was due 8 March 2027"
    assert wanted in subjects_for(p.bu)
    assert wanted in subjects_for(p.notifier)


def test_a_clock_on_track_sends_nothing(partnership):
    p = partnership
    case = advance_case(p, "notified", aware_date=MON_1_MAR_2027)
    before = Notification.objects.count()

    assert services.case_send_reminders(on=rr_of(case).start_date) == 0
    assert Notification.objects.count() == before


def test_running_reminders_twice_the_same_day_sends_nothing_new(partnership):
    p = partnership
    advance_case(p, "concern", aware_date=MON_1_MAR_2027)  # due Mon 8 Mar: due soon on Thu 4
    advance_case(p, "concern", aware_date=date(2027, 2, 15), pseudonym="Child B")  # overdue
    first = services.case_send_reminders(on=date(2027, 3, 4))
    count = Notification.objects.count()
    second = services.case_send_reminders(on=date(2027, 3, 4))

    assert first == 4
    assert second == 0
    assert Notification.objects.count() == count


def test_returns_past_their_due_date_are_chased_with_the_agency_leads(partnership):
    p = partnership
    case = advance_case(
        p, "returns_requested", aware_date=MON_1_MAR_2027, return_agencies=["police", "school"]
    )
    ret = return_of(case, p.police)
    services.agency_return_save(
        ret=ret,
        by=p.agency_leads["police"],
        expected_version=ret.version,
        submit=True,
        involvement="Domestic abuse call-out.",
        key_practice_episodes="Risk graded standard.",
    )
    due = return_of(case, p.school).due_date
    services.case_send_reminders(on=due - timedelta(days=1))
    assert not Notification.objects.filter(dedupe_key__startswith="return-due").exists()

    services.case_send_reminders(on=due + timedelta(days=1))
    services.case_send_reminders(on=due + timedelta(days=1))
    wanted = f"Rapid review return for {case.reference} is due"
    assert subjects_for(p.agency_leads["school"]).count(wanted) == 1
    assert wanted not in subjects_for(p.agency_leads["police"])


def test_the_daily_task_sends_the_reminders(partnership):
    from sightline.reviews.tasks import send_case_reminders

    advance_case(partnership, "concern", aware_date=MON_1_MAR_2027)
    # Due Mon 8 Mar 2027: on track on Wed 3 Mar, due soon (2 working days left) on Thu 4 Mar.
    assert send_case_reminders.enqueue("2027-03-03").return_value == 0
    result = send_case_reminders.enqueue("2027-03-04")
    assert result.return_value == 2


@pytest.mark.parametrize("key", AGENCY_KEYS)
def test_every_agency_in_the_partnership_submits_its_return(partnership, key):
    case = advance_case(partnership, "returns_submitted")
    assert return_of(case, partnership.agency(key)).status == AgencyReturn.Status.SUBMITTED
