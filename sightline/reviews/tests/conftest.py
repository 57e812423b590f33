"""Shared fixtures for the reviews tests: a small partnership, and a case driven through the
services to any point of its life.

    partnership -> Partnership
        Agencies (attributes): council (the local authority, marked as one), icb, police (the three
        safeguarding partners); trust (hospital trust) and school (relevant agencies);
        elsewhere (an agency with no part in any case); office (the partnership's business
        unit); reviewers (where independent reviewers are invited).
        `partnership.agencies` maps the keys "council", "icb", "police", "trust", "school" to
        those agencies; `partnership.partner_keys` is ("council", "icb", "police").
        Users (attributes): bu (business unit), notifier (agency lead at the council with the
        incident notifier duty), practitioner (at the trust), scrutineer, admin (system
        administrator), outsider (agency lead at `elsewhere`); and two dicts:
        partner_leads["council" | "icb" | "police"] and
        agency_leads["council" | "icb" | "police" | "trust" | "school"].
        `partnership.advance(to, **options)` is `advance_case(partnership, to, **options)`.

    advance_case(partnership, to="concern", **options) -> Case
        Raises a concern and drives it through the services, as the people in the partnership
        would, to the point named by `to` (one of STEPS). Returns the case fresh from the
        database. Options:
            aware_date      day 0 (default: today); every later date follows from it
            sent_date       date the notification was sent (default: aware + 1 working day)
            decision_date   date of the decision to commission a local review
                            (default: 5 working days after the rapid review went to the Panel)
            pseudonym       default "Child A"
            raised_by       agency key or Agency (default "trust"); its agency lead raises it
            lead            agency key or Agency (default "council")
            involved        agency keys or Agencies (default ["police"])
            return_agencies agency keys or Agencies asked for returns (default all five)
            themes          Theme objects or slugs (default ["non-accidental-injury"])
            subject         overrides for the restricted record (default SUBJECT)
            case_officer    default the business unit user
            reviewer_email  default "helen.marsh@reviews.example.org"

        The timeline, in working days (WD) after the notification was sent: returns due +7 WD,
        meeting +10 WD, sent to the Panel +14 WD, Panel response +19 WD. Each agency asked
        for a return has it submitted by its agency lead; each partner lead signs off for
        their own agency; the reviewer (access until 9 months after the later of the decision
        and today) gathers evidence and uploads the draft; the final report is agreed 5
        months after the decision. No lessons, recommendations or actions are added.

    reviewer_for(case) -> User | None     the case's independent reviewer
    pdf_upload(name="draft.pdf")          a real one-page PDF made with pypdf
    CHILD_NAME, SUBJECT                   the invented identity put in the restricted record
    STEPS                                 the points advance_case can reach, in order

The case page tests (test_views_case.py, test_views_identity.py, test_views_notification.py,
test_views_rapid.py) use a world of their own:

    world -> dict         build_world() in test_views_case_support.py: three partners, an
                          academy and a health trust on a case the academy raised, an agency
                          with no part in it, and a user in each role

The local review page tests (test_views_local.py, test_views_learning.py,
test_views_rapid_export.py) use theirs, with helpers in test_views_local_support.py:

    people -> dict        the council, icb and police (partners), an academy, a housing
                          association with no part in the case, the reviewers' organisation,
                          and bu, partners[agency], school_lead, outsider, reviewer
    bu, council_lead      people["bu"] and the council's partner lead
    rapid_case -> Case    a case whose rapid review all three partners have signed off
    review -> LocalReview its local review, commissioned by the decision, reviewer appointed
    case -> Case          that review's case
    clients -> dict       signed-in clients: "bu", "reviewer", "partner", "agency", "outsider"

All names, dates of birth, postcodes and NHS numbers here are invented. The NHS number is in
the 999 range set aside for testing.
"""

from __future__ import annotations

import pytest

from sightline.accounts.models import Agency, Duty, Role
from sightline.reviews.models import Case, LocalReview
from sightline.reviews.scenario import (  # noqa: F401 - re-exported for the tests
    AGENCY_KEYS,
    CHILD_NAME,
    PARTNER_KEYS,
    STEPS,
    SUBJECT,
    Partnership,
    advance_case,
    pdf_upload,
    reviewer_for,
)
from sightline.reviews.tests.test_views_case_support import build_world
from sightline.reviews.tests.test_views_local_support import (
    appoint_reviewer,
    decide_local_review,
    notify,
    raise_case,
    rapid_review_to_sign_off,
)


@pytest.fixture
def partnership(agency_factory, make_user) -> Partnership:
    """Three safeguarding partners, two relevant agencies and the people who work on cases."""
    partner = Agency.Kind.SAFEGUARDING_PARTNER
    relevant = Agency.Kind.RELEVANT_AGENCY
    agencies = {
        "council": agency_factory(
            "Northvale Council", kind=partner, short_name="NVC", is_local_authority=True
        ),
        "icb": agency_factory(
            "NHS Northvale Integrated Care Board", kind=partner, short_name="ICB"
        ),
        "police": agency_factory("Northvale Police", kind=partner, short_name="Police"),
        "trust": agency_factory(
            "Northvale Hospitals NHS Foundation Trust", kind=relevant, short_name="NHFT"
        ),
        "school": agency_factory("Larkspur Primary School", kind=relevant, short_name="LPS"),
    }
    elsewhere = agency_factory("Northvale Housing Association", kind=relevant)
    office = agency_factory("Northvale Safeguarding Children Partnership", kind=Agency.Kind.OTHER)
    reviewers = agency_factory("Independent reviewers", kind=Agency.Kind.OTHER)

    def person(role, agency, email, name, duties=()):
        return make_user(role, agency, email, duties, full_name=name)

    partner_leads = {
        "council": person(
            Role.PARTNER_LEAD, agencies["council"], "dcs@council.example.org", "Andrea Kowalski"
        ),
        "icb": person(
            Role.PARTNER_LEAD, agencies["icb"], "nursing.director@icb.example.org", "Samuel Okafor"
        ),
        "police": person(
            Role.PARTNER_LEAD, agencies["police"], "ch.supt@police.example.org", "Fiona Rees"
        ),
    }
    agency_leads = {
        "council": person(
            Role.AGENCY_LEAD, agencies["council"], "sg.lead@council.example.org", "Martin Ellery"
        ),
        "icb": person(
            Role.AGENCY_LEAD, agencies["icb"], "designated.nurse@icb.example.org", "Grace Adeyemi"
        ),
        "police": person(
            Role.AGENCY_LEAD, agencies["police"], "pvp.lead@police.example.org", "Tom Bracewell"
        ),
        "trust": person(
            Role.AGENCY_LEAD,
            agencies["trust"],
            "named.nurse@trust.example.org",
            "Leanne Cartwright",
        ),
        "school": person(
            Role.AGENCY_LEAD, agencies["school"], "dsl@school.example.org", "Owen Pritchard"
        ),
    }
    return Partnership(
        **agencies,
        elsewhere=elsewhere,
        office=office,
        reviewers=reviewers,
        bu=person(Role.BUSINESS_UNIT, office, "business.unit@scp.example.org", "Priya Shah"),
        notifier=person(
            Role.AGENCY_LEAD,
            agencies["council"],
            "head.of.service@council.example.org",
            "Claire Dunmore",
            duties=[Duty.INCIDENT_NOTIFIER],
        ),
        practitioner=person(
            Role.PRACTITIONER, agencies["trust"], "ed.nurse@trust.example.org", "Joseph Varga"
        ),
        scrutineer=person(Role.SCRUTINEER, office, "scrutineer@scp.example.org", "Bernadette Lyle"),
        admin=person(Role.SYSTEM_ADMIN, office, "it.admin@scp.example.org", "Dev Mistry"),
        outsider=person(
            Role.AGENCY_LEAD, elsewhere, "sg.lead@housing.example.org", "Nadia Hussain"
        ),
        partner_leads=partner_leads,
        agency_leads=agency_leads,
    )


# --------------------------------------------------------------------------- case pages


@pytest.fixture
def world(agency_factory, make_user):
    return build_world(agency_factory, make_user)


# --------------------------------------------------------------------------- local review pages


@pytest.fixture
def people(agency_factory, make_user):
    council = agency_factory(
        "Northvale Council", kind=Agency.Kind.SAFEGUARDING_PARTNER, is_local_authority=True
    )
    icb = agency_factory("Northvale Integrated Care Board", kind=Agency.Kind.SAFEGUARDING_PARTNER)
    police = agency_factory("Northvale Police", kind=Agency.Kind.SAFEGUARDING_PARTNER)
    school = agency_factory("Northvale Academy")
    housing = agency_factory("Southdown Housing")
    reviewers = agency_factory("Independent reviewers", kind=Agency.Kind.OTHER)
    return {
        "council": council,
        "icb": icb,
        "police": police,
        "school": school,
        "housing": housing,
        "reviewers": reviewers,
        "bu": make_user(Role.BUSINESS_UNIT, agency=council, full_name="Beth Unit"),
        "partners": {
            a: make_user(Role.PARTNER_LEAD, agency=a, full_name=f"Lead of {a.name}")
            for a in (council, icb, police)
        },
        "school_lead": make_user(Role.AGENCY_LEAD, agency=school, full_name="Sam School"),
        "outsider": make_user(Role.AGENCY_LEAD, agency=housing, full_name="Olly Outsider"),
        "reviewer": make_user(
            Role.REVIEWER, agency=reviewers, full_name="Rae Viewer", email="rae.viewer@example.org"
        ),
    }


@pytest.fixture
def bu(people):
    return people["bu"]


@pytest.fixture
def council_lead(people):
    return people["partners"][people["council"]]


@pytest.fixture
def rapid_case(people) -> Case:
    case = raise_case(people)
    rapid_review_to_sign_off(people, notify(case, people["bu"]))
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def review(people, rapid_case) -> LocalReview:
    review = decide_local_review(people, rapid_case.rapid_review)
    appoint_reviewer(people, review.case)
    return review


@pytest.fixture
def case(review) -> Case:
    return review.case


@pytest.fixture
def clients(people, signed_in_client):
    return {
        "bu": signed_in_client(people["bu"]),
        "reviewer": signed_in_client(people["reviewer"]),
        "partner": signed_in_client(people["partners"][people["council"]]),
        "agency": signed_in_client(people["school_lead"]),
        "outsider": signed_in_client(people["outsider"]),
    }
