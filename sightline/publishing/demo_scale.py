"""Publication plans and the library for the benchmark volume (`seed_demo --scale`).

The library items come from a back-catalogue file (one JSON object a line, as
`library_import` reads), imported and indexed by `import_catalogue()` exactly as the command
does. Publication plans are copies of the demo plans (made through the services), spread over
ten years: most published, each published copy the plan behind one of the imported items, some
withheld, and a few recent ones scheduled with their two approvals.
"""

from __future__ import annotations

from datetime import timedelta

from sightline.actions.demo_scale import Refs
from sightline.core.demo_scale import YEARS, World, shifted
from sightline.publishing.models import LibraryItem, PublicationApproval, PublicationPlan

S = PublicationPlan.Status


def seed(w: World, catalogue: str | None) -> None:
    if catalogue:
        from sightline.publishing.library import import_catalogue

        with open(catalogue, encoding="utf-8") as handle:
            result = import_catalogue(handle, batch_size=200)
        if result.errors:
            raise ValueError(f"The catalogue has bad lines: {result.errors[:3]}")
    rng, day = w.rng, w.day
    demo = {p.status: p for p in PublicationPlan.objects.order_by("pk")}
    free_items = list(
        LibraryItem.objects.filter(plan__isnull=True, external_id__isnull=False)
        .order_by("published", "pk")
        .only("pk", "title", "summary", "published")
    )
    rng.shuffle(free_items)
    refs = Refs(PublicationPlan)
    wanted = max(0, w.volume.publication_plans - len(demo))
    clones, links, approvals = [], [], []
    for _ in range(wanted):
        age = w.days_ago(0, YEARS * 365)
        if age < 20 and S.SCHEDULED in demo:
            status = S.SCHEDULED
        elif rng.random() < 0.85 and free_items and S.PUBLISHED in demo:
            status = S.PUBLISHED
        elif S.WITHHELD in demo:
            status = S.WITHHELD
        else:
            continue
        template = demo[status]
        stamp = template.published_at or template.scheduled_for or template.created_at
        shift = timedelta(weeks=max(0, round((age - (day - stamp.date()).days) / 7)))
        created = template.created_at - shift
        fields = {"reference": refs(f"PUB-{created.year}"), "case_id": None, "briefing_id": None}
        item = free_items.pop() if status == S.PUBLISHED else None
        if item is not None:
            fields.update(title=item.title[:200], summary=item.summary or template.summary)
        clones.append(shifted(template, shift, **fields))
        links.append(item)
        if status == S.SCHEDULED:
            approvals.append((len(clones) - 1, list(template.approvals.all()), shift))
    PublicationPlan.objects.bulk_create(clones, batch_size=500)
    for plan, item in zip(clones, links, strict=True):
        if item is not None:
            LibraryItem.objects.filter(pk=item.pk).update(plan=plan)
    PublicationApproval.objects.bulk_create(
        [shifted(a, shift, plan_id=clones[i].pk) for i, rows, shift in approvals for a in rows]
    )
