"""A case's history: every event of the case and its parts, in order and in words, paged in SQL,
exported, and what each person sees of a restricted read."""

from __future__ import annotations

import csv
import io

import docx
import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from sightline.accounts.models import Role
from sightline.core.history import describe, history_events, history_labels
from sightline.core.models import Event
from sightline.reviews import access, services
from sightline.reviews.history import case_scope
from sightline.reviews.models import CaseMember

pytestmark = pytest.mark.django_db

REASON = "Checking the family's address before the Panel notification"


def _rows(case, *, sees_identities=True):
    scope = case_scope(case)
    return describe(history_events(scope), sees_identities=sees_identities, objects=scope.objects)


def test_a_case_history_tells_the_whole_story_in_words(partnership):
    case = partnership.advance(to="ready_for_publication")
    access.subject_for_read(partnership.bu, case, reason=REASON)
    rows = _rows(case)

    labels = history_labels()
    assert [row.event.id for row in rows] == sorted(row.event.id for row in rows)
    for row in rows:
        assert row.event.action in labels, row.event.action
        assert "None" not in f"{row.what} {row.detail}", row.event.action
        assert row.who
    said = [row.what for row in rows]
    # Events of the case's parts, not only of the case itself.
    assert "Recorded the notification to the Panel" in said
    assert "Asked agencies for their rapid review returns" in said
    assert "Submitted the return for Northvale Police" in said
    for partner in ("Northvale Council", "NHS Northvale Integrated Care Board", "Northvale Police"):
        assert f"{partner} partner lead signed off the rapid review" in said
    assert "Northvale Police partner lead signed off the final report" in said
    assert "Commissioned the local review" in said
    assert "Marked the review ready for publication" in said
    assert "Opened the restricted record" in said
    assert said[0] == "Raised the concern"
    sign_off = next(r for r in rows if r.what.startswith("Northvale Police partner lead"))
    assert sign_off.who == "Fiona Rees"
    stage = next(r for r in rows if r.event.action == "case.stage")
    assert stage.what == "The case moved to Rapid review"
    assert stage.detail == "From Notification decision"


def test_the_case_page_shows_the_latest_changes_and_links_to_all(partnership, signed_in_client):
    case = partnership.advance(to="returns_submitted")
    body = signed_in_client(partnership.bu).get(reverse("reviews:case", args=[case.reference]))
    html = body.content.decode()
    history = html[html.index('id="history"') :]
    assert history.count('<tr class="govuk-table__row">') == 1 + 5  # the header and 5 events
    total = len(_rows(case))
    assert f"See the full history: {total} changes" in history
    assert reverse("reviews:history", args=[case.reference]) in history
    assert "None to" not in html


@pytest.mark.parametrize(
    ("who", "sees_reason"),
    [
        ("bu", True),
        ("member_with_identity", True),
        ("scrutineer", False),
        ("partner", False),
        ("raising_lead", False),
        ("practitioner", False),
    ],
)
def test_who_reads_the_reason_for_opening_the_restricted_record(
    who, sees_reason, partnership, signed_in_client, make_user
):
    case = partnership.advance(to="notified")
    member = make_user(Role.REVIEWER, agency=partnership.reviewers, full_name="Named Reviewer")
    services.case_member_add(
        case=case,
        by=partnership.bu,
        user=member,
        part=CaseMember.Part.REVIEWER,
        can_see_identity=True,
    )
    access.subject_for_read(partnership.bu, case, reason=REASON)
    user = {
        "bu": partnership.bu,
        "member_with_identity": member,
        "scrutineer": partnership.scrutineer,
        "partner": partnership.partner_leads["police"],
        "raising_lead": partnership.agency_leads["trust"],
        "practitioner": partnership.practitioner,
    }[who]
    client = signed_in_client(user)
    for url in (
        reverse("reviews:history", args=[case.reference]),
        reverse("reviews:case", args=[case.reference]),
    ):
        html = client.get(url).content.decode()
        assert "Opened the restricted record" in html, url
        assert (REASON.replace("'", "&#x27;") in html) is sees_reason, url
        assert ("Opened the restricted record (reason recorded)" in html) is not sees_reason
    export = client.get(reverse("reviews:history", args=[case.reference]), {"format": "csv"})
    assert (REASON in export.content.decode("utf-8-sig")) is sees_reason


def _update_many(case, by, count):
    for i in range(count):
        case.refresh_from_db()
        services.case_update(
            case=case, by=by, expected_version=case.version, summary=f"Summary, version {i}"
        )


def _page_queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


def test_the_history_page_pages_in_sql_with_a_constant_number_of_queries(
    partnership, signed_in_client
):
    case = partnership.advance(to="returns_submitted")
    client = signed_in_client(partnership.bu)
    url = reverse("reviews:history", args=[case.reference])
    client.get(url)  # the session and the calendar are loaded once

    few = _page_queries(client, url)
    _update_many(case, partnership.bu, 130)
    many = _page_queries(client, url)
    assert many == few
    # A page that names no agency or person does not look any up.
    assert _page_queries(client, url, page=2, sort="-at") <= few

    total = len(_rows(case))
    html = client.get(url, {"page": 3}).content.decode()
    assert html.count("Changed the case details") == total - 100
    first = client.get(url).content.decode()
    assert first.count('<tr class="govuk-table__row">') == 1 + 50
    assert first.index("Raised the concern") < first.index("Changed the case details")
    newest = client.get(url, {"sort": "-at"}).content.decode()
    assert "Raised the concern" not in newest
    assert client.get(url, {"sort": "wrong"}).status_code == 404


def _read(fmt: str, content: bytes) -> str:
    if fmt == "csv":
        return "\n".join(",".join(r) for r in csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        return "\n".join(
            " ".join(str(v) for v in row if v) for row in sheet.iter_rows(values_only=True)
        )
    if fmt == "docx":
        document = docx.Document(io.BytesIO(content))
        return "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx", "pdf"])
def test_the_history_exports_and_reads_back(fmt, partnership, signed_in_client):
    case = partnership.advance(to="signed_off")
    client = signed_in_client(partnership.bu)
    response = client.get(reverse("reviews:history", args=[case.reference]), {"format": fmt})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert f"{case.reference}-history.{fmt}" in response["Content-Disposition"]
    text = " ".join(_read(fmt, response.content).split())
    assert "Northvale Police partner lead signed off the rapid review" in text
    assert "Submitted the return for Northvale Hospitals NHS Foundation Trust" in text
    assert "Fiona Rees" in text
    export = Event.objects.filter(action="export.list").get()
    assert export.object_id == reverse("reviews:history", args=[case.reference])
    assert export.changes["format"] == [None, fmt]
    assert export.kind == Event.Kind.READ


def test_the_history_page_is_fetched_through_the_case_access_rule(partnership, signed_in_client):
    case = partnership.advance(to="notified")
    url = reverse("reviews:history", args=[case.reference])
    assert signed_in_client(partnership.outsider).get(url).status_code == 404
    assert signed_in_client(partnership.outsider).get(url, {"format": "csv"}).status_code == 404
    assert Event.objects.filter(kind=Event.Kind.DENIED, actor=partnership.outsider).exists()
    assert not Event.objects.filter(action="export.list").exists()
