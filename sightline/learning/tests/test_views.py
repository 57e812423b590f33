"""Briefing pages: who sees what, forms with error summaries that keep what was typed, refused
stale edits, the workflow buttons, sending and acknowledging, the dissemination page and the
dashboard with their numbers, exports, and constant query counts."""

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
from sightline.core.models import Event, Notification, Theme
from sightline.learning import services
from sightline.learning.models import Briefing, Dissemination

from .conftest import full_content, move

pytestmark = pytest.mark.django_db

S = Briefing.Status


def text(response) -> str:
    return response.content.decode()


def url(name: str, *args) -> str:
    return reverse(f"learning:{name}", args=args)


def references_in(html: str) -> list[str]:
    return re.findall(r'href="/app/briefings/(7MB-\d{4}-\d{4})/"', html)


def date_fields(prefix: str, value) -> dict:
    return {
        f"{prefix}_day": value.day,
        f"{prefix}_month": value.month,
        f"{prefix}_year": value.year,
    }


def briefing_post(**overrides) -> dict:
    data = full_content()
    data["themes"] = []
    data["is_public"] = "on"
    data.update(overrides)
    return data


def ack(d: Dissemination, by, staff: int):
    d.refresh_from_db()
    return services.dissemination_acknowledge(
        dissemination=d,
        by=by,
        expected_version=d.version,
        teams="Teams",
        cascade_date=today(),
        staff_reached=staff,
        changes="Changes",
    )


@pytest.fixture
def client_for(people, signed_in_client):
    made = {}

    def get(who):
        if who not in made:
            made[who] = signed_in_client(people[who])
        return made[who]

    return get


# --------------------------------------------------------------------------- the list


def test_the_list_shows_each_role_the_briefings_it_may_see(
    make_briefing, sent_briefing, people, agencies, client_for
):
    own_draft = make_briefing(S.DRAFT, author=people["partner"])
    other_draft = make_briefing(S.DRAFT, author=people["bu"])
    published = make_briefing(S.PUBLISHED)
    withdrawn_sent = make_briefing(S.PUBLISHED)
    services.briefing_send(briefing=withdrawn_sent, by=people["bu"], agencies=[agencies["home"]])
    move(withdrawn_sent, "withdraw", people["bu"])
    withdrawn = make_briefing(S.WITHDRAWN)
    everything = {
        b.reference
        for b in (own_draft, other_draft, published, withdrawn_sent, withdrawn, sent_briefing)
    }

    def seen(who):
        response = client_for(who).get(url("list"))
        assert response.status_code == 200, who
        return set(references_in(text(response)))

    assert seen("bu") == everything
    assert seen("partner") == everything
    assert seen("scrutineer") == everything
    shared = {published.reference, sent_briefing.reference}
    assert seen("lead") == shared | {withdrawn_sent.reference}
    assert seen("practitioner") == shared | {withdrawn_sent.reference}
    assert seen("away_lead") == shared
    for who in ("reviewer", "admin", "nobody"):
        assert client_for(who).get(url("list")).status_code == 404, who


def test_the_menu_shows_briefings_to_the_people_who_use_them(client_for):
    home = text(client_for("practitioner").get(reverse("core:home")))
    assert 'href="/app/briefings/"' in home
    home = text(client_for("admin").get(reverse("core:home")))
    assert 'href="/app/briefings/"' not in home


def test_the_list_filters_sorts_and_exports(make_briefing, client_for):
    neglect = Theme.objects.get(name="Neglect")
    a = make_briefing(S.PUBLISHED, title="Alpha", themes=[neglect])
    b = make_briefing(S.DRAFT, title="Bravo", source="audit", topic="Neglect audit")
    c = make_briefing(S.IN_REVIEW, title="Charlie")
    client = client_for("bu")

    assert references_in(text(client.get(url("list"), {"status": "draft"}))) == [b.reference]
    assert references_in(text(client.get(url("list"), {"theme": neglect.pk}))) == [a.reference]
    assert references_in(text(client.get(url("list"), {"source": "audit"}))) == [b.reference]
    assert references_in(text(client.get(url("list"), {"sort": "title"}))) == [
        a.reference,
        b.reference,
        c.reference,
    ]
    assert references_in(text(client.get(url("list"), {"sort": "-title"}))) == [
        c.reference,
        b.reference,
        a.reference,
    ]
    assert client.get(url("list"), {"sort": "secret"}).status_code == 404

    response = client.get(url("list"), {"format": "csv", "status": "published"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Reference", "Title", "Status"]
    assert rows[1][:3] == [a.reference, "Alpha", "Published"]
    assert len(rows) == 2
    assert client.get(url("list"), {"format": "exe"}).status_code == 404


def test_an_agency_lead_sees_what_to_acknowledge_on_the_list(sent_briefing, client_for):
    html = text(client_for("lead").get(url("list")))
    assert 'id="to-acknowledge"' in html
    d = Dissemination.objects.get(briefing=sent_briefing, agency__name__contains="Hospitals")
    assert url("acknowledge", sent_briefing.reference, d.pk) in html
    assert 'id="to-acknowledge"' not in text(client_for("practitioner").get(url("list")))


# --------------------------------------------------------------------------- writing


def test_writing_a_briefing(people, client_for):
    neglect = Theme.objects.get(name="Neglect")
    response = client_for("partner").post(url("create"), briefing_post(themes=[neglect.pk]))
    briefing = Briefing.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", briefing.reference)
    assert briefing.author == people["partner"]
    assert briefing.status == S.DRAFT
    assert briefing.section_5.startswith("Tile 5.")
    assert list(briefing.themes.all()) == [neglect]
    assert briefing.is_public is True


@pytest.mark.parametrize("who", ["lead", "practitioner", "scrutineer", "reviewer", "nobody"])
def test_only_the_business_unit_and_partner_leads_write_briefings(client_for, who):
    assert client_for(who).get(url("create")).status_code == 404
    assert client_for(who).post(url("create"), briefing_post()).status_code == 404
    assert not Briefing.objects.exists()


def test_a_form_with_errors_shows_a_summary_and_keeps_what_was_typed(client_for):
    response = client_for("bu").post(
        url("create"),
        briefing_post(title="", section_2="word " * 151, topic="Kept topic", section_6="Kept six"),
    )
    html = text(response)
    assert response.status_code == 200
    assert not Briefing.objects.exists()
    assert "<title>Error: " in html
    assert 'class="govuk-error-summary"' in html
    assert '<a href="#id_title">Enter a title for the briefing</a>' in html
    assert (
        '<a href="#id_section_2">Why it matters must be 150 words or fewer, so the briefing fits '
        "on one page</a>" in html
    )
    assert 'value="Kept topic"' in html
    assert "Kept six</textarea>" in html


def test_editing_a_draft_and_a_refused_stale_edit(make_briefing, people, client_for):
    briefing = make_briefing(S.DRAFT, author=people["partner"])
    form = text(client_for("partner").get(url("edit", briefing.reference)))
    assert 'name="version" value="1"' in form

    # Someone else saves first.
    services.briefing_update(
        briefing=briefing,
        by=people["bu"],
        expected_version=1,
        title="Saved by the business unit",
        section_4="Changed key learning",
    )
    response = client_for("partner").post(
        url("edit", briefing.reference), briefing_post(version=1, title="My new title")
    )
    html = text(response)
    assert response.status_code == 200
    assert "Your changes have not been saved" in html
    assert "Saved by the business unit" in html
    assert 'value="My new title"' in html
    assert 'name="version" value="2"' in html
    briefing.refresh_from_db()
    assert briefing.title == "Saved by the business unit"

    # Saving again is a deliberate overwrite.
    response = client_for("partner").post(
        url("edit", briefing.reference), briefing_post(version=2, title="My new title")
    )
    assert response.status_code == 302
    briefing.refresh_from_db()
    assert briefing.title == "My new title"
    page = text(client_for("partner").get(url("detail", briefing.reference)))
    assert "Changed: key learning (tile 4), title" in page


@pytest.mark.parametrize(
    ("who", "status", "expected"),
    [
        ("partner", S.DRAFT, 200),  # the author
        ("bu", S.DRAFT, 200),
        ("partner2", S.DRAFT, 404),  # another partner lead
        ("scrutineer", S.DRAFT, 404),
        ("partner", S.IN_REVIEW, 404),
        ("bu", S.PUBLISHED, 404),
    ],
)
def test_who_can_edit_a_briefing(make_briefing, people, client_for, who, status, expected):
    briefing = make_briefing(status, author=people["partner"])
    assert client_for(who).get(url("edit", briefing.reference)).status_code == expected


# --------------------------------------------------------------------------- one briefing


def test_the_briefing_page(make_briefing, people, client_for):
    briefing = make_briefing(S.IN_REVIEW, author=people["bu"])
    html = text(client_for("partner").get(url("detail", briefing.reference)))
    assert f'<h1 class="govuk-heading-l">{briefing.title}</h1>' in html
    assert html.count('class="app-7mb__heading"') == 8
    for heading in ("Background", "Why it matters", "Key learning", "What to do"):
        assert heading in html
    assert "Who would you tell if a family" in html
    assert url("status", briefing.reference, "approve") in html
    assert url("status", briefing.reference, "return") in html
    assert url("preview", briefing.reference) in html
    assert url("pdf", briefing.reference) in html
    assert url("docx", briefing.reference) in html
    # History, newest first.
    history = html[html.index(">History</h2>") :]
    assert history.index("Sent for review") < history.index("Created")

    own = text(client_for("bu").get(url("detail", briefing.reference)))
    assert url("status", briefing.reference, "approve") not in own


def test_a_draft_page_lists_what_is_still_needed(make_briefing, client_for):
    briefing = make_briefing(S.DRAFT, section_3="", reflective_questions="", topic="")
    html = text(client_for("bu").get(url("detail", briefing.reference)))
    assert 'id="missing"' in html
    assert "Information (tile 3)" in html
    assert "Reflective questions" in html
    assert "Enter the topic or source details" in html


def test_the_source_case_links_to_the_review_for_those_who_may_see_it(people, agencies, client_for):
    from sightline.reviews.models import Case

    case = Case.objects.create(
        reference="SIN-2026-0001",
        pseudonym="Baby F",
        age_band="under_1",
        harm="serious_harm",
        incident_date=today(),
        aware_date=today(),
        summary="Summary",
        lead_agency=agencies["away"],
        raised_by_agency=agencies["away"],
    )
    briefing = services.briefing_create(
        by=people["bu"], title="From a review", source="rapid_review", source_case=case
    )
    html = text(client_for("bu").get(url("detail", briefing.reference)))
    assert f'href="{reverse("reviews:case", args=[case.reference])}"' in html


def test_missing_and_forbidden_briefings_look_the_same(make_briefing, people, client_for):
    draft = make_briefing(S.DRAFT)
    client = client_for("lead")
    missing = client.get(url("detail", "7MB-1999-9999"))
    forbidden = client.get(url("detail", draft.reference))
    assert missing.status_code == forbidden.status_code == 404
    assert Event.objects.filter(
        action="access.denied", object_id=draft.reference, actor=people["lead"]
    ).exists()


# --------------------------------------------------------------------------- status pages


def test_sending_for_review_from_the_status_page(make_briefing, people, client_for):
    briefing = make_briefing(S.DRAFT, author=people["partner"])
    page = client_for("partner").get(url("status", briefing.reference, "submit"))
    assert page.status_code == 200
    assert "The status will change from ‘Draft’ to ‘In review’" in text(page)
    response = client_for("partner").post(
        url("status", briefing.reference, "submit"), {"version": briefing.version}
    )
    assert response.status_code == 302
    briefing.refresh_from_db()
    assert briefing.status == S.IN_REVIEW


def test_a_refused_move_shows_what_is_missing(make_briefing, client_for):
    briefing = make_briefing(S.DRAFT, section_6="")
    page = text(client_for("bu").get(url("status", briefing.reference, "submit")))
    assert "This cannot be done yet" in page
    assert "Things to remember (tile 6)" in page
    response = client_for("bu").post(
        url("status", briefing.reference, "submit"), {"version": briefing.version}
    )
    html = text(response)
    assert response.status_code == 200
    assert 'class="govuk-error-summary"' in html
    assert "Enter the things to remember (tile 6)" in html
    briefing.refresh_from_db()
    assert briefing.status == S.DRAFT


def test_the_author_has_no_approve_page(make_briefing, people, client_for):
    briefing = make_briefing(S.IN_REVIEW, author=people["partner"])
    for method in ("get", "post"):
        response = getattr(client_for("partner"), method)(
            url("status", briefing.reference, "approve"), {"version": briefing.version}
        )
        assert response.status_code == 404
    briefing.refresh_from_db()
    assert briefing.status == S.IN_REVIEW


def test_returning_needs_a_note(make_briefing, client_for):
    briefing = make_briefing(S.IN_REVIEW)
    response = client_for("partner").post(
        url("status", briefing.reference, "return"), {"version": briefing.version, "note": ""}
    )
    html = text(response)
    assert '<a href="#id_note">Enter a note explaining the change</a>' in html


def test_publishing_asks_for_the_dates_and_keeps_them(make_briefing, client_for):
    briefing = make_briefing(S.APPROVED)
    page = text(client_for("bu").get(url("status", briefing.reference, "publish")))
    assert f'name="publish_date_day" type="text" value="{today().day}"' in page
    publish = today()
    response = client_for("bu").post(
        url("status", briefing.reference, "publish"),
        {
            "version": briefing.version,
            **date_fields("publish_date", publish),
            **date_fields("review_date", publish - timedelta(days=3)),
        },
    )
    html = text(response)
    assert response.status_code == 200
    assert '<a href="#id_review_date_day">Review date must be after the publish date</a>' in html
    kept = (publish - timedelta(days=3)).day
    assert f'name="review_date_day" type="text" value="{kept}"' in html
    response = client_for("bu").post(
        url("status", briefing.reference, "publish"),
        {
            "version": briefing.version,
            **date_fields("publish_date", publish),
            **date_fields("review_date", publish + timedelta(days=365)),
        },
    )
    assert response.status_code == 302
    briefing.refresh_from_db()
    assert briefing.status == S.PUBLISHED


def test_a_stale_move_is_shown_not_saved(make_briefing, people, client_for):
    briefing = make_briefing(S.IN_REVIEW)
    move(briefing, "return", people["partner2"], note="Needs work")
    # The page was opened at the old version; the briefing is a draft now, so the move is gone.
    response = client_for("partner").post(
        url("status", briefing.reference, "approve"), {"version": 3}
    )
    assert response.status_code == 404
    # A move that is still possible, from a stale version.
    move(briefing, "submit", people["bu"])
    briefing.refresh_from_db()
    response = client_for("partner").post(
        url("status", briefing.reference, "approve"), {"version": briefing.version - 1}
    )
    assert "Your changes have not been saved" in text(response)
    briefing.refresh_from_db()
    assert briefing.status == S.IN_REVIEW


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
