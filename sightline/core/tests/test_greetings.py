"""Every e-mail to a user greets them by their full name as they gave it ("Dear Dr Asha Rao,"),
never by a first word that may be a title ("Dear Dr,")."""

from __future__ import annotations

import pytest

from sightline.accounts import services as account_services
from sightline.accounts.models import Role
from sightline.accounts.tasks import send_password_reset
from sightline.core.notifications import notify

pytestmark = pytest.mark.django_db


def first_line(message) -> str:
    return message.body.splitlines()[0]


def test_a_notification_e_mail_greets_by_full_name(
    make_user, mailoutbox, django_capture_on_commit_callbacks
):
    user = make_user(full_name="Dr Asha Rao")

    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[user], subject="An action is due", body="", url="/app/actions/")

    [message] = mailoutbox
    assert first_line(message) == "Dear Dr Asha Rao,"


def test_an_invitation_greets_by_full_name(
    make_user, agency_factory, mailoutbox, django_capture_on_commit_callbacks
):
    admin = make_user(Role.SYSTEM_ADMIN)

    with django_capture_on_commit_callbacks(execute=True):
        account_services.user_invite(
            by=admin,
            email="asha.rao@example.org",
            full_name="Dr Asha Rao",
            agency=agency_factory(),
            role=Role.PRACTITIONER,
        )

    [message] = mailoutbox
    assert first_line(message) == "Dear Dr Asha Rao,"


def test_a_password_reset_greets_by_full_name(make_user, mailoutbox):
    user = make_user(full_name="Professor Sam O'Neill-Hughes")

    assert send_password_reset.call(user.pk)

    [message] = mailoutbox
    assert first_line(message) == "Dear Professor Sam O'Neill-Hughes,"
