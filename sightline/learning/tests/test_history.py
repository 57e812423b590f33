"""A briefing's history: its own events and its agencies' acknowledgements, in words, with the
tiles named by the partnership's headings; each agency's people see their own agency's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sightline.core.clocks import today
from sightline.core.history import describe, history_events, history_labels
from sightline.learning import services
from sightline.learning.history import briefing_scope
from sightline.learning.models import Briefing, Dissemination

pytestmark = pytest.mark.django_db
S = Briefing.Status


def _acknowledge(d: Dissemination, by):
    d.refresh_from_db()
    services.dissemination_acknowledge(
        dissemination=d,
        by=by,
        expected_version=d.version,
        teams="Ward teams",
        cascade_date=today(),
        staff_reached=40,
        changes="Refer the same day",
    )


def test_a_briefing_history_reads_in_words(sent_briefing, people, agencies):
    briefing = Briefing.objects.get(pk=sent_briefing.pk)
    _acknowledge(Dissemination.objects.get(agency=agencies["home"]), people["lead"])
    scope = briefing_scope(briefing, people["bu"])
    rows = describe(history_events(scope), objects=scope.objects)

    labels = history_labels()
    for row in rows:
        assert row.event.action in labels, row.event.action
        assert "None" not in f"{row.what} {row.detail}"
    said = [row.what for row in rows]
    assert said[:4] == [
        "Created the briefing",
        "Sent the briefing for review",
        "Approved the briefing",
        "Published the briefing",
    ]
    assert "Sent the briefing to 2 agencies" in said
    sent = next(r for r in rows if r.event.action == "briefing.send")
    assert "Northvale Hospitals NHS Foundation Trust" in sent.detail
    assert "Northvale Police" in sent.detail
    acknowledged = next(r for r in rows if r.event.action == "dissemination.acknowledge")
    assert acknowledged.what == (
        "Acknowledged the briefing for Northvale Hospitals NHS Foundation Trust"
    )
    assert acknowledged.who == "Joanne Price"
    assert acknowledged.detail.endswith("40 staff reached")


def test_changed_tiles_are_named_by_their_headings(make_briefing, people, settings):
    briefing = make_briefing(S.DRAFT)
    briefing.refresh_from_db()
    services.briefing_update(
        briefing=briefing,
        by=people["bu"],
        expected_version=briefing.version,
        section_3="Tile 3. New learning.",
        title="A new title",
    )
    settings.SIGHTLINE_BRIEFING_HEADINGS = [f"Heading {i}" for i in range(1, 8)]
    rows = describe(history_events(briefing_scope(briefing, people["bu"])))
    edit = next(r for r in rows if r.event.action == "briefing.update")
    assert edit.detail == "Changed the heading 3 (tile 3) and title"


def test_each_agency_sees_its_own_acknowledgement_in_the_history(
    sent_briefing, people, agencies, client_for
):
    _acknowledge(Dissemination.objects.get(agency=agencies["home"]), people["lead"])
    _acknowledge(Dissemination.objects.get(agency=agencies["away"]), people["away_lead"])
    url = reverse("learning:history", args=[sent_briefing.reference])
    home = "Acknowledged the briefing for Northvale Hospitals NHS Foundation Trust"
    away = "Acknowledged the briefing for Northvale Police"

    everyone = client_for("bu").get(url).content.decode()
    assert home in everyone
    assert away in everyone
    own = client_for("lead").get(url).content.decode()
    assert home in own
    assert away not in own
    practitioner = client_for("away_practitioner").get(url).content.decode()
    assert away in practitioner
    assert home not in practitioner


def test_the_briefing_page_links_to_its_full_history(sent_briefing, client_for):
    html = client_for("bu").get(reverse("learning:detail", args=[sent_briefing.reference]))
    body = html.content.decode()
    assert reverse("learning:history", args=[sent_briefing.reference]) in body
    page = client_for("bu").get(reverse("learning:history", args=[sent_briefing.reference]))
    assert page.status_code == 200
    assert page.content.decode().count("<h1") == 1


def test_an_unpublished_briefing_history_is_as_private_as_the_briefing(make_briefing, client_for):
    draft = make_briefing(S.DRAFT)
    url = reverse("learning:history", args=[draft.reference])
    assert client_for("lead").get(url).status_code == 404
    assert client_for("bu").get(url).status_code == 200
