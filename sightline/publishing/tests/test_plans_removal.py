"""Removal before the end of the minimum public period: asked for by the business unit,
confirmed or refused by the partner lead it names (never the requester), an urgent court order
taking the item offline at once, and the public notice worded for each kind of reason."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sightline.accounts.models import Membership, Role
from sightline.core.clocks import today
from sightline.core.models import Event, Notification
from sightline.publishing import library, selectors, services_publish, services_removal
from sightline.publishing.access import removal_approvers
from sightline.publishing.models import LibraryItem, PublicationPlan, RemovalRequest
from sightline.publishing.services_publish import removal_notice
from sightline.publishing.tests.test_plans_support import (
    LONDON,
    confirm_removal,
    fresh,
    pdf_bytes,
    published_plan,
    refuse_removal,
    request_removal,
)

pytestmark = pytest.mark.django_db
S = PublicationPlan.Status
R = PublicationPlan.RemovalKind
RQ = RemovalRequest.Status


def item_of(plan) -> LibraryItem:
    return LibraryItem.objects.get(plan=plan)


def is_public(plan) -> bool:
    return library.public_items().filter(plan=plan).exists()


def body(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------- the request


def test_an_early_removal_waits_for_the_named_partner_lead_to_confirm_it(world):
    plan = published_plan(world)
    police = world.p.partner_leads["police"]

    request = request_removal(world, plan, kind=R.RISK_TO_CHILD)

    assert request.status == RQ.PENDING
    assert request.approver == police
    assert request.requested_by == world.bu
    assert fresh(plan).status == S.PUBLISHED
    assert is_public(plan), "it stays in the library until the partner lead confirms"
    told = Notification.objects.get(
        user=police, subject=f"Confirm or refuse the removal of {plan.reference} from the library"
    )
    assert told.url == reverse("publishing:removal", args=[plan.reference])

    confirm_removal(plan, police)

    plan = fresh(plan)
    assert plan.status == S.REMOVED
    assert plan.removal_approved_by == police
    assert plan.removal_kind == R.RISK_TO_CHILD
    assert not is_public(plan)
    assert RemovalRequest.objects.get(pk=request.pk).status == RQ.CONFIRMED
    removed = Event.objects.get(action="publication.remove", object_id=str(plan.pk))
    assert removed.actor == police, "the confirmation is what removed it"
    assert Event.objects.filter(action="publication.removal_confirm", actor=police).exists()


def test_the_requester_and_anyone_not_named_cannot_confirm(world):
    plan = published_plan(world)
    request_removal(world, plan)
    fingerprint = RemovalRequest.objects.get(plan=plan).fingerprint
    for user, message in (
        (world.bu, "You asked for this removal, so you cannot confirm it yourself."),
        (world.p.partner_leads["icb"], "Only Fiona Rees, the partner lead asked to confirm"),
        (world.approvers["council"], "Only Fiona Rees"),
    ):
        with pytest.raises(ValidationError, match=message):
            services_removal.removal_request_confirm(
                plan=fresh(plan), by=user, fingerprint_seen=fingerprint
            )
        with pytest.raises(ValidationError, match=message):
            services_removal.removal_request_refuse(
                plan=fresh(plan), by=user, fingerprint_seen=fingerprint, reason="No."
            )
    assert fresh(plan).status == S.PUBLISHED
    assert RemovalRequest.objects.get(plan=plan).status == RQ.PENDING


def test_the_approver_is_a_partner_lead_of_another_safeguarding_partner(world, make_user):
    plan = published_plan(world)
    council_bu = make_user(
        Role.BUSINESS_UNIT, world.p.council, "bu.at.council@example.org", full_name="Ann Cole"
    )
    leads = world.p.partner_leads
    assert set(removal_approvers(council_bu)) == {
        leads["icb"],
        leads["police"],
        world.approvers["icb"],
        world.approvers["police"],
    }, "partner leads of the requester's own agency are not offered"
    for approver, message in (
        (leads["council"], "a safeguarding partner other than your own"),
        (world.p.practitioner, "a safeguarding partner other than your own"),
        (world.bu, "a safeguarding partner other than your own"),
        (world.p.agency_leads["police"], "a safeguarding partner other than your own"),
        (council_bu, "Someone other than you must confirm"),
        (None, "Select the partner lead who must confirm the removal"),
    ):
        with pytest.raises(ValidationError, match=message):
            request_removal(world, plan, by=council_bu, approver=approver)
    assert not RemovalRequest.objects.exists()
    request_removal(world, plan, by=council_bu, approver=leads["icb"])
    assert RemovalRequest.objects.get().approver == leads["icb"]


def test_only_court_orders_risks_and_family_requests_can_be_asked_for_early(world):
    plan = published_plan(world)
    for kind in (R.PERIOD_ENDED, R.OTHER):
        with pytest.raises(ValidationError, match="court order, a risk to a child"):
            request_removal(world, plan, kind=kind)
    with pytest.raises(ValidationError, match="Enter the details"):
        request_removal(world, plan, reason="  ")
    assert not RemovalRequest.objects.exists()


def test_one_request_waits_at_a_time_and_can_be_withdrawn(world):
    plan = published_plan(world)
    request_removal(world, plan)
    with pytest.raises(ValidationError, match="already waiting for Fiona Rees"):
        request_removal(world, plan, approver=world.p.partner_leads["icb"])

    services_removal.removal_request_withdraw(plan=fresh(plan), by=world.bu)

    assert RemovalRequest.objects.get(plan=plan).status == RQ.WITHDRAWN
    assert Notification.objects.filter(
        user=world.p.partner_leads["police"],
        subject=f"The removal of {plan.reference} no longer needs your confirmation",
    ).exists()
    with pytest.raises(ValidationError, match="No removal of this publication is waiting"):
        confirm_removal_by_fingerprint(plan, world.p.partner_leads["police"])
    request_removal(world, plan, approver=world.p.partner_leads["icb"])


def confirm_removal_by_fingerprint(plan, user):
    latest = RemovalRequest.objects.filter(plan=plan).first()
    return services_removal.removal_request_confirm(
        plan=fresh(plan), by=user, fingerprint_seen=latest.fingerprint
    )


def test_a_confirmation_is_bound_to_exactly_what_was_asked(world):
    plan = published_plan(world)
    police = world.p.partner_leads["police"]
    request = request_removal(world, plan)
    with pytest.raises(ValidationError, match="changed while you were reading it"):
        services_removal.removal_request_confirm(
            plan=fresh(plan), by=police, fingerprint_seen="0" * 64
        )
    # Someone changes the details behind the request's back: it can no longer be confirmed.
    RemovalRequest.objects.filter(pk=request.pk).update(removal_reason="Something else.")
    with pytest.raises(ValidationError, match="changed after it was made"):
        services_removal.removal_request_confirm(
            plan=fresh(plan), by=police, fingerprint_seen=request.fingerprint
        )
    assert fresh(plan).status == S.PUBLISHED


def test_a_partner_lead_who_lost_the_role_cannot_confirm(world):
    plan = published_plan(world)
    police = world.p.partner_leads["police"]
    request_removal(world, plan)
    Membership.objects.filter(user=police).update(active=False)
    with pytest.raises(ValidationError, match="no longer a partner lead"):
        confirm_removal(plan, police)
    assert fresh(plan).status == S.PUBLISHED


def test_a_refusal_keeps_it_public_and_tells_the_business_unit_why(world):
    plan = published_plan(world)
    police = world.p.partner_leads["police"]
    request_removal(world, plan, kind=R.FAMILY_REQUEST, reason="The family asked.")
    with pytest.raises(ValidationError, match="Enter why you do not confirm"):
        refuse_removal(plan, police, "  ")

    refuse_removal(plan, police, "The public interest outweighs the request; talk to me.")

    request = RemovalRequest.objects.get(plan=plan)
    assert request.status == RQ.REFUSED
    assert request.decision_note.startswith("The public interest")
    assert fresh(plan).status == S.PUBLISHED
    assert is_public(plan)
    told = Notification.objects.get(user=world.bu, subject__contains="did not confirm")
    assert told.subject == f"Fiona Rees did not confirm the removal of {plan.reference}"
    assert "The public interest outweighs" in told.body
    assert "It stays in the library." in told.body


def test_a_planned_early_removal_happens_at_its_time_once_confirmed(world):
    plan = published_plan(world)
    police = world.p.partner_leads["police"]
    when = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    request_removal(world, plan, kind=R.FAMILY_REQUEST, reason="Asked.", planned_for=when)
    assert services_publish.plan_remove_due(now=when + timedelta(minutes=1))["removed"] == []

    confirm_removal(plan, police)
    plan = fresh(plan)
    assert plan.status == S.PUBLISHED
    assert plan.removal_planned_for == when
    assert plan.removal_approved_by == police

    result = services_publish.plan_remove_due(now=when + timedelta(minutes=1))
    assert result == {"removed": [plan.reference], "failed": []}
    assert fresh(plan).status == S.REMOVED


def test_cancelling_a_confirmed_planned_removal_withdraws_the_confirmation(world):
    plan = published_plan(world)
    when = timezone.now() + timedelta(days=3)
    request_removal(world, plan, kind=R.FAMILY_REQUEST, reason="Asked.", planned_for=when)
    confirm_removal(plan, world.p.partner_leads["police"])
    plan = fresh(plan)
    services_publish.plan_cancel_removal(plan=plan, by=world.bu, expected_version=plan.version)
    assert RemovalRequest.objects.get(plan=plan).status == RQ.WITHDRAWN
    plan = fresh(plan)
    with pytest.raises(ValidationError, match="once the partner lead named to approve"):
        services_publish.plan_schedule_removal(
            plan=plan,
            by=world.bu,
            expected_version=plan.version,
            removal_planned_for=when,
            removal_kind=R.FAMILY_REQUEST,
            removal_reason="Asked.",
        )


# --------------------------------------------------------------------------- urgent court orders


def test_an_urgent_court_order_takes_it_offline_pending_confirmation(world, signed_in_client):
    plan = published_plan(world, pdf=pdf_bytes(["Overview report"]))
    item = item_of(plan)
    slug = item.slug

    request_removal(world, plan, offline=True)

    plan = fresh(plan)
    assert plan.status == S.OFFLINE
    assert not is_public(plan)
    public = Client()
    page = public.get(reverse("publishing-public:item", args=[slug]))
    assert page.status_code == 200
    assert "This publication is not available at the moment." in body(page)
    assert "was removed on" not in body(page)
    assert public.get(reverse("publishing-public:document", args=[slug])).status_code == 404
    inside = signed_in_client(world.bu).get(reverse("publishing:detail", args=[plan.reference]))
    assert "Taken offline pending confirmation by Fiona Rees" in body(inside)

    confirm_removal(plan, world.p.partner_leads["police"])

    plan = fresh(plan)
    assert plan.status == S.REMOVED
    assert item_of(plan).removal_notice.endswith(
        "because of a court order. It is no longer available."
    )


@pytest.mark.parametrize(
    ("kind", "planned", "message"),
    [
        (R.RISK_TO_CHILD, False, "Only a court order can take it offline"),
        (R.FAMILY_REQUEST, False, "Only a court order can take it offline"),
        (R.COURT_ORDER, True, "takes it offline now, so it cannot be planned"),
    ],
)
def test_only_an_urgent_court_order_goes_offline_before_confirmation(world, kind, planned, message):
    plan = published_plan(world)
    when = timezone.now() + timedelta(days=2) if planned else None
    with pytest.raises(ValidationError, match=message):
        request_removal(world, plan, kind=kind, offline=True, planned_for=when)
    assert fresh(plan).status == S.PUBLISHED
    assert is_public(plan)


def test_a_refused_urgent_removal_stays_offline_until_the_business_unit_decides(world):
    plan = published_plan(world, pdf=pdf_bytes(["Overview report"]))
    before = item_of(plan)
    as_published = (before.title, before.summary, before.text, before.document_id, before.slug)
    police = world.p.partner_leads["police"]
    request_removal(world, plan, offline=True)

    refuse_removal(plan, police, "The order covers the sibling's case, not this review.")

    plan = fresh(plan)
    assert plan.status == S.OFFLINE, "nothing comes back without the business unit's decision"
    told = Notification.objects.get(user=world.bu, subject__contains="did not confirm")
    assert "It is still offline" in told.body
    tasks = selectors.home_section(world.bu, today(), today()).tasks
    assert f"Decide whether to put {plan.reference} back in the library" in [t.title for t in tasks]
    with pytest.raises(ValidationError, match="Enter a note"):
        services_removal.plan_restore(
            plan=plan, by=world.bu, expected_version=plan.version, note=""
        )

    services_removal.plan_restore(
        plan=plan, by=world.bu, expected_version=plan.version, note="The order does not cover it."
    )

    plan = fresh(plan)
    assert plan.status == S.PUBLISHED
    assert is_public(plan)
    after = item_of(plan)
    assert (after.title, after.summary, after.text, after.document_id, after.slug) == as_published
    assert after.removal_notice == ""


def test_after_a_refusal_the_business_unit_can_ask_another_partner_lead(world):
    plan = published_plan(world)
    request_removal(world, plan, offline=True)
    refuse_removal(plan, world.p.partner_leads["police"], "Not me: I am conflicted.")
    icb = world.p.partner_leads["icb"]
    request_removal(world, plan, approver=icb)
    assert fresh(plan).status == S.OFFLINE, "still offline while the second partner lead decides"
    plan_page = selectors.plan_detail(fresh(plan), world.bu)
    assert plan_page["removal"]["waiting"].approver == icb
    confirm_removal(plan, icb)
    plan = fresh(plan)
    assert plan.status == S.REMOVED
    assert plan.removal_approved_by == icb


def test_the_business_unit_cannot_put_it_back_while_a_removal_waits(world):
    plan = published_plan(world)
    request_removal(world, plan, offline=True)
    plan = fresh(plan)
    with pytest.raises(ValidationError, match="waiting for Fiona Rees to confirm it"):
        services_removal.plan_restore(
            plan=plan, by=world.bu, expected_version=plan.version, note="x"
        )


# --------------------------------------------------------------------------- pages


def test_the_named_partner_lead_confirms_through_their_home_page_and_the_plan_page(
    world, signed_in_client
):
    plan = published_plan(world)
    police = world.p.partner_leads["police"]
    request_removal(world, plan, kind=R.RISK_TO_CHILD, reason="The sibling could be identified.")
    decide = reverse("publishing:removal", args=[plan.reference])
    client = signed_in_client(police)

    home = body(client.get(reverse("core:home")))
    assert f"Confirm or refuse the removal of {plan.reference}" in home
    detail = body(client.get(reverse("publishing:detail", args=[plan.reference])))
    assert "Confirm the removal" in detail
    assert "Do not confirm the removal" in detail
    page = client.get(decide)
    assert page.status_code == 200
    assert "The sibling could be identified." in body(page)
    fingerprint = RemovalRequest.objects.get(plan=plan).fingerprint

    missing = client.post(
        decide, {"confirm-fingerprint": fingerprint, "confirm-decision": "confirm"}
    )
    assert missing.status_code == 200
    assert "Confirm that you have read the request" in body(missing)
    done = client.post(
        decide,
        {
            "confirm-fingerprint": fingerprint,
            "confirm-decision": "confirm",
            "confirm-confirm": "on",
        },
    )
    assert done.status_code == 302
    assert fresh(plan).status == S.REMOVED


def test_the_named_partner_lead_refuses_through_the_page(world, signed_in_client):
    plan = published_plan(world)
    police = world.p.partner_leads["police"]
    request_removal(world, plan)
    decide = reverse("publishing:removal", args=[plan.reference])
    fingerprint = RemovalRequest.objects.get(plan=plan).fingerprint
    client = signed_in_client(police)
    empty = client.post(decide, {"refuse-fingerprint": fingerprint, "refuse-decision": "refuse"})
    assert "Enter why you do not confirm the removal" in body(empty)
    done = client.post(
        decide,
        {
            "refuse-fingerprint": fingerprint,
            "refuse-decision": "refuse",
            "refuse-reason": "No order was made.",
        },
    )
    assert done.status_code == 302
    assert RemovalRequest.objects.get(plan=plan).status == RQ.REFUSED
    assert fresh(plan).status == S.PUBLISHED


def test_people_who_may_see_the_plan_are_told_why_they_cannot_confirm(world, signed_in_client):
    plan = published_plan(world)
    request_removal(world, plan)
    decide = reverse("publishing:removal", args=[plan.reference])
    for user, reason in (
        (world.bu, "You asked for this removal, so you cannot confirm it yourself."),
        (world.p.partner_leads["icb"], "Only Fiona Rees, the partner lead asked to confirm"),
        (world.p.scrutineer, "Only Fiona Rees"),
    ):
        client = signed_in_client(user)
        for response in (
            client.get(decide),
            client.post(decide, {"confirm-decision": "confirm", "confirm-confirm": "on"}),
        ):
            assert response.status_code == 403
            assert reason in body(response)
    for user in (world.p.agency_leads["police"], world.p.practitioner, world.admin):
        assert signed_in_client(user).get(decide).status_code == 404
    assert fresh(plan).status == S.PUBLISHED


def test_the_remove_page_asks_for_the_partner_lead_before_the_period_ends(world, signed_in_client):
    plan = published_plan(world)
    client = signed_in_client(world.bu)
    url = reverse("publishing:remove", args=[plan.reference])
    page = body(client.get(url))
    assert "Partner lead who must confirm the removal" in page
    assert "Partner lead who must confirm the removal (optional)" not in page
    assert world.p.partner_leads["police"].email in page, "the picker shows e-mail addresses"
    missing = client.post(
        url,
        {
            "version": plan.version,
            "removal_kind": "court_order",
            "removal_reason": "Reporting restriction order.",
            "when": "now",
        },
    )
    assert "Select the partner lead who must confirm the removal" in body(missing)
    done = client.post(
        url,
        {
            "version": plan.version,
            "removal_kind": "court_order",
            "removal_reason": "Reporting restriction order.",
            "removal_approved_by": world.p.partner_leads["police"].pk,
            "offline": "on",
            "when": "now",
        },
    )
    assert done.status_code == 302
    assert fresh(plan).status == S.OFFLINE
    html = body(client.get(reverse("publishing:detail", args=[plan.reference])))
    assert "Taken offline pending confirmation by Fiona Rees" in html
    assert "Withdraw the request" in html


# --------------------------------------------------------------------------- public notices


def removed(world, kind, *, nspcc: bool) -> PublicationPlan:
    plan = published_plan(world)
    plan.removal_kind = kind
    plan.removed_at = datetime(2027, 3, 5, 10, 0, tzinfo=LONDON)
    plan.nspcc_submitted_date = plan.removed_at.date() - timedelta(days=30) if nspcc else None
    return plan


NSPCC = (
    " It is held in the NSPCC national case review repository (submitted on 3 February 2027): "
    "https://learning.nspcc.org.uk/case-reviews/national-case-review-repository"
)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            R.COURT_ORDER,
            "Removed on 5 March 2027 because of a court order. It is no longer available.",
        ),
        (R.RISK_TO_CHILD, "Removed on 5 March 2027 to protect a child. It is no longer available."),
        (
            R.FAMILY_REQUEST,
            "Removed on 5 March 2027 at the request of the child's family. Professionals can ask "
            "the partnership for a copy." + NSPCC,
        ),
        (
            R.PERIOD_ENDED,
            "Removed on 5 March 2027 at the end of its publication period. You can ask the "
            "partnership for a copy." + NSPCC,
        ),
        (R.OTHER, "Removed on 5 March 2027. You can ask the partnership for a copy." + NSPCC),
    ],
)
def test_the_removal_notice_is_worded_for_its_reason(world, kind, expected):
    assert removal_notice(removed(world, kind, nspcc=True)) == expected


@pytest.mark.parametrize("kind", [R.COURT_ORDER, R.RISK_TO_CHILD])
def test_court_order_and_risk_notices_never_offer_a_copy(world, kind):
    for nspcc in (True, False):
        notice = removal_notice(removed(world, kind, nspcc=nspcc))
        assert "copy" not in notice
        assert "NSPCC" not in notice
        assert "ask" not in notice.lower()
