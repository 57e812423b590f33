"""The publication plans list downloads like every other list: the plans shown, with the
filters applied, in every format, titles masked for those who never see identities, and the
links to do it on the page."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from sightline.core.exports import EXPORT_FORMATS
from sightline.publishing import services
from sightline.publishing.tests.test_plans_support import ready_plan
from sightline.reviews.tests.conftest import CHILD_NAME

pytestmark = pytest.mark.django_db

LIST = reverse("publishing:list")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_list_downloads_the_plans_it_shows(world, signed_in_client):
    review = ready_plan(world)
    digest = services.plan_create(by=world.bu, kind="other", title="Digest", summary="Learning.")

    response = signed_in_client(world.bu).get(LIST, {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="publication-plans.csv"'
    header, *rows = csv_rows(response)
    assert header == [
        "Plan",
        "Title",
        "Case",
        "Type",
        "Version",
        "Status",
        "Approvals",
        "Date of",
        "Date",
    ]
    by_plan = {row[0]: row for row in rows}
    assert set(by_plan) == {review.reference, digest.reference}
    assert by_plan[review.reference][1] == review.title
    assert by_plan[review.reference][2] == f"{review.case.reference} {review.case.pseudonym}"
    assert by_plan[review.reference][5:8] == ["Preparing", "0", "Last change"]
    assert by_plan[digest.reference][2] == ""


def test_the_download_keeps_the_filters_shown(world, signed_in_client):
    review = ready_plan(world)
    services.plan_create(by=world.bu, kind="other", title="Digest", summary="Learning.")

    response = signed_in_client(world.bu).get(LIST, {"kind": "review", "format": "csv"})

    assert [row[0] for row in csv_rows(response)[1:]] == [review.reference]


@pytest.mark.parametrize("fmt", ["csv", "pdf"])
def test_titles_are_masked_for_partner_leads_in_the_download_as_on_the_page(
    world, signed_in_client, fmt
):
    plan = ready_plan(world, title=f"{CHILD_NAME}: what agencies learned")

    shown = signed_in_client(world.bu).get(LIST, {"format": "csv"}).content.decode("utf-8-sig")
    response = signed_in_client(world.approvers["icb"]).get(LIST, {"format": fmt})

    assert CHILD_NAME in shown
    assert response["Content-Disposition"] == f'attachment; filename="publication-plans.{fmt}"'
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
    else:
        pages = PdfReader(io.BytesIO(response.content)).pages
        text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert plan.reference in text
    assert "what agencies learned" in text
    assert CHILD_NAME.split()[-1] not in text


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_the_list_downloads_in_every_format(world, signed_in_client, fmt):
    ready_plan(world)

    response = signed_in_client(world.bu).get(LIST, {"format": fmt})

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="publication-plans.{fmt}"'


def test_the_list_links_to_each_download_with_its_filters(world, signed_in_client):
    body = signed_in_client(world.bu).get(LIST, {"status": "preparing"}).content.decode()

    for fmt in EXPORT_FORMATS:
        assert f'href="?status=preparing&amp;format={fmt}"' in body


def test_those_who_may_not_see_plans_cannot_download_them(world, signed_in_client):
    ready_plan(world)

    response = signed_in_client(world.p.practitioner).get(LIST, {"format": "csv"})

    assert response.status_code == 404
