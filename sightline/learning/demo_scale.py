"""7-minute briefings and their dissemination for the benchmark volume (`seed_demo --scale`).

Copies of the demo briefings (made through the services), spread over ten years: the older
ones published, sent to between ten and thirty-five agencies and mostly acknowledged, with the
teams, dates, staff reached and changes an agency records; the newest still in draft or review.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from sightline.actions.demo_scale import Refs
from sightline.core.clocks import get_calendar
from sightline.core.demo_scale import YEARS, World, shifted
from sightline.learning.models import Briefing, Dissemination

S = Briefing.Status
TOPICS = [
    "Safer sleep",
    "Neglect and home conditions",
    "Exploitation outside the home",
    "Domestic abuse and babies",
    "Was not brought",
    "Self-harm in teenagers",
    "Professional curiosity",
    "Fathers and male carers",
    "Online harm",
    "Missing children",
    "Escalation and challenge",
    "Bruising in babies who are not yet mobile",
]
TEAMS = "Emergency department; paediatric wards; health visiting; school nursing"
CHANGES = "Teams add the briefing to supervision and check its use in the next audit."


def seed(w: World) -> None:
    rng, day = w.rng, w.day
    demo = list(Briefing.objects.order_by("pk"))
    published = [b for b in demo if b.status == S.PUBLISHED and b.disseminations.exists()]
    unfinished = [b for b in demo if b.status in (S.DRAFT, S.IN_REVIEW)]
    if not published:
        return
    refs = Refs(Briefing)
    wanted = max(0, w.volume.briefings - len(demo))
    clones, plans = [], []
    for _ in range(wanted):
        age = w.days_ago(0, YEARS * 365)
        template = rng.choice(unfinished) if age < 40 and unfinished else published[0]
        template_age = (day - (template.publish_date or template.created_at.date())).days
        shift = timedelta(weeks=max(0, round((age - template_age) / 7)))
        created = template.created_at - shift
        topic = rng.choice(TOPICS)
        clones.append(
            shifted(
                template,
                shift,
                reference=refs(f"7MB-{created.year}"),
                title=f"{topic} ({created.year})",
                author_id=rng.choice(w.business_unit or [w.bu]).pk,
            )
        )
        plans.append((template, shift))
    Briefing.objects.bulk_create(clones, batch_size=500)
    Through = Briefing.themes.through
    themes = {b.pk: list(b.themes.values_list("pk", flat=True)) for b in demo}
    Through.objects.bulk_create(
        [
            Through(briefing_id=c.pk, theme_id=t)
            for c, (tpl, _) in zip(clones, plans, strict=True)
            for t in themes[tpl.pk]
        ]
    )
    rows = []
    office = w.business_unit or [w.bu]
    cal, days = get_calendar(), settings.SIGHTLINE_ACKNOWLEDGE_WORKING_DAYS
    for briefing in clones:
        if briefing.status != S.PUBLISHED:
            continue
        sent_on = briefing.publish_date + timedelta(days=rng.randint(1, 10))
        if sent_on > day:
            continue
        for agency in rng.sample(w.agencies, min(len(w.agencies), rng.randint(10, 35))):
            due = cal.add_working_days(sent_on, days)  # as acknowledge_by_date() does
            acknowledged = rng.random() < (0.9 if due < day else 0.4)
            lead = (w.leads_by_agency.get(agency.pk) or [None])[0]
            ack_on = min(day, sent_on + timedelta(days=rng.randint(1, 25)))
            rows.append(
                Dissemination(
                    briefing=briefing,
                    agency=agency,
                    sent_at=w.moment(sent_on),
                    sent_by=rng.choice(office),
                    acknowledge_by=due,
                    acknowledged_at=w.moment(ack_on) if acknowledged and lead else None,
                    acknowledged_by=lead if acknowledged else None,
                    teams=TEAMS if acknowledged and lead else "",
                    cascade_date=ack_on if acknowledged and lead else None,
                    staff_reached=rng.randint(5, 400) if acknowledged and lead else None,
                    changes=CHANGES if acknowledged and lead else "",
                    created_at=w.moment(sent_on),
                    updated_at=w.moment(ack_on),
                    created_by=rng.choice(office),
                    updated_by=lead or w.bu,
                    version=2 if acknowledged and lead else 1,
                )
            )
    Dissemination.objects.bulk_create(rows, batch_size=2000)
