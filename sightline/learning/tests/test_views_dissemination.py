"""Briefing dissemination pages: sending to agencies and acknowledging, the dissemination
page and the dashboard with their numbers, exports, constant query counts, and the home page
and notifications that lead to them."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import docx
import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from sightline.core.clocks import get_calendar, today
from sightline.core.models import Event, Notification
from sightline.learning import services
from sightline.learning.models import Briefing, Dissemination
from sightline.learning.tests.test_views_support import ack, date_fields, text, url

pytestmark = pytest.mark.django_db

S = Briefing.Status


# --------------------------------------------------------------------------- sending


def test_sending_to_agencies(make_briefing, people, agencies, client_for):
    briefing = make_briefing(S.PUBLISHED)
    page = client_for("bu").get(url("send", briefing.reference))
    html = text(page)
    assert page.status_code == 200
    due = get_calendar().add_working_days(today(), 10)
    assert f"{due.day} " in html

    response = client_for("bu").post(url("send", briefing.reference), {"agencies": []})
    assert '<a href="#id_agencies">Select at least one agency</a>' in text(response)

    response = client_for("bu").post(
        url("send", briefing.reference),
        {"agencies": [agencies["home"].pk, agencies["third"].pk]},
    )
    assert response.status_code == 302
    assert response["Location"] == url("dissemination", briefing.reference)
    assert Dissemination.objects.filter(briefing=briefing).count() == 2
    follow = text(client_for("bu").get(response["Location"]))
    assert "has no safeguarding lead in Sightline" in follow
    # Agencies already sent to are not offered again.
    html = text(client_for("bu").get(url("send", briefing.reference)))
    assert f'value="{agencies["home"].pk}"' not in html
    assert f'value="{agencies["away"].pk}"' in html


@pytest.mark.parametrize("who", ["partner", "scrutineer", "lead", "practitioner"])
def test_only_the_business_unit_sends(make_briefing, client_for, who):
    briefing = make_briefing(S.PUBLISHED)
    assert client_for(who).get(url("send", briefing.reference)).status_code == 404


def test_an_unpublished_briefing_cannot_be_sent(make_briefing, client_for):
    briefing = make_briefing(S.APPROVED)
    assert client_for("bu").get(url("send", briefing.reference)).status_code == 404


# --------------------------------------------------------------------------- acknowledging


def test_acknowledging_for_an_agency(sent_briefing, people, agencies, client_for):
    d = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["home"])
    detail = text(client_for("lead").get(url("detail", sent_briefing.reference)))
    assert url("acknowledge", sent_briefing.reference, d.pk) in detail

    response = client_for("lead").post(
        url("acknowledge", sent_briefing.reference, d.pk),
        {
            "version": d.version,
            "teams": "Emergency department",
            **date_fields("cascade_date", today()),
            "staff_reached": "",
            "changes": "",
        },
    )
    html = text(response)
    assert response.status_code == 200
    assert '<a href="#id_staff_reached">Enter the number of staff the briefing reached</a>' in html
    assert '<a href="#id_changes">Enter what your teams will do differently</a>' in html
    assert "Emergency department</textarea>" in html

    response = client_for("lead").post(
        url("acknowledge", sent_briefing.reference, d.pk),
        {
            "version": d.version,
            "teams": "Emergency department",
            **date_fields("cascade_date", today()),
            "staff_reached": "-3",
            "changes": "Refer the same day",
        },
    )
    assert "Number of staff reached must be 0 or more" in text(response)

    response = client_for("lead").post(
        url("acknowledge", sent_briefing.reference, d.pk),
        {
            "version": d.version,
            "teams": "Emergency department",
            **date_fields("cascade_date", today()),
            "staff_reached": "64",
            "changes": "Refer the same day",
        },
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.staff_reached == 64
    assert d.acknowledged_by == people["lead"]


@pytest.mark.parametrize("who", ["away_lead", "practitioner", "bu", "partner", "scrutineer"])
def test_only_the_agencys_lead_acknowledges(sent_briefing, agencies, client_for, who):
    d = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["home"])
    assert client_for(who).get(url("acknowledge", sent_briefing.reference, d.pk)).status_code == 404


# --------------------------------------------------------------------------- reach


@pytest.fixture
def reach(make_briefing, sent_briefing, people, agencies):
    """sent_briefing: sent to home and away; home acknowledged (30 staff), away overdue.
    second: sent to all three; two acknowledged (10 and 0 staff)."""
    home = Dissemination.objects.get(briefing=sent_briefing, agency=agencies["home"])
    ack(home, people["lead"], 30)
    Dissemination.objects.filter(briefing=sent_briefing, agency=agencies["away"]).update(
        acknowledge_by=today() - timedelta(days=1)
    )
    second = make_briefing(S.PUBLISHED, title="Second")
    services.briefing_send(
        briefing=second,
        by=people["bu"],
        agencies=[agencies["home"], agencies["away"], agencies["third"]],
    )
    ack(Dissemination.objects.get(briefing=second, agency=agencies["home"]), people["lead"], 10)
    ack(Dissemination.objects.get(briefing=second, agency=agencies["away"]), people["away_lead"], 0)
    make_briefing(S.DRAFT, title="Not published")
    return sent_briefing, second


def test_the_dissemination_page_shows_each_agency_and_the_totals(reach, client_for, agencies):
    first, _ = reach
    response = client_for("partner").get(url("dissemination", first.reference))
    html = text(response)
    assert response.status_code == 200
    summary = re.sub(r"\s+", " ", html)
    assert 'Agencies sent to</dt><dd class="govuk-summary-list__value">2<' in summary
    assert "1 (50%)" in summary
    assert 'Staff reached</dt><dd class="govuk-summary-list__value">30<' in summary
    assert 'Overdue acknowledgements</dt><dd class="govuk-summary-list__value">1<' in summary
    assert agencies["home"].name in html
    assert agencies["away"].name in html
    assert "Overdue" in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx", "pdf"])
def test_the_dissemination_page_exports(reach, client_for, agencies, fmt):
    first, _ = reach
    response = client_for("bu").get(url("dissemination", first.reference), {"format": fmt})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    body = response.content
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert rows[0][0] == "Agency"
        by_agency = {row[0]: row for row in rows[1:]}
        assert by_agency[agencies["home"].name][3] == "Acknowledged"
        assert by_agency[agencies["home"].name][8] == "30"
        assert by_agency[agencies["away"].name][3] == "Overdue"
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        assert sheet["A1"].value == "Agency"
        assert sheet.max_row == 3
    elif fmt == "docx":
        document = docx.Document(io.BytesIO(body))
        assert document.tables[0].rows[0].cells[0].text == "Agency"
    else:
        page = " ".join(PdfReader(io.BytesIO(body)).pages[0].extract_text().split())
        assert agencies["home"].name in page


@pytest.mark.parametrize("who", ["lead", "practitioner", "reviewer", "nobody"])
def test_the_dissemination_page_is_for_the_partnership(reach, client_for, who):
    first, _ = reach
    assert client_for(who).get(url("dissemination", first.reference)).status_code == 404


def test_the_dashboard_numbers(reach, client_for):
    first, second = reach
    response = client_for("scrutineer").get(url("dashboard"))
    html = re.sub(r"\s+", " ", text(response))
    assert response.status_code == 200
    # Totals: 5 sent, 3 acknowledged (60%), 40 staff, 1 overdue.
    assert 'Agencies sent to</dt><dd class="govuk-summary-list__value">5<' in html
    assert "3 (60%)" in html
    assert 'Staff reached</dt><dd class="govuk-summary-list__value">40<' in html
    assert 'Overdue acknowledgements</dt><dd class="govuk-summary-list__value">1<' in html
    assert "Not published" not in html

    rows = list(
        csv.reader(
            io.StringIO(
                client_for("bu")
                .get(url("dashboard"), {"format": "csv", "sort": "reference"})
                .content.decode("utf-8-sig")
            )
        )
    )
    assert rows[0] == [
        "Reference",
        "Title",
        "Status",
        "Publish date",
        "Agencies sent to",
        "Agencies acknowledged",
        "% acknowledged",
        "Staff reached",
        "Overdue acknowledgements",
    ]
    assert [row[0] for row in rows[1:]] == [first.reference, second.reference]
    assert rows[1][4:] == ["2", "1", "50", "30", "1"]
    assert rows[2][4:] == ["3", "2", "67", "10", "0"]


def test_the_dashboard_sorts_by_reach(reach, client_for):
    first, second = reach
    html = text(client_for("bu").get(url("dashboard"), {"sort": "-acknowledged"}))
    order = re.findall(r'href="/app/briefings/(7MB-\d{4}-\d{4})/dissemination/"', html)
    assert order == [second.reference, first.reference]
    html = text(client_for("bu").get(url("dashboard"), {"sort": "-overdue"}))
    order = re.findall(r'href="/app/briefings/(7MB-\d{4}-\d{4})/dissemination/"', html)
    assert order == [first.reference, second.reference]
    assert client_for("bu").get(url("dashboard"), {"sort": "hack"}).status_code == 404


@pytest.mark.parametrize("fmt", ["xlsx", "docx", "pdf"])
def test_the_dashboard_exports(reach, client_for, fmt):
    response = client_for("partner").get(url("dashboard"), {"format": fmt})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("who", ["lead", "practitioner", "reviewer", "admin", "nobody"])
def test_the_dashboard_is_for_the_partnership(client_for, who):
    assert client_for(who).get(url("dashboard")).status_code == 404


def _published_and_sent(count, make_briefing, people, agencies):
    for i in range(count):
        briefing = make_briefing(S.PUBLISHED, title=f"Briefing {i}")
        services.briefing_send(
            briefing=briefing, by=people["bu"], agencies=[agencies["home"], agencies["away"]]
        )
        ack(
            Dissemination.objects.get(briefing=briefing, agency=agencies["home"]), people["lead"], i
        )


def _queries(client, path, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(queries)


def test_dashboard_and_list_query_counts_do_not_grow_with_briefings(
    make_briefing, people, agencies, client_for
):
    client = client_for("bu")
    _published_and_sent(2, make_briefing, people, agencies)
    _queries(client, url("dashboard"))  # warm the session and caches
    pages = [
        (url("dashboard"), {}),
        (url("dashboard"), {"format": "csv"}),
        (url("list"), {}),
        (url("list"), {"format": "csv"}),
    ]
    counts_for_2 = [_queries(client, path, params) for path, params in pages]
    _published_and_sent(8, make_briefing, people, agencies)
    counts_for_10 = [_queries(client, path, params) for path, params in pages]
    assert counts_for_10 == counts_for_2
    html = text(client.get(url("dashboard")))
    assert 'Agencies sent to</dt><dd class="govuk-summary-list__value">20<' in re.sub(
        r"\s+", " ", html
    )


def test_the_dissemination_page_query_count_does_not_grow_with_agencies(
    make_briefing, people, agency_factory, make_user, client_for
):
    from sightline.accounts.models import Role

    briefing = make_briefing(S.PUBLISHED)

    def add_agencies(n):
        for _ in range(n):
            agency = agency_factory()
            lead = make_user(Role.AGENCY_LEAD, agency=agency)
            services.briefing_send(briefing=briefing, by=people["bu"], agencies=[agency])
            ack(Dissemination.objects.get(briefing=briefing, agency=agency), lead, 5)

    client = client_for("bu")
    add_agencies(2)
    _queries(client, url("dissemination", briefing.reference))
    few = _queries(client, url("dissemination", briefing.reference))
    add_agencies(6)
    assert _queries(client, url("dissemination", briefing.reference)) == few


# --------------------------------------------------------------------------- home page


def test_the_home_page_lists_briefings_to_acknowledge(sent_briefing, client_for):
    html = text(client_for("lead").get(reverse("core:home")))
    assert f"Acknowledge 7-minute briefing {sent_briefing.reference}" in html


def test_notifications_link_to_the_right_pages(sent_briefing, people):
    note = Notification.objects.get(user=people["lead"])
    assert note.url.startswith(f"/app/briefings/{sent_briefing.reference}/acknowledge/")


def test_the_dissemination_export_is_logged(reach, client_for, people):
    first, _ = reach
    address = url("dissemination", first.reference)

    client_for("bu").get(address, {"format": "xlsx"})

    event = Event.objects.get(action="export.list")
    assert (event.actor, event.object_id) == (people["bu"], address)
    assert event.changes["list"] == [None, f"{first.reference} {first.title}: dissemination"]
    assert event.changes["rows"] == [None, 2]
