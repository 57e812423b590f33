"""Demo cases for the local demo and benchmarks: a case at every stage, some overdue."""

from __future__ import annotations

from sightline.accounts.models import Agency, User
from sightline.core.calendar import subtract_months
from sightline.core.clocks import get_calendar, today
from sightline.reviews import services
from sightline.reviews.models import Case, IncidentNotification
from sightline.reviews.scenario import Partnership, advance_case

# pseudonym, point reached, working days since awareness (or months since the decision),
# invented name for the restricted record
DEMO_CASES = [
    ("Child A", "concern", 1, None, "Ellis Marden"),
    ("Baby B", "concern", 7, None, "Ruby Castell"),
    ("Child C", "returns_requested", 6, None, "Oscar Pennick"),
    ("Child D", "recommended", 19, None, "Lily Farrant"),
    ("Child E", "sent_to_panel", 18, None, "Noah Quilley"),
    ("Baby F", "evidence", None, 2, "Isla Brenton"),
    ("Child G", "partner_qa", None, 7, "Theo Marchant"),
    ("Child H", "ready_for_publication", None, 5, "Freya Ashdown"),
]


def demo_cast() -> Partnership:
    def agency(short: str) -> Agency:
        return Agency.objects.get(short_name=short)

    def user(email: str) -> User:
        return User.objects.get(email=email)

    council = agency("NC")
    return Partnership(
        council=council,
        icb=agency("ICB"),
        police=agency("Police"),
        trust=agency("NHFT"),
        school=agency("Education"),
        reviewers=council,
        bu=user("business.unit@northvale.example"),
        notifier=user("la.lead@northvale.example"),
        practitioner=user("practitioner@northvale.example"),
        scrutineer=user("scrutineer@northvale.example"),
        admin=user("admin@northvale.example"),
        partner_leads={
            "council": user("la.partner@northvale.example"),
            "icb": user("icb.partner@northvale.example"),
            "police": user("police.partner@northvale.example"),
        },
        agency_leads={
            "council": user("la.lead@northvale.example"),
            "icb": user("icb.lead@northvale.example"),
            "police": user("police.lead@northvale.example"),
            "trust": user("health.lead@northvale.example"),
            "school": user("school.lead@northvale.example"),
        },
    )


def seed_demo_cases() -> int:
    """Create the demo cases once; returns how many were created."""
    if Case.objects.exists():
        return 0
    cast = demo_cast()
    cal = get_calendar()
    day = today()
    made = 0
    for pseudonym, to, days_ago, months_ago, name in DEMO_CASES:
        options = {
            "pseudonym": pseudonym,
            "reviewer_email": "reviewer@northvale.example",
            "subject": {"child_name": name},
        }
        if months_ago is not None:
            decision = subtract_months(day, months_ago)
            options["decision_date"] = decision
            options["aware_date"] = cal.subtract_working_days(decision, 30)
        else:
            options["aware_date"] = cal.subtract_working_days(day, days_ago)
        advance_case(cast, to, **options)
        made += 1
    # A concern the local authority decided not to notify, referred to Line of Sight learning.
    case = advance_case(
        cast,
        "concern",
        pseudonym="Child J",
        aware_date=cal.subtract_working_days(day, 40),
        subject={"child_name": "Harvey Lund"},
    )
    notification = IncidentNotification.objects.get(case=case)
    services.notification_decide(
        notification=notification,
        by=cast.notifier,
        name="not_notify",
        expected_version=notification.version,
        fields={
            "abuse_or_neglect": False,
            "death_or_serious_harm": True,
            "looked_after_child": False,
            "la_aware_date": case.aware_date,
            "decision_date": cal.subtract_working_days(day, 37),
            "not_notified_reasons": "The injury was accidental; no abuse or neglect suspected. "
            "Practice learning about supervision in the home is referred to Line of Sight.",
            "referred_to_line_of_sight": True,
        },
    )
    return made + 1
