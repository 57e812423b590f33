"""Every write to briefings and their dissemination: the database, the event log, and
notifications (in-app now, e-mail after commit)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from sightline.accounts.models import Agency, Role, User
from sightline.core.clocks import get_calendar, today
from sightline.core.events import diff, record_event, snapshot
from sightline.core.notifications import notify
from sightline.core.references import create_with_reference
from sightline.core.versioning import create_record, save_versioned
from sightline.core.workflow import page_updates, transition
from sightline.learning.documents import MAX_QUESTION_WORDS, MAX_TILE_WORDS, word_count
from sightline.learning.models import Briefing, Dissemination
from sightline.learning.reminders import AcknowledgementReminders
from sightline.learning.selectors import agency_leads
from sightline.learning.workflow import BRIEFING_WORKFLOW, REVIEW_SOURCES, SECTION_FIELDS

S = Briefing.Status
CONTENT_FIELDS = [
    "title",
    "source",
    "source_case",
    "topic",
    *SECTION_FIELDS,
    "reflective_questions",
    "is_public",
]
BRIEFING_FIELDS = [*CONTENT_FIELDS, "themes"]
ACKNOWLEDGE_FIELDS = ["teams", "cascade_date", "staff_reached", "changes"]


def _url(name: str, *args) -> str:
    return reverse(f"learning:{name}", args=args)


def _people(*roles: str, exclude: Iterable[int] = ()) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__role__in=roles,
            memberships__active=True,
            memberships__archived_at__isnull=True,
        )
        .exclude(pk__in=list(exclude))
        .distinct()
    )


def _check_content(fields: dict) -> None:
    """Invariants of the content, whichever form or import it comes from."""
    errors: dict[str, list[str]] = {}
    headings = settings.SIGHTLINE_BRIEFING_HEADINGS
    for i, name in enumerate(SECTION_FIELDS):
        if name in fields and word_count(fields[name]) > MAX_TILE_WORDS:
            errors[name] = [
                f"{headings[i]} must be {MAX_TILE_WORDS} words or fewer, so the briefing fits on "
                "one page"
            ]
    if word_count(fields.get("reflective_questions", "")) > MAX_QUESTION_WORDS:
        errors["reflective_questions"] = [
            f"Reflective questions must be {MAX_QUESTION_WORDS} words or fewer, so the "
            "briefing fits on one page"
        ]
    if errors:
        raise ValidationError(errors)


def _normalise_source(fields: dict) -> None:
    """A case is linked only for a practice review or a rapid review."""
    if "source" in fields and fields["source"] not in REVIEW_SOURCES:
        fields["source_case"] = None


# --------------------------------------------------------------------------- briefings


@transaction.atomic
def briefing_create(
    *,
    by: User,
    title: str,
    source: str = Briefing.Source.TOPIC,
    source_case=None,
    topic: str = "",
    reflective_questions: str = "",
    is_public: bool = True,
    themes: Iterable = (),
    **sections: str,
) -> Briefing:
    """A new draft briefing written by `by`. `sections` are section_1 to section_7."""
    unknown = set(sections) - set(SECTION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown briefing fields: {', '.join(sorted(unknown))}")
    fields = {
        "title": title,
        "source": source,
        "source_case": source_case,
        "topic": topic,
        "reflective_questions": reflective_questions,
        "is_public": is_public,
        **sections,
    }
    _normalise_source(fields)
    _check_content(fields)
    year = timezone.localdate().year

    def make(reference: str) -> Briefing:
        return create_record(Briefing(reference=reference, author=by, **fields), by=by)

    briefing = create_with_reference(Briefing, f"7MB-{year}", make)
    briefing.themes.set(themes)
    record_event(
        action="briefing.create",
        actor=by,
        obj=briefing,
        changes=diff({}, snapshot(briefing, BRIEFING_FIELDS)),
    )
    return briefing


@transaction.atomic
def briefing_update(
    *,
    briefing: Briefing,
    by: User,
    expected_version: int,
    themes: Iterable | None = None,
    **fields,
) -> Briefing:
    """Change a draft's content, refused if someone else saved it since `expected_version`."""
    unknown = set(fields) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown briefing fields: {', '.join(sorted(unknown))}")
    if briefing.status != S.DRAFT:
        raise ValidationError(
            "Only a draft briefing can be changed. Return it to its author first."
        )
    _normalise_source(fields)
    _check_content(fields)
    before = snapshot(briefing, BRIEFING_FIELDS)
    for key, value in fields.items():
        setattr(briefing, key, value)
    save_versioned(briefing, by=by, expected_version=expected_version, fields=list(fields))
    if themes is not None:
        briefing.themes.set(themes)
    record_event(
        action="briefing.update",
        actor=by,
        obj=briefing,
        changes=diff(before, snapshot(briefing, BRIEFING_FIELDS)),
    )
    return briefing


# The fields the page of "Publish" may fill.
TRANSITION_FIELDS = ("publish_date", "review_date")


@transaction.atomic
def briefing_transition(
    *,
    briefing: Briefing,
    by: User,
    name: str,
    expected_version: int,
    note: str = "",
    publish_date: date | None = None,
    review_date: date | None = None,
    updates: Mapping[str, Any] | None = None,
) -> Briefing:
    """Make one move in BRIEFING_WORKFLOW and tell the people who act next. `updates` are the
    dates the move's page filled in, saved with the move in one step."""
    updates = page_updates(updates, TRANSITION_FIELDS if name == "publish" else ())
    if name == "approve":
        updates = {"approver": by, "approved_at": timezone.now()}
    elif name == "publish":
        updates = {
            "publish_date": publish_date or briefing.publish_date,
            "review_date": review_date or briefing.review_date,
            **updates,
            "published_at": timezone.now(),
        }
    extra = {"is_public": [None, briefing.is_public]} if name == "publish" else None
    transition(
        BRIEFING_WORKFLOW,
        briefing,
        name=name,
        by=by,
        expected_version=expected_version,
        note=note,
        updates=updates,
        extra_event=extra,
    )
    _tell_about_move(briefing, name, by, note)
    return briefing


def _tell_about_move(briefing: Briefing, name: str, by: User, note: str) -> None:
    url = _url("detail", briefing.reference)
    label = f"{briefing.reference} {briefing.title}"
    if name == "submit":
        notify(
            users=_people(Role.BUSINESS_UNIT, Role.PARTNER_LEAD, exclude=[briefing.author_id]),
            subject=f"7-minute briefing {briefing.reference} is ready for approval",
            body=f"{label}. Written by {briefing.author}.",
            url=url,
        )
    elif name == "return":
        notify(
            users=[briefing.author],
            subject=f"7-minute briefing {briefing.reference} has been returned to you",
            body=note,
            url=url,
        )
    elif name == "approve":
        notify(
            users=[briefing.author, *_people(Role.BUSINESS_UNIT, exclude=[by.pk])],
            subject=f"7-minute briefing {briefing.reference} has been approved",
            body=f"{label}. Approved by {by}. The business unit can now publish it.",
            url=url,
        )
    elif name == "publish":
        notify(
            users=[briefing.author],
            subject=f"7-minute briefing {briefing.reference} has been published",
            body=label,
            url=url,
        )
    elif name == "withdraw":
        sent_to = briefing.disseminations.filter(archived_at__isnull=True).values_list(
            "agency_id", flat=True
        )
        leads = [u for users in agency_leads(sent_to).values() for u in users]
        notify(
            users=[briefing.author, *leads],
            subject=f"7-minute briefing {briefing.reference} has been withdrawn",
            body=f"{label}. Stop using it. {note}".strip(),
            url=url,
        )


# --------------------------------------------------------------------------- dissemination


@dataclass
class SendResult:
    sent: list[Dissemination] = field(default_factory=list)
    already_sent: list[Agency] = field(default_factory=list)
    without_lead: list[Agency] = field(default_factory=list)


def acknowledge_by_date(sent_on: date) -> date:
    return get_calendar().add_working_days(sent_on, settings.SIGHTLINE_ACKNOWLEDGE_WORKING_DAYS)


@transaction.atomic
def briefing_send(*, briefing: Briefing, by: User, agencies: Iterable[Agency]) -> SendResult:
    """Send a published briefing to agencies: one dissemination record each, due to be
    acknowledged within the set number of working days, and each agency's safeguarding leads
    told in-app and by e-mail. Agencies it was already sent to are skipped."""
    if briefing.status != S.PUBLISHED:
        raise ValidationError("Only a published briefing can be sent to agencies.")
    result = SendResult()
    already = set(
        briefing.disseminations.filter(archived_at__isnull=True).values_list("agency_id", flat=True)
    )
    now = timezone.now()
    due = acknowledge_by_date(today())
    for agency in {a.pk: a for a in agencies}.values():
        if agency.pk in already:
            result.already_sent.append(agency)
            continue
        try:
            with transaction.atomic():
                record = Dissemination(
                    briefing=briefing, agency=agency, sent_at=now, sent_by=by, acknowledge_by=due
                )
                dissemination = create_record(record, by=by)
        except (IntegrityError, ValidationError):
            result.already_sent.append(agency)  # sent by someone else a moment ago
            continue
        result.sent.append(dissemination)
    if not result.sent:
        return result
    record_event(
        action="briefing.send",
        actor=by,
        obj=briefing,
        changes={
            "agencies": [None, sorted(d.agency.name for d in result.sent)],
            "acknowledge_by": [None, due],
        },
    )
    leads = agency_leads([d.agency_id for d in result.sent])
    for dissemination in result.sent:
        people = leads.get(dissemination.agency_id, [])
        if not people:
            result.without_lead.append(dissemination.agency)
            continue
        notify(
            users=people,
            subject=f"Please share 7-minute briefing {briefing.reference}: {briefing.title}",
            body=(
                f"{briefing.title} has been sent to {dissemination.agency}. Share it with your "
                f"teams, then record how you did so by {due:%-d %B %Y}: the teams, the date, "
                "how many staff it reached and what they will do differently."
            ),
            url=_url("acknowledge", briefing.reference, dissemination.pk),
            dedupe_key=f"briefing-sent-{dissemination.pk}",
        )
    return result


def _check_acknowledgement(dissemination: Dissemination, values: dict) -> None:
    errors: dict[str, list[str]] = {}
    if not str(values.get("teams") or "").strip():
        errors["teams"] = ["Enter the teams the briefing was shared with"]
    cascade_date = values.get("cascade_date")
    if cascade_date is None:
        errors["cascade_date"] = ["Enter the date the briefing was shared"]
    elif cascade_date > today():
        errors["cascade_date"] = ["Date the briefing was shared must be today or in the past"]
    elif cascade_date < timezone.localdate(dissemination.sent_at):
        errors["cascade_date"] = [
            "Date the briefing was shared must be on or after the date it was sent to your agency"
        ]
    staff = values.get("staff_reached")
    if staff is None:
        errors["staff_reached"] = ["Enter the number of staff the briefing reached"]
    elif not isinstance(staff, int) or isinstance(staff, bool) or staff < 0:
        errors["staff_reached"] = ["Number of staff reached must be 0 or more"]
    if not str(values.get("changes") or "").strip():
        errors["changes"] = ["Enter what your teams will do differently"]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def dissemination_acknowledge(
    *,
    dissemination: Dissemination,
    by: User,
    expected_version: int,
    teams: str,
    cascade_date: date | None,
    staff_reached: int | None,
    changes: str,
) -> Dissemination:
    """An agency's acknowledgement and how it cascaded the briefing (its 7MB action plan).
    Saving again updates it; the first acknowledgement's time is kept."""
    if dissemination.briefing.status != S.PUBLISHED:
        raise ValidationError("This briefing is no longer published, so it cannot be acknowledged.")
    values = {
        "teams": (teams or "").strip(),
        "cascade_date": cascade_date,
        "staff_reached": staff_reached,
        "changes": (changes or "").strip(),
    }
    _check_acknowledgement(dissemination, values)
    first = dissemination.acknowledged_at is None
    before = snapshot(dissemination, ACKNOWLEDGE_FIELDS)
    for key, value in values.items():
        setattr(dissemination, key, value)
    saved = list(values)
    if first:
        dissemination.acknowledged_at = timezone.now()
        dissemination.acknowledged_by = by
        saved += ["acknowledged_at", "acknowledged_by"]
    save_versioned(dissemination, by=by, expected_version=expected_version, fields=saved)
    record_event(
        action="dissemination.acknowledge" if first else "dissemination.update",
        actor=by,
        obj=dissemination,
        changes=diff(before, snapshot(dissemination, ACKNOWLEDGE_FIELDS)),
    )
    if first:
        briefing = dissemination.briefing
        notify(
            users=[dissemination.sent_by],
            subject=f"{dissemination.agency} has acknowledged briefing {briefing.reference}",
            body=f"Shared with {values['staff_reached']} staff. {values['changes'][:300]}",
            url=_url("dissemination", briefing.reference),
            dedupe_key=f"briefing-acknowledged-{dissemination.pk}",
        )
    return dissemination


def briefing_send_reminders(*, on: date | None = None) -> int:
    """Daily: remind agency leads about briefings they have not acknowledged, once they are due
    within the reminder window or overdue. Reminders repeat once a week (per ISO week) until the
    agency acknowledges; when one becomes overdue the business unit is told, once. What is sent
    on a day is `AcknowledgementReminders.due_on()`, which the dissemination pages also read."""
    day = on or today()
    rule = AcknowledgementReminders.load()
    pending = list(
        Dissemination.objects.filter(
            archived_at__isnull=True,
            acknowledged_at__isnull=True,
            acknowledge_by__lte=rule.horizon(day),
            briefing__status=S.PUBLISHED,
            briefing__archived_at__isnull=True,
        )
        .select_related("briefing", "agency")
        .order_by("acknowledge_by", "pk")
    )
    if not pending:
        return 0
    leads = agency_leads({d.agency_id for d in pending})
    business_unit = None
    sent = 0
    for d in pending:
        briefing = d.briefing
        for reminder in rule.due_on(d, day):
            if reminder.overdue:
                if business_unit is None:
                    business_unit = _people(Role.BUSINESS_UNIT)
                users = business_unit
                subject = f"{d.agency} has not acknowledged 7-minute briefing {briefing.reference}"
                body = f"It was due by {d.acknowledge_by:%-d %B %Y}."
                url = _url("dissemination", briefing.reference)
            else:
                users = leads.get(d.agency_id, [])
                if d.acknowledge_by < day:
                    subject = f"Overdue: acknowledge 7-minute briefing {briefing.reference}"
                else:
                    subject = (
                        f"Reminder: acknowledge 7-minute briefing {briefing.reference} "
                        f"by {d.acknowledge_by:%-d %B %Y}"
                    )
                body = (
                    f"{briefing.title}. Record how {d.agency} shared it with its teams: "
                    f"acknowledgement was due by {d.acknowledge_by:%-d %B %Y}."
                )
                url = _url("acknowledge", briefing.reference, d.pk)
            with transaction.atomic():
                sent += len(
                    notify(
                        users=users,
                        subject=subject,
                        body=body,
                        url=url,
                        dedupe_key=reminder.key,
                        about=d,
                    )
                )
    return sent
