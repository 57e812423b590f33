"""The demo briefings: made once, through the services, with the dissemination the demo shows."""

from __future__ import annotations

import pytest

from sightline.core.clocks import today
from sightline.core.demo import seed_base
from sightline.learning import selectors
from sightline.learning.access import briefings_visible_to
from sightline.learning.demo import seed_demo_briefings
from sightline.learning.models import Briefing

pytestmark = pytest.mark.django_db

S = Briefing.Status


def test_the_demo_briefings_are_made_once():
    assert seed_demo_briefings() is False  # no demo partnership yet
    seed_base(with_processes=False)
    assert seed_demo_briefings() is True
    assert seed_demo_briefings() is False

    statuses = sorted(Briefing.objects.values_list("status", flat=True))
    assert statuses == sorted([S.PUBLISHED, S.PUBLISHED, S.IN_REVIEW, S.DRAFT])
    for briefing in Briefing.objects.exclude(status=S.DRAFT):
        assert briefing.author.email == "business.unit@northvale.example"
    approved = Briefing.objects.filter(status=S.PUBLISHED)
    assert {b.approver.email for b in approved} == {"la.partner@northvale.example"}

    from sightline.accounts.models import User

    bu = User.objects.get(email="business.unit@northvale.example")
    rows = selectors.dashboard_rows(
        selectors.dashboard_briefings(briefings_visible_to(bu), today(), "reference")
    )
    reach = {row.briefing.title: row.stats for row in rows}
    sent = reach["Bruising in babies who are not yet mobile"]
    assert (sent.sent, sent.acknowledged, sent.overdue) == (5, 3, 1)
    assert sent.staff_reached == 86 + 140 + 57
    unsent = reach["Safer sleep: talking to every parent and carer"]
    assert unsent.sent == 0
