"""Every write to briefings and dissemination: the database, the event log, notifications and
e-mails after commit, refused stale edits, and the weekly reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from sightline.accounts.models import Role
from sightline.core.clocks import get_calendar, today
from sightline.core.models import Event, Notification, Theme
from sightline.core.registry import daily_jobs, home_providers
from sightline.core.versioning import StaleEdit
from sightline.learning import access, selectors, services
from sightline.learning.models import Briefing, Dissemination
from sightline.learning.tasks import send_briefing_reminders

from .conftest import full_content, move

pytestmark = pytest.mark.django_db

S = Briefing.Status
YEAR = timezone.localdate().year


def subjects_for(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("subject", flat=True))


def acknowledge(d: Dissemination, by, **overrides) -> Dissemination:
    d.refresh_from_db()
    values = {
        "teams": "Emergency department nursing",
        "cascade_date": today(),
        "staff_reached": 40,
        "changes": "Refer every bruise the same day",
    }
    values.update(overrides)
    return services.dissemination_acknowledge(
        dissemination=d, by=by, expected_version=d.version, **values
    )


# --------------------------------------------------------------------------- create and edit


def test_create_gives_a_reference_an_author_and_an_event(people):
    themes = list(Theme.objects.filter(name__in=["Neglect", "Safe sleep"]))
    briefing = services.briefing_create(by=people["bu"], themes=themes, **full_content())
    assert briefing.reference == f"7MB-{YEAR}-0001"
    assert briefing.status == S.DRAFT
    assert briefing.author == people["bu"]
    assert briefing.created_by == people["bu"]
    assert set(briefing.themes.all()) == set(themes)
    event = Event.objects.get(action="briefing.create")
    assert event.object_id == str(briefing.pk)
    assert event.changes["title"] == [None, "Bruising in babies who are not yet mobile"]
    assert sorted(event.changes["themes"][1]) == sorted(str(t.pk) for t in themes)

    second = services.briefing_create(by=people["partner"], title="Second")
    assert second.reference == f"7MB-{YEAR}-0002"


def test_a_case_is_linked_only_for_a_review_source(people, agencies):
    from sightline.reviews.models import Case

    case = Case.objects.create(
        reference="CASE-1",
        pseudonym="Baby F",
        age_band="under_1",
        harm="serious_harm",
        incident_date=today(),
        aware_date=today(),
        summary="Summary",
        lead_agency=agencies["home"],
        raised_by_agency=agencies["home"],
    )
    review = services.briefing_create(
        by=people["bu"], title="From a review", source="rapid_review", source_case=case
    )
    topic = services.briefing_create(
        by=people["bu"], title="A topic", source="topic", source_case=case, topic="Neglect"
    )
    assert review.source_case == case
    assert topic.source_case is None


def test_a_tile_longer_than_a_page_allows_is_refused(people):
    with pytest.raises(ValidationError) as refused:
        services.briefing_create(by=people["bu"], title="Long", section_2="word " * 151)
    assert refused.value.message_dict == {
        "section_2": ["Why it matters must be 150 words or fewer, so the briefing fits on one page"]
    }
    assert not Briefing.objects.exists()


def test_update_saves_changes_with_a_diff_and_a_new_version(make_briefing, people):
    briefing = make_briefing()
    services.briefing_update(
        briefing=briefing,
        by=people["bu2"],
        expected_version=briefing.version,
        title="New title",
        section_4="New key learning",
        themes=list(Theme.objects.filter(name="Neglect")),
    )
    briefing.refresh_from_db()
    assert briefing.title == "New title"
    assert briefing.version == 2
    assert briefing.updated_by == people["bu2"]
    event = Event.objects.filter(action="briefing.update").get()
    assert event.changes["title"] == ["Bruising in babies who are not yet mobile", "New title"]
    assert event.changes["section_4"][1] == "New key learning"
    assert "themes" in event.changes
    assert "section_1" not in event.changes


def test_a_stale_edit_is_refused_and_nothing_is_overwritten(make_briefing, people):
    briefing = make_briefing()
    stale = Briefing.objects.get(pk=briefing.pk)
    services.briefing_update(
        briefing=briefing, by=people["bu"], expected_version=1, title="Saved first"
    )
    events = Event.objects.count()

    with pytest.raises(StaleEdit) as refused:
        services.briefing_update(
            briefing=stale, by=people["bu2"], expected_version=1, title="Saved second"
        )

    assert refused.value.current.title == "Saved first"
    briefing.refresh_from_db()
    assert briefing.title == "Saved first"
    assert briefing.version == 2
    assert Event.objects.count() == events


@pytest.mark.parametrize("status", [S.IN_REVIEW, S.APPROVED, S.PUBLISHED, S.WITHDRAWN])
def test_only_a_draft_can_be_changed(make_briefing, people, status):
    briefing = make_briefing(status)
    with pytest.raises(ValidationError, match="Only a draft"):
        services.briefing_update(
            briefing=briefing, by=people["bu"], expected_version=briefing.version, title="X"
        )


def test_submitting_tells_the_approvers_but_not_the_author(make_briefing, people):
    briefing = make_briefing(author=people["partner"])
    move(briefing, "submit", people["partner"])
    subject = f"7-minute briefing {briefing.reference} is ready for approval"
    for who in ("bu", "bu2", "partner2"):
        assert subject in subjects_for(people[who]), who
    for who in ("partner", "lead", "scrutineer"):
        assert subject not in subjects_for(people[who]), who


def test_withdrawing_tells_the_agencies_it_was_sent_to(sent_briefing, people):
    move(sent_briefing, "withdraw", people["bu"], note="The protocol has changed")
    subject = f"7-minute briefing {sent_briefing.reference} has been withdrawn"
    assert subject in subjects_for(people["lead"])
    assert subject in subjects_for(people["away_lead"])
    assert subject not in subjects_for(people["practitioner"])


# --------------------------------------------------------------------------- sending


def test_sending_records_each_agency_and_its_acknowledge_by_date(
    make_briefing, people, agencies, django_capture_on_commit_callbacks
):
    briefing = make_briefing(S.PUBLISHED)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.briefing_send(
            briefing=briefing, by=people["bu"], agencies=[agencies["home"], agencies["away"]]
        )

    due = get_calendar().add_working_days(today(), 10)
    rows = Dissemination.objects.filter(briefing=briefing).order_by("agency__name")
    assert [(d.agency, d.acknowledge_by, d.sent_by) for d in rows] == [
        (agencies["home"], due, people["bu"]),
        (agencies["away"], due, people["bu"]),
    ]
    assert [d.agency for d in result.sent] == [agencies["home"], agencies["away"]]
    assert result.without_lead == []
    event = Event.objects.get(action="briefing.send")
    assert event.changes["agencies"] == [
        None,
        sorted([agencies["home"].name, agencies["away"].name]),
    ]
    # The leads of each agency, in-app and by e-mail after commit; nobody else.
    subject = f"Please share 7-minute briefing {briefing.reference}: {briefing.title}"
    assert subjects_for(people["lead"]) == [subject]
    assert subjects_for(people["away_lead"]) == [subject]
    assert subjects_for(people["practitioner"]) == []
    assert sorted(m.to[0] for m in mail.outbox if m.subject == subject) == sorted(
        [people["lead"].email, people["away_lead"].email]
    )
    home = rows.get(agency=agencies["home"])
    note = Notification.objects.get(user=people["lead"])
    assert note.url == f"/app/briefings/{briefing.reference}/acknowledge/{home.pk}/"


@override_settings(SIGHTLINE_ACKNOWLEDGE_WORKING_DAYS=3)
def test_the_acknowledge_by_date_counts_working_days_from_the_setting(
    make_briefing, people, agencies
):
    briefing = make_briefing(S.PUBLISHED)
    services.briefing_send(briefing=briefing, by=people["bu"], agencies=[agencies["home"]])
    d = Dissemination.objects.get(briefing=briefing)
    assert d.acknowledge_by == get_calendar().add_working_days(today(), 3)


def test_sending_again_to_an_agency_is_skipped(sent_briefing, people, agencies):
    Notification.objects.all().delete()
    result = services.briefing_send(
        briefing=sent_briefing, by=people["bu"], agencies=[agencies["home"], agencies["third"]]
    )
    assert [d.agency for d in result.sent] == [agencies["third"]]
    assert result.already_sent == [agencies["home"]]
    assert Dissemination.objects.filter(briefing=sent_briefing).count() == 3
    assert subjects_for(people["lead"]) == []
    # The third agency has no safeguarding lead to tell.
    assert result.without_lead == [agencies["third"]]

    nothing = services.briefing_send(
        briefing=sent_briefing, by=people["bu"], agencies=[agencies["home"]]
    )
    assert nothing.sent == []
    assert Event.objects.filter(action="briefing.send").count() == 2


@pytest.mark.parametrize("status", [S.DRAFT, S.IN_REVIEW, S.APPROVED, S.WITHDRAWN])
def test_only_a_published_briefing_can_be_sent(make_briefing, people, agencies, status):
    briefing = make_briefing(status)
    with pytest.raises(ValidationError, match="Only a published briefing"):
        services.briefing_send(briefing=briefing, by=people["bu"], agencies=[agencies["home"]])
    assert not Dissemination.objects.exists()


# --------------------------------------------------------------------------- acknowledging


def test_acknowledging_records_the_cascade_and_tells_the_sender(sent_briefing, people, agencies):
    d = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["home"])
    acknowledge(d, people["lead"], staff_reached=0)
    d.refresh_from_db()
    assert d.acknowledged_by == people["lead"]
    assert d.acknowledged_at is not None
    assert (d.teams, d.cascade_date, d.staff_reached, d.changes) == (
        "Emergency department nursing",
        today(),
        0,
        "Refer every bruise the same day",
    )
    event = Event.objects.get(action="dissemination.acknowledge")
    assert event.object_type == "learning.dissemination"
    assert event.changes["staff_reached"] == [None, 0]
    assert f"{agencies['home']} has acknowledged briefing {sent_briefing.reference}" in (
        subjects_for(people["bu"])
    )


def test_updating_an_acknowledgement_keeps_the_first_time(sent_briefing, people, agencies):
    d = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["home"])
    acknowledge(d, people["lead"])
    first = Dissemination.objects.get(pk=d.pk).acknowledged_at
    acknowledge(d, people["lead"], staff_reached=55)
    d.refresh_from_db()
    assert d.staff_reached == 55
    assert d.acknowledged_at == first
    assert Event.objects.filter(action="dissemination.update").get().changes == {
        "staff_reached": [40, 55]
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"teams": " "}, "teams", "Enter the teams the briefing was shared with"),
        ({"cascade_date": None}, "cascade_date", "Enter the date the briefing was shared"),
        (
            {"cascade_date": date.today() + timedelta(days=2)},
            "cascade_date",
            "Date the briefing was shared must be today or in the past",
        ),
        (
            {"cascade_date": date.today() - timedelta(days=30)},
            "cascade_date",
            "Date the briefing was shared must be on or after the date it was sent to your agency",
        ),
        (
            {"staff_reached": None},
            "staff_reached",
            "Enter the number of staff the briefing reached",
        ),
        ({"staff_reached": -1}, "staff_reached", "Number of staff reached must be 0 or more"),
        ({"changes": ""}, "changes", "Enter what your teams will do differently"),
    ],
)
def test_an_acknowledgement_needs_every_part(
    sent_briefing, people, agencies, overrides, field, message
):
    d = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["home"])
    with pytest.raises(ValidationError) as refused:
        acknowledge(d, people["lead"], **overrides)
    assert refused.value.message_dict == {field: [message]}
    d.refresh_from_db()
    assert d.acknowledged_at is None
    assert d.version == 1


def test_a_stale_acknowledgement_is_refused(sent_briefing, people, agencies):
    d = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["home"])
    stale = Dissemination.objects.get(pk=d.pk)
    acknowledge(d, people["lead"])
    with pytest.raises(StaleEdit):
        services.dissemination_acknowledge(
            dissemination=stale,
            by=people["lead"],
            expected_version=1,
            teams="Other",
            cascade_date=today(),
            staff_reached=1,
            changes="Other",
        )
    d.refresh_from_db()
    assert d.teams == "Emergency department nursing"


def test_a_withdrawn_briefing_cannot_be_acknowledged(sent_briefing, people, agencies):
    move(sent_briefing, "withdraw", people["bu"])
    d = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["home"])
    with pytest.raises(ValidationError, match="no longer published"):
        acknowledge(d, people["lead"])


def test_only_the_agencys_lead_may_acknowledge(sent_briefing, people, agencies):
    d = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["home"])
    ref = sent_briefing.reference
    assert access.dissemination_for_acknowledge(people["lead"], ref, d.pk) == d
    for who in ("away_lead", "practitioner", "bu", "partner", "scrutineer", "nobody"):
        with pytest.raises(Http404):
            access.dissemination_for_acknowledge(people[who], ref, d.pk)
    with pytest.raises(Http404):
        access.dissemination_for_acknowledge(people["lead"], "7MB-1999-0001", d.pk)


# --------------------------------------------------------------------------- reminders


def _due_in(d: Dissemination, working_days: int, on: date) -> None:
    cal = get_calendar()
    due = (
        cal.add_working_days(on, working_days)
        if working_days >= 0
        else cal.subtract_working_days(on, -working_days)
    )
    Dissemination.objects.filter(pk=d.pk).update(acknowledge_by=due)


def test_reminders_start_near_the_date_and_repeat_weekly_until_acknowledged(
    sent_briefing, people, agencies
):
    home = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["home"])
    away = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["away"])
    monday = date(2027, 3, 1)
    _due_in(home, 3, monday)  # within the five-working-day window
    _due_in(away, 9, monday)  # not yet
    Notification.objects.all().delete()

    assert services.briefing_send_reminders(on=monday) == 1
    reminder = f"Reminder: acknowledge 7-minute briefing {sent_briefing.reference} by 4 March 2027"
    assert subjects_for(people["lead"]) == [reminder]
    assert subjects_for(people["away_lead"]) == []

    # Later the same week the lead is not reminded again.
    assert services.briefing_send_reminders(on=monday + timedelta(days=1)) == 0
    friday = monday + timedelta(days=4)
    services.briefing_send_reminders(on=friday)
    assert subjects_for(people["lead"]) == [reminder]
    # On Friday it is overdue, so the business unit is told; the away agency's date is near.
    escalation = (
        f"{agencies['home']} has not acknowledged 7-minute briefing {sent_briefing.reference}"
    )
    assert subjects_for(people["bu"]) == [escalation]
    assert subjects_for(people["bu2"]) == [escalation]
    assert len(subjects_for(people["away_lead"])) == 1

    # Next week the lead is reminded again, now as overdue; the business unit is not told twice.
    next_monday = monday + timedelta(days=7)
    services.briefing_send_reminders(on=next_monday)
    overdue = f"Overdue: acknowledge 7-minute briefing {sent_briefing.reference}"
    assert sorted(subjects_for(people["lead"])) == sorted([reminder, overdue])
    assert subjects_for(people["bu"]) == [escalation]
    assert len(subjects_for(people["away_lead"])) == 2

    # And the week after.
    services.briefing_send_reminders(on=next_monday + timedelta(days=7))
    assert len(subjects_for(people["lead"])) == 3
    assert subjects_for(people["bu"]).count(escalation) == 1

    # Once acknowledged, the reminders stop.
    acknowledge(home, people["lead"], cascade_date=today())
    before = len(subjects_for(people["lead"]))
    services.briefing_send_reminders(on=next_monday + timedelta(days=14))
    assert len(subjects_for(people["lead"])) == before


def test_reminders_stop_when_a_briefing_is_withdrawn(sent_briefing, people, agencies):
    home = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["home"])
    _due_in(home, -2, today())
    move(sent_briefing, "withdraw", people["bu"])
    Notification.objects.all().delete()
    assert services.briefing_send_reminders(on=today()) == 0


def test_the_daily_job_is_registered_and_sends_reminders(sent_briefing, people, agencies):
    assert daily_jobs()["briefing-reminders"] is send_briefing_reminders
    home = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["home"])
    _due_in(home, 1, today())
    Notification.objects.all().delete()
    result = send_briefing_reminders.enqueue(today().isoformat())
    assert result.return_value == 1


# --------------------------------------------------------------------------- home page


def test_home_shows_each_person_what_to_do(make_briefing, sent_briefing, people, agencies):
    draft = make_briefing(S.DRAFT, author=people["partner"])
    in_review = make_briefing(S.IN_REVIEW, author=people["bu"])
    approved = make_briefing(S.APPROVED)
    home = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["home"])
    _due_in(home, -1, today())
    assert selectors.home_section in home_providers()
    horizon = get_calendar().add_working_days(today(), 10)

    def titles(who, part="tasks"):
        section = selectors.home_section(people[who], today(), horizon)
        return [item.title for item in getattr(section, part)]

    assert f"Finish 7-minute briefing {draft.reference}" in titles("partner")
    assert f"Approve 7-minute briefing {in_review.reference}" in titles("partner")
    assert f"Approve 7-minute briefing {in_review.reference}" not in titles("bu")
    assert f"Approve 7-minute briefing {in_review.reference}" in titles("bu2")
    assert f"Publish 7-minute briefing {approved.reference}" in titles("bu")
    assert f"Publish 7-minute briefing {approved.reference}" not in titles("partner")
    assert titles("lead") == [f"Acknowledge 7-minute briefing {sent_briefing.reference}"]
    assert titles("lead", "overdue") == [f"Acknowledge briefing {sent_briefing.reference}"]
    assert titles("away_lead", "deadlines") == [f"Acknowledge briefing {sent_briefing.reference}"]
    assert titles("practitioner") == []
    assert titles("scrutineer") == []

    acknowledge(home, people["lead"])
    assert titles("lead") == []


def test_agency_leads_are_found_in_one_query(
    people, agencies, django_assert_num_queries, make_user
):
    make_user(Role.AGENCY_LEAD, agency=agencies["home"])
    with django_assert_num_queries(1):
        leads = selectors.agency_leads(
            [agencies["home"].pk, agencies["away"].pk, agencies["third"].pk]
        )
    assert len(leads[agencies["home"].pk]) == 2
    assert leads[agencies["away"].pk] == [people["away_lead"]]
    assert agencies["third"].pk not in leads
