"""A case driven through the reviews services, step by step, as the people in a partnership
would: used by the tests, the local demo and the benchmarks, so all three exercise the same
path.

    advance_case(partnership, to="concern", **options) -> Case
        Raises a concern (the raising agency and then the local authority's notifier record
        the same date of awareness, `aware_date`) and drives it to the point named by `to`
        (one of STEPS). Options:
        aware_date, sent_date, decision_date, pseudonym, raised_by, lead, involved,
        return_agencies, themes, subject, case_officer, reviewer_email.
    Partnership   the cast: agencies council/icb/police (the safeguarding partners),
                  trust and school, reviewers (where independent reviewers are invited);
                  users bu, notifier, partner_leads[...] and agency_leads[...].

All names, dates of birth, postcodes and NHS numbers here are invented. The NHS number is in
the 999 range set aside for testing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from sightline.accounts.models import Agency, User
from sightline.core.calendar import add_months
from sightline.core.clocks import get_calendar, today
from sightline.core.models import Theme
from sightline.reviews import access, services, services_local
from sightline.reviews.models import (
    AgeBand,
    AgencyReturn,
    Case,
    CaseMember,
    IncidentNotification,
    LocalReview,
    PartnerSignOff,
    RapidReview,
)

STEPS = (
    "concern",
    "notified",
    "returns_requested",
    "returns_submitted",
    "meeting_held",
    "recommended",
    "signed_off",
    "sent_to_panel",
    "decided_lcspr",
    "reviewer_appointed",
    "tor_agreed",
    "evidence",
    "draft",
    "partner_qa",
    "final_agreed",
    "ready_for_publication",
)

AGENCY_KEYS = ("council", "icb", "police", "trust", "school")
PARTNER_KEYS = ("council", "icb", "police")

CHILD_NAME = "Maisie Thornbury"
SUBJECT = {
    "child_name": CHILD_NAME,
    "other_names": "Maisie Hollis",
    "date_of_birth": date(2026, 8, 3),
    "address": "14 Larkspur Close, Eastbrook, Northvale",
    "postcode": "NV4 7QX",
    "nhs_number": "999 765 4323",
    "family_members": (
        "Jade Thornbury, mother, 14 May 2002\nRyan Hollis, mother's partner, 30 September 1999"
    ),
    "ethnicity": "White British",
    "residence_local_authority": "Northvale Council",
}

SUMMARY = (
    "Child A, aged 11 weeks, was brought to the emergency department by ambulance with a "
    "fractured femur and bruising to the face. Mother and her partner gave no explanation "
    "consistent with the injuries. The family had been known to the health visiting service "
    "and to the police after a domestic abuse incident two months earlier."
)

RETURN_TEXT = {
    "council": (
        "Children's social care received a police notification of domestic abuse in "
        "September; it was closed after a single telephone call to mother.",
        "No home visit and no check with health before the referral was closed.",
    ),
    "icb": (
        "The GP practice registered Child A at birth and saw Child A for the 8-week check.",
        "The 8-week check recorded a small bruise on the cheek without a safeguarding discussion.",
    ),
    "police": (
        "Officers attended a domestic abuse incident at the family home in September.",
        "The risk assessment was graded standard; the presence of a baby was noted but the "
        "notification did not say the partner had a history of violence.",
    ),
    "trust": (
        "Midwifery care in pregnancy; emergency department attendance on the day of the incident.",
        "Mother disclosed low mood at the booking appointment; the referral to perinatal mental "
        "health was not followed up.",
    ),
    "school": (
        "An older half-sibling attends Larkspur Primary School.",
        "The sibling told a teaching assistant that 'the baby cries all night and Ryan shouts'; "
        "this was logged but not passed to the designated safeguarding lead.",
    ),
}


@dataclass
class Partnership:
    council: Agency
    icb: Agency
    police: Agency
    trust: Agency
    school: Agency
    reviewers: Agency
    bu: User
    notifier: User
    elsewhere: Agency | None = None
    office: Agency | None = None
    practitioner: User | None = None
    scrutineer: User | None = None
    admin: User | None = None
    outsider: User | None = None
    partner_leads: dict[str, User] = field(default_factory=dict)
    agency_leads: dict[str, User] = field(default_factory=dict)
    partner_keys: tuple[str, ...] = PARTNER_KEYS

    @property
    def agencies(self) -> dict[str, Agency]:
        return {key: getattr(self, key) for key in AGENCY_KEYS}

    @property
    def partners(self) -> list[Agency]:
        return [getattr(self, key) for key in PARTNER_KEYS]

    def agency(self, key_or_agency) -> Agency:
        if isinstance(key_or_agency, Agency):
            return key_or_agency
        return getattr(self, key_or_agency)

    def lead_of(self, agency: Agency) -> User:
        """The agency lead of one of the partnership's agencies (the business unit otherwise)."""
        for key, lead in self.agency_leads.items():
            if self.agency(key).pk == agency.pk:
                return lead
        return self.bu

    def advance(self, to: str = "concern", **options) -> Case:
        return advance_case(self, to, **options)


def pdf_upload(name: str = "draft.pdf") -> SimpleUploadedFile:
    """A real one-page PDF, made with pypdf."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Child A: draft overview report"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def reviewer_for(case: Case) -> User | None:
    member = (
        CaseMember.objects.filter(
            case=case, part=CaseMember.Part.REVIEWER, archived_at__isnull=True
        )
        .select_related("user")
        .first()
    )
    return member.user if member else None


# --- advance_case ----------------------------------------------------------------------------


@dataclass
class _Run:
    p: Partnership
    case: Case
    options: dict
    aware: date
    sent: date
    returns_due: date
    meeting: date
    to_panel: date
    panel_response: date
    decision: date

    @property
    def rr(self) -> RapidReview:
        return RapidReview.objects.get(case=self.case)

    @property
    def lr(self) -> LocalReview:
        return LocalReview.objects.get(case=self.case)

    def rr_update(self, **fields) -> None:
        rr = self.rr
        services.rapid_review_update(rr=rr, by=self.p.bu, expected_version=rr.version, **fields)

    def rr_move(self, name: str) -> None:
        rr = self.rr
        services.rapid_review_transition(
            rr=rr, by=self.p.bu, name=name, expected_version=rr.version
        )

    def lr_update(self, **fields) -> None:
        lr = self.lr
        services_local.local_review_update(
            review=lr, by=self.p.bu, expected_version=lr.version, **fields
        )

    def lr_move(self, name: str, by: User | None = None) -> None:
        lr = self.lr
        services_local.local_review_transition(
            review=lr, by=by or self.p.bu, name=name, expected_version=lr.version
        )

    def sign_all(self, stage: str, comment: str) -> None:
        for key in PARTNER_KEYS:
            services.partner_sign_off(
                case=self.case,
                by=self.p.partner_leads[key],
                stage=stage,
                agency=self.p.agency(key),
                comment=comment,
            )


def _notified(run: _Run) -> None:
    n = IncidentNotification.objects.get(case=run.case)
    services.notification_decide(
        notification=n,
        by=run.p.notifier,
        name="notify",
        expected_version=n.version,
        fields={
            "abuse_or_neglect": True,
            "death_or_serious_harm": True,
            "looked_after_child": False,
            "la_aware_date": run.aware,
            "decision_date": run.sent,
            "sent_date": run.sent,
            "panel_reference": f"SIN-{run.sent:%Y}-{run.case.pk:05d}",
            "partners_informed_date": run.sent,
            "partnership_copy_date": run.sent,
        },
    )


def _returns_requested(run: _Run) -> None:
    rr = run.rr
    keys = run.options.get("return_agencies", AGENCY_KEYS)
    services.rapid_review_request_returns(
        rr=rr,
        by=run.p.bu,
        expected_version=rr.version,
        agencies=[run.p.agency(k) for k in keys],
        due_date=run.returns_due,
    )


def _returns_submitted(run: _Run) -> None:
    texts = {run.p.agency(k).pk: RETURN_TEXT[k] for k in AGENCY_KEYS}
    for ret in AgencyReturn.objects.filter(rapid_review__case=run.case).select_related("agency"):
        involvement, episodes = texts.get(
            ret.agency_id, ("Contact with the family in the last year.", "None of note.")
        )
        services.agency_return_save(
            ret=ret,
            by=run.p.lead_of(ret.agency),
            expected_version=ret.version,
            submit=True,
            involvement=involvement,
            key_practice_episodes=episodes,
            immediate_safety_actions="Records flagged; the sibling's plan reviewed.",
            early_learning="Information held by one agency was not shared with the others.",
        )


def _meeting_held(run: _Run) -> None:
    services.rapid_review_share_pack(rr=run.rr, by=run.p.bu)
    run.rr_update(
        meeting_date=run.meeting,
        attendees="Delegated safeguarding partners; designated nurse; police PVP lead; named "
        "nurse; school designated safeguarding lead; business unit.",
        facts=f"{run.case.pseudonym}, 11 weeks, sustained a fractured femur and facial bruising "
        "at home. "
        "Five agencies had contact with the family in the previous four months.",
        immediate_actions="Strategy meeting held; the sibling is subject to a child protection "
        "plan and lives with the maternal grandmother.",
        learning_shared="Bruising in non-mobile babies protocol re-issued to the GP practice.",
        improvements="Domestic abuse notifications to include the presence of babies and the "
        "partner's history.",
        family_context="White British family; mother is a care leaver aged 24; low income and "
        "insecure private tenancy.",
    )
    run.rr_move("record_meeting")


def _recommended(run: _Run) -> None:
    run.rr_update(
        recommendation=RapidReview.Recommendation.LOCAL_REVIEW,
        criterion_improvements=True,
        criterion_agencies_working_together=True,
        recommendation_reasons="Several agencies held information that together showed rising "
        "risk; a local review can examine why it was not brought "
        "together.",
    )
    run.rr_move("recommend")


def _signed_off(run: _Run) -> None:
    run.sign_all(PartnerSignOff.Stage.RAPID_REVIEW, "Agree with the recommendation.")
    run.rr_move("complete_sign_off")


def _sent_to_panel(run: _Run) -> None:
    run.rr_update(sent_to_panel_date=run.to_panel)
    run.rr_move("send_to_panel")


def _decided_lcspr(run: _Run) -> None:
    run.rr_update(
        panel_response_date=run.panel_response,
        panel_response="The Panel agrees that a local review is appropriate.",
    )
    run.rr_move("record_panel_response")
    run.rr_update(
        decision=RapidReview.Decision.LCSPR,
        decision_date=run.decision,
        decision_reasons="Criteria (a) and (c) of regulation 11 are met.",
    )
    run.rr_move("decide")


def _reviewer_appointed(run: _Run) -> None:
    services.reviewer_appoint(
        case=run.case,
        by=run.p.bu,
        email=run.options.get("reviewer_email", "helen.marsh@reviews.example.org"),
        full_name="Helen Marsh",
        agency=run.p.reviewers,
        access_ends_on=add_months(max(run.decision, today()), 9),
    )
    run.lr_move("confirm_reviewer")


def _tor_agreed(run: _Run) -> None:
    run.lr_update(
        terms_of_reference="The period from the booking appointment to the incident. Key lines "
        "of enquiry: information sharing after domestic abuse; bruising in "
        "a non-mobile baby; the voice of the older sibling.",
        methodology="Systems approach: agency chronologies, practitioner learning event, "
        "conversations with the family.",
    )
    run.lr_move("agree_tor")


def _evidence(run: _Run) -> None:
    reviewer = reviewer_for(run.case)
    run.lr_move("start_evidence", by=reviewer)
    services_local.engagement_add(
        review=run.lr,
        by=reviewer,
        on_date=run.decision + timedelta(days=40),
        with_whom="practitioner",
        who="Health visitor",
        summary="Practitioner learning event attended by nine practitioners.",
    )


def _draft(run: _Run) -> None:
    reviewer = reviewer_for(run.case)
    services_local.draft_add(
        review=run.lr,
        by=reviewer,
        label="First draft",
        received_on=add_months(run.decision, 3),
        uploaded_file=pdf_upload(),
    )
    run.lr_move("submit_draft", by=reviewer)


def _partner_qa(run: _Run) -> None:
    run.lr_move("start_qa")


def _final_agreed(run: _Run) -> None:
    run.sign_all(PartnerSignOff.Stage.FINAL_REPORT, "Quality assured.")
    run.lr_update(final_agreed_date=add_months(run.decision, 5))
    run.lr_move("agree_final")


def _ready_for_publication(run: _Run) -> None:
    run.lr_move("ready_for_publication")


_STEP_FUNCTIONS = {
    "notified": _notified,
    "returns_requested": _returns_requested,
    "returns_submitted": _returns_submitted,
    "meeting_held": _meeting_held,
    "recommended": _recommended,
    "signed_off": _signed_off,
    "sent_to_panel": _sent_to_panel,
    "decided_lcspr": _decided_lcspr,
    "reviewer_appointed": _reviewer_appointed,
    "tor_agreed": _tor_agreed,
    "evidence": _evidence,
    "draft": _draft,
    "partner_qa": _partner_qa,
    "final_agreed": _final_agreed,
    "ready_for_publication": _ready_for_publication,
}


def _themes(values) -> list[Theme]:
    return [v if isinstance(v, Theme) else Theme.objects.get(slug=v) for v in values]


def advance_case(partnership: Partnership, to: str = "concern", **options) -> Case:
    """Raise a concern and drive it through the services to the point `to` (see STEPS)."""
    if to not in STEPS:
        raise ValueError(f"Unknown point {to!r}; expected one of {', '.join(STEPS)}")
    p = partnership
    cal = get_calendar()
    aware = options.get("aware_date") or today()
    sent = options.get("sent_date") or cal.add_working_days(aware, 1)
    to_panel = cal.add_working_days(sent, 14)
    panel_response = cal.add_working_days(to_panel, 5)
    raised_by = p.agency(options.get("raised_by", "trust"))
    case = services.case_raise(
        by=p.lead_of(raised_by),
        raised_by_agency=raised_by,
        lead_agency=p.agency(options.get("lead", "council")),
        pseudonym=options.get("pseudonym", "Child A"),
        age_band=AgeBand.UNDER_1,
        harm=Case.Harm.SERIOUS_HARM,
        looked_after=False,
        incident_date=aware - timedelta(days=1),
        raised_aware_date=aware,
        summary=SUMMARY.replace("Child A", options.get("pseudonym", "Child A")),
        involved_agencies=[p.agency(a) for a in options.get("involved", ["police"])],
        themes=_themes(options.get("themes", ["non-accidental-injury"])),
        subject={
            **SUBJECT,
            "date_of_birth": aware - timedelta(weeks=12),
            **options.get("subject", {}),
        },
        subject_reason="So the local authority can check its records",
    )
    # The local authority's notifier records when the local authority became aware: the same
    # day as the raising agency, so the notification clock runs from `aware`.
    n = IncidentNotification.objects.get(case=case)
    notifier = p.notifier if access.is_notifier(p.notifier, case) else p.bu
    services.notification_record_awareness(
        notification=n, by=notifier, aware_date=aware, expected_version=n.version
    )
    case = Case.objects.get(pk=case.pk)
    officer = options.get("case_officer", p.bu)
    if officer is not None:
        case = services.case_update(
            case=case, by=p.bu, expected_version=case.version, case_officer=officer
        )
    run = _Run(
        p=p,
        case=case,
        options=options,
        aware=aware,
        sent=sent,
        returns_due=cal.add_working_days(sent, 7),
        meeting=cal.add_working_days(sent, 10),
        to_panel=to_panel,
        panel_response=panel_response,
        decision=options.get("decision_date") or panel_response,
    )
    for step in STEPS[1 : STEPS.index(to) + 1]:
        _STEP_FUNCTIONS[step](run)
        run.case = Case.objects.get(pk=case.pk)
    return Case.objects.get(pk=case.pk)
