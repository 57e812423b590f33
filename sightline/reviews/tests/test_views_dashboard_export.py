"""The case reviews dashboard downloads like every other list: the rows and columns shown, with
the filters applied, in every format, and the links to do it on the page."""

from __future__ import annotations

import csv
import io

import docx
import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from sightline.core.exports import EXPORT_FORMATS
from sightline.reviews.models import CaseStage
from sightline.reviews.tests.test_views_case_support import notify, raise_case

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reviews:dashboard")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def two_cases(world):
    second = raise_case(world, pseudonym="Child B")
    notify(world, second)
    return world["case"], second


def test_the_dashboard_downloads_the_cases_it_shows_with_their_clocks(
    world, two_cases, signed_in_client
):
    concern, rapid = two_cases

    response = signed_in_client(world["bu"]).get(DASHBOARD, {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="case-reviews.csv"'
    header, *rows = csv_rows(response)
    assert header == [
        "Case",
        "Pseudonym",
        "Age",
        "Stage",
        "Next deadline",
        "Due",
        "Time left",
        "Status",
        "Owner",
    ]
    by_case = {row[0]: row for row in rows}
    assert set(by_case) == {concern.reference, rapid.reference}
    assert by_case[concern.reference][1:5] == [
        "Child A",
        concern.get_age_band_display(),
        "Notification decision",
        "Notification to the Panel",
    ]
    assert by_case[rapid.reference][3:5] == ["Rapid review", "Rapid review to the Panel"]
    assert by_case[concern.reference][6].endswith("working days left")
    assert by_case[concern.reference][8] == "Business unit"


def test_the_download_keeps_the_filters_shown(world, two_cases, signed_in_client):
    _, rapid = two_cases

    response = signed_in_client(world["bu"]).get(
        DASHBOARD, {"stage": CaseStage.RAPID_REVIEW, "format": "csv"}
    )

    assert [row[0] for row in csv_rows(response)[1:]] == [rapid.reference]


def test_the_download_holds_only_the_cases_the_user_may_see(world, two_cases, signed_in_client):
    response = signed_in_client(world["other_lead"]).get(DASHBOARD, {"format": "csv"})

    assert csv_rows(response)[1:] == []


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_the_dashboard_downloads_in_every_format(world, two_cases, signed_in_client, fmt):
    concern, _ = two_cases

    response = signed_in_client(world["bu"]).get(DASHBOARD, {"format": fmt})

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="case-reviews.{fmt}"'
    body = response.content
    if fmt == "csv":
        assert concern.reference in body.decode("utf-8-sig")
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        assert sheet.max_row == 3
    elif fmt == "docx":
        assert docx.Document(io.BytesIO(body)).tables[0].rows[0].cells[0].text == "Case"
    else:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
        assert concern.reference in text


def test_the_dashboard_links_to_each_download_with_its_filters(world, signed_in_client):
    response = signed_in_client(world["bu"]).get(DASHBOARD, {"stage": "all", "page": "1"})

    body = response.content.decode()
    for fmt in EXPORT_FORMATS:
        assert f'href="?stage=all&amp;format={fmt}"' in body


def test_an_unknown_format_is_not_found(world, signed_in_client):
    assert signed_in_client(world["bu"]).get(DASHBOARD, {"format": "html"}).status_code == 404
