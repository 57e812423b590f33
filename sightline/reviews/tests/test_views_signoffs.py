"""The sign-off pages: a partner reads exactly what they sign, a withdrawal is said on the
page, and a partner who cannot sign is told why rather than shown "Page not found"."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from sightline.core.templatetags.govuk import govuk_date, govuk_datetime
from sightline.reviews import services, services_local, signoffs
from sightline.reviews.models import LocalReview, PartnerSignOff, RapidReview
from sightline.reviews.tests.conftest import PARTNER_KEYS, advance_case
from sightline.reviews.tests.test_services_support import rr_of

pytestmark = pytest.mark.django_db

RR = PartnerSignOff.Stage.RAPID_REVIEW


def text(response) -> str:
    """The page's visible words, entities decoded."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def sign_off_url(case, stage=RR) -> str:
    return reverse("reviews:sign-off", args=[case.reference, stage])


def test_the_sign_off_page_shows_what_is_signed_and_carries_its_fingerprint(
    partnership, signed_in_client
):
    p = partnership
    case = advance_case(p, "recommended")
    client = signed_in_client(p.partner_leads["police"])

    page = client.get(sign_off_url(case))

    assert page.status_code == 200
    words = text(page)
    assert rr_of(case).recommendation_reasons.split(";")[0] in words
    assert "Officers attended a domestic abuse incident" in words  # the police return
    fingerprint = signoffs.content_fingerprint(case, RR)
    assert f'name="fingerprint" value="{fingerprint}"' in page.content.decode()

    done = client.post(
        sign_off_url(case), {"agency": p.police.pk, "fingerprint": fingerprint, "comment": ""}
    )
    assert done.status_code == 302
    assert PartnerSignOff.objects.get(case=case, agency=p.police).fingerprint == fingerprint


def test_a_sign_off_of_a_version_that_changed_meanwhile_is_refused_on_the_page(
    partnership, signed_in_client
):
    p = partnership
    case = advance_case(p, "recommended")
    client = signed_in_client(p.partner_leads["police"])
    read = client.get(sign_off_url(case)).context["fingerprint"]
    rr = rr_of(case)
    services.rapid_review_update(
        rr=rr, by=p.bu, expected_version=rr.version, recommendation_reasons="Rewritten."
    )

    refused = client.post(sign_off_url(case), {"agency": p.police.pk, "fingerprint": read})

    assert refused.status_code == 200
    assert "It changed while you were reading it" in text(refused)
    assert not PartnerSignOff.objects.filter(case=case).exists()


def test_the_pages_say_the_sign_offs_were_withdrawn_and_why(partnership, signed_in_client):
    p = partnership
    case = advance_case(p, "recommended")
    for key in PARTNER_KEYS:
        services.partner_sign_off(
            case=case, by=p.partner_leads[key], stage=RR, agency=p.agency(key)
        )
    rr = rr_of(case)
    services.rapid_review_update(
        rr=rr,
        by=p.bu,
        expected_version=rr.version,
        recommendation=RapidReview.Recommendation.NO_REVIEW,
    )
    withdrawn_on = govuk_date(PartnerSignOff.objects.filter(case=case).first().withdrawn_at)
    message = (
        f"The sign-offs were withdrawn on {withdrawn_on} because the recommendation changed; "
        "the partners must sign again."
    )

    for url in (
        reverse("reviews:rapid-review", args=[case.reference]),
        reverse("reviews:case", args=[case.reference]),
        sign_off_url(case),
    ):
        page = signed_in_client(p.partner_leads["council"]).get(url)
        assert message in text(page), url
    page = text(signed_in_client(p.bu).get(reverse("reviews:rapid-review", args=[case.reference])))
    assert "All three safeguarding partners have signed off" not in page
    assert "Still to sign off:" in page


def test_a_partner_who_signed_is_told_so_not_shown_page_not_found(partnership, signed_in_client):
    p = partnership
    case = advance_case(p, "recommended")
    lead = p.partner_leads["icb"]
    signoff = services.partner_sign_off(case=case, by=lead, stage=RR, agency=p.icb)
    client = signed_in_client(lead)
    said = f"You signed this off for {p.icb.name} on {govuk_datetime(signoff.signed_at)}"

    again = client.get(sign_off_url(case))
    assert again.status_code == 200
    assert said in text(again)

    posted = client.post(
        sign_off_url(case),
        {"agency": p.icb.pk, "fingerprint": signoffs.content_fingerprint(case, RR)},
    )
    assert posted.status_code == 200
    assert said in text(posted)
    assert PartnerSignOff.objects.filter(case=case, agency=p.icb).count() == 1


@pytest.mark.parametrize(
    ("point", "reason"),
    [
        ("returns_submitted", "The rapid review is not ready for sign-off"),
        ("signed_off", "The business unit has confirmed the partners' sign-off"),
        ("final_agreed", "The final report has been agreed"),
    ],
)
def test_a_partner_who_cannot_sign_now_is_told_why(partnership, signed_in_client, point, reason):
    p = partnership
    case = advance_case(p, point)
    stage = PartnerSignOff.Stage.FINAL_REPORT if point == "final_agreed" else RR
    client = signed_in_client(p.partner_leads["police"])

    page = client.get(sign_off_url(case, stage))

    assert page.status_code == 200
    assert reason in text(page)
    assert 'name="agency"' not in page.content.decode()


def test_the_sign_off_page_is_not_found_for_those_who_do_not_sign(partnership, signed_in_client):
    p = partnership
    case = advance_case(p, "recommended")
    for user in (p.bu, p.scrutineer, p.agency_leads["police"], p.outsider):
        assert signed_in_client(user).get(sign_off_url(case)).status_code == 404


def test_the_quality_assurance_page_says_its_sign_offs_were_withdrawn(
    partnership, signed_in_client
):
    p = partnership
    case = advance_case(p, "partner_qa")
    for key in PARTNER_KEYS:
        services.partner_sign_off(
            case=case,
            by=p.partner_leads[key],
            stage=PartnerSignOff.Stage.FINAL_REPORT,
            agency=p.agency(key),
        )
    review = LocalReview.objects.get(case=case)
    services_local.local_review_update(
        review=review, by=p.bu, expected_version=review.version, terms_of_reference="Wider."
    )

    page = text(signed_in_client(p.bu).get(reverse("reviews:local-review", args=[case.reference])))
    assert "because the terms of reference changed; the partners must sign again" in page
