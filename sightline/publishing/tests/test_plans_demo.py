"""The demo publications: made once through the services, in every state."""

from __future__ import annotations

import pytest

from sightline.core.demo import seed_base
from sightline.publishing.demo import seed_demo_publications
from sightline.publishing.models import LibraryItem, PublicationPlan

pytestmark = pytest.mark.django_db
S = PublicationPlan.Status


def test_the_demo_publications_are_made_once_in_every_state():
    seed_base(with_processes=False)
    assert seed_demo_publications() is True
    statuses = sorted(PublicationPlan.objects.values_list("status", flat=True))
    assert statuses == sorted([S.PUBLISHED, S.PUBLISHED, S.SCHEDULED, S.WITHHELD, S.REMOVED])
    removed = LibraryItem.objects.get(removed_at__isnull=False)
    assert removed.removal_notice.startswith("Removed on ")
    assert "NSPCC national case review repository" in removed.removal_notice
    assert removed.document is None
    live = LibraryItem.objects.filter(removed_at__isnull=True)
    assert live.count() == 2
    assert all(item.document is not None for item in live)
    assert seed_demo_publications() is False
    assert PublicationPlan.objects.count() == 5


def test_without_the_demo_partnership_nothing_is_made():
    assert seed_demo_publications() is False
    assert not PublicationPlan.objects.exists()
