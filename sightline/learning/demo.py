"""Demo 7-minute briefings for the fictional Northvale partnership (see sightline/core/demo.py).

`seed_demo_briefings()` adds two published briefings (one sent to five agencies, three of which
have acknowledged it and one of which is overdue), one in review and one draft. It runs once:
it does nothing if any briefing exists or the demo users are missing."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from sightline.accounts.models import Agency, User
from sightline.core.calendar import add_months
from sightline.core.clocks import get_calendar, today
from sightline.core.models import Theme
from sightline.learning import services
from sightline.learning.models import Briefing, Dissemination

BU = "business.unit@northvale.example"
APPROVER = "la.partner@northvale.example"

BRUISING = {
    "title": "Bruising in babies who are not yet mobile",
    "source": Briefing.Source.RAPID_REVIEW,
    "topic": "Rapid review of serious harm to a baby, 2026",
    "themes": [
        "Bruising in non-mobile babies",
        "Fathers and male carers",
        "Professional curiosity",
    ],
    "section_1": (
        "Baby F was ten weeks old when she was taken to the emergency department with a small "
        "bruise on her cheek. Her mother said an older sibling had hit her with a toy, and she "
        "went home the same day.\n"
        "Two weeks later she was admitted with a broken arm. The health visitor had seen her "
        "twice and the police had attended the home after an argument between her parents. "
        "Her father was not seen by any professional."
    ),
    "section_2": (
        "A bruise on a baby who cannot yet roll over or crawl is rare. It can be the first sign "
        "of physical abuse, and abuse that is missed often gets worse.\n"
        "Nationally, reviews of serious harm to babies keep finding the same thing: a minor "
        "injury, explained away, weeks before a serious one."
    ),
    "section_3": (
        "The partnership's protocol says that every bruise or mark on a baby who is not yet "
        "mobile leads to a referral to children's social care and a paediatric assessment on "
        "the same day, whatever the explanation given.\n"
        "It applies in every setting: emergency departments, GP surgeries, health visiting, "
        "early years and police attendance."
    ),
    "section_4": (
        "Staff accepted a plausible explanation without checking it against the baby's "
        "development. A ten-week-old is not mobile, and a sibling's toy does not explain the "
        "pattern of the bruise.\n"
        "Nobody asked who else looked after Baby F, so her father's history of violence in a "
        "previous relationship was not known."
    ),
    "section_5": (
        "Agencies held pieces of the picture but did not share them. The police call-out was "
        "not passed to the health visitor, and the emergency department did not know about "
        "the domestic abuse.\n"
        "Fathers and male carers are too often invisible to services that mainly see mothers."
    ),
    "section_6": (
        "The midwife recorded both parents at booking and offered safer sleep advice to the "
        "father as well as the mother. This is the practice we want to see everywhere.\n"
        "Once the referral was made, the strategy discussion happened within a day and the "
        "baby was safeguarded."
    ),
    "section_7": (
        "Follow the protocol every time: refer the same day and arrange a paediatric "
        "assessment, even if you think the explanation is true.\n"
        "Ask who lives in the household and who cares for the baby, and record the father's "
        "details. Share what you know with the health visitor and the GP.\n"
        "Read the full protocol on the partnership website and discuss this briefing at your "
        "next team meeting."
    ),
    "reflective_questions": (
        "Would you know what to do if a baby who is not yet mobile had a bruise?\n"
        "How do you find out who else cares for a baby in the family?\n"
        "When did you last speak directly to a father or male carer?\n"
        "Who would you tell if a family's explanation did not seem right?"
    ),
}

SAFER_SLEEP = {
    "title": "Safer sleep: talking to every parent and carer",
    "source": Briefing.Source.PRACTICE_REVIEW,
    "topic": "Local child safeguarding practice review into a sudden infant death",
    "themes": [
        "Safe sleep",
        "Sudden unexpected death in infancy (SUDI)",
        "Parental substance misuse",
    ],
    "section_1": (
        "Baby J died suddenly at three months old while sleeping on a sofa with his father, "
        "who had been drinking. His mother had been given safer sleep advice in hospital and "
        "by the health visitor. His father had not."
    ),
    "section_2": (
        "Most sudden unexpected deaths in infancy happen when a baby shares a sofa or bed with "
        "an adult, especially one who has used alcohol or drugs or is very tired. Many of "
        "these deaths can be prevented."
    ),
    "section_3": (
        "Advice works best when it is repeated, practical and given to everyone who looks "
        "after the baby, including fathers, partners and grandparents."
    ),
    "section_4": (
        "Plans change when families are under stress: a house move, a new baby, a night out "
        "or an illness. Ask what the plan is for tonight, not only where the cot is."
    ),
    "section_5": (
        "Parents who use alcohol or drugs need clear advice never to share a sleep surface with "
        "their baby, and help to make a plan for when they have been drinking."
    ),
    "section_6": (
        "Families told us that a short, honest conversation with someone they trusted made "
        "more difference than a leaflet."
    ),
    "section_7": (
        "Give safer sleep advice to every parent and carer at every contact, and record who "
        "you gave it to. Ask about the sleep plan when circumstances change. Use the "
        "partnership's safer sleep assessment tool."
    ),
    "reflective_questions": (
        "Who else looks after the babies you work with overnight?\n"
        "How would you start a conversation about alcohol and sleeping arrangements?"
    ),
}

CURIOSITY = {
    "title": "Professional curiosity and escalation",
    "source": Briefing.Source.LINE_OF_SIGHT,
    "topic": "Line of Sight learning event on neglect, autumn 2026",
    "themes": ["Professional curiosity", "Escalation and challenge", "Neglect"],
    "section_1": (
        "Three brothers lived with their mother, who had a long history of depression. Schools, "
        "the GP and early help were all involved over four years."
    ),
    "section_2": (
        "Neglect builds slowly. Without curiosity and challenge between agencies, children can "
        "live with it for years."
    ),
    "section_3": (
        "Each agency saw a part of the picture: missed appointments, poor attendance, a cold "
        "house. Nobody put the parts together."
    ),
    "section_4": (
        "Practitioners accepted reassurance from the mother without seeing the children's "
        "bedrooms or speaking to the children alone."
    ),
    "section_5": (
        "When the school disagreed with a decision to close the case, it did not use the "
        "escalation policy."
    ),
    "section_6": (
        "The school nurse kept a clear chronology that showed the pattern once it was shared."
    ),
    "section_7": (
        "Look, ask and check. Use the graded care profile for neglect. If you disagree with "
        "another agency's decision, use the escalation policy: it is there to help."
    ),
    "reflective_questions": (
        "When did you last see where a child sleeps?\nWhat stops you escalating a concern?"
    ),
}

NEGLECT_DRAFT = {
    "title": "Missed health appointments and neglect",
    "source": Briefing.Source.AUDIT,
    "topic": "Multi-agency neglect audit, spring 2026",
    "themes": ["Neglect", "Information sharing"],
    "section_1": (
        "The multi-agency audit looked at twelve children where neglect was a concern. In "
        "nine, health appointments had been missed repeatedly."
    ),
    "section_2": (
        "A child who is not brought to appointments misses care they need, and the pattern is "
        "often an early sign of neglect."
    ),
}

# Agencies the first briefing goes to (by short name), and what each has done.
SENT_TO = [
    ("NHFT", "health.lead@northvale.example", "acknowledged"),
    ("Police", "police.lead@northvale.example", "acknowledged"),
    ("Education", "school.lead@northvale.example", "acknowledged"),
    ("ICB", "icb.lead@northvale.example", "overdue"),
    ("NC", "la.lead@northvale.example", "awaiting"),
]
CASCADES = {
    "NHFT": (
        "Emergency department nursing and medical staff; paediatric ward; midwifery",
        86,
        "Every bruise in a non-mobile baby is referred the same day. The named nurse will audit "
        "ten cases in three months.",
    ),
    "Police": (
        "Response teams in the north and south districts; public protection unit",
        140,
        "Officers attending domestic abuse calls will record every baby in the household and "
        "tell the health visiting service the next working day.",
    ),
    "Education": (
        "Early years settings and designated safeguarding leads in primary schools",
        57,
        "Early years staff will report any mark on a baby to the designated lead at once and "
        "follow the protocol.",
    ),
}


def _themes(names: list[str]) -> list[Theme]:
    return list(Theme.objects.filter(name__in=names))


def _create(data: dict, author: User) -> Briefing:
    fields = {k: v for k, v in data.items() if k != "themes"}
    return services.briefing_create(by=author, themes=_themes(data["themes"]), **fields)


def _move(briefing: Briefing, name: str, by: User, **kwargs) -> Briefing:
    briefing.refresh_from_db()
    return services.briefing_transition(
        briefing=briefing, by=by, name=name, expected_version=briefing.version, **kwargs
    )


def seed_demo_briefings() -> bool:
    """Create the demo briefings once. Returns False if there were briefings already or the
    demo partnership has not been created."""
    if Briefing.objects.exists():
        return False
    users = {u.email: u for u in User.objects.filter(email__contains="@northvale.example")}
    if BU not in users or APPROVER not in users:
        return False
    agencies = {a.short_name: a for a in Agency.objects.filter(archived_at__isnull=True)}
    bu, approver = users[BU], users[APPROVER]
    cal = get_calendar()
    day = today()
    with transaction.atomic():
        # 1. Published five weeks ago and sent to five agencies.
        published_on = cal.subtract_working_days(day, 25)
        bruising = _create(BRUISING, bu)
        _move(bruising, "submit", bu)
        _move(bruising, "approve", approver)
        _move(
            bruising,
            "publish",
            bu,
            publish_date=published_on,
            review_date=add_months(published_on, 12),
        )
        recipients = [
            (agencies[s], users.get(e), state) for s, e, state in SENT_TO if s in agencies
        ]
        services.briefing_send(briefing=bruising, by=bu, agencies=[a for a, _, _ in recipients])
        sent_on = cal.subtract_working_days(day, 20)
        sent_at = timezone.now() - timedelta(days=(day - sent_on).days)
        for agency, lead, state in recipients:
            due = (
                cal.add_working_days(day, 4)
                if state == "awaiting"
                else cal.add_working_days(sent_on, 10)
            )
            Dissemination.objects.filter(briefing=bruising, agency=agency).update(
                sent_at=sent_at, acknowledge_by=due
            )
            if state == "acknowledged" and lead is not None:
                teams, staff, changes = CASCADES[agency.short_name]
                dissemination = Dissemination.objects.get(briefing=bruising, agency=agency)
                services.dissemination_acknowledge(
                    dissemination=dissemination,
                    by=lead,
                    expected_version=dissemination.version,
                    teams=teams,
                    cascade_date=cal.add_working_days(sent_on, 6),
                    staff_reached=staff,
                    changes=changes,
                )
        # 2. Published last week, not yet sent.
        safer_sleep = _create(SAFER_SLEEP, bu)
        _move(safer_sleep, "submit", bu)
        _move(safer_sleep, "approve", approver)
        last_week = cal.subtract_working_days(day, 5)
        _move(
            safer_sleep,
            "publish",
            bu,
            publish_date=last_week,
            review_date=add_months(last_week, 12),
        )
        # 3. Waiting for the partner lead's approval.
        curiosity = _create(CURIOSITY, bu)
        _move(curiosity, "submit", bu)
        # 4. A draft still being written.
        _create(NEGLECT_DRAFT, bu)
    return True
