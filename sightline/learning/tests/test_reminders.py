"""Acknowledgement reminders: the dissemination page and the reach dashboard show the reminders
the daily job sent (when, to whom) and the next one due, which is the day the job sends it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sightline.core.clocks import today
from sightline.core.models import Notification
from sightline.core.templatetags.govuk import govuk_date
from sightline.learning import services
from sightline.learning.models import Dissemination
from sightline.learning.reminders import (
    AcknowledgementReminders,
    acknowledgement_reminders,
    iso_week,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_soon(settings):
    """Briefings sent today are to be acknowledged within 3 working days, inside the reminder
    window, so the job reminds agencies at once."""
    settings.SIGHTLINE_ACKNOWLEDGE_WORKING_DAYS = 3
    settings.SIGHTLINE_REMINDER_WORKING_DAYS = 5


def _home(agencies) -> Dissemination:
    return Dissemination.objects.select_related("briefing").get(agency=agencies["home"])


def _count(d) -> int:
    return Notification.objects.filter(
        about_type="learning.dissemination", about_id=str(d.pk)
    ).count()


def test_the_pages_show_the_reminders_the_job_sent(due_soon, sent_briefing, agencies, client_for):
    day = today()
    assert services.briefing_send_reminders(on=day) == 2  # each agency's lead
    d = _home(agencies)
    status = acknowledgement_reminders([d], day)[d.pk]
    expected = (
        f"Reminded {govuk_date(timezone.localdate())} (Joanne Price); "
        f"next reminder {govuk_date(status.next_on)}"
    )

    page = client_for("bu").get(reverse("learning:dissemination", args=[sent_briefing.reference]))
    assert expected in page.content.decode()
    own = client_for("lead").get(
        reverse("learning:acknowledge", args=[sent_briefing.reference, d.pk])
    )
    assert expected in own.content.decode()
    dashboard = client_for("bu").get(reverse("learning:dashboard"))
    assert expected in dashboard.content.decode()
    assert "Agencies still to acknowledge" in dashboard.content.decode()


def test_the_next_reminder_is_the_day_the_job_sends_it(due_soon, sent_briefing, agencies):
    day = today()
    services.briefing_send_reminders(on=day)
    d = _home(agencies)
    following = acknowledgement_reminders([d], day)[d.pk].next_on
    # Weekly: the next reminder falls in the next ISO week, or is the business unit's once the
    # acknowledgement is overdue, whichever comes first.
    assert following is not None
    assert following > day
    assert iso_week(following) != iso_week(day) or following > d.acknowledge_by

    before = _count(d)
    services.briefing_send_reminders(on=following - timedelta(days=1))
    assert _count(d) == before
    services.briefing_send_reminders(on=following)
    assert _count(d) > before


def test_the_business_unit_is_told_once_when_an_acknowledgement_is_overdue(
    due_soon, sent_briefing, agencies, people
):
    d = _home(agencies)
    late = d.acknowledge_by + timedelta(days=1)
    services.briefing_send_reminders(on=late)
    services.briefing_send_reminders(on=late + timedelta(days=1))
    told = Notification.objects.filter(
        about_id=str(d.pk), dedupe_key__startswith="briefing-overdue-"
    )
    assert sorted(told.values_list("user__full_name", flat=True)) == ["Omar Reid", "Priya Shah"]
    status = acknowledgement_reminders([d], today())[d.pk]
    assert [r.overdue for r in status.sent] == [False, True]
    assert "overdue reminder" in status.summary
    keys = {r.key for r in AcknowledgementReminders.load().due_on(d, late)}
    assert keys <= set(Notification.objects.values_list("dedupe_key", flat=True))


def test_acknowledged_agencies_have_no_reminders(due_soon, sent_briefing, agencies, people):
    d = _home(agencies)
    services.dissemination_acknowledge(
        dissemination=d,
        by=people["lead"],
        expected_version=d.version,
        teams="Ward teams",
        cascade_date=today(),
        staff_reached=12,
        changes="Refer the same day",
    )
    d.refresh_from_db()
    assert AcknowledgementReminders.load().due_on(d, today()) == []
    assert acknowledgement_reminders([d], today()) == {}


def test_the_dashboard_reads_reminders_in_a_constant_number_of_queries(
    due_soon, make_briefing, people, agencies, client_for
):
    def publish_and_send():
        briefing = make_briefing("published")
        services.briefing_send(
            briefing=briefing, by=people["bu"], agencies=[agencies["home"], agencies["away"]]
        )

    publish_and_send()
    services.briefing_send_reminders(on=today())
    client = client_for("bu")
    url = reverse("learning:dashboard")
    client.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(3):
        publish_and_send()
    services.briefing_send_reminders(on=today())
    assert queries() == few
