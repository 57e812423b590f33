"""Writes to a serious incident case: raising a concern, changing the case, the notification
decision, the people on the case, the restricted record, closing and the daily reminders. The
database, the event log, notifications (in-app and by e-mail after commit), references and
optimistic locking.

The rapid review's writes are tested in test_services_rapid.py and the local review's in
test_services_local.py."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from sightline.accounts.models import Membership, Role, User
from sightline.actions.services import action_plan_create, action_transition
from sightline.core.clocks import today
from sightline.core.models import Event, Notification
from sightline.core.versioning import StaleEdit
from sightline.core.workflow import TransitionRefused
from sightline.reviews import services
from sightline.reviews.models import (
    AgeBand,
    Case,
    CaseMember,
    CaseStage,
    CaseSubject,
    IncidentNotification,
    RapidReview,
)
from sightline.reviews.tests.conftest import CHILD_NAME, SUBJECT, advance_case, reviewer_for
from sightline.reviews.tests.test_services_support import (
    add_action,
    decide,
    events,
    not_notify,
    return_of,
    rr_of,
    someone_else_saved,
    subjects_for,
)

pytestmark = pytest.mark.django_db


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
            raised_aware_date=date(2026, 5, 9),
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
        reason="The child's name was corrected by the hospital",
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


def test_appointing_an_existing_reviewer_names_them_without_a_new_account(partnership, make_user):
    p = partnership
    existing = make_user(Role.REVIEWER, p.elsewhere, "r.khan@example.org", full_name="R Khan")
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
    assert Membership.objects.filter(user=existing, role=Role.REVIEWER, agency=p.reviewers).exists()
    assert reviewer_for(case) == existing


def test_an_existing_account_with_another_role_is_not_made_a_reviewer(partnership, make_user):
    p = partnership
    existing = make_user(Role.PRACTITIONER, p.elsewhere, "r.khan@example.org", full_name="R Khan")
    case = advance_case(p, "decided_lcspr")
    with pytest.raises(TransitionRefused, match="who is not an independent reviewer"):
        services.reviewer_appoint(
            case=case,
            by=p.bu,
            email="R.Khan@example.org",
            full_name="R Khan",
            agency=p.reviewers,
            access_ends_on=today() + timedelta(days=30),
        )

    assert not Membership.objects.filter(user=existing, role=Role.REVIEWER).exists()
    assert reviewer_for(case) is None


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
        reason="The nursery confirmed its name",
        school="Larkspur Nursery",
        postcode="NV4 9AB",
        child_name=CHILD_NAME,
    )

    subject.refresh_from_db()
    assert subject.school == "Larkspur Nursery"
    event = events("case_subject.update", subject).get()
    assert event.changes == {"fields": [None, ["postcode", "school"]]}
    assert event.reason == "The nursery confirmed its name"
    assert "NV4 9AB" not in json.dumps(event.changes)


def test_only_people_who_may_see_identities_can_edit_the_subject(partnership):
    p = partnership
    case = advance_case(p)
    subject = CaseSubject.objects.get(case=case)
    for user in (p.agency_leads["trust"], p.partner_leads["council"], p.scrutineer):
        with pytest.raises(TransitionRefused):
            services.case_subject_update(
                subject=subject,
                by=user,
                expected_version=subject.version,
                reason="Correcting the school",
                school="Anywhere",
            )
    assert CaseSubject.objects.get(pk=subject.pk).school == ""


def test_editing_the_subject_from_a_stale_version_is_refused(partnership):
    p = partnership
    subject = CaseSubject.objects.get(case=advance_case(p))
    someone_else_saved(subject)
    with pytest.raises(StaleEdit):
        services.case_subject_update(
            subject=subject,
            by=p.bu,
            expected_version=subject.version,
            reason="Correcting the school",
            school="Anywhere",
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
