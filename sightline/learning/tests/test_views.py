"""Briefing pages: who sees what, forms with error summaries that keep what was typed, refused
stale edits, one briefing's page and the workflow buttons. Sending, acknowledging, the
dissemination page and the dashboard are tested in test_views_dissemination.py."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from sightline.core.clocks import today
from sightline.core.models import Event, Theme
from sightline.learning import services
from sightline.learning.models import Briefing, Dissemination
from sightline.learning.tests.test_views_support import (
    briefing_post,
    date_fields,
    references_in,
    text,
    url,
)

from .conftest import move

pytestmark = pytest.mark.django_db

S = Briefing.Status


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
    assert "Changed the key learning (tile 4) and title" in page


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
    # The latest changes, newest first.
    history = html[html.index(">History</h2>") :]
    assert history.index("Sent the briefing for review") < history.index("Created the briefing")

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
