"""Notifications: in-app rows written in the caller's transaction, e-mail sent by the task
worker after commit. This is the only module that sends mail."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django_tasks import task

from sightline.core.models import Notification


def notify(
    *,
    users: Iterable,
    subject: str,
    body: str = "",
    url: str = "",
    dedupe_key: str = "",
    about: Model | None = None,
) -> list[Notification]:
    """Tell each user in-app now and by e-mail after commit. A non-empty dedupe_key makes the
    notification idempotent per user (reminders run daily without repeating themselves).
    `about` links it to the record it is about, so pages can show the reminders sent
    (sightline.core.reminders)."""
    link = (
        {"about_type": about._meta.label_lower, "about_id": str(about.pk)}
        if about is not None
        else {}
    )
    created = []
    for user in {u.pk: u for u in users if u is not None and u.is_active}.values():
        if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
            continue
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        user=user,
                        subject=subject[:200],
                        body=body,
                        url=url,
                        dedupe_key=dedupe_key,
                        **link,
                    )
                )
        except IntegrityError:
            continue
    if created:
        ids = [n.pk for n in created]
        transaction.on_commit(lambda: send_notification_emails.enqueue(ids))
    return created


def send_mail_message(
    *, to: list[str], subject: str, body: str, headers: dict[str, str] | None = None
) -> None:
    """Send one plain-text message through the configured mail backend."""
    EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers=headers or None,
    ).send(fail_silently=False)


def greeting(user) -> str:
    """How every e-mail to a user opens: their full name as they gave it ("Dear Dr Asha Rao,"),
    never a first word that may be a title ("Dear Dr,")."""
    return f"Dear {user.get_full_name().strip() or user.email},"


def absolute_url(path: str) -> str:
    return f"{settings.SIGHTLINE_SITE_URL}{path}"


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    sent = 0
    for n in Notification.objects.select_related("user").filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ):
        lines = [greeting(n.user), "", n.subject]
        if n.body:
            lines += ["", n.body]
        if n.url:
            lines += ["", f"Open it in Sightline: {absolute_url(n.url)}"]
        lines += ["", f"— {settings.SIGHTLINE_PARTNERSHIP_NAME}"]
        send_mail_message(to=[n.user.email], subject=n.subject, body="\n".join(lines))
        Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
