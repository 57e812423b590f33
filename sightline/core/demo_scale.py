"""Ten years of a large partnership, for benchmarks: `seed_demo --scale 1`.

At scale 1: 40 agencies, 2,000 users with memberships across the roles, about 1,000 review
cases at every stage, 50,000 actions with 100,000 progress updates across their plans, 7-minute
briefings sent to agencies, publication plans, in-app notifications and (with a catalogue file)
5,000 library items. A fraction (`--scale 0.02`) gives a small partnership of the same shape.

A representative few records are made through the services (the demo partnership, its cases,
briefings and publications, and one case for each further point a case can reach); the mass is
copied from those with `bulk_create`, dates moved back by whole weeks so that every copy is the
record the services would have made that many weeks earlier. Each app's part is in its own
`demo_scale.py`. The event log is written only for the records made through the services: the
history of a bulk record is empty, and nothing reads the chain for those.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from sightline.accounts.models import Agency, Duty, Membership, Role, User
from sightline.core.clocks import today
from sightline.core.models import Notification

YEARS = 10
FIRST = [
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Emily",
    "Farah",
    "George",
    "Hannah",
    "Imran",
    "Jess",
    "Kieran",
    "Laura",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Poppy",
    "Rhys",
    "Sophie",
    "Tom",
    "Usha",
    "Victoria",
    "William",
    "Yusuf",
    "Zoe",
    "Adam",
    "Bethany",
    "Callum",
    "Deepa",
    "Ellis",
    "Grace",
    "Harry",
    "Isla",
    "Jamal",
    "Katie",
    "Liam",
    "Megan",
    "Nathan",
    "Olivia",
    "Priya",
    "Ryan",
]
LAST = [
    "Ahmed",
    "Baker",
    "Clarke",
    "Davies",
    "Evans",
    "Fletcher",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "O'Brien",
    "Patel",
    "Roberts",
    "Singh",
    "Taylor",
    "Walker",
    "Wright",
    "Young",
    "Begum",
    "Cooper",
    "Edwards",
    "Harris",
    "Kaur",
    "Mitchell",
    "Price",
    "Shaw",
    "Turner",
    "Ward",
    "Wood",
    "Bennett",
    "Chapman",
    "Doyle",
]
AGENCY_NAMES = [
    ("Northvale Ambulance Service NHS Trust", "NAS", "relevant_agency"),
    ("Northvale Mental Health NHS Trust", "NMHT", "relevant_agency"),
    ("Northvale Fire and Rescue Service", "Fire", "relevant_agency"),
    ("Northvale Housing Partnership", "Housing", "relevant_agency"),
    ("Northvale Early Years Service", "Early Years", "relevant_agency"),
    ("Northvale Further Education College", "College", "relevant_agency"),
    ("Northvale Children's Hospice", "Hospice", "other"),
    ("Northvale Women's Aid", "Women's Aid", "other"),
    ("Northvale Drug and Alcohol Service", "Recovery", "relevant_agency"),
    ("Northvale CAFCASS team", "CAFCASS", "relevant_agency"),
    ("Northvale Adult Social Care", "ASC", "relevant_agency"),
    ("Northvale Public Health", "Public Health", "relevant_agency"),
    ("St Mary's Catholic Academy Trust", "St Mary's", "relevant_agency"),
    ("Northvale Learning Trust", "NLT", "relevant_agency"),
    ("Riverside Multi-Academy Trust", "Riverside", "relevant_agency"),
    ("Northvale Independent Schools Group", "Independent schools", "other"),
    ("Northvale Sports Partnership", "Sport", "other"),
    ("Northvale Faith Forum", "Faith", "other"),
    ("Northvale Family Hubs", "Family Hubs", "relevant_agency"),
    ("Northvale Virtual School", "Virtual School", "relevant_agency"),
    ("Northvale GP Federation", "GP Federation", "relevant_agency"),
    ("Northvale Dental Network", "Dental", "other"),
    ("Northvale Community Rehabilitation", "CRC", "relevant_agency"),
    ("Northvale Prison Service", "HMP", "relevant_agency"),
    ("Northvale Border Force team", "Border Force", "other"),
    ("British Transport Police, Northvale", "BTP", "relevant_agency"),
    ("Northvale Children's Homes Ltd", "Homes", "other"),
    ("Northvale Fostering Network", "Fostering", "other"),
    ("Northvale Youth Service", "Youth", "relevant_agency"),
    ("Northvale Sexual Health Service", "Sexual Health", "relevant_agency"),
    ("Northvale Libraries and Leisure", "Leisure", "other"),
    ("Northvale Voluntary Action", "Voluntary", "other"),
]


@dataclass
class Volume:
    """Row counts at scale 1 (ten years of a large partnership), multiplied by the scale."""

    scale: float
    agencies: int = 40
    users: int = 2000
    cases: int = 1000
    actions: int = 50_000
    updates: int = 100_000
    plans: int = 900
    briefings: int = 150
    publication_plans: int = 250
    notifications: int = 40_000

    def __post_init__(self):
        for name in (
            "users",
            "cases",
            "actions",
            "updates",
            "plans",
            "briefings",
            "publication_plans",
            "notifications",
        ):
            setattr(self, name, max(1, round(getattr(self, name) * self.scale)))
        self.agencies = max(8, min(40, round(40 * min(1.0, self.scale * 4))))


@dataclass
class World:
    """What the app parts share while they build: the people and the time line."""

    rng: random.Random
    volume: Volume
    day: date
    bu: User
    business_unit: list[User] = field(default_factory=list)
    partner_leads: list[User] = field(default_factory=list)
    reviewers: list[User] = field(default_factory=list)
    agencies: list[Agency] = field(default_factory=list)
    leads_by_agency: dict[int, list[User]] = field(default_factory=dict)
    staff_by_agency: dict[int, list[User]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def days_ago(self, low: int = 0, high: int = YEARS * 365) -> int:
        return self.rng.randint(low, high)

    def moment(self, on: date, hour_from: int = 8, hour_to: int = 18) -> datetime:
        """An aware datetime during the working day `on`."""
        naive = datetime.combine(on, datetime.min.time()) + timedelta(
            hours=self.rng.randint(hour_from, hour_to - 1), minutes=self.rng.randint(0, 59)
        )
        return timezone.make_aware(naive)

    def people_of(self, agency_id: int) -> list[User]:
        return self.staff_by_agency.get(agency_id) or self.leads_by_agency.get(agency_id) or []


def shifted(obj: models.Model, shift: timedelta, **overrides) -> models.Model:
    """An unsaved copy of `obj` with every date and time moved back by `shift`."""
    model = type(obj)
    values = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        value = getattr(obj, f.attname)
        if value is not None and isinstance(f, models.DateField):
            value = value - shift
        values[f.attname] = value
    values.update(overrides)
    return model(**values)


class no_auto_now:
    """Let bulk_create keep the timestamps given for `auto_now`/`auto_now_add` fields."""

    def __init__(self, model: type[models.Model], *names: str):
        self.fields = [model._meta.get_field(n) for n in names]

    def __enter__(self):
        self.saved = [(f.auto_now, f.auto_now_add) for f in self.fields]
        for f in self.fields:
            f.auto_now = f.auto_now_add = False

    def __exit__(self, *exc):
        for f, (now, add) in zip(self.fields, self.saved, strict=True):
            f.auto_now, f.auto_now_add = now, add


def seed_scale(scale: float, rng: random.Random, catalogue: str | None = None) -> dict:
    """Build the volume on top of the demo partnership. Returns seconds per part."""
    from sightline.actions import demo_scale as actions_scale
    from sightline.core.demo import USERS, seed_base
    from sightline.learning import demo_scale as learning_scale
    from sightline.publishing import demo_scale as publishing_scale
    from sightline.reviews import demo_scale as reviews_scale

    started = time.perf_counter()
    with transaction.atomic():
        seed_base()
    world = World(
        rng=rng, volume=Volume(scale), day=today(), bu=User.objects.get(email=USERS[0][0])
    )
    world.timings["demo"] = time.perf_counter() - started
    steps = [
        ("people", _people),
        ("cases", reviews_scale.seed),
        ("actions", actions_scale.seed),
        ("briefings", learning_scale.seed),
        ("publications", lambda w: publishing_scale.seed(w, catalogue)),
        ("notifications", _notifications),
    ]
    for name, step in steps:
        begun = time.perf_counter()
        with transaction.atomic():
            step(world)
        world.timings[name] = time.perf_counter() - begun
    return {k: round(v, 1) for k, v in world.timings.items()}


# --- People ---------------------------------------------------------------------------------


def _people(w: World) -> None:
    rng, day = w.rng, w.day
    existing = Agency.objects.count()
    new = [
        Agency(
            name=name,
            short_name=short,
            kind=kind,
            email_domains=f"{short.lower().replace(' ', '').replace(chr(39), '')}.example",
            created_at=w.moment(day - timedelta(days=w.days_ago(365, YEARS * 365))),
            created_by=w.bu,
            updated_by=w.bu,
        )
        for name, short, kind in AGENCY_NAMES[: max(0, w.volume.agencies - existing)]
    ]
    for a in new:
        a.updated_at = a.created_at
    Agency.objects.bulk_create(new)
    w.agencies = list(Agency.objects.order_by("pk"))
    partners = [a for a in w.agencies if a.kind == Agency.Kind.SAFEGUARDING_PARTNER]
    password = make_password("northvale-demo-2026")  # the demo password, hashed once
    count = max(0, w.volume.users - User.objects.count())
    # Roles: a business unit of 12, three partner leads per partner, two leads per agency, 25
    # independent reviewers, 2 scrutineers, 3 administrators; practitioners for the rest.
    plan = (
        [(Role.BUSINESS_UNIT, None)] * 12
        + [(Role.PARTNER_LEAD, p) for p in partners for _ in range(3)]
        + [(Role.AGENCY_LEAD, a) for a in w.agencies for _ in range(2)]
        + [(Role.REVIEWER, None)] * 25
        + [(Role.SCRUTINEER, None)] * 2
        + [(Role.SYSTEM_ADMIN, None)] * 3
    )
    if len(plan) > count // 2:  # a small partnership: one of each
        plan = (
            [(Role.BUSINESS_UNIT, None), (Role.REVIEWER, None)]
            + [(Role.PARTNER_LEAD, p) for p in partners]
            + [(Role.AGENCY_LEAD, a) for a in w.agencies]
        )[:count]
    plan += [(Role.PRACTITIONER, None)] * (count - len(plan))
    council = next(a for a in w.agencies if a.short_name == "NC")
    users, roles = [], []
    for n, (role, agency) in enumerate(plan):
        if agency is None:
            agency = council if role != Role.PRACTITIONER else rng.choice(w.agencies)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        domain = agency.domain_list[0] if agency.domain_list else "northvale.example"
        joined = day - timedelta(days=w.days_ago(0, YEARS * 365))
        left = rng.random() < 0.15 and role not in (Role.BUSINESS_UNIT, Role.AGENCY_LEAD)
        users.append(
            User(
                email=f"{first}.{last}.{n}@{domain}".lower().replace("'", ""),
                full_name=f"{first} {last}",
                job_title=Role(role).label,
                password=password,
                is_active=not left,
                date_joined=w.moment(joined),
                last_login=w.moment(day - timedelta(days=rng.randint(0, 60))) if not left else None,
                access_ends_on=day + timedelta(days=rng.randint(-400, 270))
                if role == Role.REVIEWER
                else None,
            )
        )
        roles.append((role, agency, left))
    User.objects.bulk_create(users, batch_size=1000)
    memberships = []
    for user, (role, agency, left) in zip(users, roles, strict=True):
        duties = []
        if role == Role.PARTNER_LEAD and rng.random() < 0.5:
            duties = [str(Duty.PUBLICATION_APPROVER)]
        if role == Role.AGENCY_LEAD and agency.pk == council.pk:
            duties = [str(Duty.INCIDENT_NOTIFIER)]
        stamp = user.date_joined
        memberships.append(
            Membership(
                user=user,
                agency=agency,
                role=role,
                duties=duties,
                active=not left,
                created_at=stamp,
                updated_at=stamp,
                created_by=w.bu,
                updated_by=w.bu,
            )
        )
        if role == Role.PRACTITIONER and rng.random() < 0.08:  # a second agency, as many do
            other = rng.choice(w.agencies)
            if other.pk != agency.pk:
                memberships.append(
                    Membership(
                        user=user,
                        agency=other,
                        role=role,
                        active=not left,
                        created_at=stamp,
                        updated_at=stamp,
                        created_by=w.bu,
                        updated_by=w.bu,
                    )
                )
    Membership.objects.bulk_create(memberships, batch_size=1000)
    _index_people(w)
    for agency in w.agencies:
        leads = w.leads_by_agency.get(agency.pk)
        if agency.safeguarding_lead_id is None and leads:
            Agency.objects.filter(pk=agency.pk).update(safeguarding_lead=leads[0])


def _index_people(w: World) -> None:
    rows = Membership.objects.filter(active=True, user__is_active=True).select_related("user")
    for m in rows.order_by("pk"):
        if m.role == Role.BUSINESS_UNIT:
            w.business_unit.append(m.user)
        elif m.role == Role.PARTNER_LEAD:
            w.partner_leads.append(m.user)
        elif m.role == Role.REVIEWER:
            w.reviewers.append(m.user)
        elif m.role == Role.AGENCY_LEAD:
            w.leads_by_agency.setdefault(m.agency_id, []).append(m.user)
        if m.role in (Role.AGENCY_LEAD, Role.PRACTITIONER):
            w.staff_by_agency.setdefault(m.agency_id, []).append(m.user)


# --- Notifications --------------------------------------------------------------------------


def _notifications(w: World) -> None:
    """In-app notifications like the services send: about actions, cases and briefings, most of
    them read; the business unit gets the most."""
    from sightline.actions.models import Action

    rng, day = w.rng, w.day
    refs = list(Action.objects.values_list("reference", "due_date"))
    refs = rng.sample(refs, min(5000, len(refs)))
    people = list(User.objects.filter(is_active=True).order_by("pk"))
    office = {u.pk for u in w.business_unit} | {w.bu.pk}
    heavy = [u for u in people if u.pk in office]
    rows = []
    for n in range(w.volume.notifications):
        user = rng.choice(heavy) if heavy and rng.random() < 0.35 else rng.choice(people)
        reference, due = rng.choice(refs) if refs else ("ACT-2026-0001", day)
        created = w.moment(day - timedelta(days=int(rng.expovariate(1 / 400)) % (YEARS * 365)))
        kind = n % 3
        subject = (
            f"New action {reference}",
            f"Action {reference} is overdue",
            f"Progress update on action {reference}",
        )[kind]
        read = created + timedelta(hours=rng.randint(1, 200)) if rng.random() < 0.85 else None
        rows.append(
            Notification(
                user=user,
                subject=subject,
                body=f"Due {due:%-d %B %Y}.",
                url=f"/app/actions/{reference}/",
                created_at=created,
                read_at=read if read and read < timezone.now() else None,
                emailed_at=created + timedelta(minutes=1),
                dedupe_key=f"bench-{n}" if kind == 1 else "",
            )
        )
    Notification.objects.bulk_create(rows, batch_size=2000)
