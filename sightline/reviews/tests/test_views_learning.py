"""The learning page of a case: lessons, recommendations and the actions made from them.

Each case is brought to its stage through the services, as the system itself would: a concern
is raised, notified, rapid-reviewed, signed off by the three partners and decided, which
commissions the local review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from sightline.actions.models import Action, ActionPlan, ActionStatus
from sightline.core.clocks import today
from sightline.core.templatetags.govuk import govuk_date
from sightline.reviews import services_local
from sightline.reviews.tests.test_views_local_support import add_action, date_fields, text, url

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- learning


def test_learning_shows_recommendations_with_their_actions(people, case, clients):
    services_local.lesson_add(case=case, by=people["bu"], text="Missed appointments matter.")
    action = add_action(people, case)
    response = clients["bu"].get(url("learning", case))
    assert response.status_code == 200
    page = text(response)
    assert "Missed appointments matter." in page
    assert "Recommendation 1" in page
    assert "0 of 1 action complete" in page
    assert govuk_date(action.due_date) in page
    assert "Not started" in page
    assert reverse("actions:detail", args=[action.reference]) in response.content.decode()
    assert "cannot close yet" in page
    assert action.reference in page


def test_progress_counts_finished_actions(people, case, clients):
    action = add_action(people, case)
    Action.objects.filter(pk=action.pk).update(status=ActionStatus.COMPLETE)
    page = text(clients["bu"].get(url("learning", case)))
    assert "1 of 1 action complete" in page
    assert "can close" in page


def test_agency_lead_reads_learning_but_cannot_add(people, case, clients):
    add_action(people, case)
    response = clients["agency"].get(url("learning", case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Recommendation 1" in html
    assert url("lesson-add", case) not in html
    assert url("recommendation-add", case) not in html
    assert url("recommendation-action", case, 1) not in html
    # The action belongs to the police, so the school's lead sees it without a link.
    assert reverse("actions:detail", args=[Action.objects.get().reference]) not in html
    for name, args in (
        ("lesson-add", ()),
        ("recommendation-add", ()),
        ("recommendation-action", (1,)),
    ):
        assert clients["agency"].get(url(name, case, *args)).status_code == 404, name
        assert clients["agency"].post(url(name, case, *args), {"text": "x"}).status_code == 404


def test_reviewer_adds_lessons_and_recommendations(people, case, clients):
    response = clients["reviewer"].post(
        url("lesson-add", case), {"text": "Health and school did not share concerns."}
    )
    assert response.status_code == 302
    lesson = case.lessons.get()
    response = clients["reviewer"].post(
        url("recommendation-add", case),
        {"text": "Agree a protocol for sharing concerns.", "lesson": lesson.pk},
    )
    assert response.status_code == 302
    rec = case.recommendations.get()
    assert rec.number == 1
    assert rec.lesson == lesson


def test_empty_lesson_and_recommendation_show_errors(case, clients):
    assert "Enter the lesson" in text(clients["bu"].post(url("lesson-add", case), {"text": ""}))
    assert "Enter the recommendation" in text(
        clients["bu"].post(url("recommendation-add", case), {"text": ""})
    )


def test_business_unit_turns_a_recommendation_into_an_action(people, case, clients):
    rec = services_local.recommendation_add(case=case, by=people["bu"], text="Train staff.")
    page = url("recommendation-action", case, rec.number)
    assert clients["bu"].get(page).status_code == 200
    response = clients["bu"].post(
        page,
        {
            "description": "Deliver training on unexplained injuries",
            "expected_change": "Injuries are referred the same day",
            "owner_agency": people["school"].pk,
            **date_fields("due_date", today() + timedelta(30)),
        },
    )
    assert response.status_code == 302
    action = rec.actions.get()
    assert action.owner_agency == people["school"]
    assert action.plan.source == ActionPlan.Source.REVIEW
    # The school's lead now sees it, with a link to the action.
    html = clients["agency"].get(url("learning", case)).content.decode()
    assert reverse("actions:detail", args=[action.reference]) in html


def test_only_the_business_unit_creates_actions(people, case, clients):
    rec = services_local.recommendation_add(case=case, by=people["bu"], text="Train staff.")
    page = url("recommendation-action", case, rec.number)
    for who in ("reviewer", "partner", "agency"):
        assert clients[who].get(page).status_code == 404, who
    assert clients["bu"].get(url("recommendation-action", case, 9)).status_code == 404


def test_action_owner_must_work_for_the_owner_agency(people, case, clients):
    rec = services_local.recommendation_add(case=case, by=people["bu"], text="Train staff.")
    response = clients["bu"].post(
        url("recommendation-action", case, rec.number),
        {
            "description": "Train",
            "expected_change": "Better",
            "owner_agency": people["police"].pk,
            "owner": people["school_lead"].pk,
            **date_fields("due_date", today() + timedelta(30)),
        },
    )
    assert response.status_code == 200
    assert "The owner must work for the owner agency" in text(response)
