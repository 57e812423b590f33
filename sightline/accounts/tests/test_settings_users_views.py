"""The settings pages for users: invitations, details, roles, deactivation and two-factor
resets, and the events they write."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from sightline.accounts import services
from sightline.accounts.models import Membership, Role, RoleGrant, User
from sightline.core.models import Event

pytestmark = pytest.mark.django_db


def h1_count(response) -> int:
    return len(re.findall(r"<h1[\s>]", response.content.decode()))


def events(action: str):
    return Event.objects.filter(action=action).order_by("id")


def test_invite_sends_an_email_and_proposes_the_role_for_a_second_person(
    admin_client, admin, agency, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("settings:user-invite"),
            {
                "full_name": "Nia New",
                "email": "Nia.New@Example.org",
                "job_title": "Social worker",
                "agency": agency.pk,
                "role": Role.PRACTITIONER,
                "duties": [],
                "reason": "Joins the hospital safeguarding team",
            },
            follow=True,
        )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Invitation sent to nia.new@example.org" in body
    assert "takes effect when the business unit confirms it" in body
    user = User.objects.get(email="nia.new@example.org")
    assert not user.has_usable_password()
    # The account exists and the invitation went; the role waits for a second person.
    assert not Membership.objects.filter(user=user).exists()
    grant = RoleGrant.objects.get(user=user)
    assert (grant.agency, grant.role, grant.status) == (
        agency,
        Role.PRACTITIONER,
        RoleGrant.Status.PROPOSED,
    )
    assert grant.proposed_by == admin
    assert grant.reason == "Joins the hospital safeguarding team"
    assert "Practitioner, Northshire County Council" in body  # pending on the user's page
    invitations = [m for m in mail.outbox if m.to == ["nia.new@example.org"]]
    assert len(invitations) == 1
    assert "/app/invitation/" in invitations[0].body
    event = events("user.invite").last()
    assert event.actor == admin
    assert event.changes["email"] == [None, "nia.new@example.org"]
    assert event.changes["role"] == [None, Role.PRACTITIONER]
    assert event.changes["role_pending"] is True
    assert events("role_grant.propose").last().changes["grant"] == grant.pk


def test_invite_refuses_an_existing_email_and_keeps_the_values(admin_client, agency, records):
    response = admin_client.post(
        reverse("settings:user-invite"),
        {
            "full_name": "Pat Again",
            "email": "pat@example.org",
            "agency": agency.pk,
            "role": Role.PRACTITIONER,
        },
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "A user with this email address already exists" in body
    assert 'value="Pat Again"' in body
    assert len(mail.outbox) == 0


def test_user_list_filters_and_searches(admin_client, make_user, agency_factory, admin):
    police = agency_factory("Northshire Police")
    make_user(Role.AGENCY_LEAD, agency=police, full_name="Ola Officer")
    make_user(
        Role.PRACTITIONER, agency=police, full_name="Pip Constable", email="pip@police.example.org"
    )
    left = make_user(Role.PRACTITIONER, full_name="Lee Left")
    services.user_deactivate(user=left, by=admin, reason="Left")
    url = reverse("settings:user-list")

    def names(**params):
        return {u.full_name for u in admin_client.get(url, params).context["page_obj"]}

    assert names(agency=police.pk) == {"Ola Officer", "Pip Constable"}
    assert names(agency=police.pk, role=Role.AGENCY_LEAD) == {"Ola Officer"}
    assert names(q="police.example") == {"Pip Constable"}
    assert names(q="ola") == {"Ola Officer"}
    assert names(status="deactivated") == {"Lee Left"}
    assert "Lee Left" not in names(status="active")
    assert "Lee Left" in names()


def test_user_page_shows_details_and_roles(admin_client, records):
    response = admin_client.get(reverse("settings:user-detail", args=[records["user"].pk]))

    body = response.content.decode()
    assert "Pat Practitioner" in body
    assert "Northshire County Council" in body
    assert "Practitioner" in body


def test_user_edit_records_the_change(admin_client, admin, records):
    user = records["user"]
    response = admin_client.post(
        reverse("settings:user-edit", args=[user.pk]),
        {
            "version": user.version,
            "full_name": "Pat Practitioner-Jones",
            "job_title": "Health visitor",
            "access_ends_on_day": "31",
            "access_ends_on_month": "3",
            "access_ends_on_year": "2032",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "Pat Practitioner-Jones"
    assert user.access_ends_on == date(2032, 3, 31)
    event = events("user.update").last()
    assert event.actor == admin
    assert event.changes["full_name"] == ["Pat Practitioner", "Pat Practitioner-Jones"]
    assert event.changes["access_ends_on"] == [None, "2032-03-31"]


def test_a_role_proposed_on_the_user_page_takes_effect_when_a_second_person_confirms_it(
    admin_client, admin, records, agency_factory, make_user, signed_in_client, agency
):
    user = records["user"]
    police = agency_factory("Northshire Police")

    response = admin_client.post(
        reverse("settings:user-role-propose", args=[user.pk]),
        {
            "agency": police.pk,
            "role": Role.AGENCY_LEAD,
            "duties": ["incident_notifier"],
            "reason": "New safeguarding lead for the police",
        },
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(user=user, agency=police).exists()
    grant = RoleGrant.objects.get(user=user, agency=police)
    assert grant.duties == ["incident_notifier"]

    # The proposer cannot confirm it; a second member of the business unit can.
    refused = admin_client.post(reverse("settings:grant-confirm", args=[grant.pk]))
    assert refused.status_code == 200
    assert "You proposed this, so someone else must confirm it" in refused.content.decode()
    assert not Membership.objects.filter(user=user, agency=police).exists()
    second = make_user(Role.BUSINESS_UNIT, agency=agency, full_name="Bo Second")
    confirmed = signed_in_client(second).post(reverse("settings:grant-confirm", args=[grant.pk]))
    assert confirmed.status_code == 302

    added = Membership.objects.get(user=user, agency=police, role=Role.AGENCY_LEAD)
    assert added.duties == ["incident_notifier"]
    event = events("membership.add").last()
    assert event.actor == second
    assert event.changes["membership"] == [None, f"{police.pk}:{Role.AGENCY_LEAD}"]

    response = admin_client.post(
        reverse("settings:user-membership-remove", args=[user.pk, added.pk])
    )
    assert response.status_code == 302
    added.refresh_from_db()
    assert not added.active
    assert added.archived_at is not None
    event = events("membership.remove").last()
    assert event.changes["membership"] == [f"{police.pk}:{Role.AGENCY_LEAD}", None]


def test_nobody_removes_their_own_role(admin_client, admin):
    own = Membership.objects.get(user=admin)

    response = admin_client.post(
        reverse("settings:user-membership-remove", args=[admin.pk, own.pk]), follow=True
    )

    assert "You cannot remove your own role" in response.content.decode()
    own.refresh_from_db()
    assert own.active
    assert not events("membership.remove").exists()


def test_membership_add_with_errors_shows_them_on_the_user_page(admin_client, records):
    response = admin_client.post(
        reverse("settings:user-role-propose", args=[records["user"].pk]), {"agency": ""}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "Select the agency" in body
    assert h1_count(response) == 1


def test_a_membership_of_another_user_cannot_be_removed_through_this_user(
    admin_client, records, admin
):
    other = Membership.objects.get(user=admin)
    url = reverse("settings:user-membership-remove", args=[records["user"].pk, other.pk])

    assert admin_client.post(url).status_code == 404
    assert Membership.objects.get(pk=other.pk).active


def test_deactivation_needs_a_reason(admin_client, records):
    user = records["user"]
    response = admin_client.post(
        reverse("settings:user-deactivate", args=[user.pk]), {"reason": ""}
    )

    assert response.status_code == 200
    assert "Enter the reason" in response.content.decode()
    user.refresh_from_db()
    assert user.is_active


def test_deactivation_ends_the_users_sessions(admin_client, admin, records, signed_in_client):
    user = records["user"]
    their_client = signed_in_client(user)
    account = reverse("accounts:account")
    assert their_client.get(account).status_code == 200

    response = admin_client.post(
        reverse("settings:user-deactivate", args=[user.pk]),
        {"reason": "Left the agency on 5 March 2031"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    next_request = their_client.get(account)
    assert next_request.status_code == 302
    assert next_request["Location"].startswith(reverse("accounts:sign-in"))
    event = events("user.deactivate").last()
    assert event.actor == admin
    assert event.reason == "Left the agency on 5 March 2031"
    assert event.changes["is_active"] == [True, False]


def test_reactivation_through_the_page(admin_client, admin, records):
    user = records["user"]
    services.user_deactivate(user=user, by=admin, reason="Left")

    response = admin_client.post(reverse("settings:user-reactivate", args=[user.pk]))

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active
    assert events("user.reactivate").last().changes == {"is_active": [False, True]}


def test_managers_cannot_deactivate_themselves(admin_client, admin):
    response = admin_client.post(
        reverse("settings:user-deactivate", args=[admin.pk]), {"reason": "Testing"}
    )

    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.is_active


def test_reset_two_factor_removes_the_authenticator_and_ends_sessions(
    admin_client, admin, records, signed_in_client
):
    user = records["user"]
    their_client = signed_in_client(user)
    url = reverse("settings:user-reset-two-factor", args=[user.pk])
    assert "Reset two-factor authentication" in admin_client.get(url).content.decode()

    response = admin_client.post(url)

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert their_client.get(reverse("accounts:account")).status_code == 302
    event = events("user.two_factor_reset").last()
    assert event.actor == admin
    assert event.object_id == str(user.pk)
