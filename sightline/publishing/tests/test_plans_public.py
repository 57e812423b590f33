"""From plan to public library and out again, seen from outside: nothing is public before the
task worker publishes it, and after removal only the catalogue entry is."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from sightline.publishing import services_publish
from sightline.publishing.models import LibraryItem, PublicationPlan
from sightline.publishing.tests.test_plans_support import (
    LONDON,
    approve_by,
    fresh,
    pdf_bytes,
    ready_plan,
    schedule,
    store_raw,
    submit,
)

pytestmark = pytest.mark.django_db
TITLE = "Child A: local child safeguarding practice review"


def test_a_review_is_public_only_between_publication_and_removal(world):
    public = Client()
    plan = ready_plan(world, title=TITLE)
    plan = store_raw(
        plan,
        pdf_bytes(["Overview report", "What agencies learned"], info={"Author": "Draft writer"}),
        "pdf",
        "draft.pdf",
    )
    plan = approve_by(submit(world, plan), world.approvers["council"], world.approvers["police"])
    plan = schedule(world, plan)
    feed = reverse("publishing-public:feed")

    # Scheduled: no catalogue entry, nothing in the feed, the draft file is not public.
    assert not LibraryItem.objects.exists()
    assert TITLE not in public.get(feed).content.decode()
    draft_file = reverse("core:document-download", args=[plan.document_id])
    assert public.get(draft_file).status_code == 302  # sign in first; never served publicly

    services_publish.plan_publish_due(now=plan.scheduled_for)
    item = LibraryItem.objects.get(plan=plan)
    page = reverse("publishing-public:item", args=[item.slug])
    document = reverse("publishing-public:document", args=[item.slug])
    assert public.get(page).status_code == 200
    assert TITLE in public.get(feed).content.decode()
    download = public.get(document)
    assert download.status_code == 200
    reader = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    assert not reader.metadata

    plan = fresh(plan)
    end = datetime.combine(plan.min_end_date, time(9), tzinfo=LONDON) + timedelta(days=1)
    services_publish.plan_schedule_removal(
        plan=plan,
        by=world.bu,
        expected_version=plan.version,
        removal_planned_for=end,
        removal_kind=PublicationPlan.RemovalKind.PERIOD_ENDED,
        removal_reason="Period ended.",
    )
    services_publish.plan_remove_due(now=end)

    removed = public.get(page)
    assert removed.status_code == 200
    assert LibraryItem.objects.get(pk=item.pk).removal_notice in removed.content.decode()
    assert public.get(document).status_code == 404
    assert TITLE not in public.get(feed).content.decode()
