"""The fictional Northvale partnership used by the local demo and the benchmarks."""

from __future__ import annotations

import random

from django.utils import timezone

from sightline.accounts.models import Agency, Duty, Membership, Role, User
from sightline.core.clocks import get_calendar, today
from sightline.core.models import Theme

DEMO_PASSWORD = "northvale-demo-2026"

AGENCIES = [
    (
        "Northvale Council Children's Services",
        "NC",
        Agency.Kind.SAFEGUARDING_PARTNER,
        "northvale.gov.example",
    ),
    ("NHS Northvale Integrated Care Board", "ICB", Agency.Kind.SAFEGUARDING_PARTNER, "nhs.example"),
    ("Northvale Police", "Police", Agency.Kind.SAFEGUARDING_PARTNER, "police.example"),
    (
        "Northvale Hospitals NHS Foundation Trust",
        "NHFT",
        Agency.Kind.RELEVANT_AGENCY,
        "nhft.nhs.example",
    ),
    ("Northvale Community Health", "NCH", Agency.Kind.RELEVANT_AGENCY, "nch.nhs.example"),
    (
        "Northvale Schools and Education",
        "Education",
        Agency.Kind.RELEVANT_AGENCY,
        "schools.example",
    ),
    ("Northvale Probation Service", "Probation", Agency.Kind.RELEVANT_AGENCY, "probation.example"),
    ("Northvale Youth Justice Service", "YJS", Agency.Kind.OTHER, "yjs.example"),
]

# The local authorities among them: they lead and notify serious incidents.
LOCAL_AUTHORITIES = {"NC"}

# email, name, role, agency short name, duties
USERS = [
    ("business.unit@northvale.example", "Priya Shah", Role.BUSINESS_UNIT, "NC", []),
    (
        "la.partner@northvale.example",
        "Martin Hale",
        Role.PARTNER_LEAD,
        "NC",
        [Duty.PUBLICATION_APPROVER],
    ),
    (
        "icb.partner@northvale.example",
        "Dr Ruth Okafor",
        Role.PARTNER_LEAD,
        "ICB",
        [Duty.PUBLICATION_APPROVER],
    ),
    (
        "police.partner@northvale.example",
        "Ch Supt Alan Reeves",
        Role.PARTNER_LEAD,
        "Police",
        [Duty.PUBLICATION_APPROVER],
    ),
    (
        "la.lead@northvale.example",
        "Sarah Bennett",
        Role.AGENCY_LEAD,
        "NC",
        [Duty.INCIDENT_NOTIFIER],
    ),
    ("police.lead@northvale.example", "DI Tom Walsh", Role.AGENCY_LEAD, "Police", []),
    ("health.lead@northvale.example", "Joanne Price", Role.AGENCY_LEAD, "NHFT", []),
    ("icb.lead@northvale.example", "Helen Marsh", Role.AGENCY_LEAD, "ICB", []),
    ("school.lead@northvale.example", "Gareth Lewis", Role.AGENCY_LEAD, "Education", []),
    ("practitioner@northvale.example", "Amira Hussain", Role.PRACTITIONER, "NHFT", []),
    ("reviewer@northvale.example", "Catherine Doyle", Role.REVIEWER, "NC", []),
    ("scrutineer@northvale.example", "Professor Neil Carter", Role.SCRUTINEER, "NC", []),
    ("admin@northvale.example", "Sam Patel", Role.SYSTEM_ADMIN, "NC", []),
]

PLANS = [
    ("Neglect strategy 2026 to 2027", "priority", ["Neglect", "Professional curiosity"]),
    ("Scrutiny of the front door", "scrutiny", ["Information sharing", "Escalation and challenge"]),
    (
        "Safer sleep and bruising protocol",
        "priority",
        ["Safe sleep", "Bruising in non-mobile babies"],
    ),
]

ACTIONS = [
    # plan index, agency, lesson, action, expected change,
    # due offset (working days), status, owner email
    (
        0,
        "NC",
        "Neglect was not recognised early when families moved between areas.",
        "Roll out the graded care profile 2 across early help teams.",
        "Every early help assessment for neglect uses GCP2; audit shows 80% use by March.",
        -12,
        "on_track",
        "la.lead@northvale.example",
    ),
    (
        0,
        "NHFT",
        "Missed health appointments were not followed up.",
        "Introduce a 'was not brought' policy for children's outpatients.",
        "Every missed appointment for a child is followed up within 5 working days.",
        6,
        "at_risk",
        "practitioner@northvale.example",
    ),
    (
        0,
        "Education",
        "Schools did not share attendance concerns with early help.",
        "Add attendance thresholds to the early help referral pathway.",
        "Referrals from schools for persistent absence rise and are screened within 2 days.",
        25,
        "not_started",
        None,
    ),
    (
        1,
        "Police",
        "Domestic abuse notifications reached schools late.",
        "Join Operation Encompass notifications to the daily MASH briefing.",
        "Schools are told before 9am on the next school day in 95% of incidents.",
        -3,
        "not_started",
        "police.lead@northvale.example",
    ),
    (
        1,
        "ICB",
        "GP practices were not invited to strategy discussions.",
        "Agree a named GP contact route for strategy meetings.",
        "GP information is available at 90% of strategy discussions.",
        40,
        "complete",
        "icb.lead@northvale.example",
    ),
    (
        1,
        "NC",
        "Escalation between agencies was rarely used.",
        "Relaunch the escalation policy with team briefings.",
        "Practitioners report confidence in escalating; "
        "escalations are logged and reviewed quarterly.",
        -30,
        "signed_off",
        "la.lead@northvale.example",
    ),
    (
        2,
        "NHFT",
        "Bruising in a non-mobile baby was accepted as accidental.",
        "Train emergency department staff on the bruising in non-mobile babies protocol.",
        "Every bruise in a non-mobile baby leads to a safeguarding referral and paediatric review.",
        8,
        "on_track",
        "health.lead@northvale.example",
    ),
    (
        2,
        "NCH",
        "Safer sleep advice was given to mothers only.",
        "Give safer sleep advice to every parent and carer, including fathers and male carers.",
        "Health visitor records show advice given to both parents in 90% of new-birth visits.",
        3,
        "not_started",
        None,
    ),
    (
        2,
        "ICB",
        "Fathers were invisible in antenatal care.",
        "Record every adult male in the household at antenatal booking.",
        "Audit shows fathers recorded in 85% of bookings.",
        -1,
        "at_risk",
        "icb.lead@northvale.example",
    ),
]


def demo_users():
    shorts = {short: name for name, short, _, _ in AGENCIES}
    return [
        (email, name, Role(role).label, shorts[agency]) for email, name, role, agency, _ in USERS
    ]


def seed_base(*, with_processes: bool = True) -> bool:
    """Create the demo partnership once. Returns False when it is already there."""
    if User.objects.filter(email=USERS[0][0]).exists():
        return False
    from sightline.actions import services as action_services

    agencies = {}
    for name, short, kind, domain in AGENCIES:
        agencies[short] = Agency.objects.create(
            name=name,
            short_name=short,
            kind=kind,
            email_domains=domain,
            is_local_authority=short in LOCAL_AUTHORITIES,
        )
    users = {}
    for email, name, role, agency, duties in USERS:
        user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name)
        if role == Role.REVIEWER:
            user.access_ends_on = today() + timezone.timedelta(days=180)
            user.save(update_fields=["access_ends_on"])
        Membership.objects.create(
            user=user, agency=agencies[agency], role=role, duties=[str(d) for d in duties]
        )
        users[email] = user
    for short, email in [
        ("NC", "la.lead@northvale.example"),
        ("Police", "police.lead@northvale.example"),
        ("NHFT", "health.lead@northvale.example"),
        ("ICB", "icb.lead@northvale.example"),
        ("Education", "school.lead@northvale.example"),
    ]:
        Agency.objects.filter(pk=agencies[short].pk).update(safeguarding_lead=users[email])

    bu = users["business.unit@northvale.example"]
    themes = {t.name: t for t in Theme.objects.all()}
    plans = []
    for title, source, theme_names in PLANS:
        plans.append(
            action_services.action_plan_create(
                by=bu,
                title=title,
                source=source,
                summary="Agreed by the Safeguarding Performance, Practice and Assurance Group.",
                themes=[themes[n] for n in theme_names if n in themes],
            )
        )
    cal = get_calendar()
    day = today()
    for plan_i, agency, lesson, text, change, offset, status, owner in ACTIONS:
        due = (
            cal.add_working_days(day, offset)
            if offset >= 0
            else cal.subtract_working_days(day, -offset)
        )
        action = action_services.action_create(
            by=bu,
            plan=plans[plan_i],
            lesson=lesson,
            description=text,
            expected_change=change,
            owner_agency=agencies[agency],
            owner=users.get(owner) if owner else None,
            due_date=due,
            themes=list(plans[plan_i].themes.all()),
        )
        _walk(action, status, bu, users.get(owner) or bu)
    if with_processes:
        seed_other_processes()
    return True


def seed_other_processes() -> None:
    """Cases, briefings and publications, each app's own demo (idempotent)."""
    from sightline.learning.demo import seed_demo_briefings
    from sightline.publishing.demo import seed_demo_publications
    from sightline.reviews.demo import seed_demo_cases

    seed_demo_cases()
    seed_demo_briefings()
    seed_demo_publications()
    seed_back_catalogue()


def seed_back_catalogue() -> None:
    """The fictional back catalogue of reviews and briefings, imported as a partnership would
    import its older publications (idempotent by id)."""
    from pathlib import Path

    from sightline.publishing.library import import_catalogue

    path = Path(__file__).resolve().parents[1] / "publishing" / "demo_data" / "back_catalogue.jsonl"
    with path.open(encoding="utf-8") as handle:
        import_catalogue(handle)


def _walk(action, status: str, bu, owner) -> None:
    from sightline.actions import services as action_services

    steps = {
        "not_started": [],
        "on_track": [("start", owner, "", None)],
        "at_risk": [
            ("flag_at_risk", owner, "Staff sickness has delayed the training programme.", None)
        ],
        "complete": [
            ("start", owner, "", None),
            ("complete", owner, "", "Audit of 40 cases shows the new route used in 36."),
        ],
        "signed_off": [
            ("start", owner, "", None),
            ("complete", owner, "", "Escalations logged rose from 3 to 21 a quarter."),
            ("sign_off", bu, "", None),
        ],
    }[status]
    if status != "not_started":
        action_services.action_progress_add(
            action=action,
            by=owner,
            note="Briefed team managers; plan agreed with the service lead.",
        )
    for name, by, note, impact in steps:
        action.refresh_from_db()
        action_services.action_transition(
            action=action,
            by=by,
            name=name,
            expected_version=action.version,
            note=note,
            impact_statement=impact,
        )


def seed_scale(scale: float, rng: random.Random, catalogue: str | None = None) -> dict:
    """Ten years of a large partnership at scale 1 (see sightline/core/demo_scale.py)."""
    from sightline.core.demo_scale import seed_scale as build

    return build(scale, rng, catalogue)
