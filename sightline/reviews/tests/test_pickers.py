"""Person pickers offer only the people who may hold the part, each shown with their role,
agency and e-mail address, and the server refuses anyone else posted in their place."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from sightline.accounts.models import Role
from sightline.accounts.people import person_label
from sightline.actions.forms import ActionForm
from sightline.core.clocks import today
from sightline.core.workflow import TransitionRefused
from sightline.reviews import services
from sightline.reviews.forms import CaseEditForm, MemberForm
from sightline.reviews.forms_local import RecommendationActionForm
from sightline.reviews.models import CaseMember
from sightline.reviews.tests.conftest import advance_case
from sightline.reviews.tests.test_views_case_support import date_fields

pytestmark = pytest.mark.django_db


def options(response, name: str) -> list[str]:
    """The labels of the <option>s of the select called `name`, blank option left out."""
    page = response.content.decode()
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert select, f"no select named {name}"
    found = re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select.group(1))
    return [html.unescape(label) for value, label in found if value]


def labels(users) -> list[str]:
    return sorted(person_label(u) for u in users)


@pytest.fixture
def reviewer(partnership, make_user):
    return make_user(
        Role.REVIEWER,
        partnership.reviewers,
        "rae.viewer@reviews.example.org",
        full_name="Rae Viewer",
    )


# --------------------------------------------------------------------------- case members


def test_appointing_a_reviewer_offers_reviewer_accounts_only(
    partnership, reviewer, signed_in_client
):
    p = partnership
    case = advance_case(p, "decided_lcspr")
    page = signed_in_client(p.bu).get(
        reverse("reviews:members", args=[case.reference]), {"part": "reviewer"}
    )

    assert page.status_code == 200
    assert options(page, "user") == [
        "Rae Viewer – Independent reviewer, Independent reviewers – rae.viewer@reviews.example.org"
    ]
    assert "Or invite a new independent reviewer" in page.content.decode()


def test_naming_a_review_group_member_offers_the_partnership_s_people_not_the_scrutineer(
    partnership, reviewer, signed_in_client
):
    p = partnership
    case = advance_case(p, "decided_lcspr")
    page = signed_in_client(p.bu).get(
        reverse("reviews:members", args=[case.reference]), {"part": "member"}
    )

    offered = options(page, "user")
    assert person_label(p.agency_leads["school"]) in offered
    assert person_label(p.practitioner) in offered
    assert person_label(p.partner_leads["police"]) in offered
    for nobody in (p.scrutineer, p.admin, reviewer):
        assert person_label(nobody) not in offered
    assert all(" – " in label and "@" in label for label in offered)


def test_the_members_page_asks_for_the_part_first(partnership, signed_in_client):
    p = partnership
    case = advance_case(p, "concern")
    page = signed_in_client(p.bu).get(reverse("reviews:members", args=[case.reference]))
    body = page.content.decode()
    assert "What part will they have in the review?" in body
    assert 'name="user"' not in body

    unchosen = signed_in_client(p.bu).get(
        reverse("reviews:members", args=[case.reference]), {"part": ""}
    )
    assert "Select their part in the review" in unchosen.content.decode()


def test_posting_the_scrutineer_as_reviewer_is_refused_with_a_clear_error(
    partnership, signed_in_client
):
    p = partnership
    case = advance_case(p, "decided_lcspr")
    response = signed_in_client(p.bu).post(
        reverse("reviews:members", args=[case.reference]),
        {
            "user": p.scrutineer.pk,
            "part": "reviewer",
            **date_fields("access_ends_on", today() + timedelta(days=90)),
        },
    )

    assert response.status_code == 200
    assert (
        "Select someone with an independent reviewer account. Nobody else can be named as the "
        "independent reviewer" in html.unescape(response.content.decode())
    )
    assert not CaseMember.objects.filter(case=case, user=p.scrutineer).exists()


def test_the_service_refuses_anyone_who_may_not_hold_the_part(partnership, reviewer):
    p = partnership
    case = advance_case(p, "decided_lcspr")
    for user, part in (
        (p.scrutineer, CaseMember.Part.REVIEWER),
        (p.agency_leads["trust"], CaseMember.Part.REVIEWER),
        (p.admin, CaseMember.Part.MEMBER),
        (reviewer, CaseMember.Part.CHAIR),
        (p.practitioner, CaseMember.Part.CHAIR),
    ):
        with pytest.raises(TransitionRefused, match="cannot be named as the"):
            services.case_member_add(case=case, by=p.bu, user=user, part=part)
    assert not CaseMember.objects.filter(case=case).exists()

    services.case_member_add(case=case, by=p.bu, user=reviewer, part=CaseMember.Part.REVIEWER)
    assert CaseMember.objects.filter(case=case, user=reviewer).exists()


def test_the_member_form_refuses_a_person_not_offered(partnership, reviewer):
    p = partnership
    form = MemberForm(
        {
            "user": p.scrutineer.pk,
            "part": "reviewer",
            **date_fields("access_ends_on", today() + timedelta(days=30)),
        }
    )
    assert not form.is_valid()
    assert "user" in form.errors

    form = MemberForm(
        {
            "user": reviewer.pk,
            "part": "reviewer",
            **date_fields("access_ends_on", today() + timedelta(days=30)),
        }
    )
    assert form.is_valid(), form.errors


def test_inviting_a_reviewer_with_the_scrutineer_s_email_is_refused(partnership):
    p = partnership
    case = advance_case(p, "decided_lcspr")
    with pytest.raises(TransitionRefused, match="who is not an independent reviewer"):
        services.reviewer_appoint(
            case=case,
            by=p.bu,
            email=p.scrutineer.email,
            full_name=p.scrutineer.full_name,
            agency=p.reviewers,
            access_ends_on=today() + timedelta(days=90),
        )
    assert not p.scrutineer.memberships.filter(role=Role.REVIEWER).exists()
    assert not CaseMember.objects.filter(case=case).exists()


# --------------------------------------------------------------------------- case officer


def test_the_case_officer_picker_offers_the_business_unit_only(partnership, make_user):
    p = partnership
    second = make_user(Role.BUSINESS_UNIT, p.office, "second.officer@scp.example.org")
    form = CaseEditForm()
    offered = labels(form.fields["case_officer"].queryset)
    assert offered == labels([p.bu, second])
    assert [form.fields["case_officer"].label_from_instance(p.bu)] == [person_label(p.bu)]


def test_a_case_officer_outside_the_business_unit_is_refused(partnership):
    p = partnership
    case = advance_case(p, "concern")
    with pytest.raises(TransitionRefused, match="is not in the business unit"):
        services.case_update(
            case=case,
            by=p.bu,
            expected_version=case.version,
            case_officer=p.partner_leads["council"],
        )
    case.refresh_from_db()
    assert case.case_officer == p.bu


# --------------------------------------------------------------------------- action owners


@pytest.mark.parametrize("form_class", [ActionForm, RecommendationActionForm])
def test_the_owner_picker_offers_the_people_of_the_owner_agency(partnership, form_class):
    p = partnership
    form = form_class(initial={"owner_agency": p.police})
    offered = labels(form.fields["owner"].queryset)
    assert offered == labels([p.partner_leads["police"], p.agency_leads["police"]])
    assert all("Northvale Police" in label for label in offered)


@pytest.mark.parametrize("form_class", [ActionForm, RecommendationActionForm])
def test_an_owner_from_another_agency_is_refused(partnership, form_class):
    p = partnership
    data = {
        "lesson": "Lesson",
        "description": "Train staff",
        "expected_change": "Better referrals",
        "owner_agency": p.police.pk,
        "owner": p.agency_leads["school"].pk,
        **date_fields("due_date", today() + timedelta(days=30)),
    }
    form = form_class(data)
    assert not form.is_valid()
    assert form.errors["owner"] == [
        "The owner must work for the owner agency: choose someone from Northvale Police, or "
        "leave it blank"
    ]

    form = form_class({**data, "owner": p.agency_leads["police"].pk})
    assert form.is_valid(), form.errors


def test_the_scrutineer_is_never_offered_as_an_owner(partnership):
    p = partnership
    offered = ActionForm().fields["owner"].queryset
    assert p.scrutineer not in offered
    assert p.admin not in offered
    assert p.agency_leads["school"] in offered
