"""The rapid review as the Panel receives it, exported as Word or PDF and read back.

Each case is brought to its stage through the services, as the system itself would: a concern
is raised, notified, rapid-reviewed, signed off by the three partners and decided, which
commissions the local review."""

from __future__ import annotations

import io
from datetime import timedelta

import docx
import pytest
from pypdf import PdfReader

from sightline.core.clocks import today
from sightline.core.models import Event
from sightline.reviews import services
from sightline.reviews.models import RapidReview
from sightline.reviews.tests.test_views_local_support import (
    CHILD_NAME,
    PSEUDONYM,
    notify,
    raise_case,
    url,
)

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- rapid review export


def test_rapid_review_exports_as_word_without_the_real_name(case, clients):
    response = clients["bu"].get(url("rapid-review-export", case), {"format": "docx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    document = docx.Document(io.BytesIO(response.content))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert PSEUDONYM in paragraphs
    assert "Recommendation" in paragraphs
    assert "CSPRP-2026-041" in paragraphs
    assert "Northvale Police" in paragraphs
    assert "Yes" in paragraphs
    assert CHILD_NAME not in paragraphs
    assert CHILD_NAME.encode() not in response.content
    event = Event.objects.filter(action="rapid_review.export").get()
    assert event.kind == Event.Kind.READ
    assert event.changes == {"format": [None, "docx"]}


def test_rapid_review_exports_as_pdf_without_the_real_name(case, clients):
    response = clients["partner"].get(url("rapid-review-export", case), {"format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf_text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
    )
    assert PSEUDONYM in pdf_text
    assert "Safeguarding partner sign-off" in pdf_text
    assert CHILD_NAME not in pdf_text
    assert Event.objects.filter(
        action="rapid_review.export", changes__format=[None, "pdf"]
    ).exists()


def test_rapid_review_export_before_a_local_review(rapid_case, clients):
    response = clients["bu"].get(url("rapid-review-export", rapid_case), {"format": "docx"})
    assert response.status_code == 200


def test_unknown_export_format_is_404(case, clients):
    for fmt in ("csv", "xlsx", "html", ""):
        response = clients["bu"].get(url("rapid-review-export", case), {"format": fmt})
        assert response.status_code == 404, fmt


def test_only_the_business_unit_exports_until_the_pack_is_shared(people, clients):
    """The document holds every agency's return, so it follows the returns' rule."""
    case = raise_case(people)
    rr = notify(case, people["bu"])
    services.rapid_review_request_returns(
        rr=rr,
        by=people["bu"],
        expected_version=rr.version,
        agencies=[people["school"], people["police"]],
        due_date=today() + timedelta(days=10),
    )
    export = url("rapid-review-export", case) + "?format=docx"
    answers = {who: clients[who].get(export).status_code for who in ("bu", "partner", "agency")}
    assert answers == {"bu": 200, "partner": 404, "agency": 404}

    services.rapid_review_share_pack(rr=RapidReview.objects.get(case=case), by=people["bu"])

    answers = {who: clients[who].get(export).status_code for who in ("bu", "partner", "agency")}
    assert answers == {"bu": 200, "partner": 200, "agency": 200}
