"""E-mail subscriptions: double opt-in, one-click unsubscribe, no enumeration."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from sightline.publishing import subscriptions
from sightline.publishing.models import Subscription
from sightline.publishing.tests.test_library_support import make_item

pytestmark = pytest.mark.django_db

SUBSCRIBE = reverse("publishing-public:subscribe")


@pytest.fixture
def subscribe(client, django_capture_on_commit_callbacks):
    def go(email: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(SUBSCRIBE, {"email": email})

    return go


def link(message, name: str) -> str:
    path = reverse(f"publishing-public:{name}", args=["TOKEN"]).replace("TOKEN/", "")
    match = re.search(re.escape(path) + r"([\w-]+)/", message.body)
    assert match, message.body
    return match.group(0)


def test_subscribing_needs_confirmation(client, subscribe):
    response = subscribe("Practitioner@Example.org")

    assert response.status_code == 302
    assert response["Location"] == reverse("publishing-public:subscribe-sent")
    subscription = Subscription.objects.get()
    assert subscription.confirmed_at is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Practitioner@Example.org"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")

    confirm = link(message, "subscribe-confirm")
    page = client.get(confirm)
    assert page.status_code == 200
    assert "Confirm subscription" in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None  # opening the link is not enough

    done = client.post(confirm)
    assert done.status_code == 200
    assert "Subscription confirmed" in done.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None


def test_the_answer_is_the_same_whoever_asks(client, subscribe):
    first = subscribe("known@example.org")
    link_ = link(mail.outbox[0], "subscribe-confirm")
    client.post(link_)
    again = subscribe("known@example.org")
    new = subscribe("new@example.org")

    assert first.status_code == again.status_code == new.status_code == 302
    assert first["Location"] == again["Location"] == new["Location"]
    sent_page = client.get(reverse("publishing-public:subscribe-sent")).content
    assert b"known@example.org" not in sent_page
    # The owner of the subscribed address is told by e-mail, not the person asking.
    assert mail.outbox[1].to == ["known@example.org"]
    assert "already" in mail.outbox[1].body


def test_a_pending_address_is_not_flooded(subscribe):
    subscribe("someone@example.org")
    subscribe("someone@example.org")
    subscribe("someone@example.org")

    assert len(mail.outbox) == 1


def test_an_invalid_address_shows_an_error(client):
    response = client.post(SUBSCRIBE, {"email": "not an address"})

    assert response.status_code == 200
    assert "Enter an email address in the correct format" in response.content.decode()
    assert Subscription.objects.count() == 0


def test_confirmation_links_expire(client, subscribe):
    subscribe("late@example.org")
    confirm = link(mail.outbox[0], "subscribe-confirm")
    Subscription.objects.update(created_at=timezone.now() - dt.timedelta(days=8))

    assert client.get(confirm).status_code == 404
    assert client.post(confirm).status_code == 404
    assert Subscription.objects.get().confirmed_at is None


def test_forged_or_mangled_tokens_are_refused(client, subscribe):
    subscribe("a@example.org")
    subscription = Subscription.objects.get()
    wrong_purpose = subscriptions.make_token(subscription, subscriptions.UNSUBSCRIBE)

    for token in (f"{subscription.pk}-deadbeef", wrong_purpose, "nonsense", "999-abc"):
        url = reverse("publishing-public:subscribe-confirm", args=[token])
        assert client.post(url).status_code == 404


def test_one_click_unsubscribe(client, subscribe):
    subscribe("reader@example.org")
    message = mail.outbox[0]
    client.post(link(message, "subscribe-confirm"))
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    path = unsubscribe.split("://", 1)[1].split("/", 1)[1]

    # A mail client's RFC 8058 request: a POST with no session and no CSRF token.
    response = client.post(
        "/" + path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert Subscription.objects.get().unsubscribed_at is not None


def test_the_unsubscribe_link_asks_before_unsubscribing(client, subscribe):
    subscribe("reader@example.org")
    url = link(mail.outbox[0], "unsubscribe")

    page = client.get(url)
    assert page.status_code == 200
    assert Subscription.objects.get().unsubscribed_at is None

    client.post(url)
    assert Subscription.objects.get().unsubscribed_at is not None


def test_subscribers_hear_about_new_publications(
    client, subscribe, django_capture_on_commit_callbacks
):
    for email in ("one@example.org", "two@example.org", "pending@example.org"):
        subscribe(email)
    for message in mail.outbox[:2]:
        client.post(link(message, "subscribe-confirm"))
    Subscription.objects.filter(email="two@example.org").update(unsubscribed_at=timezone.now())
    mail.outbox.clear()
    item = make_item(title="New review of neglect", summary="What we learned.")

    with django_capture_on_commit_callbacks(execute=True):
        subscriptions.notify_new_publication(item)

    assert [m.to for m in mail.outbox] == [["one@example.org"]]
    message = mail.outbox[0]
    assert "New review of neglect" in message.subject
    assert reverse("publishing-public:item", args=[item.slug]) in message.body
    assert "unsubscribe" in message.body
    assert "List-Unsubscribe" in message.extra_headers


def test_nothing_is_sent_for_an_item_that_is_not_public(
    subscribe, client, django_capture_on_commit_callbacks
):
    subscribe("one@example.org")
    client.post(link(mail.outbox[0], "subscribe-confirm"))
    mail.outbox.clear()
    item = make_item(title="Hidden", is_public=False)

    with django_capture_on_commit_callbacks(execute=True):
        subscriptions.notify_new_publication(item)

    assert mail.outbox == []


def test_subscribing_again_after_unsubscribing_needs_a_new_confirmation(client, subscribe):
    subscribe("back@example.org")
    client.post(link(mail.outbox[0], "subscribe-confirm"))
    old_unsubscribe = link(mail.outbox[0], "unsubscribe")
    client.post(old_unsubscribe)

    subscribe("back@example.org")

    subscription = Subscription.objects.get()
    assert subscription.unsubscribed_at is None
    assert subscription.confirmed_at is None
    assert client.post(old_unsubscribe).status_code == 404  # the old links no longer work
