"""The data steps of the reviews migrations, run on records as they stood before them."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from sightline.accounts.models import Agency
from sightline.reviews.models import Case, IncidentNotification, PartnerSignOff
from sightline.reviews.tests.conftest import PARTNER_KEYS, advance_case

pytestmark = pytest.mark.django_db

SIGNOFFS = importlib.import_module("sightline.reviews.migrations.0002_signoffs_bound_to_content")
AWARENESS = importlib.import_module(
    "sightline.reviews.migrations.0003_awareness_dates_and_local_authorities"
)


def test_unbound_sign_offs_of_an_open_stage_are_withdrawn_and_closed_ones_kept(partnership):
    p = partnership
    waiting = advance_case(p, "recommended", pseudonym="Child A")
    sent = advance_case(p, "sent_to_panel", pseudonym="Child B")
    for key in PARTNER_KEYS:
        PartnerSignOff.objects.create(
            case=waiting, stage="rapid_review", agency=p.agency(key), signed_by=p.bu
        )
    PartnerSignOff.objects.filter(case=sent).update(fingerprint="")  # as signed before

    SIGNOFFS.withdraw_unbound(apps, None)

    assert set(
        PartnerSignOff.objects.filter(case=waiting).values_list("withdrawn_reason", flat=True)
    ) == {SIGNOFFS.REASON}
    assert not PartnerSignOff.objects.filter(case=sent, withdrawn_at__isnull=False).exists()


def test_existing_cases_keep_their_date_and_local_authorities_are_marked(partnership):
    p = partnership
    undecided = advance_case(p, "concern", pseudonym="Child A")
    decided = advance_case(p, "notified", pseudonym="Child B")
    Case.objects.update(raised_aware_date=None)
    IncidentNotification.objects.update(la_aware_date=None)
    Agency.objects.update(is_local_authority=False)

    AWARENESS.record_existing_dates(apps, None)
    AWARENESS.mark_local_authorities(apps, None)

    for case in Case.objects.all():
        assert case.raised_aware_date == case.aware_date
    assert IncidentNotification.objects.get(case=undecided).la_aware_date is None
    assert IncidentNotification.objects.get(case=decided).la_aware_date == decided.aware_date
    # The council leads the cases and its lead holds the notifier duty; nobody else is marked.
    assert list(Agency.objects.filter(is_local_authority=True)) == [p.council]
