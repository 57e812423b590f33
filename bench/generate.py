"""Review cases for the benchmarks, made through the reviews services as people would make them.

    generate_cases(count) -> dict[str, int]     cases made, by case stage

Needs the demo partnership (`seed_demo`); it is loaded first if missing. Case number k is the
same at every scale (its recipe, dates and people depend on k alone), so a page showing one
case shows the same thing whatever the volume around it.

The recipes cycle through every stage a case can reach without an uploaded draft: a fresh
concern, not notified, each step of the rapid review, the three decisions, the early local
review (with lessons, recommendations and an action) and closed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from sightline.accounts.models import Agency, User
from sightline.core.calendar import add_months
from sightline.core.clocks import get_calendar, today
from sightline.core.demo import seed_base
from sightline.core.models import Theme
from sightline.reviews import services, services_local
from sightline.reviews.models import (
    AgeBand,
    AgencyReturn,
    Case,
    IncidentNotification,
    LocalReview,
    PartnerSignOff,
    RapidReview,
)

BU = "business.unit@northvale.example"
NOTIFIER = "la.lead@northvale.example"
REVIEWER = "reviewer@northvale.example"
PARTNER_LEADS = {
    "NC": "la.partner@northvale.example",
    "ICB": "icb.partner@northvale.example",
    "Police": "police.partner@northvale.example",
}
AGENCY_LEADS = {
    "NC": "la.lead@northvale.example",
    "Police": "police.lead@northvale.example",
    "NHFT": "health.lead@northvale.example",
    "ICB": "icb.lead@northvale.example",
    "Education": "school.lead@northvale.example",
}
RAISING = ["NHFT", "Police", "Education", "ICB", "NC"]
RETURN_AGENCIES = ["NC", "Police", "NHFT", "ICB", "Education"]
AGE_BANDS = [band.value for band in AgeBand]

# Each recipe: the steps taken after the concern is raised. Cycled through by case number.
RECIPES: list[tuple[str, ...]] = [
    (),
    ("not_notify",),
    ("notify",),
    ("notify", "request_returns"),
    ("notify", "request_returns", "submit_returns"),
    ("notify", "request_returns", "submit_returns", "meeting"),
    ("notify", "request_returns", "submit_returns", "meeting", "recommend"),
    ("notify", "request_returns", "submit_returns", "meeting", "recommend", "sign_off"),
    ("notify", "request_returns", "submit_returns", "meeting", "recommend", "sign_off", "panel"),
    (
        "notify",
        "request_returns",
        "submit_returns",
        "meeting",
        "recommend",
        "sign_off",
        "panel",
        "decide_national",
    ),
    (
        "notify",
        "request_returns",
        "submit_returns",
        "meeting",
        "recommend",
        "sign_off",
        "panel",
        "decide_alternative",
    ),
    (
        "notify",
        "request_returns",
        "submit_returns",
        "meeting",
        "recommend",
        "sign_off",
        "panel",
        "decide_lcspr",
    ),
    (
        "notify",
        "request_returns",
        "submit_returns",
        "meeting",
        "recommend",
        "sign_off",
        "panel",
        "decide_lcspr",
        "appoint_reviewer",
        "agree_tor",
        "learning",
    ),
    ("not_notify", "close"),
]

SUMMARY = (
    "A child was taken to hospital with injuries that the adults caring for the child could "
    "not explain. Several agencies had contact with the family in the months before."
)


@dataclass
class _People:
    bu: User
    notifier: User
    reviewer: User
    partner_leads: dict[Agency, User]
    agency_leads: dict[str, User]
    agencies: dict[str, Agency]
    themes: list[Theme]

    @classmethod
    def load(cls) -> _People:
        agencies = {a.short_name: a for a in Agency.objects.filter(short_name__in=AGENCY_LEADS)}
        users = {u.email: u for u in User.objects.all() if u.email.endswith("@northvale.example")}
        return cls(
            bu=users[BU],
            notifier=users[NOTIFIER],
            reviewer=users[REVIEWER],
            partner_leads={agencies[k]: users[e] for k, e in PARTNER_LEADS.items()},
            agency_leads={k: users[e] for k, e in AGENCY_LEADS.items()},
            agencies=agencies,
            themes=list(Theme.objects.order_by("pk")),
        )


class _Case:
    """One case on its way through the recipe; dates all follow from the date of awareness."""

    def __init__(self, people: _People, number: int, recipe: tuple[str, ...]):
        self.p = people
        self.number = number
        cal = get_calendar()
        day = today()
        # Fresh concerns land within the notification clock (some due, some overdue); cases
        # further on start far enough back that every recorded date is in the past.
        back = 1 + number % 9 if len(recipe) <= 1 else 30 + number % 40
        self.aware = cal.subtract_working_days(day, back)
        self.sent = cal.add_working_days(self.aware, 1)
        self.returns_due = cal.add_working_days(self.sent, 7)
        self.meeting_on = cal.add_working_days(self.sent, 10)
        self.to_panel = cal.add_working_days(self.sent, 14)
        self.decision = cal.add_working_days(self.to_panel, 5)
        self.case = self._raise()

    def _raise(self) -> Case:
        p, n = self.p, self.number
        raised_by = p.agencies[RAISING[n % len(RAISING)]]
        involved = [p.agencies[k] for k in RETURN_AGENCIES[: 2 + n % 3]]
        themes = [p.themes[(n + i) % len(p.themes)] for i in range(2)] if p.themes else []
        case = services.case_raise(
            by=p.agency_leads[raised_by.short_name],
            raised_by_agency=raised_by,
            lead_agency=p.agencies["NC"],
            pseudonym=f"Child B{n}",
            age_band=AGE_BANDS[n % len(AGE_BANDS)],
            harm=Case.Harm.DIED if n % 5 == 0 else Case.Harm.SERIOUS_HARM,
            looked_after=n % 4 == 0,
            incident_date=self.aware - timedelta(days=1 + n % 3),
            raised_aware_date=self.aware,
            summary=SUMMARY,
            involved_agencies=involved,
            themes=themes,
            subject={
                "child_name": f"Bench Child {n}",
                "postcode": "NV1 0AA",
                "date_of_birth": self.aware - timedelta(days=200 + 30 * n),
                "residence_local_authority": "Northvale Council",
            },
            subject_reason="Generated for the benchmark",
        )
        return services.case_update(
            case=case, by=p.bu, expected_version=case.version, case_officer=p.bu
        )

    # --- steps ----------------------------------------------------------------------------

    def _decide(self, name: str, fields: dict) -> None:
        n = IncidentNotification.objects.get(case=self.case)
        services.notification_decide(
            notification=n,
            by=self.p.notifier,
            name=name,
            expected_version=n.version,
            fields={
                "abuse_or_neglect": True,
                "death_or_serious_harm": True,
                "looked_after_child": self.case.looked_after,
                "la_aware_date": self.aware,
                "decision_date": self.sent,
                **fields,
            },
        )

    def notify(self) -> None:
        self._decide(
            "notify",
            {
                "sent_date": self.sent,
                "panel_reference": f"SIN-{self.sent:%Y}-B{self.number:05d}",
                "partners_informed_date": self.sent,
                "partnership_copy_date": self.sent,
            },
        )

    def not_notify(self) -> None:
        self._decide(
            "not_notify",
            {"not_notified_reasons": "The criteria for a serious incident are not met."},
        )

    @property
    def rr(self) -> RapidReview:
        return RapidReview.objects.select_related("case").get(case=self.case)

    @property
    def lr(self) -> LocalReview:
        return LocalReview.objects.select_related("case").get(case=self.case)

    def _rr_update(self, **fields) -> None:
        rr = self.rr
        services.rapid_review_update(rr=rr, by=self.p.bu, expected_version=rr.version, **fields)

    def _rr_move(self, name: str) -> None:
        rr = self.rr
        services.rapid_review_transition(
            rr=rr, by=self.p.bu, name=name, expected_version=rr.version
        )

    def _lr_move(self, name: str) -> None:
        lr = self.lr
        services_local.local_review_transition(
            review=lr, by=self.p.bu, name=name, expected_version=lr.version
        )

    def request_returns(self) -> None:
        rr = self.rr
        services.rapid_review_request_returns(
            rr=rr,
            by=self.p.bu,
            expected_version=rr.version,
            agencies=[self.p.agencies[k] for k in RETURN_AGENCIES],
            due_date=self.returns_due,
        )

    def submit_returns(self) -> None:
        returns = AgencyReturn.objects.filter(rapid_review__case=self.case).select_related("agency")
        for ret in returns:
            services.agency_return_save(
                ret=ret,
                by=self.p.agency_leads.get(ret.agency.short_name, self.p.bu),
                expected_version=ret.version,
                submit=True,
                involvement="Contact with the family in the year before the incident.",
                key_practice_episodes="A referral was closed without a home visit.",
                immediate_safety_actions="Records flagged; siblings' plans reviewed.",
                early_learning="Information held by one agency was not shared with the others.",
            )

    def meeting(self) -> None:
        services.rapid_review_share_pack(rr=self.rr, by=self.p.bu)
        self._rr_update(
            meeting_date=self.meeting_on,
            attendees="Delegated safeguarding partners; agency leads; business unit.",
            facts="Five agencies had contact with the family in the previous four months.",
            immediate_actions="Strategy meeting held; siblings are safe with a relative.",
            family_context="Young parents; low income; insecure private tenancy.",
        )
        self._rr_move("record_meeting")

    def recommend(self) -> None:
        self._rr_update(
            recommendation=RapidReview.Recommendation.LOCAL_REVIEW,
            criterion_improvements=True,
            recommendation_reasons="Agencies held information that together showed risk.",
        )
        self._rr_move("recommend")

    def sign_off(self) -> None:
        for agency, lead in self.p.partner_leads.items():
            services.partner_sign_off(
                case=self.case,
                by=lead,
                stage=PartnerSignOff.Stage.RAPID_REVIEW,
                agency=agency,
                comment="Agree with the recommendation.",
            )
        self._rr_move("complete_sign_off")

    def panel(self) -> None:
        self._rr_update(sent_to_panel_date=self.to_panel)
        self._rr_move("send_to_panel")

    def _decide_review(self, decision: str) -> None:
        self._rr_update(
            decision=decision,
            decision_date=self.decision,
            decision_reasons="Decided by the safeguarding partners after the Panel's advice.",
        )
        self._rr_move("decide")

    def decide_national(self) -> None:
        self._decide_review(RapidReview.Decision.NATIONAL)

    def decide_alternative(self) -> None:
        self._decide_review(RapidReview.Decision.ALTERNATIVE)

    def decide_lcspr(self) -> None:
        self._decide_review(RapidReview.Decision.LCSPR)

    def appoint_reviewer(self) -> None:
        services.reviewer_appoint(
            case=self.case,
            by=self.p.bu,
            email=self.p.reviewer.email,
            full_name=self.p.reviewer.full_name,
            agency=self.p.agencies["NC"],
            access_ends_on=add_months(max(self.decision, today()), 9),
        )
        self._lr_move("confirm_reviewer")

    def agree_tor(self) -> None:
        lr = self.lr
        services_local.local_review_update(
            review=lr,
            by=self.p.bu,
            expected_version=lr.version,
            terms_of_reference="The year before the incident; information sharing.",
            methodology="Systems approach with a practitioner learning event.",
        )
        self._lr_move("agree_tor")

    def learning(self) -> None:
        p = self.p
        for i in range(2):
            lesson = services_local.lesson_add(
                case=self.case,
                by=p.bu,
                text=f"Lesson {i + 1}: concerns were held by single agencies.",
                themes=p.themes[:1],
            )
            rec = services_local.recommendation_add(
                case=self.case,
                by=p.bu,
                text=f"Recommendation {i + 1}: agree a shared route for concerns.",
                lesson=lesson,
            )
            services_local.recommendation_action_add(
                recommendation=rec,
                by=p.bu,
                description="Agree and brief a shared route for low-level concerns.",
                expected_change="Concerns reach the front door within two working days.",
                owner_agency=p.agencies[RETURN_AGENCIES[i]],
                due_date=get_calendar().add_working_days(today(), 20 + 5 * i),
            )

    def close(self) -> None:
        case = Case.objects.get(pk=self.case.pk)
        services.case_close(case=case, by=self.p.bu, reason="No further work is needed.")

    def run(self, recipe: tuple[str, ...]) -> Case:
        for step in recipe:
            getattr(self, step)()
            self.case = Case.objects.get(pk=self.case.pk)
        return self.case


def generate_cases(count: int, *, start: int = 0) -> dict[str, int]:
    """Make `count` cases (numbers start .. start + count - 1). Returns cases made by stage."""
    seed_base()
    people = _People.load()
    stages: Counter[str] = Counter()
    for number in range(start, start + count):
        recipe = RECIPES[number % len(RECIPES)]
        with transaction.atomic():
            case = _Case(people, number, recipe).run(recipe)
        stages[case.stage] += 1
    return dict(stages)
