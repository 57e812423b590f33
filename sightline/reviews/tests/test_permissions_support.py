"""The machinery behind the reviews permission matrix in test_permissions.py (no tests
here): the columns (one per person), the case a row needs (`World`, `At` and what prepares a
case beyond a scenario step), each URL's arguments, the data each POST sends, and `Row`.

The expected answers themselves are written out by hand in test_permissions.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sightline.core.calendar import add_months
from sightline.core.clocks import today
from sightline.reviews import services, services_local, signoffs
from sightline.reviews.models import (
    AgeBand,
    Case,
    CaseMember,
    CaseSubject,
    IncidentNotification,
    LocalReview,
    PartnerSignOff,
    RapidReview,
)

from .conftest import PARTNER_KEYS, advance_case, pdf_upload, reviewer_for

GET, POST = "GET", "POST"
BU, PL, AL, AL_OUT, PR = (
    "business_unit",
    "partner_lead",
    "agency_lead",
    "other_agency_lead",
    "practitioner",
)
RV, RV_ENDED, SC, SA, NO_MEMBERSHIP, ANONYMOUS = (
    "reviewer",
    "ended_reviewer",
    "scrutineer",
    "system_admin",
    "no_membership",
    "anonymous",
)
ROLES = (BU, PL, AL, AL_OUT, PR, RV, RV_ENDED, SC, SA, NO_MEMBERSHIP, ANONYMOUS)
STATUSES = (200, 302, 404, 405)


def by_role(*statuses: int) -> dict[str, int]:
    """One status per column, in this order: business unit, partner lead, agency lead,
    other agency's lead, practitioner, reviewer, ended reviewer, scrutineer, system admin,
    no membership, anonymous."""
    return dict(zip(ROLES, statuses, strict=True))


# --------------------------------------------------------------------------- the case


class World:
    """The partnership, one case at `at.step` (then `at.prepare`), and a user per column."""

    def __init__(self, partnership, make_user, at: At):
        p = self.p = partnership
        self.case = advance_case(p, at.step)
        self.reviewer = reviewer_for(self.case) or self._name_reviewer(
            "helen.marsh@reviews.example.org", "Helen Marsh"
        )
        member = CaseMember.objects.get(case=self.case, user=self.reviewer)
        if not at.reviewer_sees_identity:
            CaseMember.objects.filter(pk=member.pk).update(can_see_identity=False)
        self.reviewer_member = member
        self.ended_reviewer = self._name_reviewer("tomasz.wren@reviews.example.org", "Tomasz Wren")
        CaseMember.objects.filter(case=self.case, user=self.ended_reviewer).update(
            access_ends_on=today() - timedelta(days=1)
        )
        self.users = {
            BU: p.bu,
            PL: p.partner_leads["council"],
            AL: p.agency_leads["trust"],
            AL_OUT: p.outsider,
            PR: p.practitioner,
            RV: self.reviewer,
            RV_ENDED: self.ended_reviewer,
            SC: p.scrutineer,
            SA: p.admin,
            NO_MEMBERSHIP: make_user(None),
            ANONYMOUS: None,
        }
        self.made: dict = {}
        if at.prepare is not None:
            at.prepare(self)
        self.case.refresh_from_db()

    def _name_reviewer(self, email: str, name: str):
        return services.reviewer_appoint(
            case=self.case,
            by=self.p.bu,
            email=email,
            full_name=name,
            agency=self.p.reviewers,
            access_ends_on=add_months(today(), 9),
        ).user

    @property
    def rr(self) -> RapidReview:
        return RapidReview.objects.get(case=self.case)

    @property
    def lr(self) -> LocalReview:
        return LocalReview.objects.get(case=self.case)


@dataclass(frozen=True)
class At:
    """Where a row's case is: a scenario step, then anything `prepare` adds."""

    step: str
    prepare: Callable[[World], None] | None = None
    reviewer_sees_identity: bool = True


# --- preparing the case beyond a scenario step ---------------------------------------------


def _rr_update(world: World, **fields) -> None:
    rr = world.rr
    services.rapid_review_update(rr=rr, by=world.p.bu, expected_version=rr.version, **fields)


def _lr_update(world: World, **fields) -> None:
    lr = world.lr
    services_local.local_review_update(
        review=lr, by=world.p.bu, expected_version=lr.version, **fields
    )


def _sign_all(world: World, stage: str) -> None:
    for key in PARTNER_KEYS:
        services.partner_sign_off(
            case=world.case,
            by=world.p.partner_leads[key],
            stage=stage,
            agency=world.p.agency(key),
            comment="Agreed.",
        )


def not_notified(world: World) -> None:
    n = IncidentNotification.objects.get(case=world.case)
    services.notification_decide(
        notification=n,
        by=world.p.bu,
        name="not_notify",
        expected_version=n.version,
        fields={
            "abuse_or_neglect": False,
            "death_or_serious_harm": True,
            "looked_after_child": False,
            "decision_date": today(),
            "not_notified_reasons": "An accident at home; no abuse or neglect suspected.",
        },
    )


def meeting_recorded(world: World) -> None:
    _rr_update(
        world,
        meeting_date=today(),
        attendees="Partners; agency leads; business unit.",
        facts="The facts as agreed.",
        immediate_actions="Safety plan for the sibling.",
        family_context="Considered, including race and inequalities.",
    )


def recommendation_recorded(world: World) -> None:
    _rr_update(
        world,
        recommendation=RapidReview.Recommendation.LOCAL_REVIEW,
        criterion_improvements=True,
        recommendation_reasons="Agencies held information that was not brought together.",
    )


def partners_signed_rapid_review(world: World) -> None:
    _sign_all(world, PartnerSignOff.Stage.RAPID_REVIEW)


def sent_date_recorded(world: World) -> None:
    _rr_update(world, sent_to_panel_date=today())


def panel_response_recorded(world: World) -> None:
    # The response is dated on or after the day the case's scenario sent it to the Panel.
    replied = max(today(), world.rr.sent_to_panel_date or today())
    _rr_update(world, panel_response_date=replied, panel_response="Agreed.")


def decision_recorded(world: World) -> None:
    _rr_update(
        world,
        decision=RapidReview.Decision.LCSPR,
        decision_date=today(),
        decision_reasons="Criteria (a) and (c) are met.",
    )


def terms_recorded(world: World) -> None:
    _lr_update(world, terms_of_reference="The year before the incident.", methodology="Systems.")


def draft_uploaded(world: World) -> None:
    services_local.draft_add(
        review=world.lr,
        by=world.reviewer,
        label="First draft",
        received_on=today(),
        uploaded_file=pdf_upload(),
    )


def final_report_ready(world: World) -> None:
    _sign_all(world, PartnerSignOff.Stage.FINAL_REPORT)
    _lr_update(world, final_agreed_date=today())


def proceeding_added(world: World) -> None:
    world.made["proceeding"] = services_local.proceeding_add(
        review=world.lr, by=world.p.bu, kind="criminal", status="Trial listed."
    )


def recommendation_added(world: World) -> None:
    lesson = services_local.lesson_add(case=world.case, by=world.p.bu, text="Share information.")
    world.made["recommendation"] = services_local.recommendation_add(
        case=world.case, by=world.p.bu, text="Audit referrals.", lesson=lesson
    )


def everything_added(world: World) -> None:
    proceeding_added(world)
    recommendation_added(world)


# The points the rows use.
CONCERN = At("concern")
NOT_NOTIFIED = At("concern", not_notified)
NOTIFIED = At("notified")
RETURNS_REQUESTED = At("returns_requested")
RETURNS_SUBMITTED = At("returns_submitted")
RECOMMENDED = At("recommended")  # the pack has been shared
EVIDENCE = At("evidence")
PUBLICATION = At("ready_for_publication")

# Where each workflow move is declared, with what it needs filled in so that it can succeed.
RAPID_MOVES = {
    "request_returns": At("notified"),
    "record_meeting": At("returns_submitted", meeting_recorded),
    "recommend": At("meeting_held", recommendation_recorded),
    "complete_sign_off": At("recommended", partners_signed_rapid_review),
    "reopen_sign_off": At("signed_off"),
    "send_to_panel": At("signed_off", sent_date_recorded),
    "record_panel_response": At("sent_to_panel", panel_response_recorded),
    "decide": At("sent_to_panel", decision_recorded),
}
LOCAL_MOVES = {
    "confirm_reviewer": At("decided_lcspr"),
    "agree_tor": At("reviewer_appointed", terms_recorded),
    "start_evidence": At("tor_agreed"),
    "submit_draft": At("evidence", draft_uploaded),
    "start_qa": At("draft"),
    "return_to_draft": At("partner_qa"),
    "agree_final": At("partner_qa", final_report_ready),
    "ready_for_publication": At("final_agreed"),
    "close": At("ready_for_publication"),
}


# --------------------------------------------------------------------------- URL arguments


def ref(world: World) -> dict:
    return {"reference": world.case.reference}


def ref_and(**extra: Callable[[World], object] | str) -> Callable[[World], dict]:
    def kwargs(world: World) -> dict:
        values = {k: v(world) if callable(v) else v for k, v in extra.items()}
        return {"reference": world.case.reference, **values}

    return kwargs


def agency(key: str) -> Callable[[World], int]:
    return lambda world: world.p.agency(key).pk


# --------------------------------------------------------------------------- posted data


def date_fields(name: str, day) -> dict:
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def raise_data(world: World) -> dict:
    return {
        "pseudonym": "Child R",
        "age_band": AgeBand.AGE_1_4,
        "harm": Case.Harm.SERIOUS_HARM,
        "looked_after": "False",
        **date_fields("incident_date", today() - timedelta(days=1)),
        **date_fields("raised_aware_date", today()),
        "summary": "Admitted to hospital with an injury that was not explained.",
        "lead_agency": world.p.council.pk,
    }


def case_edit_data(world: World) -> dict:
    case = world.case
    return {
        "version": case.version,
        "pseudonym": case.pseudonym,
        "age_band": case.age_band,
        "harm": case.harm,
        "looked_after": str(case.looked_after),
        **date_fields("incident_date", case.incident_date),
        **date_fields("raised_aware_date", case.raised_aware_date),
        "summary": "Changed summary.",
        "lead_agency": case.lead_agency_id,
        "case_officer": world.p.bu.pk,
        "involved_agencies": list(case.involved_agencies.values_list("pk", flat=True)),
    }


def reason_data(world: World) -> dict:
    return {"reason": "To check agency records before the meeting"}


def subject_save_data(world: World) -> dict:
    subject = CaseSubject.objects.get(case=world.case)
    return {
        "step": "save",
        "reason": "To correct the address",
        "version": subject.version,
        "child_name": subject.child_name,
        "address": "15 Larkspur Close, Eastbrook, Northvale",
    }


def member_data(world: World) -> dict:
    return {"user": world.p.agency_leads["school"].pk, "part": CaseMember.Part.MEMBER}


def reviewer_data(world: World) -> dict:
    return {
        "reviewer-full_name": "Ada Reviewer",
        "reviewer-email": "ada.reviewer@reviews.example.org",
        "reviewer-agency": world.p.reviewers.pk,
        **date_fields("reviewer-access_ends_on", today() + timedelta(days=200)),
        "reviewer-can_see_identity": "on",
    }


def notify_data(world: World) -> dict:
    n = IncidentNotification.objects.get(case=world.case)
    return {
        "version": n.version,
        "decision": "notify",
        "abuse_or_neglect": "True",
        "death_or_serious_harm": "True",
        "looked_after_child": "False",
        **date_fields("decision_date", today()),
        **date_fields("sent_date", today()),
        "panel_reference": "SIN-TEST-1",
        **date_fields("partners_informed_date", today()),
        **date_fields("partnership_copy_date", today()),
    }


def awareness_data(world: World) -> dict:
    """The notifier saves only when the local authority became aware."""
    n = IncidentNotification.objects.get(case=world.case)
    return {"version": n.version, "step": "awareness", **date_fields("la_aware_date", today())}


def close_data(world: World) -> dict:
    return {"reason": "The learning was taken forward by the agencies."}


def request_returns_data(world: World) -> dict:
    return {
        "version": world.rr.version,
        "agencies": [world.p.trust.pk, world.p.police.pk],
        **date_fields("due_date", today() + timedelta(days=14)),
    }


def return_data(key: str) -> Callable[[World], dict]:
    def data(world: World) -> dict:
        ret = world.rr.returns.get(agency=world.p.agency(key))
        return {
            "version": ret.version,
            "involvement": "Seen at the emergency department.",
            "key_practice_episodes": "The referral was not followed up.",
            "action": "save",
        }

    return data


def meeting_data(world: World) -> dict:
    return {
        "version": world.rr.version,
        **date_fields("meeting_date", today()),
        "attendees": "Partners",
        "facts": "Facts",
    }


def rr_status_data(world: World) -> dict:
    return {"version": world.rr.version, "note": "Recorded at the meeting"}


def sign_off_data(world: World) -> dict:
    """As the sign-off page posts it: with the fingerprint of the version the partner read."""
    stage = (
        PartnerSignOff.Stage.FINAL_REPORT
        if LocalReview.objects.filter(case=world.case).exists()
        else PartnerSignOff.Stage.RAPID_REVIEW
    )
    return {
        "agency": world.p.council.pk,
        "comment": "Agreed.",
        "fingerprint": signoffs.content_fingerprint(world.case, stage),
    }


def local_review_data(world: World) -> dict:
    lr = world.lr
    return {
        "version": lr.version,
        "terms_of_reference": lr.terms_of_reference,
        "methodology": "Changed methodology.",
    }


def engagement_data(world: World) -> dict:
    return {
        **date_fields("on_date", today()),
        "with_whom": "family",
        "who": "Grandmother",
        "summary": "Met at home.",
    }


def proceeding_data(world: World) -> dict:
    proceeding = world.made.get("proceeding")
    return {
        "version": proceeding.version if proceeding else "",
        "kind": "inquest",
        "status": "Opened and adjourned.",
    }


def monitoring_data(world: World) -> dict:
    return {
        "agency": world.p.council.pk,
        **date_fields("on_date", today()),
        "note": "On time; the draft is expected next month.",
    }


def draft_data(world: World) -> dict:
    return {
        "file": pdf_upload("second-draft.pdf"),
        "label": "Second draft",
        **date_fields("received_on", today()),
    }


def lr_status_data(world: World) -> dict:
    return {"version": world.lr.version, "note": "Please revise section 3."}


def lesson_data(world: World) -> dict:
    return {"text": "Bruising in a baby who is not mobile needs a safeguarding discussion."}


def recommendation_data(world: World) -> dict:
    return {"text": "The partnership re-issues the bruising protocol."}


def action_data(world: World) -> dict:
    return {
        "description": "Re-issue the protocol",
        "expected_change": "Every bruise in a non-mobile baby is discussed",
        "owner_agency": world.p.trust.pk,
        **date_fields("due_date", today() + timedelta(days=60)),
    }


# --------------------------------------------------------------------------- the rows


@dataclass(frozen=True)
class Row:
    url_name: str
    at: At
    method: str
    expected: dict[str, int]
    variant: str = ""  # tells apart rows for one URL name and method
    kwargs: Callable[[World], dict] = ref
    data: Callable[[World], dict] | None = None
    query: str = ""

    @property
    def id(self) -> str:
        variant = f"[{self.variant}]" if self.variant else ""
        return f"{self.url_name}{variant}-{self.method}"
