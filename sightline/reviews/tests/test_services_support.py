"""Helpers shared by the reviews service tests (no tests here): the event log and
notifications, a record saved by someone else, the case's rapid and local reviews, and cases
brought to a decision, a decision not to notify, or an action from a recommendation."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F

from sightline.actions.models import Action
from sightline.core.clocks import today
from sightline.core.models import Event, Notification
from sightline.reviews import services, services_local
from sightline.reviews.models import AgencyReturn, Case, LocalReview, RapidReview
from sightline.reviews.tests.conftest import advance_case


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
