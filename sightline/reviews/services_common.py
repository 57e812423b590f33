"""Helpers shared by the reviews services: who is told, the link to a case, the business unit
check, the case's stage, and `signed_content_change()`, which every write that may change what
the safeguarding partners signed goes through."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.urls import reverse
from django.utils import timezone

from sightline.accounts.models import Agency, Duty, Membership, Role, User
from sightline.core.events import record_event
from sightline.core.notifications import notify
from sightline.core.templatetags.govuk import govuk_date
from sightline.core.workflow import TransitionRefused, transition
from sightline.reviews import access, signoffs
from sightline.reviews.models import Case, CaseStage, PartnerSignOff, RapidReview
from sightline.reviews.workflow import RAPID_REVIEW_WORKFLOW


def case_url(case: Case, name: str = "reviews:case") -> str:
    return reverse(name, args=[case.reference])


def business_unit_users() -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, memberships__role=Role.BUSINESS_UNIT, memberships__active=True
        ).distinct()
    )


def _agency_leads(agency_ids: Iterable[int]) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__agency_id__in=list(agency_ids),
            memberships__role=Role.AGENCY_LEAD,
            memberships__active=True,
        ).distinct()
    )


def _notifiers(agency_id: int) -> list[User]:
    return [
        m.user
        for m in Membership.objects.select_related("user").filter(
            agency_id=agency_id, active=True, user__is_active=True
        )
        if Duty.INCIDENT_NOTIFIER in (m.duties or [])
    ]


def _partner_leads() -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__role=Role.PARTNER_LEAD,
            memberships__active=True,
            memberships__agency__kind=Agency.Kind.SAFEGUARDING_PARTNER,
        ).distinct()
    )


def _require_business_unit(by: User) -> None:
    if not access.is_business_unit(by):
        raise TransitionRefused("Only the business unit can do that.")


def _set_stage(case: Case, stage: str, *, by: User) -> None:
    if case.stage == stage:
        return
    before = case.stage
    closed_at = timezone.now() if stage in (CaseStage.CLOSED,) else None
    Case.objects.filter(pk=case.pk).update(
        stage=stage, closed_at=closed_at, updated_at=timezone.now()
    )
    case.stage, case.closed_at = stage, closed_at
    record_event(action="case.stage", actor=by, obj=case, changes={"stage": [before, stage]})


# --- Sign-offs bound to what was signed ---------------------------------------------------------

STAGES = (PartnerSignOff.Stage.RAPID_REVIEW, PartnerSignOff.Stage.FINAL_REPORT)
CLOSED_MESSAGES = {
    PartnerSignOff.Stage.RAPID_REVIEW: (
        "The rapid review has been sent to the Panel, so what the safeguarding partners signed "
        "can no longer change."
    ),
    PartnerSignOff.Stage.FINAL_REPORT: (
        "The final report has been agreed, so what the safeguarding partners signed can no "
        "longer change."
    ),
}
STAGE_URLS = {
    PartnerSignOff.Stage.RAPID_REVIEW: "reviews:rapid-review",
    PartnerSignOff.Stage.FINAL_REPORT: "reviews:local-review",
}


def _watched(case: Case, stage: str) -> bool:
    """A stage has something to protect: sign-offs that count, or a closed record."""
    return PartnerSignOff.objects.filter(
        case=case, stage=stage, withdrawn_at__isnull=True
    ).exists() or signoffs.is_closed(case, stage)


@contextmanager
def signed_content_change(
    case: Case,
    *,
    by: User,
    stages: Iterable[str] = STAGES,
    refuse_when_closed: bool = True,
) -> Iterator[None]:
    """Wrap every write that may change what the safeguarding partners sign, inside the write's
    transaction:

        with signed_content_change(case, by=by, stages=[PartnerSignOff.Stage.RAPID_REVIEW]):
            save_versioned(rr, ...)

    After the write, for a stage still open for sign-off, every sign-off given to other content
    is withdrawn (see `withdraw_stale_signoffs`). For a stage that has closed (the rapid review
    sent to the Panel, the final report agreed) a change to its content is refused, since what
    was signed is now the record, unless `refuse_when_closed` is False (the case's own details,
    which the Panel document then no longer reads: it prints the content as signed)."""
    watched = [stage for stage in stages if _watched(case, stage)]
    before = {stage: signoffs.content_fingerprint(case, stage) for stage in watched}
    yield
    for stage in watched:
        after = signoffs.content_fingerprint(case, stage)
        if signoffs.is_closed(case, stage):
            if refuse_when_closed and after != before[stage]:
                raise TransitionRefused(CLOSED_MESSAGES[stage])
            continue
        withdraw_stale_signoffs(case, stage, by=by)


def withdraw_stale_signoffs(case: Case, stage: str, *, by: User) -> list[PartnerSignOff]:
    """Withdraw every sign-off of an open stage that was given to content other than the
    current: each is kept, marked withdrawn with the reason ("the recommendation changed"),
    recorded as an event, and its signer is told. A rapid review whose sign-off the business
    unit had confirmed goes back for sign-off."""
    if signoffs.is_closed(case, stage):
        return []
    content = signoffs.signed_content(case, stage)
    current = signoffs.fingerprint(content)
    stale = list(
        PartnerSignOff.objects.filter(case=case, stage=stage, withdrawn_at__isnull=True)
        .exclude(fingerprint=current)
        .select_related("agency", "signed_by")
    )
    if not stale:
        return []
    now = timezone.now()
    label = PartnerSignOff.Stage(stage).label.lower()
    for signoff in stale:
        reason = signoffs.changed_parts(signoff.content, content)
        PartnerSignOff.objects.filter(pk=signoff.pk).update(
            withdrawn_at=now, withdrawn_reason=reason
        )
        signoff.withdrawn_at, signoff.withdrawn_reason = now, reason
        record_event(
            action="partner.sign_off_withdrawn",
            actor=by,
            obj=case,
            changes={
                "stage": [stage, stage],
                "agency": [signoff.agency_id, None],
                "fingerprint": [signoff.fingerprint, current],
            },
            reason=f"Withdrawn because {reason}",
        )
        notify(
            users=[signoff.signed_by],
            subject=f"Your sign-off of the {label} for {case.reference} was withdrawn",
            body=(
                f"Your sign-off for {signoff.agency} was withdrawn on {govuk_date(now)} because "
                f"{reason}. Read the current version and sign again."
            ),
            url=case_url(case, STAGE_URLS[stage]),
        )
    rr = RapidReview.objects.filter(case=case).first()
    if (
        stage == PartnerSignOff.Stage.RAPID_REVIEW
        and rr is not None
        and rr.status == RapidReview.Status.SIGNED_OFF
    ):
        transition(
            RAPID_REVIEW_WORKFLOW,
            rr,
            name="reopen_sign_off",
            by=by,
            expected_version=rr.version,
            note=(
                f"The sign-offs were withdrawn because {stale[0].withdrawn_reason}; the "
                "partners must sign again."
            ),
        )
    return stale
