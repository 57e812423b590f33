"""Every write to action plans and actions: the database, the event log, notifications and
e-mails after commit, and references."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from sightline.accounts.models import Role
from sightline.actions import access, services
from sightline.actions.models import Action, ActionPlan, ActionStatus, ActionUpdate
from sightline.actions.tasks import send_action_reminders
from sightline.core.clocks import get_calendar, today
from sightline.core.documents import UploadRejected
from sightline.core.models import ClockDefinition, Document, Event, Notification, Theme
from sightline.core.versioning import StaleEdit

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


# --------------------------------------------------------------------------- helpers


def png_upload(name: str = "evidence.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), (29, 112, 184)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf_upload(name: str = "minutes.pdf") -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def html_as_pdf() -> SimpleUploadedFile:
    body = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    return SimpleUploadedFile("report.pdf", body, content_type="application/pdf")


def events(action: str, obj=None):
    qs = Event.objects.filter(action=action)
    if obj is not None:
        qs = qs.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return qs.order_by("id")


def subjects_for(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("subject", flat=True))


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def home(agency_factory):
    return agency_factory("Northvale Police")


@pytest.fixture
def away(agency_factory):
    return agency_factory("Northvale Integrated Care Board")


@pytest.fixture
def bu(make_user, agency_factory):
    return make_user(
        Role.BUSINESS_UNIT,
        agency=agency_factory("Partnership business unit"),
        full_name="Bea Unit",
        email="bea.unit@example.org",
    )


@pytest.fixture
def lead(make_user, home):
    return make_user(Role.AGENCY_LEAD, agency=home, full_name="Lee Lead", email="lee@example.org")


@pytest.fixture
def owner(make_user, home):
    return make_user(Role.PRACTITIONER, agency=home, full_name="Olu Owner", email="olu@example.org")


@pytest.fixture
def away_lead(make_user, away):
    return make_user(Role.AGENCY_LEAD, agency=away, email="away.lead@example.org")


@pytest.fixture
def plan(bu):
    return services.action_plan_create(
        by=bu, title="Neglect review actions", source=ActionPlan.Source.REVIEW
    )


@pytest.fixture
def make_action(bu, plan, home):
    def make(*, owner_agency=None, owner=None, due_date=None, description="Train staff"):
        return services.action_create(
            by=bu,
            plan=plan,
            lesson="Practitioners did not recognise neglect",
            description=description,
            expected_change="Earlier referrals for neglect",
            owner_agency=owner_agency or home,
            owner=owner,
            due_date=due_date or today() + timedelta(days=90),
        )

    return make


def set_status(action: Action, status: str, **fields) -> Action:
    Action.objects.filter(pk=action.pk).update(status=status, **fields)
    action.refresh_from_db()
    return action


# --------------------------------------------------------------------------- plans


def test_plan_create_saves_the_plan_with_the_next_reference_and_an_event(bu):
    themes = list(Theme.objects.order_by("name")[:2])
    first = services.action_plan_create(
        by=bu,
        title="Neglect review actions",
        source=ActionPlan.Source.REVIEW,
        summary="From the local review",
        themes=themes,
    )
    second = services.action_plan_create(
        by=bu, title="Audit actions", source=ActionPlan.Source.AUDIT
    )

    first.refresh_from_db()
    assert first.reference == f"AP-{YEAR}-0001"
    assert second.reference == f"AP-{YEAR}-0002"
    assert first.title == "Neglect review actions"
    assert first.source == ActionPlan.Source.REVIEW
    assert first.summary == "From the local review"
    assert set(first.themes.all()) == set(themes)
    assert first.created_by == bu
    assert first.updated_by == bu
    assert first.version == 1

    event = events("action_plan.create", first).get()
    assert event.actor == bu
    assert event.changes["title"] == [None, "Neglect review actions"]
    assert event.changes["source"] == [None, "review"]
    assert event.changes["themes"] == [None, sorted(str(t.pk) for t in themes)]


def test_plan_update_saves_changed_fields_and_records_before_and_after(bu, plan):
    theme = Theme.objects.order_by("name").first()
    services.action_plan_update(
        plan=plan, by=bu, expected_version=1, themes=[theme], title="Renamed plan"
    )

    plan.refresh_from_db()
    assert plan.title == "Renamed plan"
    assert plan.version == 2
    assert list(plan.themes.all()) == [theme]
    event = events("action_plan.update", plan).get()
    assert event.changes == {
        "title": ["Neglect review actions", "Renamed plan"],
        "themes": [[], [str(theme.pk)]],
    }


def test_plan_update_with_a_stale_version_is_refused_and_changes_nothing(bu, plan):
    services.action_plan_update(plan=plan, by=bu, expected_version=1, title="First save")
    with pytest.raises(StaleEdit) as caught:
        services.action_plan_update(
            plan=ActionPlan.objects.get(pk=plan.pk), by=bu, expected_version=1, title="Second"
        )

    assert caught.value.current.title == "First save"
    plan.refresh_from_db()
    assert plan.title == "First save"
    assert plan.version == 2
    assert events("action_plan.update", plan).count() == 1


# --------------------------------------------------------------------------- actions


def test_action_create_gives_sequential_references(make_action):
    references = [make_action().reference for _ in range(3)]
    assert references == [f"ACT-{YEAR}-0001", f"ACT-{YEAR}-0002", f"ACT-{YEAR}-0003"]


def test_action_create_saves_the_action_and_records_an_event(bu, plan, home, owner):
    themes = list(Theme.objects.order_by("name")[:2])
    due = today() + timedelta(days=60)
    action = services.action_create(
        by=bu,
        plan=plan,
        lesson="Fathers were not seen",
        description="Record fathers' details at referral",
        expected_change="Fathers are seen in assessments",
        owner_agency=home,
        owner=owner,
        due_date=due,
        themes=themes,
    )

    action.refresh_from_db()
    assert action.plan == plan
    assert action.status == ActionStatus.NOT_STARTED
    assert action.owner_agency == home
    assert action.owner == owner
    assert action.due_date == due
    assert action.created_by == bu
    assert set(action.themes.all()) == set(themes)

    event = events("action.create", action).get()
    assert event.actor == bu
    assert event.changes["description"] == [None, "Record fathers' details at referral"]
    assert event.changes["owner_agency"] == [None, home.pk]
    assert event.changes["owner"] == [None, owner.pk]
    assert event.changes["due_date"] == [None, due.isoformat()]
    assert event.changes["themes"] == [None, sorted(str(t.pk) for t in themes)]


def test_action_create_notifies_the_owner_and_agency_leads_then_emails_after_commit(
    django_capture_on_commit_callbacks, bu, lead, owner, away_lead, make_action
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        action = make_action(owner=owner)
        assert mail.outbox == []  # nothing is sent before the transaction commits

    assert len(callbacks) == 1
    subject = f"New action {action.reference} for Northvale Police"
    assert subjects_for(lead) == [subject]
    assert subjects_for(owner) == [subject]
    assert subjects_for(away_lead) == []
    assert subjects_for(bu) == []
    assert sorted(m.to[0] for m in mail.outbox) == ["lee@example.org", "olu@example.org"]
    message = next(m for m in mail.outbox if m.to == ["olu@example.org"])
    assert message.subject == subject
    assert f"/app/actions/{action.reference}/" in message.body
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


def test_action_update_saves_changes_and_records_before_and_after(bu, make_action, owner):
    action = make_action()
    new_due = action.due_date + timedelta(days=30)

    services.action_update(
        action=action, by=bu, expected_version=1, due_date=new_due, description="Train all staff"
    )

    action.refresh_from_db()
    assert action.due_date == new_due
    assert action.description == "Train all staff"
    assert action.version == 2
    assert action.updated_by == bu
    event = events("action.update", action).get()
    assert event.changes == {
        "description": ["Train staff", "Train all staff"],
        "due_date": [(new_due - timedelta(days=30)).isoformat(), new_due.isoformat()],
    }


def test_action_update_tells_a_new_owner(
    django_capture_on_commit_callbacks, bu, make_action, owner
):
    action = make_action()
    with django_capture_on_commit_callbacks(execute=True):
        services.action_update(action=action, by=bu, expected_version=1, owner=owner)

    assert subjects_for(owner) == [f"You now own action {action.reference}"]
    assert [m.to for m in mail.outbox if "now own" in m.subject] == [["olu@example.org"]]
    assert events("action.update", action).get().changes == {"owner": [None, owner.pk]}


def test_action_update_with_a_stale_version_is_refused_and_changes_nothing(bu, make_action):
    action = make_action()
    services.action_update(
        action=Action.objects.get(pk=action.pk), by=bu, expected_version=1, description="First"
    )

    with pytest.raises(StaleEdit):
        services.action_update(action=action, by=bu, expected_version=1, description="Second")

    action.refresh_from_db()
    assert action.description == "First"
    assert action.version == 2
    assert events("action.update", action).count() == 1


# --------------------------------------------------------------------------- progress


@pytest.mark.parametrize(
    ("build", "kind"), [(png_upload, "png"), (pdf_upload, "pdf")], ids=["png", "pdf"]
)
def test_progress_with_evidence_stores_the_file_against_the_update(build, kind, make_action, lead):
    action = make_action()
    upload = build()

    update = services.action_progress_add(
        action=action, by=lead, note="Training booked for May", files=[upload]
    )

    update.refresh_from_db()
    assert update.action == action
    assert update.note == "Training booked for May"
    assert update.on_date == today()
    assert update.author == lead
    assert update.status_after == ActionStatus.NOT_STARTED
    document = update.evidence.get()
    assert document.kind == kind
    assert document.original_name == upload.name
    assert document.owner_type == ContentType.objects.get_for_model(ActionUpdate)
    assert document.owner_id == str(update.pk)
    assert document.uploaded_by == lead
    action.refresh_from_db()
    assert action.status == ActionStatus.NOT_STARTED  # progress does not move the status

    event = events("action.progress", action).get()
    assert event.actor == lead
    assert event.changes == {"update": [None, update.pk], "evidence": [None, [str(document.pk)]]}
    assert events("document.upload", document).count() == 1


def test_progress_keeps_the_date_given(make_action, lead):
    action = make_action()
    update = services.action_progress_add(
        action=action, by=lead, note="Met the team", on_date=date(2026, 1, 15)
    )
    assert update.on_date == date(2026, 1, 15)
    assert update.evidence.count() == 0


def test_progress_with_a_disguised_file_is_refused_and_nothing_is_saved(make_action, lead):
    action = make_action()
    documents_before = Document.objects.count()

    with pytest.raises(ValidationError) as caught:
        services.action_progress_add(
            action=action, by=lead, note="See attached", files=[html_as_pdf()]
        )

    assert isinstance(caught.value, UploadRejected)
    assert ActionUpdate.objects.filter(action=action).count() == 0
    assert Document.objects.count() == documents_before
    assert events("action.progress").count() == 0
    assert events("document.upload").count() == 0


def test_progress_needs_a_note(make_action, lead):
    action = make_action()
    with pytest.raises(ValidationError):
        services.action_progress_add(action=action, by=lead, note="")
    assert ActionUpdate.objects.count() == 0


# --------------------------------------------------------------------------- transitions


def test_transition_moves_the_status_and_records_an_event(make_action, lead):
    action = make_action()

    services.action_transition(action=action, by=lead, name="start", expected_version=1)

    action.refresh_from_db()
    assert action.status == ActionStatus.ON_TRACK
    assert action.version == 2
    event = events("action.start", action).get()
    assert event.actor == lead
    assert event.changes == {"status": ["not_started", "on_track"]}


def test_transition_note_is_kept_as_a_progress_update_and_event_reason(make_action, owner):
    action = make_action(owner=owner)

    services.action_transition(
        action=action, by=owner, name="flag_at_risk", expected_version=1, note="Trainer left"
    )

    action.refresh_from_db()
    assert action.status == ActionStatus.AT_RISK
    update = ActionUpdate.objects.get(action=action)
    assert update.note == "Mark as at risk: Trainer left"
    assert update.status_after == ActionStatus.AT_RISK
    assert update.author == owner
    assert events("action.flag_at_risk", action).get().reason == "Trainer left"


def test_completing_tells_the_business_unit_by_email_after_commit(
    django_capture_on_commit_callbacks, make_action, lead, bu
):
    action = make_action()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.action_transition(
            action=action,
            by=lead,
            name="complete",
            expected_version=1,
            impact_statement="  Referrals for neglect rose by a third  ",
        )

    action.refresh_from_db()
    assert action.status == ActionStatus.COMPLETE
    assert action.impact_statement == "Referrals for neglect rose by a third"
    event = events("action.complete", action).get()
    assert event.changes["status"] == ["not_started", "complete"]
    assert event.changes["impact_statement"] == [None, "Referrals for neglect rose by a third"]
    subject = f"Action {action.reference} is ready for sign-off"
    assert subjects_for(bu) == [subject]
    assert [m.to for m in mail.outbox] == [["bea.unit@example.org"]]
    assert mail.outbox[0].subject == subject


def test_sign_off_records_who_and_when_and_tells_the_agency(
    django_capture_on_commit_callbacks, make_action, bu, lead, owner
):
    action = set_status(make_action(owner=owner), "complete", impact_statement="Better practice")
    mail.outbox.clear()
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        services.action_transition(
            action=action, by=bu, name="sign_off", expected_version=action.version
        )

    action.refresh_from_db()
    assert action.status == ActionStatus.SIGNED_OFF
    assert action.signed_off_by == bu
    assert action.signed_off_at is not None
    assert events("action.sign_off", action).get().changes["status"] == ["complete", "signed_off"]
    subject = f"Action {action.reference}: sign off"
    assert subjects_for(lead) == [subject]
    assert subjects_for(owner) == [subject]
    assert sorted(m.to[0] for m in mail.outbox) == ["lee@example.org", "olu@example.org"]


def test_return_to_owner_sends_the_note(django_capture_on_commit_callbacks, make_action, bu, lead):
    action = set_status(make_action(), "complete", impact_statement="Some impact")
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        services.action_transition(
            action=action,
            by=bu,
            name="reopen",
            expected_version=action.version,
            note="Evidence of impact is missing",
        )

    action.refresh_from_db()
    assert action.status == ActionStatus.ON_TRACK
    notification = Notification.objects.get(user=lead)
    assert notification.subject == f"Action {action.reference}: return to owner"
    assert notification.body == "Evidence of impact is missing"
    assert any(m.to == ["lee@example.org"] for m in mail.outbox)


# --------------------------------------------------------------------------- archive


def test_archive_hides_the_action_and_records_the_reason(make_action, bu):
    action = make_action()

    services.action_archive(action=action, by=bu, reason="Duplicate of another action")

    action.refresh_from_db()
    assert action.archived_at is not None
    assert events("action.archive", action).get().reason == "Duplicate of another action"
    assert not access.actions_visible_to(bu).filter(pk=action.pk).exists()
    with pytest.raises(Http404):
        access.action_for_view(bu, action.reference)


# --------------------------------------------------------------------------- reminders

MONDAY = date(2026, 3, 2)


def test_reminders_go_to_owners_and_leads_before_the_due_date_and_when_overdue(
    django_capture_on_commit_callbacks, make_action, lead, owner, away, away_lead
):
    cal = get_calendar()
    soon = make_action(owner=owner, due_date=cal.add_working_days(MONDAY, 3))
    late = make_action(due_date=MONDAY - timedelta(days=1))
    far = make_action(due_date=cal.add_working_days(MONDAY, 20))
    done = set_status(make_action(due_date=MONDAY), "complete", impact_statement="Done")
    elsewhere = make_action(owner_agency=away, due_date=cal.add_working_days(MONDAY, 1))
    Notification.objects.all().delete()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.action_send_reminders(on=MONDAY)

    soon_subject = f"Action {soon.reference} is due on {soon.due_date:%d %B %Y}"
    late_subject = f"Action {late.reference} is overdue"
    assert sent == 4
    assert sorted(subjects_for(lead)) == sorted([soon_subject, late_subject])
    assert subjects_for(owner) == [soon_subject]
    assert subjects_for(away_lead) == [
        f"Action {elsewhere.reference} is due on {elsewhere.due_date:%d %B %Y}"
    ]
    assert not Notification.objects.filter(subject__contains=far.reference).exists()
    assert not Notification.objects.filter(subject__contains=done.reference).exists()
    assert len(mail.outbox) == 4


def test_reminders_are_sent_once_per_due_date(make_action, lead, bu):
    action = make_action(due_date=get_calendar().add_working_days(MONDAY, 2))

    assert services.action_send_reminders(on=MONDAY) == 1
    assert services.action_send_reminders(on=MONDAY) == 0
    assert services.action_send_reminders(on=MONDAY + timedelta(days=1)) == 0

    services.action_update(
        action=action, by=bu, expected_version=1, due_date=action.due_date + timedelta(days=1)
    )
    assert services.action_send_reminders(on=MONDAY) == 1


def test_reminder_window_comes_from_the_clock_definition(make_action, lead):
    make_action(due_date=get_calendar().add_working_days(MONDAY, 8))
    assert services.action_send_reminders(on=MONDAY) == 0

    ClockDefinition.objects.filter(code="action-reminder").update(length=10)
    assert services.action_send_reminders(on=MONDAY) == 1


def test_reminders_skip_archived_actions(make_action, lead, bu):
    action = make_action(due_date=MONDAY)
    services.action_archive(action=action, by=bu, reason="Withdrawn")
    assert services.action_send_reminders(on=MONDAY) == 0


def test_reminder_task_runs_the_service(make_action, lead):
    make_action(due_date=MONDAY)
    result = send_action_reminders.enqueue(MONDAY.isoformat())
    assert result.return_value == 1
    assert Notification.objects.filter(user=lead, subject__contains="is due on").count() == 1
