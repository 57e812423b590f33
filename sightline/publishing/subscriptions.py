"""E-mail subscriptions to new publications in the public library (double opt-in).

- `subscription_request(email)`: anyone may ask; the address gets a confirmation link. The
  answer on screen is the same whatever the address's state, so nobody can find out who is
  subscribed. An address already subscribed gets a reminder with its unsubscribe link instead;
  a pending one is not sent another link within `RESEND_MINUTES`.
- `subscription_confirm(token)`: the link's page shows a button (mail scanners open links;
  only a person presses buttons), which confirms.
- `subscription_unsubscribe(token)`: every message has an unsubscribe link, also in the
  `List-Unsubscribe` header with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
  (RFC 8058): a POST to the link unsubscribes at once.
- `notify_new_publication(item)`: called by the publication service after an item is
  published; after commit it enqueues one task that e-mails every confirmed subscriber.

Links carry `<id>-<hmac>`; the HMAC (keyed by SECRET_KEY) covers the purpose and the random
`Subscription.token`, which is replaced when someone subscribes again. The database holds no
usable link, and tasks get only ids.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django_tasks import task

from sightline.core.events import record_event
from sightline.core.models import Event
from sightline.core.notifications import absolute_url, send_mail_message
from sightline.publishing.models import LibraryItem, Subscription

logger = logging.getLogger(__name__)

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"
CONFIRM_DAYS = 7
RESEND_MINUTES = 10


# --------------------------------------------------------------------------- tokens


def make_token(subscription: Subscription, purpose: str) -> str:
    digest = salted_hmac(
        f"sightline.publishing.subscription.{purpose}",
        f"{subscription.pk}:{subscription.token}:{subscription.email.lower()}",
        algorithm="sha256",
    ).hexdigest()
    return f"{subscription.pk}-{digest}"


def subscription_for_token(token: str, purpose: str) -> Subscription | None:
    number, _, _ = (token or "").partition("-")
    if not number.isdigit() or len(token) > 100:
        return None
    subscription = Subscription.objects.filter(pk=int(number)).first()
    if subscription is None or not constant_time_compare(make_token(subscription, purpose), token):
        return None
    return subscription


def confirm_url(subscription: Subscription) -> str:
    token = make_token(subscription, CONFIRM)
    return absolute_url(reverse("publishing-public:subscribe-confirm", args=[token]))


def unsubscribe_url(subscription: Subscription) -> str:
    token = make_token(subscription, UNSUBSCRIBE)
    return absolute_url(reverse("publishing-public:unsubscribe", args=[token]))


def _headers(subscription: Subscription) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscription)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _is_active(subscription: Subscription) -> bool:
    return subscription.confirmed_at is not None and subscription.unsubscribed_at is None


# --------------------------------------------------------------------------- services


def _address_label(email: str) -> str:
    """For the event log: enough to recognise, not the address itself."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


@transaction.atomic
def subscription_request(*, email: str) -> None:
    """Someone asked for e-mails at this address. Whatever its state, the caller shows the
    same page; what happens is told only to the address's owner, by e-mail."""
    email = email.strip()
    now = timezone.now()
    subscription = Subscription.objects.select_for_update().filter(email__iexact=email).first()
    if subscription is None:
        subscription = Subscription.objects.create(
            email=email, token=secrets.token_hex(32), created_at=now
        )
    elif _is_active(subscription):
        _after_commit(send_subscription_email, subscription.pk, "already")
        return
    elif subscription.unsubscribed_at is None and now - subscription.created_at < dt.timedelta(
        minutes=RESEND_MINUTES
    ):
        return  # a link was sent moments ago: do not flood the address
    else:
        subscription.token = secrets.token_hex(32)
        subscription.created_at = now
        subscription.confirmed_at = None
        subscription.unsubscribed_at = None
        subscription.save(update_fields=["token", "created_at", "confirmed_at", "unsubscribed_at"])
    record_event(
        action="subscription.request",
        kind=Event.Kind.SYSTEM,
        object_type="publishing.subscription",
        object_id=str(subscription.pk),
        changes={"email": _address_label(email)},
    )
    _after_commit(send_subscription_email, subscription.pk, CONFIRM)


def confirmation_expired(subscription: Subscription) -> bool:
    return timezone.now() - subscription.created_at > dt.timedelta(days=CONFIRM_DAYS)


@transaction.atomic
def subscription_confirm(*, subscription: Subscription) -> bool:
    """Confirm a pending subscription; False if its link has expired or it was cancelled."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if _is_active(subscription):
        return True
    if subscription.unsubscribed_at is not None or confirmation_expired(subscription):
        return False
    subscription.confirmed_at = timezone.now()
    subscription.save(update_fields=["confirmed_at"])
    record_event(
        action="subscription.confirm",
        kind=Event.Kind.SYSTEM,
        object_type="publishing.subscription",
        object_id=str(subscription.pk),
    )
    return True


@transaction.atomic
def subscription_unsubscribe(*, subscription: Subscription) -> None:
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = timezone.now()
        subscription.save(update_fields=["unsubscribed_at"])
        record_event(
            action="subscription.unsubscribe",
            kind=Event.Kind.SYSTEM,
            object_type="publishing.subscription",
            object_id=str(subscription.pk),
        )


def notify_new_publication(item: LibraryItem) -> None:
    """Hook for the publication service: after this transaction commits, e-mail every
    confirmed subscriber about the item (one task for all of them)."""
    _after_commit(send_publication_emails, item.pk)


def _after_commit(task_function, *args) -> None:
    transaction.on_commit(lambda: task_function.enqueue(*args))


# --------------------------------------------------------------------------- tasks


@task()
def send_subscription_email(subscription_id: int, purpose: str) -> bool:
    """The confirmation link, or (purpose "already") a reminder that the address is already
    subscribed, with its unsubscribe link."""
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is None or subscription.unsubscribed_at is not None:
        return False
    context = {
        "partnership_name": settings.SIGHTLINE_PARTNERSHIP_NAME,
        "confirm_url": confirm_url(subscription),
        "unsubscribe_url": unsubscribe_url(subscription),
        "days": CONFIRM_DAYS,
        "library_url": absolute_url(reverse("publishing-public:search")),
    }
    if purpose == "already":
        template, subject = (
            "publishing/subscribe_email_already.txt",
            "You already get emails about new learning",
        )
    else:
        template, subject = (
            "publishing/subscribe_email_confirm.txt",
            "Confirm your email to get new learning",
        )
    send_mail_message(
        to=[subscription.email],
        subject=subject,
        body=render_to_string(template, context),
        headers=_headers(subscription),
    )
    return True


@task()
def send_publication_emails(item_id: int) -> int:
    """E-mail every confirmed subscriber about a newly published item (if it is still public)."""
    from sightline.publishing.library import published_label

    item = LibraryItem.objects.filter(pk=item_id, is_public=True, removed_at__isnull=True).first()
    if item is None:
        return 0
    item_url = absolute_url(reverse("publishing-public:item", args=[item.slug]))
    sent = 0
    subscribers = Subscription.objects.filter(
        confirmed_at__isnull=False, unsubscribed_at__isnull=True
    ).order_by("pk")
    for subscription in subscribers.iterator(chunk_size=500):
        body = render_to_string(
            "publishing/subscribe_email_publication.txt",
            {
                "partnership_name": settings.SIGHTLINE_PARTNERSHIP_NAME,
                "item": item,
                "kind": item.get_kind_display(),
                "published": published_label(item),
                "item_url": item_url,
                "unsubscribe_url": unsubscribe_url(subscription),
            },
        )
        try:
            send_mail_message(
                to=[subscription.email],
                subject=f"New {item.get_kind_display().lower()}: {item.title}"[:200],
                body=body,
                headers=_headers(subscription),
            )
        except Exception:  # noqa: BLE001 - one bad address must not stop the rest
            logger.exception("Could not e-mail subscriber %s", subscription.pk)
            continue
        sent += 1
    return sent
