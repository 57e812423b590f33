"""Helpers shared by the case page tests (no tests here).

world (fixture, in conftest.py) -> dict: build_world(agency_factory, make_user)
build_world(agency_factory, make_user) -> dict
    Agencies: la (the council), icb, police (the three safeguarding partners), school (an
    academy, which raised the case), health (a health trust on the case), other (an agency
    with no part in it). Users: bu, notifier (at the council, with the incident notifier
    duty), school_lead, health_lead, other_lead, scrutineer, la_partner, icb_partner,
    police_partner. "case": a concern raised by the academy two days ago.
raise_case(world, ...)    another concern raised through the services
notify(world, case)       the notifier's decision to notify the Panel
case_urls(case)           pages everyone on the case may open
h1_count(response), date_fields(name, value)
CHILD_NAME                the invented name put in the restricted record"""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse

from sightline.accounts.models import Duty, Role
from sightline.core.clocks import today
from sightline.reviews import services
from sightline.reviews.models import IncidentNotification

CHILD_NAME = "Jordan Testchild"


def h1_count(response) -> int:
    return len(re.findall(r"<h1[\s>]", response.content.decode()))


def date_fields(name: str, value) -> dict:
    return {f"{name}_day": value.day, f"{name}_month": value.month, f"{name}_year": value.year}


def raise_case(world, *, pseudonym="Child A", days_ago=2, subject=None):
    day = today()
    return services.case_raise(
        by=world["school_lead"],
        raised_by_agency=world["school"],
        lead_agency=world["la"],
        pseudonym=pseudonym,
        age_band="5_9",
        harm="serious_harm",
        looked_after=False,
        incident_date=day - timedelta(days=days_ago + 1),
        raised_aware_date=day - timedelta(days=days_ago),
        summary="Admitted to hospital with injuries.",
        involved_agencies=[world["health"]],
        subject=subject if subject is not None else {"child_name": CHILD_NAME},
        subject_reason="So the local authority can check its records",
    )


def notify(world, case):
    n = IncidentNotification.objects.get(case=case)
    day = today()
    return services.notification_decide(
        notification=n,
        by=world["notifier"],
        name="notify",
        expected_version=n.version,
        fields={
            "abuse_or_neglect": True,
            "death_or_serious_harm": True,
            "looked_after_child": False,
            "la_aware_date": case.raised_aware_date,
            "decision_date": day,
            "sent_date": day,
            "panel_reference": "CSPRP-1",
            "partners_informed_date": day,
            "partnership_copy_date": day,
        },
    )


def build_world(agency_factory, make_user) -> dict:
    """Three safeguarding partners, an academy and a health trust on the case, an agency with no
    part in it, a user in each role, and a concern raised by the academy."""
    la = agency_factory("Northvale Council", kind="safeguarding_partner", is_local_authority=True)
    icb = agency_factory("Northvale Integrated Care Board", kind="safeguarding_partner")
    police = agency_factory("Northvale Police", kind="safeguarding_partner")
    school = agency_factory("Northvale Academy")
    health = agency_factory("Northvale Health Trust")
    other = agency_factory("Elsewhere Trust")
    w = {
        "la": la,
        "icb": icb,
        "police": police,
        "school": school,
        "health": health,
        "other": other,
        "bu": make_user(Role.BUSINESS_UNIT, agency=la),
        "notifier": make_user(Role.AGENCY_LEAD, agency=la, duties=[Duty.INCIDENT_NOTIFIER]),
        "school_lead": make_user(Role.AGENCY_LEAD, agency=school),
        "health_lead": make_user(Role.AGENCY_LEAD, agency=health),
        "other_lead": make_user(Role.AGENCY_LEAD, agency=other),
        "scrutineer": make_user(Role.SCRUTINEER, agency=la),
        "la_partner": make_user(Role.PARTNER_LEAD, agency=la),
        "icb_partner": make_user(Role.PARTNER_LEAD, agency=icb),
        "police_partner": make_user(Role.PARTNER_LEAD, agency=police),
    }
    w["case"] = raise_case(w)
    return w


def case_urls(case) -> list[str]:
    ref = case.reference
    return [
        reverse("reviews:case", args=[ref]),
        reverse("reviews:notification", args=[ref]),
    ]
