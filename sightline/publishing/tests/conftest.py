"""Fixtures for the publishing tests.

partnership  the reviews app's small partnership (sightline/reviews/tests/conftest.py)
world        that partnership plus publication approvers (see test_plans_support.World)
"""

from __future__ import annotations

import pytest

from sightline.accounts.models import Duty, Role
from sightline.publishing.tests.test_plans_support import World
from sightline.reviews.tests.conftest import partnership  # noqa: F401 - a fixture


@pytest.fixture
def world(partnership, make_user) -> World:  # noqa: F811 - the fixture above
    p = partnership
    names = {"council": "Rachel Amos", "icb": "Dr Kwame Mensah", "police": "Supt Lorna Hale"}
    approvers = {
        key: make_user(
            Role.PARTNER_LEAD,
            p.agency(key),
            f"approver.{key}@example.org",
            [Duty.PUBLICATION_APPROVER],
            full_name=names[key],
        )
        for key in ("council", "icb", "police")
    }
    second = make_user(
        Role.PARTNER_LEAD,
        p.council,
        "second.approver@council.example.org",
        [Duty.PUBLICATION_APPROVER],
        full_name="Imogen Stoker",
    )
    return World(p=p, approvers=approvers, second_council_approver=second)
