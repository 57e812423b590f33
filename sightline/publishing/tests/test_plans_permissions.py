"""Who gets what from every publication page: one row per URL and method, one column per person.

The expected statuses are written out by hand from docs/workflows/publishing.md ("Who can do
what"), never computed from the code under test:

- the business unit prepares and manages plans;
- partner leads and the scrutineer read plans; a partner lead with the publication approver
  duty at a safeguarding partner also approves;
- an early removal is confirmed or refused only by the partner lead the business unit named
  (here the ICB's approver); everyone else who reads plans, the requester included, is told
  why not;
- agency leads, practitioners and system administrators get 404 for everything, as do
  missing plans; anonymous visitors are sent to sign in (302).

Statuses: 200 page shown; 302 redirect (after a successful POST; for anonymous visitors, to
sign-in); 403 refused with the reason shown (to people who may see the plan); 404 not found
(missing and forbidden look the same); 405 method not allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sightline.core.clocks import today
from sightline.learning.models import Briefing
from sightline.publishing import services
from sightline.publishing.tests.test_plans_support import (
    fresh,
    pdf_bytes,
    published_plan,
    ready_plan,
    request_removal,
    submit,
)

pytestmark = pytest.mark.django_db

GET, POST = "GET", "POST"
PEOPLE = (
    "business_unit",
    "partner_lead",
    "approver",
    "agency_lead",
    "practitioner",
    "scrutineer",
    "system_admin",
    "anonymous",
)


def row(*statuses: int) -> dict[str, int]:
    """Statuses in the order of PEOPLE: business unit, partner lead, approver, agency lead,
    practitioner, scrutineer, system administrator, anonymous."""
    return dict(zip(PEOPLE, statuses, strict=True))


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: str  # a key of the URLs built in `pages`
    expected: dict[str, int]


READERS = row(200, 200, 200, 404, 404, 200, 404, 302)
MANAGERS = row(200, 404, 404, 404, 404, 404, 404, 302)
MANAGER_POST = row(302, 404, 404, 404, 404, 404, 404, 302)
POST_ONLY_GET = row(405, 405, 405, 405, 405, 405, 405, 302)
NOBODY = row(404, 404, 404, 404, 404, 404, 404, 302)
# Readers who cannot do this are told why; the rest get 404.
TOLD_WHY = row(403, 403, 403, 404, 404, 403, 404, 302)
APPROVER_ONLY = row(403, 403, 200, 404, 404, 403, 404, 302)

CASES = [
    Case("list", GET, "list", READERS),
    Case("create", GET, "create", MANAGERS),
    Case("create, empty form", POST, "create", row(200, 404, 404, 404, 404, 404, 404, 302)),
    Case("plan page", GET, "detail", READERS),
    Case("published plan page", GET, "published", READERS),
    Case("missing plan", GET, "missing", NOBODY),
    Case("plan history", GET, "history", READERS),
    Case("published plan history", GET, "published_history", READERS),
    Case("plan history", POST, "history", POST_ONLY_GET),
    Case("missing plan history", GET, "missing_history", NOBODY),
    Case("edit", GET, "edit", MANAGERS),
    Case("edit, empty form", POST, "edit", row(200, 404, 404, 404, 404, 404, 404, 302)),
    Case("edit a published plan", GET, "edit_published", NOBODY),
    Case("upload", GET, "upload", MANAGERS),
    Case("submit", GET, "submit", MANAGERS),
    Case("withhold", GET, "withhold", MANAGERS),
    Case("schedule before approval", GET, "schedule", NOBODY),
    Case("publish by hand", GET, "publish", NOBODY),
    Case("approve", GET, "approve", APPROVER_ONLY),
    Case("approve, empty form", POST, "approve", APPROVER_ONLY),
    Case("approve a plan still being prepared", GET, "approve_preparing", TOLD_WHY),
    Case("confirm or refuse a removal", GET, "removal", APPROVER_ONLY),
    Case("confirm or refuse a removal, empty form", POST, "removal", APPROVER_ONLY),
    Case("confirm a removal nobody asked for", GET, "removal_none", TOLD_WHY),
    Case("put an offline item back", GET, "restore", MANAGERS),
    Case(
        "put an offline item back, empty form",
        POST,
        "restore",
        row(200, 404, 404, 404, 404, 404, 404, 302),
    ),
    Case("put a published item back", GET, "restore_published", NOBODY),
    Case("withdraw a removal request", GET, "withdraw", POST_ONLY_GET),
    Case("withdraw a removal request", POST, "withdraw", MANAGER_POST),
    Case("remove", GET, "remove", MANAGERS),
    Case("remove, empty form", POST, "remove", row(200, 404, 404, 404, 404, 404, 404, 302)),
    Case("NSPCC submission", GET, "nspcc", MANAGERS),
    Case("run the guard", GET, "guard", POST_ONLY_GET),
    Case("run the guard", POST, "guard", MANAGER_POST),
    Case("cancel a planned removal", POST, "cancel_removal", MANAGER_POST),
    Case("prepare improvements", POST, "improvements", MANAGER_POST),
    Case("prepare a briefing", POST, "from_briefing", MANAGER_POST),
    Case("draft file, guard clear", GET, "draft_file", READERS),
    Case("published file", GET, "published_file", READERS),
]


@pytest.fixture
def pages(world):
    """A plan being prepared (with a clean file), one awaiting approval, one published, one
    taken offline by an urgent court order that the ICB's approver is asked to confirm, one
    withheld, and a briefing ready for the library."""
    preparing = ready_plan(world)
    services.plan_attach_document(
        plan=preparing,
        by=world.bu,
        uploaded_file=SimpleUploadedFile("report.pdf", pdf_bytes(["Overview report"])),
        expected_version=preparing.version,
    )
    preparing = fresh(preparing)
    services.plan_run_guard(plan=preparing, by=world.bu)
    awaiting = submit(world, ready_plan(world))
    published = published_plan(world, pdf=pdf_bytes(["Overview report"]))
    offline = published_plan(world)
    request_removal(world, offline, offline=True, approver=world.approvers["icb"])
    withheld = ready_plan(world)
    services.plan_withhold(
        plan=withheld,
        by=world.bu,
        expected_version=withheld.version,
        reasons="It would identify the sibling.",
        decision_makers="The three partners",
        decided_on=today(),
    )
    Briefing.objects.create(
        reference="7MB-2026-0042",
        title="Safer sleep",
        status=Briefing.Status.PUBLISHED,
        is_public=True,
        author=world.bu,
        section_1="Babies sleep safest on their backs.",
    )

    def plan_url(name, plan, *extra):
        return reverse(f"publishing:{name}", args=[plan.reference, *extra])

    return {
        "list": reverse("publishing:list"),
        "create": reverse("publishing:create"),
        "detail": plan_url("detail", preparing),
        "published": plan_url("detail", published),
        "missing": reverse("publishing:detail", args=["PUB-1999-9999"]),
        "history": plan_url("history", preparing),
        "published_history": plan_url("history", published),
        "missing_history": reverse("publishing:history", args=["PUB-1999-9999"]),
        "edit": plan_url("edit", preparing),
        "edit_published": plan_url("edit", published),
        "upload": plan_url("upload", preparing),
        "submit": plan_url("status", preparing, "submit"),
        "withhold": plan_url("withhold", preparing),
        "schedule": plan_url("status", preparing, "schedule"),
        "publish": plan_url("status", awaiting, "publish"),
        "approve": plan_url("approve", awaiting),
        "approve_preparing": plan_url("approve", preparing),
        "remove": plan_url("remove", published),
        "nspcc": plan_url("nspcc", published),
        "guard": plan_url("guard", preparing),
        "cancel_removal": plan_url("cancel-removal", published),
        "removal": plan_url("removal", offline),
        "removal_none": plan_url("removal", published),
        "restore": plan_url("restore", offline),
        "restore_published": plan_url("restore", published),
        "withdraw": plan_url("removal-withdraw", offline),
        "improvements": plan_url("improvements", withheld),
        "from_briefing": reverse("publishing:from-briefing", args=["7MB-2026-0042"]),
        "draft_file": reverse("core:document-download", args=[preparing.document_id]),
        "published_file": reverse(
            "core:document-download", args=[fresh(published).published_document_id]
        ),
    }


def person(world, who: str):
    return {
        "business_unit": world.bu,
        "partner_lead": world.p.partner_leads["council"],
        "approver": world.approvers["icb"],
        "agency_lead": world.p.agency_leads["trust"],
        "practitioner": world.p.practitioner,
        "scrutineer": world.p.scrutineer,
        "system_admin": world.admin,
        "anonymous": None,
    }[who]


@pytest.mark.parametrize("who", PEOPLE)
def test_every_page_answers_as_the_access_rules_say(who, world, pages, signed_in_client):
    user = person(world, who)
    client = Client() if user is None else signed_in_client(user)
    # GETs first, then POSTs, so that a successful POST cannot change a later answer.
    ordered = sorted(CASES, key=lambda c: c.method == POST)
    got, wanted = {}, {}
    for case in ordered:
        url = pages[case.url]
        response = client.get(url) if case.method == GET else client.post(url, {})
        key = f"{case.method} {case.name}"
        got[key], wanted[key] = response.status_code, case.expected[who]
        if who == "anonymous":
            assert response.status_code != 302 or "/sign-in" in response["Location"], key
    assert got == wanted


def test_every_publishing_url_is_in_the_matrix():
    from sightline.publishing import urls

    named = {p.name for p in urls.urlpatterns}
    covered = {
        "list",
        "create",
        "detail",
        "history",
        "edit",
        "upload",
        "status",
        "withhold",
        "approve",
        "remove",
        "nspcc",
        "guard",
        "cancel-removal",
        "removal",
        "removal-withdraw",
        "restore",
        "improvements",
        "from-briefing",
    }
    assert named == covered
