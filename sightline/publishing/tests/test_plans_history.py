"""A publication plan's history: its own events and its library entry's, in words, from
creation to publication and removal."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sightline.core.history import describe, history_events, history_labels
from sightline.publishing import services, services_publish
from sightline.publishing.history import plan_scope
from sightline.publishing.tests.test_plans_support import approved_plan, fresh, published_plan

pytestmark = pytest.mark.django_db


def test_a_plan_history_reads_in_words_from_creation_to_removal(world):
    plan = published_plan(world)
    ended = datetime.combine(fresh(plan).min_end_date + timedelta(days=1), time(10))
    services_publish.plan_remove(
        plan=fresh(plan),
        by=world.bu,
        expected_version=fresh(plan).version,
        removal_kind="period_ended",
        removal_reason="The public period ended.",
        now=timezone.make_aware(ended),
    )
    rows = describe(history_events(plan_scope(plan)))
    labels = history_labels()
    for row in rows:
        assert row.event.action in labels, row.event.action
        assert "None" not in f"{row.what} {row.detail}"
    said = [row.what for row in rows]
    assert said[0] == "Created the publication plan (practice review)"
    assert "Ran the publication guard" in said
    assert "Submitted the plan for approval" in said
    assert "Approved publication for Northvale Council" in said
    assert "Approved publication for NHS Northvale Integrated Care Board" in said
    assert "Published it in the public library" in said
    assert "Its entry in the public library went live" in said
    assert "Removed it from the public library" in said
    guard = next(r for r in rows if r.what == "Ran the publication guard")
    assert guard.detail == "Found nothing that could identify the child or family"
    published = next(r for r in rows if r.what == "Published it in the public library")
    assert published.who == "The system"
    assert published.detail == "From Scheduled to Published"


def test_the_plan_page_and_its_history_page(world, signed_in_client):
    plan = published_plan(world)
    client = signed_in_client(world.p.scrutineer)
    page = client.get(reverse("publishing:detail", args=[plan.reference])).content.decode()
    assert reverse("publishing:history", args=[plan.reference]) in page
    history = client.get(reverse("publishing:history", args=[plan.reference]))
    assert history.status_code == 200
    assert "Approved publication for Northvale Council" in history.content.decode()
    export = client.get(reverse("publishing:history", args=[plan.reference]), {"format": "csv"})
    assert "Approved publication for Northvale Council" in export.content.decode("utf-8-sig")


def test_an_edit_names_the_changed_fields_and_the_withdrawn_approvals(world):
    plan = approved_plan(world)
    services.plan_update(
        plan=fresh(plan),
        by=world.bu,
        expected_version=fresh(plan).version,
        summary="A new summary.",
        title="A new title",
    )
    rows = describe(history_events(plan_scope(plan)))
    checklist, edit = [r for r in rows if r.event.action == "publication.update"]
    assert "date the family was told" in checklist.detail
    assert "legal check" in checklist.detail
    assert edit.detail == "Changed the summary and title"
    withdrawn = next(r for r in rows if r.event.action == "publication.approvals_withdrawn")
    assert withdrawn.detail == "2 approvals withdrawn because the content changed"
