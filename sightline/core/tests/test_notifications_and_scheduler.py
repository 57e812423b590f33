"""Notifications (in-app now, e-mail after commit), the daily scheduler and the notifications
page."""

from __future__ import annotations

import io
import signal
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from sightline.core import scheduling
from sightline.core.management.commands import scheduler as scheduler_command
from sightline.core.models import Notification, SchedulerRun
from sightline.core.notifications import notify
from sightline.core.registry import daily_jobs

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")


# --- notify() ------------------------------------------------------------------------------


def test_notify_writes_rows_now_and_after_commit_sends_one_email_per_user_with_the_link(
    make_user, django_capture_on_commit_callbacks, mailoutbox
):
    first, second = make_user(), make_user()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = notify(
            users=[first, second, first],
            subject="New action ACT-1",
            body="Due soon",
            url="/app/actions/ACT-1/",
        )
        assert Notification.objects.filter(subject="New action ACT-1").count() == 2
        assert mailoutbox == []

    assert len(created) == 2
    assert len(callbacks) == 1
    assert sorted(m.to for m in mailoutbox) == sorted([[first.email], [second.email]])
    for message in mailoutbox:
        assert message.subject == "New action ACT-1"
        assert f"{settings.SIGHTLINE_SITE_URL}/app/actions/ACT-1/" in message.body
        assert "Due soon" in message.body
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_inactive_users_are_not_notified(make_user, django_capture_on_commit_callbacks, mailoutbox):
    active, leaver = make_user(), make_user()
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])

    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[active, leaver, None], subject="Reminder")

    assert list(Notification.objects.values_list("user_id", flat=True)) == [active.pk]
    assert [m.to for m in mailoutbox] == [[active.email]]


def test_the_same_dedupe_key_twice_notifies_once(
    make_user, django_capture_on_commit_callbacks, mailoutbox
):
    user = make_user()

    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[user], subject="Action due", dedupe_key="reminder:ACT-1:2031-01-24")
        again = notify(users=[user], subject="Action due", dedupe_key="reminder:ACT-1:2031-01-24")
        other = notify(users=[user], subject="Action due", dedupe_key="reminder:ACT-2:2031-01-24")

    assert again == []
    assert len(other) == 1
    assert Notification.objects.filter(user=user).count() == 2
    assert len(mailoutbox) == 2


def test_no_email_is_sent_when_the_transaction_rolls_back(
    make_user, django_capture_on_commit_callbacks, mailoutbox
):
    user = make_user()

    def failing_write():
        with transaction.atomic():
            notify(users=[user], subject="Never sent")
            raise RuntimeError("the write failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            failing_write()

    assert callbacks == []
    assert mailoutbox == []
    assert not Notification.objects.exists()


# --- The scheduler -------------------------------------------------------------------------


class RecordingTask:
    def __init__(self):
        self.calls = []

    def enqueue(self, *args):
        self.calls.append(args)


@pytest.fixture
def fake_jobs(monkeypatch):
    jobs = {"b-second": RecordingTask(), "a-first": RecordingTask()}
    monkeypatch.setattr(scheduling, "daily_jobs", lambda: dict(jobs))
    return jobs


@pytest.mark.parametrize(
    "now",
    [
        datetime(2031, 3, 10, 5, 59, tzinfo=LONDON),
        datetime(2031, 7, 10, 4, 30, tzinfo=UTC),  # 05:30 in London (summer time)
        datetime(2031, 3, 10, 0, 0, tzinfo=LONDON),
    ],
)
def test_nothing_is_enqueued_before_six_in_the_morning_in_london(
    fake_jobs, django_capture_on_commit_callbacks, now
):
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduling.enqueue_due_jobs(now) == []

    assert not SchedulerRun.objects.exists()
    assert all(job.calls == [] for job in fake_jobs.values())


def test_after_six_each_job_is_enqueued_once_for_the_day(
    fake_jobs, django_capture_on_commit_callbacks
):
    morning = datetime(2031, 7, 10, 5, 30, tzinfo=UTC)  # 06:30 in London

    with django_capture_on_commit_callbacks(execute=True):
        assert scheduling.enqueue_due_jobs(morning) == ["a-first", "b-second"]
        assert scheduling.enqueue_due_jobs(morning.replace(hour=15)) == []

    assert fake_jobs["a-first"].calls == [("2031-07-10",)]
    assert fake_jobs["b-second"].calls == [("2031-07-10",)]
    assert SchedulerRun.objects.filter(for_date="2031-07-10").count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert scheduling.enqueue_due_jobs(datetime(2031, 7, 11, 6, 0, tzinfo=LONDON)) == [
            "a-first",
            "b-second",
        ]
    assert fake_jobs["a-first"].calls == [("2031-07-10",), ("2031-07-11",)]


def test_the_registered_daily_jobs_are_all_enqueued(django_capture_on_commit_callbacks):
    registered = daily_jobs()
    assert "action-reminders" in registered

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        names = scheduling.enqueue_due_jobs(datetime(2031, 3, 10, 7, 0, tzinfo=LONDON))

    assert names == sorted(registered)
    assert len(callbacks) == len(registered)


@pytest.fixture
def keep_signal_handlers():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_the_scheduler_command_with_once_enqueues_due_jobs_and_exits(
    fake_jobs, monkeypatch, keep_signal_handlers, django_capture_on_commit_callbacks
):
    at_seven = datetime(2031, 3, 10, 7, 0, tzinfo=LONDON)
    real = scheduling.enqueue_due_jobs
    monkeypatch.setattr(scheduler_command, "enqueue_due_jobs", lambda: real(at_seven))
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("scheduler", "--once", stdout=out)
        call_command("scheduler", "--once", stdout=out)

    assert out.getvalue().splitlines() == ["Enqueued a-first", "Enqueued b-second"]
    assert fake_jobs["a-first"].calls == [("2031-03-10",)]


# --- The notifications page ----------------------------------------------------------------


def test_the_notifications_page_lists_only_the_users_own_and_mark_all_read_works(
    make_user, signed_in_client
):
    me, someone_else = make_user("practitioner"), make_user("practitioner")
    notify(users=[me], subject="Mine: panel date set")
    notify(users=[me], subject="Mine: action due")
    notify(users=[someone_else], subject="Theirs: confidential")
    client = signed_in_client(me)

    page = client.get(reverse("core:notifications")).content.decode()
    assert "Mine: panel date set" in page
    assert "Mine: action due" in page
    assert "Theirs: confidential" not in page

    assert client.get(reverse("core:notifications-read")).status_code == 405
    assert Notification.objects.filter(user=me, read_at__isnull=True).count() == 2

    response = client.post(reverse("core:notifications-read"))
    assert response["Location"] == reverse("core:notifications")
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=someone_else, read_at__isnull=True).count() == 1


def test_a_notification_names_the_record_it_is_about(make_user, agency_factory):
    agency = agency_factory("Northvale Police")
    user = make_user()
    (note,) = notify(users=[user], subject="About the police", about=agency, dedupe_key="x-1-a")
    assert (note.about_type, note.about_id) == ("accounts.agency", str(agency.pk))
    (plain,) = notify(users=[user], subject="About nothing")
    assert (plain.about_type, plain.about_id) == ("", "")


def test_reminders_sent_before_the_link_existed_are_linked_by_the_migration(make_user):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("sightline.core.migrations.0006_notification_about_backfill")
    user = make_user()
    keys = {
        "action-overdue-42-20260305": ("actions.action", "42"),
        "return-due-7-20260301": ("reviews.agencyreturn", "7"),
        "briefing-reminder-12-2026-W10": ("learning.dissemination", "12"),
        "briefing-overdue-12": ("learning.dissemination", "12"),
        "case-due-3-rapid-review-20260310": ("reviews.case", "3"),
        "briefing-sent-12": ("", ""),
    }
    for key in keys:
        Notification.objects.create(user=user, subject=key, dedupe_key=key)
    backfill.link_reminders(apps, None)
    for key, link in keys.items():
        note = Notification.objects.get(dedupe_key=key)
        assert (note.about_type, note.about_id) == link, key
