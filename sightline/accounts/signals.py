"""Record sign-in sessions so they can be ended server-side."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from sightline.accounts.models import UserSession
from sightline.core.requestcontext import current_ip


@receiver(user_logged_in)
def remember_session(sender, request, user, **kwargs):
    if request is not None and request.session.session_key:
        UserSession.objects.update_or_create(
            session_key=request.session.session_key,
            defaults={"user": user, "ip_address": current_ip.get()},
        )


@receiver(user_logged_out)
def forget_session(sender, request, user, **kwargs):
    if request is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
