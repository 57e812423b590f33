"""Two-person grants: a role or duty takes effect only when a second person confirms it, nobody
grants anything to themselves, each step is an event, and the people concerned are told."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sightline.accounts import services
from sightline.accounts.access import principal_for
from sightline.accounts.models import Duty, Membership, Role, RoleGrant
from sightline.core.models import Event, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, agency_factory):
    """Two system administrators, two members of the business unit, a partner lead, and a
    person with no role yet."""
    it = agency_factory("Partnership IT")
    unit = agency_factory("Partnership business unit")
    police = agency_factory("Northshire Police")
    return {
        "it": it,
        "unit": unit,
        "police": police,
        "admin": make_user(Role.SYSTEM_ADMIN, agency=it, full_name="Ada Admin"),
        "admin2": make_user(Role.SYSTEM_ADMIN, agency=it, full_name="Abe Admin"),
        "bu": make_user(Role.BUSINESS_UNIT, agency=unit, full_name="Bea Unit"),
        "bu2": make_user(Role.BUSINESS_UNIT, agency=unit, full_name="Bo Unit"),
        "pl": make_user(Role.PARTNER_LEAD, agency=police, full_name="Pam Partner"),
        "new": make_user(None, full_name="Nat New", email="nat.new@example.org"),
    }


def roles_of(user) -> dict[int, frozenset[str]]:
    user = type(user).objects.get(pk=user.pk)
    return principal_for(user).roles_by_agency


def propose(people, *, by="admin", user="new", agency="police", role=Role.AGENCY_LEAD, **kw):
    return services.grant_propose(
        by=people[by],
        user=people[user],
        agency=people[agency],
        role=role,
        duties=kw.pop("duties", []),
        reason=kw.pop("reason", "Needs it for their job"),
    )


# --- The rule ------------------------------------------------------------------------------


def test_a_proposed_role_gives_nothing_until_a_second_person_confirms_it(people):
    grant = propose(people)

    assert grant.status == RoleGrant.Status.PROPOSED
    assert roles_of(people["new"]) == {}

    services.grant_confirm(grant=grant, by=people["bu"])

    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.CONFIRMED
    assert grant.decided_by == people["bu"]
    assert roles_of(people["new"]) == {people["police"].pk: frozenset({Role.AGENCY_LEAD})}


def test_both_steps_are_events_and_the_person_is_told_when_it_takes_effect(people):
    grant = propose(people, reason="Leads safeguarding for the police")
    proposed = Event.objects.get(action="role_grant.propose")
    assert proposed.actor == people["admin"]
    assert proposed.object_id == str(people["new"].pk)
    assert proposed.reason == "Leads safeguarding for the police"
    assert proposed.changes["role"] == Role.AGENCY_LEAD
    assert not Notification.objects.filter(user=people["new"]).exists()
    # The business unit, who confirm, are asked; the proposer is not.
    asked = set(Notification.objects.values_list("user__full_name", flat=True))
    assert asked == {"Bea Unit", "Bo Unit"}

    services.grant_confirm(grant=grant, by=people["bu"])

    confirmed = Event.objects.get(action="role_grant.confirm")
    assert confirmed.actor == people["bu"]
    assert confirmed.changes["proposed_by"] == people["admin"].pk
    told = Notification.objects.get(user=people["new"])
    assert told.subject == ("You now have Agency safeguarding lead, Northshire Police in Sightline")
    assert Notification.objects.filter(user=people["admin"], subject__contains="confirmed").exists()


@pytest.mark.parametrize(
    ("role", "confirmers", "not_confirmers"),
    [
        (Role.AGENCY_LEAD, ["bu"], ["pl", "admin2"]),
        (Role.PARTNER_LEAD, ["bu"], ["pl", "admin2"]),
        (Role.PRACTITIONER, ["bu"], ["pl", "admin2"]),
        (Role.REVIEWER, ["bu"], ["pl", "admin2"]),
        (Role.SCRUTINEER, ["bu"], ["pl", "admin2"]),
        (Role.BUSINESS_UNIT, ["pl"], ["bu", "admin2"]),
        (Role.SYSTEM_ADMIN, ["admin2", "bu"], ["pl"]),
    ],
)
def test_who_confirms_each_role(people, make_user, role, confirmers, not_confirmers):
    grant = propose(people, role=role)
    for who in not_confirmers:
        with pytest.raises(services.GrantRefused, match="Only"):
            services.grant_confirm(grant=grant, by=people[who])
    assert roles_of(people["new"]) == {}
    for who in confirmers:
        grantee = make_user(None)
        grant = services.grant_propose(
            by=people["admin"], user=grantee, agency=people["police"], role=role, reason="Job"
        )
        services.grant_confirm(grant=grant, by=people[who])
        assert roles_of(grantee) == {people["police"].pk: frozenset({role})}


@pytest.mark.parametrize("duty", [Duty.INCIDENT_NOTIFIER, Duty.PUBLICATION_APPROVER])
def test_adding_a_duty_to_a_role_already_held_is_a_grant_too(people, duty):
    pl = people["pl"]
    grant = propose(people, user="pl", role=Role.PARTNER_LEAD, duties=[duty])
    assert grant.duties == [duty]
    assert not principal_for(type(pl).objects.get(pk=pl.pk)).has_duty(duty)

    services.grant_confirm(grant=grant, by=people["bu"])

    assert principal_for(type(pl).objects.get(pk=pl.pk)).has_duty(duty, people["police"].pk)


def test_a_grant_that_adds_nothing_is_refused(people):
    with pytest.raises(services.GrantRefused, match="already has"):
        propose(people, user="pl", role=Role.PARTNER_LEAD)


def test_one_open_proposal_per_role_and_agency(people):
    propose(people)
    with pytest.raises(services.GrantRefused, match="already waiting"):
        propose(people, by="bu")


# --- Nobody for themselves -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "bu"])
def test_nobody_proposes_a_role_for_themselves(people, who):
    with pytest.raises(services.GrantRefused, match="for yourself"):
        propose(people, by=who, user=who, role=Role.PARTNER_LEAD)
    assert not RoleGrant.objects.exists()


def test_nobody_confirms_a_grant_for_themselves(people):
    grant = propose(people, user="bu", role=Role.AGENCY_LEAD)
    with pytest.raises(services.GrantRefused, match="for yourself"):
        services.grant_confirm(grant=grant, by=people["bu"])
    assert Membership.objects.filter(user=people["bu"]).count() == 1


def test_the_proposer_never_confirms_their_own_proposal(people):
    grant = propose(people, by="bu")
    with pytest.raises(services.GrantRefused, match="someone else"):
        services.grant_confirm(grant=grant, by=people["bu"])
    services.grant_confirm(grant=grant, by=people["bu2"])


def test_the_database_refuses_a_self_proposal_or_a_self_confirmation(people):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(
            user=people["bu"],
            agency=people["police"],
            role=Role.AGENCY_LEAD,
            reason="x",
            proposed_by=people["bu"],
        )
    grant = propose(people, by="bu")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.filter(pk=grant.pk).update(
            status=RoleGrant.Status.CONFIRMED, decided_by=people["bu"], decided_at=timezone.now()
        )


def test_only_settings_managers_propose(people):
    with pytest.raises(services.GrantRefused, match="Only the business unit"):
        propose(people, by="pl")


def test_a_grant_cannot_be_given_directly_by_a_person(people):
    with pytest.raises(services.GrantRefused, match="takes two people"):
        services.membership_add(
            user=people["new"], by=people["admin"], agency=people["police"], role=Role.AGENCY_LEAD
        )
    with pytest.raises(services.GrantRefused, match="themselves"):
        services.membership_add(
            user=people["admin"], by=people["admin"], agency=people["unit"], role=Role.REVIEWER
        )
    assert roles_of(people["new"]) == {}


def test_the_system_and_a_reviewer_appointment_by_the_business_unit_grant_directly(people):
    services.membership_add(
        user=people["new"], by=None, agency=people["police"], role=Role.PRACTITIONER
    )
    services.membership_add(
        user=people["new"], by=people["bu"], agency=people["unit"], role=Role.REVIEWER
    )
    assert roles_of(people["new"]) == {
        people["police"].pk: frozenset({Role.PRACTITIONER}),
        people["unit"].pk: frozenset({Role.REVIEWER}),
    }


# --- Refusing and withdrawing ---------------------------------------------------------------


def test_a_refused_grant_gives_nothing_and_the_proposer_is_told_why(people):
    grant = propose(people)
    with pytest.raises(services.GrantRefused, match="why"):
        services.grant_refuse(grant=grant, by=people["bu"], reason=" ")

    services.grant_refuse(grant=grant, by=people["bu"], reason="They have left the police")

    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.REFUSED
    assert grant.decision_note == "They have left the police"
    assert roles_of(people["new"]) == {}
    assert Event.objects.get(action="role_grant.refuse").reason == "They have left the police"
    told = Notification.objects.get(user=people["admin"])
    assert "refused" in told.subject
    assert "They have left the police" in told.body
    with pytest.raises(services.GrantRefused, match="already been refused"):
        services.grant_confirm(grant=grant, by=people["bu2"])


def test_only_the_proposer_withdraws(people):
    grant = propose(people)
    with pytest.raises(services.GrantRefused, match="Only the person who proposed"):
        services.grant_withdraw(grant=grant, by=people["bu"])

    services.grant_withdraw(grant=grant, by=people["admin"])

    assert RoleGrant.objects.get(pk=grant.pk).status == RoleGrant.Status.WITHDRAWN
    assert Event.objects.filter(action="role_grant.withdraw").count() == 1
    with pytest.raises(services.GrantRefused, match="already been withdrawn"):
        services.grant_confirm(grant=grant, by=people["bu"])
    assert roles_of(people["new"]) == {}


def test_a_proposal_for_a_deactivated_account_cannot_be_confirmed(people):
    grant = propose(people)
    services.user_deactivate(user=people["new"], by=people["admin"], reason="Left")

    with pytest.raises(services.GrantRefused, match="deactivated"):
        services.grant_confirm(grant=grant, by=people["bu"])
    assert RoleGrant.objects.get(pk=grant.pk).status == RoleGrant.Status.PROPOSED


# --- Invitations ---------------------------------------------------------------------------


def test_an_invitation_with_a_role_creates_the_account_and_proposes_the_role(
    people, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_invite(
            by=people["admin"],
            email="Ola.Lead@Example.org",
            full_name="Ola Lead",
            agency=people["police"],
            role=Role.AGENCY_LEAD,
            reason="New safeguarding lead",
            propose=True,
        )

    assert user.is_active
    assert not user.has_usable_password()
    assert [m.to for m in mail.outbox if "invited" in m.subject] == [["ola.lead@example.org"]]
    assert roles_of(user) == {}
    grant = RoleGrant.objects.get(user=user)
    services.grant_confirm(grant=grant, by=people["bu"])
    assert roles_of(user) == {people["police"].pk: frozenset({Role.AGENCY_LEAD})}


def test_the_business_unit_inviting_a_reviewer_from_settings_also_needs_a_second_person(people):
    user = services.user_invite(
        by=people["bu"],
        email="rita.reviewer@example.org",
        full_name="Rita Reviewer",
        agency=people["unit"],
        role=Role.REVIEWER,
        reason="Independent reviewer for a local review",
        propose=True,
    )
    assert roles_of(user) == {}
    assert RoleGrant.objects.get(user=user).status == RoleGrant.Status.PROPOSED


# --- Pages ---------------------------------------------------------------------------------


def test_the_confirmer_sees_and_confirms_on_the_page_and_the_home_page_lists_it(
    people, signed_in_client
):
    grant = propose(people, role=Role.BUSINESS_UNIT, agency="unit")
    pl = signed_in_client(people["pl"])

    home = pl.get(reverse("core:home")).content.decode()
    assert "Confirm or refuse Business unit, Partnership business unit for Nat New" in home
    listing = pl.get(reverse("settings:grant-list"))
    assert listing.status_code == 200
    assert "For you to confirm" in listing.content.decode()
    detail = pl.get(reverse("settings:grant-detail", args=[grant.pk])).content.decode()
    assert "Confirm role" in detail
    assert "Needs it for their job" in detail

    response = pl.post(reverse("settings:grant-confirm", args=[grant.pk]))

    assert response.status_code == 302
    assert roles_of(people["new"]) == {people["unit"].pk: frozenset({Role.BUSINESS_UNIT})}
    assert "Confirm or refuse" not in pl.get(reverse("core:home")).content.decode()


def test_a_partner_lead_sees_only_business_unit_grants(people, signed_in_client):
    other = propose(people, role=Role.AGENCY_LEAD)
    pl = signed_in_client(people["pl"])

    assert "Nat New" not in pl.get(reverse("settings:grant-list")).content.decode()
    assert pl.get(reverse("settings:grant-detail", args=[other.pk])).status_code == 404
    denied = Event.objects.get(action="access.denied", object_type="accounts.rolegrant")
    assert denied.actor == people["pl"]


def test_the_proposer_is_told_on_the_page_why_they_cannot_confirm(people, signed_in_client):
    grant = propose(people, role=Role.BUSINESS_UNIT, agency="unit")
    admin = signed_in_client(people["admin"])

    detail = admin.get(reverse("settings:grant-detail", args=[grant.pk])).content.decode()
    assert "Confirm role" not in detail
    assert "You proposed this, so someone else must confirm it" in detail
    assert "It takes effect when a partner lead confirms it" in detail
    assert "Withdraw proposal" in detail

    forced = admin.post(reverse("settings:grant-confirm", args=[grant.pk]))
    assert forced.status_code == 200
    assert "There is a problem" in forced.content.decode()
    assert roles_of(people["new"]) == {}


def test_proposing_for_yourself_on_your_own_page_is_refused_with_the_reason(
    people, signed_in_client
):
    admin = signed_in_client(people["admin"])
    own_page = admin.get(reverse("settings:user-detail", args=[people["admin"].pk]))
    assert "You cannot propose a role or duty for yourself" in own_page.content.decode()

    response = admin.post(
        reverse("settings:user-role-propose", args=[people["admin"].pk]),
        {"agency": people["unit"].pk, "role": Role.BUSINESS_UNIT, "reason": "Just because"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "You cannot propose a role or duty for yourself" in body
    assert not RoleGrant.objects.exists()


def test_the_users_page_shows_its_pending_grants(people, signed_in_client):
    propose(people, role=Role.SCRUTINEER, agency="unit")

    page = signed_in_client(people["bu"]).get(
        reverse("settings:user-detail", args=[people["new"].pk])
    )

    body = page.content.decode()
    assert "Roles waiting for confirmation" in body
    assert "Independent scrutineer, Partnership business unit" in body


def test_refusing_on_the_page_needs_a_reason(people, signed_in_client):
    grant = propose(people)
    bu = signed_in_client(people["bu"])

    missing = bu.post(reverse("settings:grant-refuse", args=[grant.pk]), {"reason": ""})
    assert missing.status_code == 200
    assert "Enter why you are refusing it" in missing.content.decode()

    done = bu.post(reverse("settings:grant-refuse", args=[grant.pk]), {"reason": "Not needed"})
    assert done.status_code == 302
    assert RoleGrant.objects.get(pk=grant.pk).status == RoleGrant.Status.REFUSED


def test_grant_pages_are_not_found_for_people_who_neither_propose_nor_confirm(
    people, make_user, signed_in_client
):
    grant = propose(people)
    for role in (Role.AGENCY_LEAD, Role.PRACTITIONER, Role.REVIEWER, Role.SCRUTINEER, None):
        client = signed_in_client(make_user(role))
        assert client.get(reverse("settings:grant-list")).status_code == 404
        assert client.get(reverse("settings:grant-detail", args=[grant.pk])).status_code == 404
        assert client.post(reverse("settings:grant-confirm", args=[grant.pk])).status_code == 404
    anonymous = Client().get(reverse("settings:grant-list"))
    assert anonymous.status_code == 302
    assert RoleGrant.objects.get(pk=grant.pk).status == RoleGrant.Status.PROPOSED
