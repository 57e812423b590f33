"""Return reminders: the rapid review page and the return page show the reminders the daily
job sent about each return still requested, and the next one due, which is the day the job
sends it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sightline.core.models import Notification
from sightline.core.templatetags.govuk import govuk_date
from sightline.reviews import services
from sightline.reviews.models import AgencyReturn
from sightline.reviews.reminders import ReturnReminders, return_reminders

pytestmark = pytest.mark.django_db


def _police_return(case) -> AgencyReturn:
    return AgencyReturn.objects.get(rapid_review__case=case, agency__name="Northvale Police")


def test_the_next_reminder_is_the_day_the_job_sends_it(partnership):
    case = partnership.advance(to="returns_requested", aware_date=timezone.localdate())
    ret = _police_return(case)
    day = timezone.localdate()
    status = return_reminders([ret], day)[ret.pk]
    assert status.sent == []
    assert status.next_on == ret.due_date
    assert status.summary == f"First reminder {govuk_date(ret.due_date)}"

    def chased() -> int:
        return Notification.objects.filter(
            about_type="reviews.agencyreturn", about_id=str(ret.pk)
        ).count()

    services.case_send_reminders(on=ret.due_date - timedelta(days=1))
    assert chased() == 0
    services.case_send_reminders(on=ret.due_date)
    assert chased() == 1  # the police's agency lead
    (reminder,) = ReturnReminders().due_on(ret, ret.due_date)
    assert Notification.objects.filter(dedupe_key=reminder.key).count() == 1


def test_the_pages_show_the_reminder_the_job_sent(partnership, signed_in_client):
    aware = timezone.localdate() - timedelta(days=60)
    case = partnership.advance(to="returns_requested", aware_date=aware)
    ret = _police_return(case)
    assert ret.due_date < timezone.localdate()
    services.case_send_reminders(on=timezone.localdate())
    expected = f"Reminded {govuk_date(timezone.localdate())} (Tom Bracewell); no more reminders due"

    client = signed_in_client(partnership.bu)
    page = client.get(reverse("reviews:rapid-review", args=[case.reference]))
    assert expected in page.content.decode()
    own = signed_in_client(partnership.agency_leads["police"]).get(
        reverse("reviews:return", args=[case.reference, ret.agency_id])
    )
    assert expected in own.content.decode()


def test_submitted_returns_are_not_chased(partnership):
    case = partnership.advance(to="returns_submitted")
    ret = _police_return(case)
    assert ReturnReminders().due_on(ret, ret.due_date + timedelta(days=5)) == []
    assert return_reminders([ret], timezone.localdate()) == {}
