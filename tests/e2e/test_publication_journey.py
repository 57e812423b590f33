"""A browser journey through the publication policy and the public learning library: a review
report goes from a plan to the library and, by a planned removal, back to a catalogue entry.

    the business unit          prepares the plan, fills the checklist, records the advance
                               copies, uploads the report, runs the publication guard, submits
                               it, schedules publication and asks for its early removal
    two publication approvers  partner leads holding the publication approver duty at two
                               different safeguarding partners (the council and the ICB)
    the police partner lead    named to confirm the court-order removal, which she does
    the public                 anonymous visitors, each in a fresh browser context

1. The case is driven to "ready for publication" through the services; its restricted record
   holds the (invented) child's name.
2. The first report names the child: the guard blocks it and shows where, masked. Nothing about
   it can be reached by the public: the would-be library page and file are 404, and neither
   the search, the search API nor the Atom feed lists it.
3. The corrected report passes the guard and is submitted. One approval is not enough to
   schedule; after the second, a business unit member who did not approve schedules it a few
   minutes ahead (the advance copies went out long enough ago), and the publication task runs.
4. The public finds it by searching "SUDI" (a synonym of the summary's "sudden unexpected death
   in infancy"), reads its page and downloads a PDF without properties; the feed lists it.
5. An early removal needs the named partner lead's own confirmation. A family's request,
   naming the ICB's partner lead, leaves the report in the library while it waits, and the
   business unit member who asked cannot confirm it; it is withdrawn.
6. An urgent court order, naming the police partner lead, takes the report offline at once:
   the public page says it is not available and the plan page says "Taken offline pending
   confirmation by" her. She finds the request on her home page and confirms it: the catalogue
   entry stays with a court-order notice that offers no copy; the file, the feed entry and the
   search result go.

Every page reached in a browser, the public ones included, is checked with axe-core.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.text import slugify
from playwright.sync_api import expect

from sightline.accounts.people import person_label
from sightline.core.clocks import get_calendar, today
from sightline.publishing import services_publish
from sightline.publishing.models import LibraryItem, PublicationPlan
from sightline.publishing.tests.conftest import world  # noqa: F401 - a fixture
from sightline.reviews.tests.conftest import (  # noqa: F401 - `partnership` is a fixture
    CHILD_NAME,
    advance_case,
    partnership,
)
from tests.e2e.publication_helpers import (
    Crowd,
    api_titles,
    feed_titles,
    london_time,
    minutes_ahead,
    pdf_metadata,
    pdf_text,
    report_pdf,
)
from tests.e2e.review_helpers import banner, choose, fill_date, label, long_date

TITLE = "Child A: a local child safeguarding practice review"
SUMMARY = (
    "Child A, a baby of nine weeks, died at home in circumstances of sudden unexpected death "
    "in infancy. The review looks at safer sleep advice, the family's housing and how the "
    "health visiting service and children's social care shared what they knew."
)
SYNONYM = "SUDI"
REPORT_TEXT = [
    "This review was commissioned by the partnership after the death of Child A.",
    "Practitioners gave safer sleep advice at the new birth visit, but it was not repeated "
    "when the family moved to temporary accommodation with no cot.",
    "Learning: safer sleep advice should be revisited whenever a baby's sleeping "
    "arrangements change.",
]
# What the first draft still says: the child's real name, from the restricted record.
NAMED_LINE = f"{CHILD_NAME} was registered with the GP practice at two weeks old."
MASK = "██████"


@dataclass
class Story:
    p: object  # the `world` fixture: the partnership plus the publication approvers
    crowd: Crowd
    reference: str = ""
    slug: str = ""
    seen: dict = field(default_factory=dict)

    def as_(self, who: str):
        users = {
            "bu": self.p.bu,
            "council approver": self.p.approvers["council"],
            "icb approver": self.p.approvers["icb"],
            "police partner lead": self.p.p.partner_leads["police"],
        }
        return self.crowd.open(who, users[who])

    def public(self, who: str):
        return self.crowd.anonymous(who)

    @property
    def plan_path(self) -> str:
        return reverse("publishing:detail", args=[self.reference])

    @property
    def item_path(self) -> str:
        return reverse("publishing-public:item", args=[self.slug])

    @property
    def document_path(self) -> str:
        return reverse("publishing-public:document", args=[self.slug])

    def plan(self) -> PublicationPlan:
        return PublicationPlan.objects.get(reference=self.reference)


@pytest.fixture
def crowd(browser, live_server, django_db_serialized_rollback):
    people = Crowd(browser, live_server.url)
    yield people
    people.close()


def heading(page):
    return page.get_by_role("heading", level=1)


def error_summary(page):
    return page.locator(".govuk-error-summary")


def status_tag(page):
    """The plan's status, in the tag under its heading."""
    return page.locator("h1 + p .govuk-tag")


def test_review_report_from_guard_to_catalogue_entry(
    world,  # noqa: F811 - the fixture imported above
    crowd,
    tmp_path,
):
    story = Story(p=world, crowd=crowd)
    case = advance_case(world.p, to="ready_for_publication")
    assert case.subject.child_name == CHILD_NAME

    prepare_the_plan(story, case)
    guard_blocks_the_named_report(story, tmp_path)
    nothing_is_public_yet(story, "a member of the public, before approval")
    correct_submit_and_approve(story, tmp_path)
    nothing_is_public_yet(story, "a member of the public, before publication")
    publish_at_the_scheduled_time(story)
    the_public_finds_it(story)
    a_family_request_waits_for_its_partner_lead(story)
    an_urgent_court_order_goes_offline_until_confirmed(story)
    only_the_catalogue_entry_remains(story)


# --- 2. The plan, and the guard blocking the first draft -------------------------------------


def prepare_the_plan(story: Story, case) -> None:
    bu = story.as_("bu")
    page = bu.page
    bu.visit(reverse("publishing:list"))
    bu.click_link("Prepare a publication")
    choose(
        page,
        "What are you preparing to publish?",
        "A practice review report, information about improvements or a summary",
    )
    page.get_by_label(label("Case")).select_option(
        label=f"{case.reference} {case.pseudonym} (ready for publication)"
    )
    expect(
        page.get_by_role("group", name=label("Version to publish")).get_by_label(
            "Full report", exact=True
        )
    ).to_be_checked()
    # The "Summary" version of the report is a radio with the same name, hence the roles.
    page.get_by_role("textbox", name=label("Title")).fill(TITLE)
    page.get_by_role("textbox", name=label("Summary")).fill(SUMMARY)
    bu.submit("Continue")
    expect(banner(page)).to_contain_text("Publication plan PUB-")
    match = re.search(r"/app/publishing/(PUB-[^/]+)/$", page.url)
    assert match, page.url
    story.reference = match.group(1)
    expect(heading(page)).to_have_text(TITLE)
    expect(page.locator("#checklist + dl")).to_contain_text("Not done")

    # The checklist and the advance copies. The later advance copy went out long enough ago
    # (10 working days) that publishing today is allowed.
    calendar = get_calendar()
    day = today()
    panel_copy = calendar.subtract_working_days(day, 12)
    sos_copy = calendar.subtract_working_days(day, 10)
    bu.click_link("Edit the plan")
    expect(heading(page)).to_have_text("Edit the publication plan")
    choose(page, "Themes", "Domestic abuse")
    page.get_by_label("The anonymisation and redaction check is done", exact=True).check()
    page.get_by_label(
        "Reporting restrictions and criminal proceedings are checked", exact=True
    ).check()
    fill_date(page, "Date the family was informed", calendar.subtract_working_days(day, 6))
    fill_date(page, "Date practitioners were briefed", calendar.subtract_working_days(day, 5))
    bu.fill(
        label("Communications plan"),
        "Press statement agreed with the three partners; briefing for the lead member; "
        "questions from the media go to the council's press office.",
    )
    fill_date(page, "Date the advance copy went to the national Panel", panel_copy)
    fill_date(page, "Date the advance copy went to the Secretary of State", sos_copy)
    bu.submit("Save")
    expect(banner(page)).to_contain_text("Publication plan saved")
    checklist = page.locator("#checklist + dl")
    expect(checklist).not_to_contain_text("Not done")
    expect(checklist).to_contain_text("Press statement agreed")
    advance = page.locator("#advance-copies + dl")
    expect(advance).to_contain_text(long_date(panel_copy))
    expect(advance).to_contain_text(long_date(sos_copy))
    earliest = calendar.add_working_days(sos_copy, 7)
    assert earliest <= day
    expect(advance).to_contain_text(long_date(earliest))
    story.seen["earliest"] = earliest


def guard_blocks_the_named_report(story: Story, tmp_path) -> None:
    bu = story.as_("bu")
    page = bu.page
    named = report_pdf(
        tmp_path,
        "child-a-overview-report.pdf",
        [REPORT_TEXT[0], NAMED_LINE, *REPORT_TEXT[1:]],
        title="Child A: overview report",
    )
    assert CHILD_NAME in pdf_text(named.read_bytes())
    bu.click_link("Upload the file")
    page.get_by_label(label("File to publish")).set_input_files(named)
    bu.submit("Upload")
    expect(banner(page)).to_contain_text("File uploaded. Run the publication guard again")

    bu.submit("Run the publication guard")
    expect(banner(page)).to_contain_text(
        "The publication guard found 1 possible identifier. It cannot be published until it "
        "is removed"
    )
    guard = page.locator("#guard ~ .app-table-scroll table").first
    expect(page.locator("#guard ~ .govuk-error-summary")).to_contain_text("It cannot be published")
    findings = guard.locator("tbody tr")
    expect(findings.filter(has_text="File text").filter(has_text="Child's name")).to_have_count(1)
    expect(findings.first).to_contain_text(MASK)
    expect(findings.first).to_contain_text("was registered with the GP practice")
    # The name itself is never shown, in full or in part.
    for part in CHILD_NAME.split():
        expect(page.locator("main")).not_to_contain_text(part)

    # Submitting is refused while the guard finds something.
    bu.click_link("Submit for approval")
    bu.submit("Submit for approval")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(error_summary(page)).to_contain_text("The publication guard found 1 possible identifier")
    bu.visit(story.plan_path)
    expect(status_tag(page)).to_have_text("Preparing")
    # Opening the plan leaves the reader at the top: the guard's findings, halfway down the
    # page, do not take the focus.
    expect(page.locator("#guard ~ .govuk-error-summary")).not_to_be_focused()
    assert page.evaluate("() => window.scrollY") == 0

    # Where the public would find it, were it published.
    story.slug = slugify(f"{TITLE} {story.reference}")
    story.seen["draft_document"] = story.plan().document_id


def nothing_is_public_yet(story: Story, who: str) -> None:
    public = story.public(who)
    page = public.page
    public.visit(story.item_path, status=404)
    public.visit(story.document_path, status=404)
    public.visit(reverse("publishing-public:search") + f"?q={SYNONYM}")
    expect(page.get_by_role("status")).to_contain_text("No results")
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)
    public.visit(reverse("publishing-public:search"))
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)
    assert TITLE not in feed_titles(page)
    assert TITLE not in api_titles(page, SYNONYM)
    # The plan and its files (the draft that names the child, and the current one) are
    # behind the sign-in.
    files = dict.fromkeys([story.seen["draft_document"], story.plan().document_id])
    for path in (
        story.plan_path,
        *(reverse("core:document-download", args=[pk]) for pk in files),
    ):
        response = page.request.get(path, max_redirects=0)
        assert response.status in (302, 404), f"{path}: HTTP {response.status}"
        assert "pdf" not in response.headers.get("content-type", "")
        if response.status == 302:
            assert response.headers["location"].startswith(reverse("accounts:sign-in"))


# --- 3. The corrected report, two approvals and the schedule ---------------------------------


def correct_submit_and_approve(story: Story, tmp_path) -> None:
    bu = story.as_("bu")
    page = bu.page
    corrected = report_pdf(
        tmp_path,
        "child-a-overview-report-v2.pdf",
        REPORT_TEXT,
        title="Child A: overview report",
    )
    bu.click_link("Replace the file")
    expect(page.get_by_text("This replaces child-a-overview-report.pdf")).to_be_visible()
    page.get_by_label(label("File to publish")).set_input_files(corrected)
    bu.submit("Upload")
    expect(banner(page)).to_contain_text("File uploaded")
    # The old result is forgotten: the guard must run on the new file.
    expect(page.locator("#guard ~ p .govuk-tag")).to_have_text("Not run")
    bu.submit("Run the publication guard")
    expect(banner(page)).to_contain_text("The publication guard found no identifiers")
    expect(page.locator("#guard ~ p .govuk-tag")).to_have_text("No identifiers found")

    bu.click_link("Submit for approval")
    bu.submit("Submit for approval")
    expect(banner(page)).to_contain_text(f"{story.reference}: submit for approval done")
    expect(status_tag(page)).to_have_text("Awaiting approval")

    # The first approver, for the council.
    first = story.as_("council approver")
    first.visit(story.plan_path)
    expect(heading(first.page)).to_have_text(TITLE)
    first.click_link("Approve")
    expect(heading(first.page)).to_have_text("Approve publication")
    first.page.get_by_label(
        "I have read the version to be published and approve its publication", exact=True
    ).check()
    first.submit("Approve")
    expect(banner(first.page)).to_contain_text("You approved publication for Northvale Council")
    # An approver cannot schedule.
    expect(first.page.get_by_role("link", name="Schedule publication")).to_have_count(0)

    # One approval is not enough to schedule.
    bu.visit(story.plan_path)
    approvals = page.locator("#approvals ~ .app-table-scroll table").first
    expect(approvals.locator("tbody tr")).to_have_count(1)
    bu.click_link("Schedule publication")
    expect(page.get_by_text(long_date(story.seen["earliest"]))).to_be_visible()
    when = minutes_ahead(5)
    _fill_schedule(page, when)
    bu.submit("Schedule publication")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(error_summary(page)).to_contain_text(
        "Two approvals are needed, from approvers at two different safeguarding partners. "
        "There is 1 for the current version"
    )
    bu.check()

    # The second approver, for the ICB.
    second = story.as_("icb approver")
    second.visit(story.plan_path)
    second.click_link("Approve")
    second.page.get_by_label(
        "I have read the version to be published and approve its publication", exact=True
    ).check()
    second.submit("Approve")
    expect(banner(second.page)).to_contain_text(
        "You approved publication for NHS Northvale Integrated Care Board"
    )

    # The business unit member, who approved nothing, schedules it a few minutes ahead.
    bu.visit(story.plan_path)
    expect(approvals.locator("tbody tr")).to_have_count(2)
    expect(approvals.get_by_text("Approved", exact=True)).to_have_count(2)
    bu.click_link("Schedule publication")
    when = minutes_ahead(5)
    _fill_schedule(page, when)
    bu.fill(label("Note"), "Agreed with the communications leads of the three partners.")
    bu.submit("Schedule publication")
    expect(banner(page)).to_contain_text(f"{story.reference}: schedule publication done")
    expect(status_tag(page)).to_have_text("Scheduled")
    expect(page.locator("#schedule + p")).to_contain_text(
        f"It will be published on {long_date(when.date())}"
    )
    story.seen["scheduled_for"] = story.plan().scheduled_for
    assert story.seen["scheduled_for"] == when


def _fill_schedule(page, when) -> None:
    day, time = london_time(when)
    fill_date(page, "Publication date", day)
    page.get_by_label(label("Time")).fill(time)


# --- 4. Publication, and the public finding it -----------------------------------------------


def publish_at_the_scheduled_time(story: Story) -> None:
    run_at = story.seen["scheduled_for"] + timedelta(minutes=1)
    result = services_publish.plan_publish_due(now=run_at)
    assert result == {"published": [story.reference], "failed": []}
    item = LibraryItem.objects.get(plan__reference=story.reference)
    assert item.slug == story.slug

    bu = story.as_("bu")
    bu.visit(story.plan_path)
    page = bu.page
    expect(status_tag(page)).to_have_text("Published")
    expect(page.locator("#published + dl")).to_contain_text(story.item_path)


def the_public_finds_it(story: Story) -> None:
    public = story.public("a member of the public, after publication")
    page = public.page
    public.visit(reverse("publishing-public:search"))
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    public.fill("Search the library", SYNONYM)
    public.submit("Search")
    expect(page.get_by_role("status")).to_contain_text(f"1 result for {SYNONYM}")
    result = page.locator("ol.govuk-list > li").filter(has=page.get_by_role("link", name=TITLE))
    expect(result).to_have_count(1)
    expect(result.locator("mark").first).to_have_text(
        re.compile("sudden unexpected death in infancy", re.IGNORECASE)
    )
    expect(result).to_contain_text("Non-accidental injury")
    assert TITLE in api_titles(page, SYNONYM)

    public.click_link(TITLE)
    assert page.url.endswith(story.item_path)
    expect(heading(page)).to_have_text(TITLE)
    main = page.locator("main")
    expect(main).to_contain_text("sudden unexpected death in infancy")
    themes = page.locator(".govuk-summary-list__row").filter(has_text="Themes")
    expect(themes.get_by_role("link", name="Non-accidental injury")).to_be_visible()
    expect(themes.get_by_role("link", name="Domestic abuse")).to_be_visible()
    expect(main).to_contain_text("Child A")
    expect(main).not_to_contain_text(CHILD_NAME)

    download = page.get_by_role("link", name=re.compile(r"^Download practice review"))
    expect(download).to_have_attribute("href", story.document_path)
    response = page.request.get(story.document_path)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    data = response.body()
    assert pdf_metadata(data) == {}, pdf_metadata(data)
    text = pdf_text(data)
    assert "safer sleep advice" in text
    assert CHILD_NAME not in text

    assert TITLE in feed_titles(page)
    public.click_link("Get emails about new publications")
    expect(heading(page)).to_have_text("Get emails about new publications")


# --- 5 and 6. Early removal, confirmed by the named partner lead ------------------------------


def _ask_for_removal(bu, story: Story, reason: str, details: str, approver, *, urgent: bool):
    page = bu.page
    bu.visit(story.plan_path)
    bu.click_link("Remove from the library")
    expect(heading(page)).to_have_text("Remove from the library")
    expect(page.locator(".govuk-inset-text")).to_contain_text("Its minimum public period ends")
    choose(page, "Why is it being removed?", reason)
    bu.fill(label("Details"), details)
    choose(page, "When should it be removed?", "Now")
    picker = page.get_by_label("Partner lead who must confirm the removal", exact=True)
    # Each person is shown with their role, agency and e-mail address.
    picker.select_option(label=person_label(approver))
    if urgent:
        page.get_by_label(re.compile("^Urgent court order: take it offline now")).check()
    bu.submit("Ask for the removal to be confirmed")


def a_family_request_waits_for_its_partner_lead(story: Story) -> None:
    bu = story.as_("bu")
    page = bu.page
    icb = story.p.p.partner_leads["icb"]
    bu.visit(story.plan_path)
    bu.click_link("Remove from the library")
    # Naming nobody is refused: the business unit cannot remove it early on its own.
    choose(page, "Why is it being removed?", "Family request")
    bu.fill(label("Details"), "The child's grandmother asked for it to be taken down.")
    bu.submit("Ask for the removal to be confirmed")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(error_summary(page)).to_contain_text(
        "Select the partner lead who must confirm the removal"
    )
    bu.check()
    _ask_for_removal(
        bu,
        story,
        "Family request",
        "The child's grandmother asked for it to be taken down.",
        icb,
        urgent=False,
    )
    expect(banner(page)).to_contain_text(
        f"{icb.full_name} has been asked to confirm the removal. Until then it stays in the library"
    )
    expect(status_tag(page)).to_have_text("Published")
    expect(page.locator("#removal-waiting")).to_contain_text(
        f"Its removal is waiting for {icb.full_name} to confirm it"
    )

    # Still in the library while it waits.
    public = story.public("a member of the public, while the removal waits")
    public.visit(story.item_path)
    download = public.page.get_by_role("link", name=re.compile(r"^Download practice review"))
    expect(download).to_be_visible()
    assert TITLE in feed_titles(public.page)

    # The person who asked cannot confirm it: they are told why, not "Page not found".
    removal_page = reverse("publishing:removal", args=[story.reference])
    bu.visit(removal_page, status=403)
    expect(heading(page)).to_have_text("You cannot confirm this removal")
    expect(page.locator("#refusal-reason")).to_have_text(
        "You asked for this removal, so you cannot confirm it yourself. "
        f"{icb.full_name} was asked to confirm it."
    )
    bu.visit(story.plan_path)
    expect(page.get_by_role("link", name="Confirm the removal")).to_have_count(0)
    bu.submit("Withdraw the request")
    expect(banner(page)).to_contain_text("The removal request is withdrawn")
    assert story.plan().status == PublicationPlan.Status.PUBLISHED


def an_urgent_court_order_goes_offline_until_confirmed(story: Story) -> None:
    bu = story.as_("bu")
    page = bu.page
    police = story.p.p.partner_leads["police"]
    _ask_for_removal(
        bu,
        story,
        "Court order",
        "The family court ordered it taken down while proceedings run.",
        police,
        urgent=True,
    )
    expect(banner(page)).to_contain_text(
        f"Taken offline. {police.full_name} has been asked to confirm the removal"
    )
    expect(status_tag(page)).to_have_text("Taken offline")
    expect(page.locator("#offline-warning")).to_contain_text(
        f"Taken offline pending confirmation by {police.full_name}"
    )

    # Offline at once: the public page says it is not available, and nothing else shows it.
    public = story.public("a member of the public, while it is offline")
    public.visit(story.item_path)
    expect(heading(public.page)).to_have_text(TITLE)
    expect(public.page.locator(".govuk-inset-text")).to_have_text(
        "This publication is not available at the moment."
    )
    public.visit(story.document_path, status=404)
    assert TITLE not in feed_titles(public.page)
    assert TITLE not in api_titles(public.page, SYNONYM)

    # The police partner lead finds it on her home page and confirms it herself.
    lead = story.as_("police partner lead")
    lead.visit(reverse("core:home"))
    lead.click_link(f"Confirm or refuse the removal of {story.reference}")
    expect(heading(lead.page)).to_have_text("Confirm or refuse the removal")
    expect(lead.page.locator("main")).to_contain_text(
        "The family court ordered it taken down while proceedings run."
    )
    lead.page.get_by_label(
        "I have read the request and confirm it should be removed from the library", exact=True
    ).check()
    lead.submit("Confirm the removal")
    expect(banner(lead.page)).to_contain_text("You confirmed the removal")
    expect(status_tag(lead.page)).to_have_text("Removed")

    bu.visit(story.plan_path)
    expect(status_tag(page)).to_have_text("Removed")
    expect(page.locator("#removed + dl")).to_contain_text("Court order")
    rows = page.locator("#removed + dl .govuk-summary-list__row")
    expect(rows.filter(has_text="Confirmed by")).to_contain_text(police.full_name)
    expect(page.locator("#published + dl")).to_contain_text("catalogue entry only")
    outcomes = page.locator("#removal ~ .app-table-scroll table").first.locator("tbody tr")
    expect(outcomes).to_have_count(2)
    expect(outcomes.filter(has_text="Withdrawn")).to_have_count(1)
    expect(outcomes.filter(has_text="Confirmed")).to_have_count(1)


def only_the_catalogue_entry_remains(story: Story) -> None:
    public = story.public("a member of the public, after the removal")
    page = public.page
    public.visit(story.item_path)
    expect(heading(page)).to_have_text(TITLE)
    notice = page.locator(".govuk-inset-text")
    expect(notice).to_contain_text("This publication was removed on")
    expect(notice).to_contain_text("because of a court order. It is no longer available.")
    # A court order: no invitation to ask for a copy, and no pointer to one elsewhere.
    expect(notice).not_to_contain_text("copy")
    expect(notice).not_to_contain_text("NSPCC")
    expect(page.get_by_role("link", name=re.compile("^Download"))).to_have_count(0)
    # The summary went with it (a court order), and nothing of the file is shown.
    expect(page.locator("main")).not_to_contain_text("sudden unexpected death")
    expect(page.locator("main")).not_to_contain_text("safer sleep")

    public.visit(story.document_path, status=404)
    assert TITLE not in feed_titles(page)
    assert TITLE not in api_titles(page, SYNONYM)
    public.visit(reverse("publishing-public:search") + f"?q={SYNONYM}")
    expect(page.get_by_role("status")).to_contain_text("No results")
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)
