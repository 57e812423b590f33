"""Action plans, actions and progress updates for the benchmark volume (`seed_demo --scale`).

Plans are spread over ten years; each action's status follows from its age the way a
partnership's would: actions long past their due date are mostly signed off (some complete,
some carried into a later plan, some still open and overdue), recent ones mostly open. Every
action has a valid plan, an active owner agency, an owner who works there (or none), dates in
order, the fields its status needs (impact statement, sign-off, the plan it was carried into)
and a version that counts its moves. Progress updates fall between an action's creation and
its end, written by its owner, its agency's lead or the business unit.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sightline.actions.models import Action, ActionPlan, ActionStatus, ActionUpdate
from sightline.core.demo_scale import YEARS, World, no_auto_now
from sightline.core.models import Theme
from sightline.core.references import next_reference

S = ActionStatus
SOURCES = [
    ("priority", 25),
    ("scrutiny", 15),
    ("review", 15),
    ("rapid_review", 15),
    ("line_of_sight", 10),
    ("audit", 15),
    ("other", 5),
]
PLAN_TITLES = [
    "Neglect strategy",
    "Front door scrutiny",
    "Safer sleep",
    "Exploitation audit",
    "Domestic abuse pathway",
    "Missing children",
    "Transitions to adulthood",
    "Mental health in schools",
    "Early help assurance",
    "Was not brought",
    "Fathers and male carers",
    "Escalation and challenge",
    "Online harm",
    "Section 11 audit",
    "Bruising in non-mobile babies",
    "Housing and homelessness",
]
LESSONS = [
    "Information held by one agency was not shared with the others.",
    "Missed health appointments were not followed up.",
    "Fathers and male carers were not seen or assessed.",
    "The child's voice was not recorded in assessments.",
    "Escalation between agencies was rarely used.",
    "Concerns about home conditions were recorded but never brought together.",
    "Referrals were closed without a home visit.",
    "Practitioners did not recognise the signs of exploitation.",
]
ACTIONS = [
    "Brief every team on the {topic} protocol and check use in supervision.",
    "Audit {n} cases against the {topic} standard and report to the assurance group.",
    "Add {topic} prompts to the assessment template and the case recording system.",
    "Run practitioner learning events on {topic} across the partnership.",
    "Agree a shared route for {topic} concerns with the front door.",
    "Review the {topic} policy with partners and publish the revised version.",
]
TOPICS = [
    "neglect",
    "safer sleep",
    "professional curiosity",
    "domestic abuse",
    "exploitation",
    "missing children",
    "information sharing",
    "escalation",
    "bruising",
    "self-harm",
]
CHANGES = [
    "Audit shows the standard met in {p}% of cases by the due date.",
    "Every referral is screened within {d} working days.",
    "Practitioners report confidence in the {topic} route in the annual survey.",
    "Repeat referrals for {topic} fall by a fifth over the year.",
]
NOTES = [
    "Briefed team managers; the plan is agreed with the service lead.",
    "Training delivered to {n} staff; feedback collected.",
    "Audit of {n} cases under way; first findings to the next group meeting.",
    "Delayed by staff sickness; a new date is agreed with the lead.",
    "Policy drafted and shared with partners for comment.",
    "Evidence of use seen in supervision records for {n} cases.",
]
IMPACT = "Audit of {n} cases shows the new route used in {m}; practitioners report it helps."


class Refs:
    """Next free references per prefix, counted locally after one look at the table."""

    def __init__(self, model):
        self.model, self.next = model, {}

    def __call__(self, prefix: str) -> str:
        if prefix not in self.next:
            self.next[prefix] = int(next_reference(self.model, prefix).rsplit("-", 1)[1])
        number = self.next[prefix]
        self.next[prefix] += 1
        return f"{prefix}-{number:04d}"


def _status_for(rng, due_days_ago: int) -> str:
    """A final status that fits how long ago the action was due (negative: due in future)."""
    if due_days_ago > 120:
        table = [
            (S.SIGNED_OFF, 72),
            (S.COMPLETE, 8),
            (S.CARRIED_FORWARD, 6),
            (S.NOT_STARTED, 3),
            (S.ON_TRACK, 5),
            (S.AT_RISK, 6),
        ]
    elif due_days_ago > 0:
        table = [
            (S.SIGNED_OFF, 35),
            (S.COMPLETE, 20),
            (S.CARRIED_FORWARD, 5),
            (S.AT_RISK, 20),
            (S.ON_TRACK, 15),
            (S.NOT_STARTED, 5),
        ]
    else:
        table = [
            (S.NOT_STARTED, 25),
            (S.ON_TRACK, 45),
            (S.AT_RISK, 15),
            (S.COMPLETE, 10),
            (S.SIGNED_OFF, 5),
        ]
    return rng.choices([s for s, _ in table], weights=[w for _, w in table])[0]


MOVES = {
    S.NOT_STARTED: 0,
    S.ON_TRACK: 1,
    S.AT_RISK: 1,
    S.COMPLETE: 2,
    S.SIGNED_OFF: 3,
    S.CARRIED_FORWARD: 1,
}


def seed(w: World) -> None:
    rng, day = w.rng, w.day
    themes = list(Theme.objects.filter(active=True).order_by("pk"))
    plan_refs = Refs(ActionPlan)
    plans = []
    for n in range(w.volume.plans):
        created = w.moment(day - timedelta(days=w.days_ago(30, YEARS * 365)))
        title = f"{rng.choice(PLAN_TITLES)} {created.year} to {created.year + 1}"
        plans.append(
            ActionPlan(
                reference=plan_refs(f"AP-{created.year}"),
                title=title if n % 7 else f"{title}: recommendations",
                source=rng.choices([s for s, _ in SOURCES], weights=[x for _, x in SOURCES])[0],
                summary="Agreed by the Safeguarding Performance, Practice and Assurance Group.",
                created_at=created,
                updated_at=created,
                created_by=rng.choice(w.business_unit or [w.bu]),
                updated_by=w.bu,
            )
        )
    ActionPlan.objects.bulk_create(plans, batch_size=1000)
    plans.sort(key=lambda p: p.created_at)
    through = ActionPlan.themes.through
    through.objects.bulk_create(
        [
            through(actionplan_id=p.pk, theme_id=t.pk)
            for p in plans
            for t in rng.sample(themes, rng.randint(1, 3))
        ]
    )
    _actions(w, plans, themes)


def _actions(w: World, plans: list[ActionPlan], themes: list[Theme]) -> None:
    rng, day = w.rng, w.day
    big = w.agencies[:8]
    refs = Refs(Action)
    wanted = max(0, w.volume.actions - Action.objects.count())
    office = w.business_unit or [w.bu]
    actions, stories = [], []
    for _ in range(wanted):
        index = rng.randrange(len(plans))
        plan = plans[index]
        created = plan.created_at + timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600))
        if created.date() > day:
            created = plan.created_at
        due = created.date() + timedelta(days=rng.randint(60, 540))
        status = _status_for(rng, (day - due).days)
        agency = rng.choice(big) if rng.random() < 0.6 else rng.choice(w.agencies)
        staff = w.people_of(agency.pk)
        owner = rng.choice(staff) if staff and rng.random() < 0.7 else None
        later = plans[index + 1 :]
        carried_to = rng.choice(later[:200]) if status == S.CARRIED_FORWARD and later else None
        if status == S.CARRIED_FORWARD and carried_to is None:
            status = S.AT_RISK
        end = min(day, due + timedelta(days=rng.randint(-30, 90)))
        end = max(end, created.date())
        signed_at = w.moment(end) if status == S.SIGNED_OFF else None
        topic = rng.choice(TOPICS)
        done = status in (S.COMPLETE, S.SIGNED_OFF)
        actions.append(
            Action(
                plan=plan,
                reference=refs(f"ACT-{created.year}"),
                lesson=rng.choice(LESSONS),
                description=rng.choice(ACTIONS).format(topic=topic, n=rng.randint(10, 60)),
                expected_change=rng.choice(CHANGES).format(
                    p=rng.randint(70, 95), d=rng.randint(1, 5), topic=topic
                ),
                owner_agency=agency,
                owner=owner,
                due_date=due,
                status=status,
                impact_statement=IMPACT.format(n=40, m=rng.randint(25, 40)) if done else "",
                signed_off_at=signed_at,
                signed_off_by=rng.choice(office) if signed_at else None,
                carried_to=carried_to,
                created_at=created,
                updated_at=w.moment(end) if status != S.NOT_STARTED else created,
                created_by=rng.choice(office),
                updated_by=owner or rng.choice(office),
                version=1 + MOVES[status],
            )
        )
        stories.append((created.date(), end, owner, agency.pk))
    Action.objects.bulk_create(actions, batch_size=1000)
    through = Action.themes.through
    through.objects.bulk_create(
        [
            through(action_id=a.pk, theme_id=t.pk)
            for a in actions
            for t in rng.sample(themes, rng.choice((0, 1, 1, 2)))
        ],
        batch_size=5000,
    )
    _updates(w, actions, stories)


def _updates(w: World, actions: list[Action], stories: list[tuple]) -> None:
    rng = w.rng
    wanted = max(0, w.volume.updates - ActionUpdate.objects.count())
    if not actions or not wanted:
        return
    counts = Counter(rng.randrange(len(actions)) for _ in range(wanted))
    office = w.business_unit or [w.bu]
    rows = []
    for i, k in counts.items():
        action, (start, end, owner, agency_id) = actions[i], stories[i]
        leads = w.leads_by_agency.get(agency_id) or office
        span = max(0, (end - start).days)
        dates = sorted(start + timedelta(days=rng.randint(0, span)) for _ in range(k))
        for j, on in enumerate(dates):
            last = j == len(dates) - 1
            if last and action.status in (S.COMPLETE, S.SIGNED_OFF):
                after = S.COMPLETE
            elif last and action.status in (S.ON_TRACK, S.AT_RISK, S.NOT_STARTED):
                after = action.status
            else:
                after = S.AT_RISK if rng.random() < 0.2 else S.ON_TRACK
            rows.append(
                ActionUpdate(
                    action_id=action.pk,
                    on_date=on,
                    note=rng.choice(NOTES).format(n=rng.randint(5, 80)),
                    status_after=after,
                    author=owner or rng.choice(leads),
                    created_at=w.moment(on),
                )
            )
    with no_auto_now(ActionUpdate, "created_at"):
        ActionUpdate.objects.bulk_create(rows, batch_size=2000)
