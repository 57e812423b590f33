"""Browser journeys for what binds and limits a case review, each person in their own browser:

- the three partner leads sign off a rapid review, the business unit then changes its
  recommendation, and the pages say the sign-offs were withdrawn; a partner signs the new version
  and, coming back, is told they signed it rather than shown "Page not found"
- before the collated pack is shared a partner lead reads only their own agency's return, and
  the scrutineer none; once it is shared they read every return
- appointing the independent reviewer offers reviewer accounts only, each with role, agency and
  e-mail address, and never the scrutineer
- raising a concern offers only the local authority as the lead and records family members in
  the restricted record, which the business unit then opens

Cases are brought to the point each journey starts from with the reviews scenario, through the
services, as in the other tests. Every page reached is checked with axe-core by the harness.
Each test asks for `people` before `partnership`, so that the data the migrations load (themes,
clocks) is back in the database before the case is made.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sightline.accounts.models import Role
from sightline.core.calendar import add_months
from sightline.core.clocks import today
from sightline.reviews.models import CaseSubject, PartnerSignOff
from sightline.reviews.tests.conftest import (  # noqa: F401 - `partnership` is a fixture
    PARTNER_KEYS,
    advance_case,
    partnership,
)
from tests.e2e.review_helpers import (
    COUNCIL,
    POLICE,
    TRUST,
    People,
    banner,
    choose,
    fill_date,
    heading,
    label,
    long_date,
)

PARTNER_NAMES = {
    "council": COUNCIL,
    "icb": "NHS Northvale Integrated Care Board",
    "police": POLICE,
}
FAMILY = "Jade Thornbury, mother, 14 May 2002\nRyan Hollis, mother's partner, 30 September 1999"


@pytest.fixture
def people(browser, live_server, django_db_serialized_rollback):
    crowd = People(browser, live_server.url)
    yield crowd
    crowd.close()


def _path(name: str, case, *args) -> str:
    return reverse(name, args=[case.reference, *args])


def _sign(people, p, key: str, case) -> None:
    partner = people.open(f"partner:{key}", p.partner_leads[key])
    partner.visit(_path("reviews:rapid-review", case))
    partner.submit("Sign off the rapid review")
    expect(heading(partner.page)).to_have_text("Sign off the rapid review")
    # They read exactly what they sign, the returns included.
    content = partner.page.locator("#signed-content")
    expect(content).to_contain_text("Recommendation: Local child safeguarding practice review")
    expect(content).to_contain_text("Officers attended a domestic abuse incident")
    partner.submit("Sign off")
    expect(banner(partner.page)).to_contain_text(f"Signed off for {PARTNER_NAMES[key]}")


def test_changing_what_the_partners_signed_withdraws_their_sign_offs(
    people,
    partnership,  # noqa: F811 - the fixture imported above
):
    p = partnership
    case = advance_case(p, "recommended")
    for key in PARTNER_KEYS:
        _sign(people, p, key, case)

    bu = people.open("bu", p.bu)
    bu.visit(_path("reviews:rapid-review", case))
    expect(
        bu.page.get_by_text("All three safeguarding partners have signed off this version.")
    ).to_be_visible()

    # The business unit changes the recommendation after all three signed.
    bu.visit(_path("reviews:rapid-review-edit", case, "recommendation"))
    choose(bu.page, "What does the rapid review recommend?", "National review may be needed")
    bu.submit("Save")
    withdrawn_on = long_date(
        PartnerSignOff.objects.filter(case=case, withdrawn_at__isnull=False).first().withdrawn_at
    )
    message = (
        f"The sign-offs were withdrawn on {withdrawn_on} because the recommendation changed; "
        "the partners must sign again."
    )
    expect(bu.page.get_by_text(message)).to_be_visible()
    expect(bu.page.locator("#current-signoffs")).to_have_count(0)
    withdrawn = bu.page.locator("#withdrawn-signoffs")
    for name in PARTNER_NAMES.values():
        expect(withdrawn).to_contain_text(name)
    expect(bu.page.get_by_text(re.compile(r"^Still to sign off: "))).to_be_visible()

    # The police partner lead is told on the page too, signs the new version, and coming back
    # is told they have signed it.
    police = people.open("partner:police", p.partner_leads["police"])
    police.visit(_path("reviews:sign-off", case, "rapid_review"))
    expect(police.page.get_by_text(message)).to_be_visible()
    expect(police.page.locator("#signed-content")).to_contain_text(
        "Recommendation: National review may be needed"
    )
    police.submit("Sign off")
    expect(banner(police.page)).to_contain_text(f"Signed off for {POLICE}")
    police.visit(_path("reviews:sign-off", case, "rapid_review"))
    signed = PartnerSignOff.objects.get(case=case, agency=p.police, withdrawn_at__isnull=True)
    expect(police.page.locator(f"#signed-{p.police.pk}")).to_contain_text(
        f"You signed this off for {POLICE} on {long_date(signed.signed_at)}"
    )
    expect(police.page.get_by_role("button", name="Sign off", exact=True)).to_have_count(0)


def test_a_return_is_for_its_own_agency_until_the_pack_is_shared(
    people,
    partnership,  # noqa: F811 - the fixture imported above
):
    p = partnership
    case = advance_case(p, "returns_submitted")

    council = people.open("partner:council", p.partner_leads["council"])
    council.visit(_path("reviews:rapid-review", case))
    rows = council.page.get_by_role("table", name="Agency returns").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(COUNCIL)
    council.visit(_path("reviews:return", case, p.police.pk), status=404)
    council.visit(_path("reviews:rapid-review-export", case) + "?format=docx", status=404)

    scrutineer = people.open("scrutineer", p.scrutineer)
    scrutineer.visit(_path("reviews:rapid-review", case))
    expect(scrutineer.page.get_by_text("There is no return you can read yet.")).to_be_visible()
    scrutineer.visit(_path("reviews:return", case, p.trust.pk), status=404)

    bu = people.open("bu", p.bu)
    bu.visit(_path("reviews:rapid-review", case))
    bu.submit("Share the collated pack with the agencies")
    expect(banner(bu.page)).to_contain_text("The collated pack is shared")

    council.visit(_path("reviews:rapid-review", case))
    expect(rows).to_have_count(5)
    council.visit(_path("reviews:return", case, p.police.pk))
    expect(heading(council.page)).to_have_text(f"{POLICE}: rapid review return")
    scrutineer.visit(_path("reviews:return", case, p.trust.pk))
    expect(heading(scrutineer.page)).to_have_text(f"{TRUST}: rapid review return")


def test_the_reviewer_picker_offers_reviewer_accounts_only(
    people,
    partnership,  # noqa: F811 - the fixture imported above
    make_user,
):
    p = partnership
    case = advance_case(p, "decided_lcspr")
    make_user(Role.REVIEWER, p.reviewers, "rae.viewer@reviews.example.org", full_name="Rae Viewer")

    bu = people.open("bu", p.bu)
    bu.visit(_path("reviews:local-review", case))
    bu.click_link("Appoint an independent reviewer")
    picker = bu.page.get_by_label(label("Reviewer account"))
    option = (
        "Rae Viewer – Independent reviewer, Independent reviewers – rae.viewer@reviews.example.org"
    )
    expect(picker.locator("option")).to_have_text(["Select a person", option])
    expect(picker).not_to_contain_text(p.scrutineer.full_name)

    picker.select_option(label=option)
    form = bu.page.locator("form").filter(
        has=bu.page.get_by_role("button", name="Appoint this reviewer")
    )
    fill_date(form, "Access ends on", add_months(today(), 9))
    bu.submit("Appoint this reviewer")
    expect(banner(bu.page)).to_contain_text(
        "Rae Viewer is now named on the case as independent reviewer"
    )
    named = bu.page.get_by_role("table", name="Named on the case")
    expect(named).to_contain_text("Rae Viewer")
    expect(named).to_contain_text("Independent reviewer")


def test_raising_a_concern_offers_the_local_authority_and_records_the_family(
    people,
    partnership,  # noqa: F811 - the fixture imported above
):
    p = partnership
    trust = people.open("trust", p.agency_leads["trust"])
    page = trust.page
    trust.visit(reverse("reviews:raise"))

    lead = page.get_by_role("group", name=label("Lead local authority"))
    expect(lead.get_by_role("radio")).to_have_count(1)
    expect(lead.get_by_label(COUNCIL, exact=True)).to_be_visible()
    expect(lead.get_by_label(POLICE, exact=True)).to_have_count(0)

    day = today()
    trust.fill(label("Pseudonym"), "Child R")
    choose(page, "Age of the child", "Under 1")
    choose(page, "What happened to the child", "Seriously harmed")
    choose(page, "Was the child looked after by a local authority?", "No")
    fill_date(page, "Date of the incident", day - timedelta(days=2))
    fill_date(page, "Date your agency became aware", day - timedelta(days=1))
    trust.fill(label("What happened"), "Brought to the emergency department with a fracture.")
    lead.get_by_label(COUNCIL, exact=True).check()
    trust.fill(label("Child's full name"), "Riley Example")
    trust.fill(label("Family members"), FAMILY)
    trust.fill(label("Why are you recording these details?"), "So the council can check.")
    trust.submit("Raise concern")
    expect(banner(page)).to_contain_text("Concern raised: SI-")
    expect(page.get_by_text("Jade Thornbury")).to_have_count(0)
    reference = re.search(r"/app/reviews/(SI-[^/]+)/$", page.url).group(1)
    recorded = CaseSubject.objects.get(case__reference=reference).family_members
    assert recorded.replace("\r\n", "\n") == FAMILY

    # The business unit opens the restricted record, giving its reason, and reads the family.
    bu = people.open("bu", p.bu)
    bu.visit(reverse("reviews:identity", args=[reference]))
    bu.fill(
        label("Why do you need to see the child's and family's details?"),
        "To check the family's agency records before the decision.",
    )
    bu.submit("Open the restricted record")
    expect(bu.page.get_by_text("Ryan Hollis, mother's partner, 30 September 1999")).to_be_visible()
