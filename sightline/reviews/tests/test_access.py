"""Who sees which case, who sees the child's identity, and whose agency returns are visible.

Forbidden and missing look the same (404); a refused look at an existing case is logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from sightline.accounts.models import Agency, Role
from sightline.core.clocks import today
from sightline.core.models import Event
from sightline.reviews import access, services
from sightline.reviews.models import Case, CaseMember, CaseSubject, DraftVersion
from sightline.reviews.tests.conftest import CHILD_NAME, advance_case, reviewer_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(partnership):
    """Child A: raised by the trust, led by the council. Child B: raised by the school, led by
    the council, with the police involved."""
    return {
        "A": advance_case(partnership, involved=[], raised_by="trust"),
        "B": advance_case(
            partnership, involved=["police"], raised_by="school", pseudonym="Child B"
        ),
    }


WHO = {
    "business unit": lambda p: p.bu,
    "council partner lead": lambda p: p.partner_leads["council"],
    "ICB partner lead": lambda p: p.partner_leads["icb"],
    "police partner lead": lambda p: p.partner_leads["police"],
    "scrutineer": lambda p: p.scrutineer,
    "notifier": lambda p: p.notifier,
    "council agency lead": lambda p: p.agency_leads["council"],
    "trust agency lead": lambda p: p.agency_leads["trust"],
    "trust practitioner": lambda p: p.practitioner,
    "school agency lead": lambda p: p.agency_leads["school"],
    "police agency lead": lambda p: p.agency_leads["police"],
    "ICB agency lead": lambda p: p.agency_leads["icb"],
    "uninvolved agency lead": lambda p: p.outsider,
    "system admin": lambda p: p.admin,
}


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("business unit", {"A", "B"}),
        ("council partner lead", {"A", "B"}),
        ("ICB partner lead", {"A", "B"}),
        ("police partner lead", {"A", "B"}),
        ("scrutineer", {"A", "B"}),
        ("notifier", {"A", "B"}),  # lead agency
        ("council agency lead", {"A", "B"}),  # lead agency
        ("trust agency lead", {"A"}),  # raised it
        ("trust practitioner", {"A"}),  # raised it
        ("school agency lead", {"B"}),  # raised it
        ("police agency lead", {"B"}),  # involved
        ("ICB agency lead", set()),
        ("uninvolved agency lead", set()),
        ("system admin", set()),
    ],
)
def test_each_role_sees_the_cases_it_should(partnership, cases, who, sees):
    user = WHO[who](partnership)
    visible = set(access.cases_visible_to(user).values_list("pk", flat=True))

    assert visible == {cases[name].pk for name in sees}
    for name, case in cases.items():
        if name in sees:
            assert access.case_for_view(user, case.reference) == case
        else:
            with pytest.raises(Http404):
                access.case_for_view(user, case.reference)


def test_an_agency_asked_for_a_return_can_then_see_the_case(partnership):
    p = partnership
    case = advance_case(p, "notified", involved=[])
    assert not access.cases_visible_to(p.agency_leads["school"]).exists()
    rr = case.rapid_review
    services.rapid_review_request_returns(
        rr=rr, by=p.bu, expected_version=rr.version, agencies=[p.school], due_date=today()
    )

    assert list(access.cases_visible_to(p.agency_leads["school"])) == [case]


def test_an_uninvolved_agency_gets_not_found_and_the_attempt_is_logged(partnership, cases):
    p = partnership
    reference = cases["A"].reference
    with pytest.raises(Http404):
        access.case_for_view(p.outsider, reference)

    denied = Event.objects.get(action="access.denied")
    assert denied.kind == Event.Kind.DENIED
    assert denied.actor == p.outsider
    assert denied.object_type == "reviews.case"
    assert denied.object_id == reference
    assert denied.reason == "not allowed"


def test_a_case_that_does_not_exist_is_logged_as_not_found_not_as_a_refusal(partnership, cases):
    with pytest.raises(Http404):
        access.case_for_view(partnership.bu, "SI-2026-9999")

    looked_up = Event.objects.get(action="access.denied")
    assert (looked_up.actor, looked_up.object_id, looked_up.reason) == (
        partnership.bu,
        "SI-2026-9999",
        "not found",
    )


def test_an_archived_case_is_hidden_from_everyone(partnership, cases):
    Case.objects.filter(pk=cases["A"].pk).update(archived_at=timezone.now())

    assert list(access.cases_visible_to(partnership.bu)) == [cases["B"]]
    with pytest.raises(Http404):
        access.case_for_view(partnership.bu, cases["A"].reference)


def test_only_the_business_unit_may_edit_a_case(partnership, cases):
    p = partnership
    assert access.case_for_edit(p.bu, cases["A"].reference) == cases["A"]
    for user in (p.partner_leads["council"], p.notifier, p.scrutineer):
        with pytest.raises(Http404):
            access.case_for_edit(user, cases["A"].reference)


# --------------------------------------------------------------------------- reviewers


def appoint(p, case, ends_on):
    return services.reviewer_appoint(
        case=case,
        by=p.bu,
        email="helen.marsh@reviews.example.org",
        full_name="Helen Marsh",
        agency=p.reviewers,
        access_ends_on=ends_on,
    )


def test_a_reviewer_sees_only_the_case_they_are_named_on(partnership, cases):
    reviewer = appoint(partnership, cases["A"], today() + timedelta(days=100)).user

    assert list(access.cases_visible_to(reviewer)) == [cases["A"]]
    with pytest.raises(Http404):
        access.case_for_view(reviewer, cases["B"].reference)


def test_a_reviewer_sees_the_case_up_to_and_including_the_last_day(partnership, cases):
    member = appoint(partnership, cases["A"], today())
    assert list(access.cases_visible_to(member.user)) == [cases["A"]]


def test_a_reviewer_loses_the_case_once_their_access_ends(partnership, cases):
    member = appoint(partnership, cases["A"], today() + timedelta(days=100))
    CaseMember.objects.filter(pk=member.pk).update(access_ends_on=today() - timedelta(days=1))

    assert not access.cases_visible_to(member.user).exists()
    with pytest.raises(Http404):
        access.case_for_view(member.user, cases["A"].reference)
    assert not access.can_see_identity(member.user, cases["A"])


def test_a_reviewer_whose_access_ended_is_logged_as_ended_not_as_never_allowed(partnership, cases):
    member = appoint(partnership, cases["A"], today() + timedelta(days=100))
    CaseMember.objects.filter(pk=member.pk).update(access_ends_on=today() - timedelta(days=1))

    for reference in (cases["A"].reference, cases["B"].reference):
        with pytest.raises(Http404):
            access.case_for_view(member.user, reference)

    denied = Event.objects.filter(action="access.denied", actor=member.user)
    assert {event.object_id: event.reason for event in denied} == {
        cases["A"].reference: "ended",  # was on the case until yesterday
        cases["B"].reference: "not allowed",  # never on it
    }


def test_a_reviewer_removed_from_the_case_loses_it(partnership, cases):
    member = appoint(partnership, cases["A"], today() + timedelta(days=100))
    services.case_member_remove(member=member, by=partnership.bu)

    assert not access.cases_visible_to(member.user).exists()


def test_only_the_business_unit_and_the_cases_reviewer_work_on_the_review(partnership):
    p = partnership
    case = advance_case(p, "reviewer_appointed")
    other = advance_case(p, "decided_lcspr", pseudonym="Child B")
    reviewer = reviewer_for(case)

    assert access.can_work_on_review(p.bu, case)
    assert access.can_work_on_review(reviewer, case)
    assert not access.can_work_on_review(reviewer, other)
    for user in (p.partner_leads["council"], p.notifier, p.agency_leads["trust"], p.scrutineer):
        assert not access.can_work_on_review(user, case)


# --------------------------------------------------------------------------- identities


def test_the_business_unit_sees_identities(partnership, cases):
    assert access.can_see_identity(partnership.bu, cases["A"])


def test_a_case_member_sees_identities_only_when_granted(partnership, cases, make_user):
    p = partnership
    granted = appoint(p, cases["A"], today() + timedelta(days=100)).user
    chair = make_user(Role.AGENCY_LEAD, p.elsewhere, "chair@housing.example.org")
    services.case_member_add(
        case=cases["A"], by=p.bu, user=chair, part=CaseMember.Part.CHAIR, can_see_identity=False
    )

    assert access.can_see_identity(granted, cases["A"])
    assert not access.can_see_identity(granted, cases["B"])
    assert not access.can_see_identity(chair, cases["A"])
    assert list(access.cases_visible_to(chair)) == [cases["A"]]


def test_the_scrutineer_never_sees_identities_even_when_named_on_the_case(partnership, cases):
    p = partnership
    # The services no longer name a scrutineer on a case; one named before that rule still
    # never sees identities.
    CaseMember.objects.create(
        case=cases["A"], user=p.scrutineer, part=CaseMember.Part.MEMBER, can_see_identity=True
    )

    assert not access.can_see_identity(p.scrutineer, cases["A"])
    with pytest.raises(Http404):
        access.subject_for_read(p.scrutineer, cases["A"], reason="Scrutiny of the review.")


@pytest.mark.parametrize(
    "who",
    [
        "council partner lead",
        "notifier",
        "council agency lead",
        "trust agency lead",
        "trust practitioner",
        "uninvolved agency lead",
        "system admin",
    ],
)
def test_nobody_else_sees_identities(partnership, cases, who):
    assert not access.can_see_identity(WHO[who](partnership), cases["A"])


def test_opening_the_restricted_record_needs_a_reason_and_is_logged(partnership, cases):
    p = partnership
    case = cases["A"]
    with pytest.raises(ValueError):
        access.subject_for_read(p.bu, case, reason="   ")
    assert not Event.objects.filter(action="case_subject.read").exists()

    subject = access.subject_for_read(p.bu, case, reason="Checking the school for the chronology")

    assert subject.child_name == CHILD_NAME
    read = Event.objects.get(action="case_subject.read")
    assert read.kind == Event.Kind.READ
    assert read.actor == p.bu
    assert read.reason == "Checking the school for the chronology"
    assert read.object_type == "reviews.casesubject"
    assert read.object_id == str(CaseSubject.objects.get(case=case).pk)


def test_a_refused_look_at_the_restricted_record_is_logged(partnership, cases):
    p = partnership
    with pytest.raises(Http404):
        access.subject_for_read(p.partner_leads["police"], cases["B"], reason="Curious.")

    denied = Event.objects.get(action="access.denied")
    assert denied.object_type == "reviews.casesubject"
    assert denied.object_id == cases["B"].reference
    assert not Event.objects.filter(action="case_subject.read").exists()


# --------------------------------------------------------------------------- roles on a case


def test_the_notifier_duty_holds_only_at_the_lead_agency(partnership, cases, agency_factory):
    p = partnership
    assert access.is_notifier(p.notifier, cases["A"])
    assert access.is_notifier(p.bu, cases["A"])
    assert not access.is_notifier(p.agency_leads["council"], cases["A"])
    assert not access.is_notifier(p.partner_leads["council"], cases["A"])
    southvale = agency_factory(
        "Southvale Council", kind=Agency.Kind.SAFEGUARDING_PARTNER, is_local_authority=True
    )
    elsewhere_case = advance_case(p, lead=southvale, pseudonym="Child C")
    assert not access.is_notifier(p.notifier, elsewhere_case)


def test_partner_agencies_are_those_a_partner_lead_leads(partnership):
    p = partnership
    assert access.partner_agency_ids(p.partner_leads["icb"]) == {p.icb.pk}
    assert access.partner_agency_ids(p.agency_leads["icb"]) == frozenset()
    assert access.partner_agency_ids(p.bu) == frozenset()


def test_a_partner_lead_of_a_relevant_agency_cannot_sign_for_it(partnership, make_user):
    p = partnership
    odd = make_user(Role.PARTNER_LEAD, p.trust, "odd@trust.example.org")
    assert access.partner_agency_ids(odd) == frozenset()


# --------------------------------------------------------------------------- agency returns


def agencies_of(returns) -> set:
    return {r.agency for r in returns}


def test_an_agency_sees_only_its_own_return_until_the_pack_is_shared(partnership):
    p = partnership
    case = advance_case(p, "returns_submitted")
    for key in ("trust", "school"):
        lead = p.agency_leads[key]
        assert agencies_of(access.returns_visible_to(lead, case)) == {p.agency(key)}
    assert agencies_of(access.returns_visible_to(p.practitioner, case)) == {p.trust}

    services.rapid_review_share_pack(rr=case.rapid_review, by=p.bu)
    case = Case.objects.get(pk=case.pk)

    everyone = set(p.agencies.values())
    assert agencies_of(access.returns_visible_to(p.agency_leads["school"], case)) == everyone
    assert agencies_of(access.returns_visible_to(p.practitioner, case)) == everyone


ALL_AGENCIES = ("council", "icb", "police", "trust", "school")


@pytest.mark.parametrize(
    ("who", "before_sharing"),
    [
        ("business unit", ALL_AGENCIES),
        # A partner lead reads their own agency's return only, like its agency lead.
        ("council partner lead", ("council",)),
        ("ICB partner lead", ("icb",)),
        ("police partner lead", ("police",)),
        ("scrutineer", ()),
        ("notifier", ("council",)),
        ("council agency lead", ("council",)),
        ("trust agency lead", ("trust",)),
        ("trust practitioner", ("trust",)),
        ("school agency lead", ("school",)),
        ("uninvolved agency lead", ()),
        ("system admin", ()),
    ],
)
def test_a_return_is_for_its_own_agency_and_the_business_unit_until_the_pack_is_shared(
    partnership, who, before_sharing
):
    p = partnership
    user = WHO[who](p)
    case = advance_case(p, "returns_submitted")
    assert agencies_of(access.returns_visible_to(user, case)) == {
        p.agency(k) for k in before_sharing
    }
    assert access.can_see_all_returns(user, case) == (who == "business unit")

    services.rapid_review_share_pack(rr=case.rapid_review, by=p.bu)
    case = Case.objects.get(pk=case.pk)

    sees_case = who not in ("uninvolved agency lead", "system admin")
    after = set(p.agencies.values()) if sees_case else set()
    assert agencies_of(access.returns_visible_to(user, case)) == after
    assert access.can_see_all_returns(user, case) == sees_case


def test_the_reviewer_reads_returns_only_once_the_pack_is_shared(partnership):
    p = partnership
    case = advance_case(p, "returns_submitted")
    reviewer = services.reviewer_appoint(
        case=case,
        by=p.bu,
        email="helen.marsh@reviews.example.org",
        full_name="Helen Marsh",
        agency=p.council,  # a reviewer's membership of an agency does not make it theirs
        access_ends_on=today() + timedelta(days=200),
    ).user
    assert agencies_of(access.returns_visible_to(reviewer, case)) == set()

    services.rapid_review_share_pack(rr=case.rapid_review, by=p.bu)
    case = Case.objects.get(pk=case.pk)

    assert agencies_of(access.returns_visible_to(reviewer, case)) == set(p.agencies.values())


def test_an_agency_lead_completes_only_their_own_agencys_return(partnership):
    p = partnership
    case = advance_case(p, "returns_requested")

    ret = access.return_for_completion(p.agency_leads["school"], case, p.school.pk)
    assert ret.agency == p.school
    assert access.return_for_completion(p.bu, case, p.school.pk) == ret
    with pytest.raises(Http404):
        access.return_for_completion(p.agency_leads["trust"], case, p.school.pk)
    with pytest.raises(Http404):
        access.return_for_completion(p.practitioner, case, p.trust.pk)
    with pytest.raises(Http404):
        access.return_for_completion(p.bu, case, p.elsewhere.pk)
    denied = Event.objects.filter(action="access.denied", object_type="reviews.agencyreturn")
    assert sorted(denied.values_list("reason", flat=True)) == [
        "not allowed",
        "not allowed",
        "not found",  # no return was asked of that agency
    ]


def test_draft_reports_are_for_the_partnership_and_the_reviewer(partnership):
    p = partnership
    case = advance_case(p, "draft")
    draft = DraftVersion.objects.get(local_review__case=case)
    owner_id = str(draft.pk)

    assert access.draft_for_document(p.bu, owner_id)
    assert access.draft_for_document(p.partner_leads["icb"], owner_id)
    assert access.draft_for_document(reviewer_for(case), owner_id)
    assert not access.draft_for_document(p.agency_leads["trust"], owner_id)
    assert not access.draft_for_document(p.outsider, owner_id)
    assert not access.draft_for_document(p.bu, "999999")
