"""Raising a concern: only local authorities lead; the raising agency's date of awareness is
recorded, and the local authority's notifier records its own, where the notification clock
starts; the raiser records family members straight into the restricted record, the reason
logged."""

from __future__ import annotations

import html
import json
from datetime import timedelta

import pytest
from django.urls import reverse

from sightline.accounts.models import Agency
from sightline.core.clocks import ClockBook, get_calendar, today
from sightline.core.models import Event
from sightline.core.workflow import TransitionRefused
from sightline.reviews import services
from sightline.reviews.forms import RaiseConcernForm
from sightline.reviews.models import AgeBand, Case, CaseSubject, IncidentNotification
from sightline.reviews.selectors import case_clock
from sightline.reviews.tests.test_services_support import events
from sightline.reviews.tests.test_views_case_support import date_fields

pytestmark = pytest.mark.django_db

FAMILY = "Jade Thornbury, mother, 14 May 2002\nRyan Hollis, mother's partner, 30 September 1999"


def raise_for(p, *, by_key="trust", lead=None, aware=None, **extra):
    agency = p.agency(by_key)
    return services.case_raise(
        by=p.lead_of(agency),
        raised_by_agency=agency,
        lead_agency=lead or p.council,
        pseudonym="Child R",
        age_band=AgeBand.UNDER_1,
        harm=Case.Harm.SERIOUS_HARM,
        looked_after=False,
        incident_date=(aware or today()) - timedelta(days=2),
        raised_aware_date=aware or today() - timedelta(days=1),
        summary="Brought to hospital with an unexplained injury.",
        **extra,
    )


def page_text(response) -> str:
    return html.unescape(response.content.decode())


# --------------------------------------------------------------------------- the lead


def test_only_local_authorities_are_offered_as_the_lead(partnership):
    p = partnership
    form = RaiseConcernForm(agencies=Agency.objects.filter(pk=p.trust.pk))
    assert list(form.fields["lead_agency"].queryset) == [p.council]


def test_the_raise_page_lists_only_the_local_authority(partnership, signed_in_client):
    p = partnership
    page = page_text(signed_in_client(p.agency_leads["trust"]).get(reverse("reviews:raise")))
    lead = page.split("Lead local authority")[1].split("</fieldset>")[0]
    assert p.council.name in lead
    for other in (p.icb, p.police, p.trust, p.school):
        assert other.name not in lead


def test_a_lead_that_is_not_a_local_authority_is_refused(partnership, signed_in_client):
    p = partnership
    with pytest.raises(TransitionRefused, match="Northvale Police is not a local authority"):
        raise_for(p, lead=p.police)
    assert not Case.objects.exists()

    response = signed_in_client(p.agency_leads["trust"]).post(
        reverse("reviews:raise"),
        {
            "pseudonym": "Child R",
            "age_band": AgeBand.UNDER_1,
            "harm": Case.Harm.SERIOUS_HARM,
            "looked_after": "False",
            **date_fields("incident_date", today() - timedelta(days=2)),
            **date_fields("raised_aware_date", today() - timedelta(days=1)),
            "summary": "Unexplained injury.",
            "lead_agency": p.police.pk,
        },
    )
    assert response.status_code == 200
    assert "Select a local authority as the lead" in page_text(response)
    assert not Case.objects.exists()


def test_the_raise_page_says_when_no_agency_is_a_local_authority(partnership, signed_in_client):
    p = partnership
    Agency.objects.filter(pk=p.council.pk).update(is_local_authority=False)
    page = page_text(signed_in_client(p.agency_leads["trust"]).get(reverse("reviews:raise")))
    assert "No agency is marked as a local authority" in page


# --------------------------------------------------------------------------- awareness


def test_the_raising_agency_s_date_is_kept_and_the_clock_waits_for_the_local_authority(
    partnership,
):
    p = partnership
    raised_aware = today() - timedelta(days=6)
    case = raise_for(p, aware=raised_aware)

    assert case.raised_aware_date == raised_aware
    # The council learnt of it when the concern reached its notifier: today.
    assert case.aware_date == today()
    assert IncidentNotification.objects.get(case=case).la_aware_date is None
    clock = case_clock(Case.objects.get(pk=case.pk), ClockBook(), today())
    assert clock.code == "sin-notification"
    assert clock.start == today()


def test_when_the_local_authority_raises_it_its_own_date_starts_the_clock(partnership):
    p = partnership
    aware = today() - timedelta(days=3)
    case = raise_for(p, by_key="council", aware=aware)
    assert case.aware_date == aware


def test_the_notifier_records_when_the_local_authority_became_aware(partnership):
    p = partnership
    case = raise_for(p, aware=today() - timedelta(days=8))
    la_aware = today() - timedelta(days=4)
    n = IncidentNotification.objects.get(case=case)

    services.notification_record_awareness(
        notification=n, by=p.notifier, aware_date=la_aware, expected_version=n.version
    )

    case = Case.objects.get(pk=case.pk)
    assert case.aware_date == la_aware
    assert case.raised_aware_date == today() - timedelta(days=8)
    assert IncidentNotification.objects.get(case=case).la_aware_date == la_aware
    assert events("notification.awareness", case).get().changes == {
        "aware_date": [today().isoformat(), la_aware.isoformat()]
    }
    clock = case_clock(case, ClockBook(), today())
    assert clock.status.due == get_calendar().add_working_days(la_aware, 5)


def test_only_the_notifier_records_it_and_only_before_the_decision(partnership):
    p = partnership
    case = raise_for(p)
    n = IncidentNotification.objects.get(case=case)
    for someone in (p.agency_leads["trust"], p.partner_leads["council"]):
        with pytest.raises(TransitionRefused, match="Only the local authority's notifier"):
            services.notification_record_awareness(
                notification=n, by=someone, aware_date=today(), expected_version=n.version
            )
    with pytest.raises(TransitionRefused, match="on or after the incident"):
        services.notification_record_awareness(
            notification=n,
            by=p.notifier,
            aware_date=case.incident_date - timedelta(days=1),
            expected_version=n.version,
        )


def test_the_decision_needs_the_local_authority_s_date_of_awareness(partnership):
    p = partnership
    case = raise_for(p)
    n = IncidentNotification.objects.get(case=case)
    fields = {
        "abuse_or_neglect": False,
        "death_or_serious_harm": True,
        "looked_after_child": False,
        "decision_date": today(),
        "not_notified_reasons": "An accident.",
    }
    with pytest.raises(TransitionRefused, match="Enter the date the local authority became aware"):
        services.notification_decide(
            notification=n,
            by=p.notifier,
            name="not_notify",
            expected_version=n.version,
            fields=fields,
        )

    la_aware = today() - timedelta(days=1)
    services.notification_decide(
        notification=n,
        by=p.notifier,
        name="not_notify",
        expected_version=n.version,
        fields={**fields, "la_aware_date": la_aware},
    )
    assert Case.objects.get(pk=case.pk).aware_date == la_aware


def test_the_notifier_saves_only_the_date_on_the_page(partnership, signed_in_client):
    p = partnership
    case = raise_for(p, aware=today() - timedelta(days=9))
    n = IncidentNotification.objects.get(case=case)
    url = reverse("reviews:notification", args=[case.reference])
    la_aware = today() - timedelta(days=2)
    data = {"version": n.version, "step": "awareness", **date_fields("la_aware_date", la_aware)}

    assert signed_in_client(p.agency_leads["trust"]).post(url, data).status_code == 404
    notifier = signed_in_client(p.notifier)
    saved = notifier.post(url, data)

    assert saved.status_code == 302
    assert Case.objects.get(pk=case.pk).aware_date == la_aware
    assert IncidentNotification.objects.get(pk=n.pk).status == "concern_raised"
    page = page_text(notifier.get(url))
    assert "The local authority became aware on" in page
    assert "as its notifier recorded" in page

    missing = notifier.post(url, {"version": n.version + 1, "step": "awareness"})
    assert "Enter the date the local authority became aware" in page_text(missing)


# --------------------------------------------------------------------------- family members


def test_the_raiser_records_family_members_in_the_restricted_record(partnership):
    p = partnership
    case = raise_for(
        p,
        subject={"child_name": "Maisie Thornbury", "family_members": FAMILY},
        subject_reason="So the council can check its records for the family",
    )

    assert CaseSubject.objects.get(case=case).family_members == FAMILY
    event = events("case_subject.create", case.subject).get()
    assert event.reason == "So the council can check its records for the family"
    assert event.changes == {"fields": [None, ["child_name", "family_members"]]}
    logged = json.dumps(list(Event.objects.values("changes", "reason")), default=str)
    assert "Jade Thornbury" not in logged
    assert "Ryan Hollis" not in logged


def test_restricted_details_without_a_reason_are_refused(partnership, signed_in_client):
    p = partnership
    with pytest.raises(TransitionRefused, match="Enter why you are recording"):
        raise_for(p, subject={"family_members": FAMILY})
    assert not Case.objects.exists()

    form_data = {
        "pseudonym": "Child R",
        "age_band": AgeBand.UNDER_1,
        "harm": Case.Harm.SERIOUS_HARM,
        "looked_after": "False",
        **date_fields("incident_date", today() - timedelta(days=2)),
        **date_fields("raised_aware_date", today() - timedelta(days=1)),
        "summary": "Unexplained injury.",
        "lead_agency": p.council.pk,
        "family_members": FAMILY,
    }
    client = signed_in_client(p.agency_leads["trust"])
    refused = client.post(reverse("reviews:raise"), form_data)
    assert refused.status_code == 200
    assert "Enter why you are recording the child" in page_text(refused)
    assert not Case.objects.exists()

    raised = client.post(
        reverse("reviews:raise"), {**form_data, "subject_reason": "For the council's checks"}
    )
    assert raised.status_code == 302
    assert CaseSubject.objects.get().family_members == FAMILY
