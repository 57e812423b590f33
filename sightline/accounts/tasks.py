"""E-mails about accounts, sent by the task worker. Tokens are issued here, never queued."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from sightline.accounts.models import Invitation, User
from sightline.accounts.services import invitation_issue_token
from sightline.core.notifications import absolute_url, greeting, send_mail_message


@task()
def send_invitation(invitation_id: int) -> bool:
    invitation = (
        Invitation.objects.select_related("user")
        .filter(pk=invitation_id, used_at__isnull=True)
        .first()
    )
    if invitation is None:
        return False
    token = invitation_issue_token(invitation=invitation)
    link = absolute_url(reverse("accounts:invitation", args=[token]))
    send_mail_message(
        to=[invitation.user.email],
        subject=f"You have been invited to Sightline, {settings.SIGHTLINE_PARTNERSHIP_NAME}",
        body=(
            f"{greeting(invitation.user)}\n\n"
            f"You have an account on Sightline, the {settings.SIGHTLINE_PARTNERSHIP_NAME}'s "
            "system for reviews, audits and learning.\n\n"
            f"Set your password: {link}\n\n"
            f"The link works once and expires on {invitation.expires_at:%d %B %Y}. "
            "After setting your password you will set up two-factor authentication with an "
            "authenticator app.\n"
        ),
    )
    return True


@task()
def send_password_reset(user_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = absolute_url(reverse("accounts:password-reset-confirm", args=[uid, token]))
    send_mail_message(
        to=[user.email],
        subject="Reset your Sightline password",
        body=(
            f"{greeting(user)}\n\n"
            f"Someone asked to reset the password for this account. To choose a new one: {link}\n\n"
            "You will still need your authenticator app to sign in. If you did not ask for this, "
            "you can ignore this e-mail.\n"
        ),
    )
    return True
