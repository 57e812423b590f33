"""Invitations, password reset, password change, deactivation and time-limited access: each
credential path works once, never bypasses two-factor and ends sessions it should end."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import TEST_PASSWORD
from sightline.accounts import services, tasks
from sightline.accounts.access import principal_for
from sightline.accounts.models import Invitation, Role, User, UserSession
from sightline.actions import services as action_services
from sightline.actions.models import ActionPlan

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign-in")
HOME = reverse("core:home")
NEW_PASSWORD = "fresh harbour lantern 72 quietly"
LINK = re.compile(r"https?://[^/\s]+(/app/\S+/)")


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def sign_in(client, email, password=TEST_PASSWORD):
    return client.post(SIGN_IN, {"email": email, "password": password})


def set_password(client, url, password=NEW_PASSWORD):
    return client.post(url, {"new_password1": password, "new_password2": password})


@pytest.fixture
def business_unit(make_user):
    return make_user(Role.BUSINESS_UNIT, full_name="Bea Unit")


@pytest.fixture
def invite(business_unit, agency_factory, django_capture_on_commit_callbacks):
    def make(email="new.starter@example.org", role=Role.PRACTITIONER):
        with django_capture_on_commit_callbacks(execute=True):
            return services.user_invite(
                by=business_unit,
                email=email,
                full_name="New Starter",
                agency=agency_factory(),
                role=role,
            )

    return make


# --- Invitations ---------------------------------------------------------------------------


def test_the_invitation_link_sets_the_password_once_and_sign_in_still_needs_enrolment(
    invite, mailoutbox
):
    user = invite()
    assert [m.to for m in mailoutbox] == [[user.email]]
    url = link_in(mailoutbox[0])
    assert not user.has_usable_password()

    client = Client()
    assert client.get(url).status_code == 200
    response = set_password(client, url)

    assert response["Location"] == SIGN_IN
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(HOME).status_code == 302  # setting a password does not sign in
    used = client.get(url)
    assert used.status_code == 404
    assert "expired or has already been used" in used.content.decode()
    assert set_password(Client(), url, "another password 99 kettles").status_code == 404
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    assert sign_in(client, user.email, NEW_PASSWORD)["Location"] == reverse(
        "accounts:two-factor-setup"
    )
    assert client.get(HOME).status_code == 302


def test_the_invitation_token_is_stored_only_as_a_hash(invite, mailoutbox):
    user = invite()
    token = link_in(mailoutbox[0]).rstrip("/").rsplit("/", 1)[1]

    stored = Invitation.objects.get(user=user).token_hash
    assert stored != token
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_the_queued_invitation_task_carries_the_invitation_id_and_no_token(
    invite, monkeypatch, mailoutbox
):
    queued = []

    class Recorder:
        def enqueue(self, *args, **kwargs):
            queued.append((args, kwargs))

    monkeypatch.setattr(tasks, "send_invitation", Recorder())
    user = invite()

    invitation = Invitation.objects.get(user=user)
    assert queued == [((invitation.pk,), {})]
    assert isinstance(queued[0][0][0], int)
    assert mailoutbox == []


def test_an_expired_invitation_shows_the_link_expired_page_and_sets_nothing(invite, mailoutbox):
    user = invite()
    url = link_in(mailoutbox[0])
    Invitation.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(minutes=1))

    page = Client().get(url)
    posted = set_password(Client(), url)

    assert page.status_code == posted.status_code == 404
    assert "expired or has already been used" in page.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_an_invitation_accepted_twice_at_once_sets_the_password_only_once(invite, mailoutbox):
    user = invite()
    token = link_in(mailoutbox[0]).rstrip("/").rsplit("/", 1)[1]
    first = services.invitation_for_token(token)
    second = services.invitation_for_token(token)  # both requests read before either writes

    services.invitation_accept(invitation=first, password=NEW_PASSWORD)
    accepted_again = services.invitation_accept(
        invitation=second, password="an attacker's choice 44 pebbles"
    )

    assert accepted_again is None
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


# --- Password reset ------------------------------------------------------------------------


@pytest.fixture
def enrolled(make_user):
    user = make_user(Role.PRACTITIONER, email="reset.me@example.org")
    TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    return user


def request_reset(email):
    return Client().post(reverse("accounts:password-reset"), {"email": email})


def test_reset_for_a_known_and_an_unknown_email_shows_the_same_page_and_mails_only_the_known(
    enrolled, mailoutbox
):
    known = request_reset(enrolled.email)
    unknown = request_reset("not.a.user@example.org")

    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert "Check your email" in known.content.decode()
    assert [m.to for m in mailoutbox] == [[enrolled.email]]


def test_the_reset_link_sets_a_new_password_once_without_signing_in_and_mfa_is_still_asked(
    enrolled, mailoutbox
):
    request_reset(enrolled.email)
    url = link_in(mailoutbox[0])
    client = Client()

    assert client.get(url).status_code == 200
    response = set_password(client, url)

    assert response["Location"] == SIGN_IN
    enrolled.refresh_from_db()
    assert enrolled.check_password(NEW_PASSWORD)
    assert client.get(HOME).status_code == 302
    assert client.get(url).status_code == 404
    assert set_password(Client(), url, "second go 31 marmalade sky").status_code == 404
    enrolled.refresh_from_db()
    assert enrolled.check_password(NEW_PASSWORD)

    assert sign_in(client, enrolled.email, NEW_PASSWORD)["Location"] == reverse(
        "accounts:sign-in-code"
    )
    assert client.get(HOME).status_code == 302


def test_a_reset_ends_sessions_signed_in_with_the_old_password(
    enrolled, mailoutbox, signed_in_client
):
    other = signed_in_client(enrolled)
    assert other.get(HOME).status_code == 200
    key = other.session.session_key
    request_reset(enrolled.email)

    set_password(Client(), link_in(mailoutbox[0]))

    assert not Session.objects.filter(session_key=key).exists()
    assert other.get(HOME).status_code == 302


# --- Password change -----------------------------------------------------------------------


def test_changing_the_password_needs_the_current_one_and_ends_only_the_other_sessions(
    enrolled, signed_in_client
):
    here, elsewhere = signed_in_client(enrolled), signed_in_client(enrolled)
    url = reverse("accounts:change-password")
    assert elsewhere.get(HOME).status_code == 200
    elsewhere_key = elsewhere.session.session_key

    refused = here.post(
        url,
        {
            "old_password": "not my password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert refused.status_code == 200
    assert "Your current password is incorrect" in refused.content.decode()
    enrolled.refresh_from_db()
    assert enrolled.check_password(TEST_PASSWORD)

    changed = here.post(
        url,
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert changed["Location"] == reverse("accounts:account")
    enrolled.refresh_from_db()
    assert enrolled.check_password(NEW_PASSWORD)
    assert here.get(HOME).status_code == 200
    assert not Session.objects.filter(session_key=elsewhere_key).exists()
    assert elsewhere.get(HOME).status_code == 302


# --- Deactivation and time-limited access --------------------------------------------------


def test_deactivating_a_user_ends_their_sessions_and_they_cannot_sign_in(
    enrolled, business_unit, signed_in_client
):
    client = signed_in_client(enrolled)
    assert client.get(HOME).status_code == 200
    key = client.session.session_key

    services.user_deactivate(user=enrolled, by=business_unit, reason="Left the agency")

    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(user=enrolled).exists()
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    attempt = sign_in(Client(), enrolled.email)
    assert attempt.status_code == 200
    assert "Enter a correct email address and password" in attempt.content.decode()


def test_deactivation_after_a_password_change_still_deletes_the_session_on_the_server(
    enrolled, business_unit, signed_in_client
):
    client = signed_in_client(enrolled)
    client.post(
        reverse("accounts:change-password"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    key = client.session.session_key
    assert client.get(HOME).status_code == 200

    services.user_deactivate(user=User.objects.get(pk=enrolled.pk), by=business_unit)

    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(HOME).status_code == 302


@pytest.fixture
def lead_and_action(make_user, business_unit, agency_factory):
    agency = agency_factory()
    lead = make_user(Role.AGENCY_LEAD, agency=agency)
    plan = action_services.action_plan_create(
        by=business_unit, title="Learning from review", source=ActionPlan.Source.REVIEW
    )
    action = action_services.action_create(
        by=business_unit,
        plan=plan,
        lesson="Lesson",
        description="Do the thing",
        expected_change="Better practice",
        owner_agency=agency,
        owner=lead,
        due_date=date(2031, 1, 31),
    )
    return lead, action


def expire(user, by):
    yesterday = timezone.localdate() - timedelta(days=1)
    services.user_update(user=user, by=by, expected_version=user.version, access_ends_on=yesterday)
    return User.objects.get(pk=user.pk)


def test_access_that_ended_yesterday_leaves_the_user_with_no_roles(lead_and_action, business_unit):
    lead, _ = lead_and_action
    assert principal_for(User.objects.get(pk=lead.pk)).roles == {Role.AGENCY_LEAD}

    expired = expire(lead, business_unit)

    assert principal_for(expired).roles == frozenset()
    assert principal_for(expired).duties_by_agency == {}


def test_access_ending_today_still_works_until_the_end_of_the_day(lead_and_action, business_unit):
    lead, _ = lead_and_action
    services.user_update(
        user=lead,
        by=business_unit,
        expected_version=lead.version,
        access_ends_on=timezone.localdate(),
    )

    assert principal_for(User.objects.get(pk=lead.pk)).roles == {Role.AGENCY_LEAD}


def test_after_access_ends_an_open_session_is_signed_out_even_for_actions_they_own(
    lead_and_action, business_unit, signed_in_client
):
    lead, action = lead_and_action
    client = signed_in_client(lead)
    url = reverse("actions:detail", args=[action.reference])
    assert client.get(url).status_code == 200

    expire(lead, business_unit)

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    assert client.get(HOME).status_code == 302


def test_a_user_whose_access_has_ended_cannot_sign_in(lead_and_action, business_unit):
    lead, _ = lead_and_action
    expire(lead, business_unit)
    client = Client()

    response = sign_in(client, lead.email)

    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.content.decode()
    assert client.get(HOME).status_code == 302
