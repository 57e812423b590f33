"""A browser journey that walks one case from concern to closed local review, as the right person
at each step, each in their own browser context (and so their own session):

    the trust's agency lead      raises the concern; completes the trust's return; later marks
                                 the review's action complete with an impact statement
    the council's notifier       records the decision to notify the national Panel
    the business unit            runs the rapid review and the local review, opens the
                                 restricted record, appoints the reviewer, adds the learning
    the police and school leads  complete their agencies' returns
    the three partner leads      sign off the rapid review and the final report
    the independent reviewer     gathers evidence, records engagement and uploads the draft
    the scrutineer               cannot open the restricted record

Each statutory clock shown is checked against the working-day calendar: the notification
(5 working days from awareness), the agency returns (10 working days from the notification),
the rapid review (15 working days from the notification) and the local review (6 months from
the decision). Every page reached is checked with axe-core by the harness.

The dates are set so every clock is running today: the local authority became aware two working
days ago and notified the next working day; the meeting, the Panel and the decision are today.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sightline.accounts.models import Role
from sightline.core.calendar import add_months
from sightline.core.clocks import get_calendar, today
from sightline.reviews.forms_rapid import REG11_CRITERIA
from sightline.reviews.tests.conftest import (  # noqa: F401 - `partnership` is a fixture
    CHILD_NAME,
    SUBJECT,
    partnership,
)
from tests.e2e.review_helpers import (
    COUNCIL,
    PARTNER_KEYS,
    POLICE,
    REVIEWER_EMAIL,
    SCHOOL,
    TRUST,
    People,
    Story,
    banner,
    choose,
    error_summary,
    fill_date,
    heading,
    label,
    long_date,
    pdf_file,
)


@pytest.fixture
def people(browser, live_server, django_db_serialized_rollback):
    crowd = People(browser, live_server.url)
    yield crowd
    crowd.close()


def test_case_goes_from_concern_to_closed_local_review(
    partnership,  # noqa: F811 - the fixture imported above
    people,
    make_user,
    tmp_path,
):
    day = today()
    calendar = get_calendar()
    aware = calendar.subtract_working_days(day, 2)
    story = Story(
        p=partnership,
        people=people,
        day=day,
        aware=aware,
        sent=calendar.add_working_days(aware, 1),
        reviewer=make_user(
            Role.REVIEWER, partnership.reviewers, REVIEWER_EMAIL, full_name="Helen Marsh"
        ),
    )

    raise_concern(story)
    notify_the_panel(story)
    request_and_submit_returns(story)
    hold_the_meeting_and_recommend(story)
    sign_off_and_decide(story)
    open_the_restricted_record(story)
    run_the_local_review(story, tmp_path)
    agree_and_publish(story)
    learning_and_closure(story)


# --- 1. The concern ---------------------------------------------------------------------------


def raise_concern(story: Story) -> None:
    journey = story.as_("trust")
    page = journey.page
    journey.visit(reverse("reviews:raise"))
    expect(heading(page)).to_have_text("Raise a concern about a possible serious incident")

    journey.fill(label("Pseudonym"), "Child A")
    choose(page, "Age of the child", "Under 1")
    choose(page, "What happened to the child", "Seriously harmed")
    choose(page, "Was the child looked after by a local authority?", "No")
    fill_date(page, "Date of the incident", story.aware - timedelta(days=1))
    fill_date(page, "Date your agency became aware", story.aware)
    journey.fill(
        label("What happened"),
        "Child A, aged 11 weeks, was brought to the emergency department with a fractured "
        "femur and bruising to the face. No explanation was given that fits the injuries.",
    )
    choose(page, "Lead local authority", COUNCIL)
    choose(page, "Agencies involved with the child or family", POLICE)
    choose(page, "Agencies involved with the child or family", SCHOOL)
    choose(page, "Themes", "Non-accidental injury")
    journey.fill(label("Child's full name"), CHILD_NAME)
    fill_date(page, "Date of birth", story.aware - timedelta(weeks=11))
    journey.fill(label("Address"), SUBJECT["address"])
    journey.fill(label("Postcode"), SUBJECT["postcode"])
    journey.fill(label("NHS number"), SUBJECT["nhs_number"])
    journey.fill(label("Family members"), SUBJECT["family_members"])
    journey.fill(label("Why are you recording these details?"), "So the council can check.")
    journey.submit("Raise concern")

    expect(banner(page)).to_contain_text("Concern raised: SI-")
    match = re.search(r"/app/reviews/(SI-[^/]+)/$", page.url)
    assert match, page.url
    story.reference = match.group(1)
    expect(heading(page)).to_have_text("Child A")
    expect(page.locator("#case-clock")).to_contain_text("Stage: Notification decision")
    # Until the council's notifier records when the council became aware, its 5 working days
    # count from today, when the concern reached it.
    story.expect_clock(
        page, "Notification to the Panel", story.calendar.add_working_days(story.day, 5)
    )
    # The raiser does not see the child's name anywhere on the case.
    expect(page.get_by_text(CHILD_NAME)).to_have_count(0)
    expect(page.get_by_role("link", name="Restricted record")).to_have_count(0)


# --- 2. The notification decision --------------------------------------------------------------


def notify_the_panel(story: Story) -> None:
    journey = story.as_("notifier")
    page = journey.page
    journey.visit(story.case_path())
    journey.click_link("Record the decision")
    expect(heading(page)).to_have_text("Notification decision")

    # The council became aware the same day as the trust: the clock now counts from then.
    fill_date(page, "Date the local authority became aware", story.aware)
    journey.submit("Save only the date of awareness")
    expect(banner(page)).to_contain_text(
        f"The local authority became aware on {long_date(story.aware)}"
    )
    story.expect_clock(
        page, "Notification to the Panel", story.calendar.add_working_days(story.aware, 5)
    )

    choose(page, "Is abuse or neglect of the child known or suspected?", "Yes")
    choose(page, "Has the child died or been seriously harmed?", "Yes")
    choose(page, "Was the child looked after by the local authority?", "No")
    choose(page, "Decision", "Notify the national Panel")
    fill_date(page, "Decision date", story.sent)
    fill_date(page, "Date the notification was sent", story.sent)
    fill_date(page, "Date the safeguarding partners were informed", story.sent)
    fill_date(page, "Date the copy went to the partnership office", story.sent)
    # The Panel reference is left out at first.
    journey.submit("Record the decision")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(error_summary(page)).to_contain_text("Enter the Panel reference")
    # The message is on the field: the summary links to it and the field shows it too.
    summary_link = error_summary(page).get_by_role("link", name="Enter the Panel reference")
    summary_link.click()
    expect(page.get_by_label(label("Panel reference"))).to_be_focused()
    expect(page.locator("#id_panel_reference-error")).to_contain_text("Enter the Panel reference")
    # What was entered is kept.
    decision_date = page.get_by_role("group", name=label("Decision date"))
    expect(decision_date.get_by_label("Day", exact=True)).to_have_value(str(story.sent.day))
    expect(decision_date.get_by_label("Year", exact=True)).to_have_value(str(story.sent.year))
    expect(
        page.get_by_role("group", name=label("Decision")).get_by_label(
            "Notify the national Panel", exact=True
        )
    ).to_be_checked()
    expect(
        page.get_by_role(
            "group", name=label("Is abuse or neglect of the child known or suspected?")
        ).get_by_label("Yes", exact=True)
    ).to_be_checked()

    journey.fill(label("Panel reference"), f"SIN-{story.sent:%Y}-0417")
    journey.submit("Record the decision")
    expect(banner(page)).to_contain_text("Notification recorded. The rapid review has opened")
    expect(heading(page)).to_have_text("Rapid review")
    # 15 working days from the date the notification was sent.
    story.expect_clock(
        page, "Rapid review to the Panel", story.calendar.add_working_days(story.sent, 15)
    )
    expect(
        page.get_by_text(f"{long_date(story.sent)} (day 0 of the 15 working day clock)")
    ).to_be_visible()


# --- 3. The rapid review ----------------------------------------------------------------------


def request_and_submit_returns(story: Story) -> None:
    bu = story.as_("bu")
    page = bu.page
    bu.visit(story.case_path("reviews:rapid-review"))
    bu.click_link("Request agency returns")
    agencies = page.get_by_role("group", name=label("Which agencies should complete a return?"))
    # The agencies on the case are ticked already; the council leads, so it is not asked.
    for name in (COUNCIL, TRUST, POLICE, SCHOOL):
        expect(agencies.get_by_label(name, exact=True)).to_be_checked()
    agencies.get_by_label(COUNCIL, exact=True).uncheck()
    # Suggested: 10 working days after the rapid review opened.
    returns_due = story.calendar.add_working_days(story.sent, 10)
    due = page.get_by_role("group", name=label("Date returns are due"))
    expect(due.get_by_label("Day", exact=True)).to_have_value(str(returns_due.day))
    expect(due.get_by_label("Month", exact=True)).to_have_value(str(returns_due.month))
    bu.submit("Request returns")
    expect(banner(page)).to_contain_text("Returns requested from 3 agencies")
    expect(page.get_by_text(long_date(returns_due)).first).to_be_visible()

    # The trust cannot read another agency's return before the pack is shared.
    trust = story.as_("trust")
    trust.visit(story.case_path("reviews:return", story.p.police.pk), status=404)

    returns = {
        "trust": (TRUST, "Midwifery care in pregnancy; emergency department attendance."),
        "police": (POLICE, "Officers attended a domestic abuse incident in September."),
        "school": (SCHOOL, "An older half-sibling attends the school."),
    }
    for who, (agency, involvement) in returns.items():
        journey = story.as_(who)
        journey.visit(story.case_path("reviews:rapid-review"))
        rows = journey.page.get_by_role("table", name="Agency returns").locator("tbody tr")
        expect(rows).to_have_count(1)  # only their own agency's return
        journey.click_link(f"Complete {agency}'s return")
        journey.fill(label("Your agency's involvement with the child and family"), involvement)
        journey.fill(label("Key practice episodes"), "A referral was closed without a visit.")
        journey.fill(label("Immediate safety actions taken"), "Records flagged.")
        journey.fill(label("Early learning"), "Information was not shared with the others.")
        journey.submit("Submit return")
        expect(banner(journey.page)).to_contain_text(f"{agency}'s return has been submitted")

    bu.visit(story.case_path("reviews:rapid-review"))
    expect(page.get_by_text("3 of 3 returns submitted.")).to_be_visible()
    bu.submit("Share the collated pack with the agencies")
    expect(banner(page)).to_contain_text("The collated pack is shared")
    # Now the trust can read the police's return (but not change it).
    trust.visit(story.case_path("reviews:return", story.p.police.pk))
    expect(heading(trust.page)).to_have_text(f"{POLICE}: rapid review return")
    expect(trust.page.get_by_text(returns["police"][1])).to_be_visible()
    expect(trust.page.get_by_role("button", name="Submit return")).to_have_count(0)


def _move_rapid_review(bu, transition: str, fill_in=None) -> None:
    """Follow the transition's link, fill in on its page what the move needs, and make it."""
    page = bu.page
    bu.click_link(transition)
    expect(heading(page)).to_have_text(transition)
    expect(page.locator("#missing")).to_have_count(0)
    if fill_in is not None:
        fill_in(bu)
    bu.submit(transition)
    expect(banner(page)).to_contain_text("Rapid review status:")


def hold_the_meeting_and_recommend(story: Story) -> None:
    bu = story.as_("bu")

    def meeting(journey):
        fill_date(journey.page, "Meeting date", story.day)
        journey.fill(label("Attendees"), "Delegated safeguarding partners; named nurse; DSL.")
        journey.fill(label("Facts of the case"), "Five agencies knew the family.")
        journey.fill(label("Immediate safety actions"), "The sibling lives with a grandparent.")
        journey.fill(label("Family context"), "Mother is a care leaver; insecure tenancy.")

    def recommendation(journey):
        page = journey.page
        choose(
            page,
            "What does the rapid review recommend?",
            "Local child safeguarding practice review",
        )
        page.get_by_label(REG11_CRITERIA["criterion_improvements"], exact=True).check()
        page.get_by_label(REG11_CRITERIA["criterion_agencies_working_together"], exact=True).check()
        journey.fill(
            label("Reasons for the recommendation"),
            "Several agencies held information that together showed rising risk.",
        )

    _move_rapid_review(bu, "Record the review meeting", meeting)
    expect(banner(bu.page)).to_contain_text("review meeting held")
    _move_rapid_review(bu, "Record the recommendation", recommendation)
    expect(banner(bu.page)).to_contain_text("recommendation made")
    regulation = bu.page.locator("#recommendation")
    expect(regulation).to_contain_text(REG11_CRITERIA["criterion_improvements"])
    expect(regulation).to_contain_text(REG11_CRITERIA["criterion_agencies_working_together"])


def sign_off_and_decide(story: Story) -> None:
    bu = story.as_("bu")
    page = bu.page
    # Not yet: no partner has signed off.
    bu.click_link("Confirm partner sign-off")
    expect(page.locator("#missing")).to_contain_text("Sign-off is still needed from")

    names = {"council": COUNCIL, "icb": "NHS Northvale Integrated Care Board", "police": POLICE}
    for key in PARTNER_KEYS:
        partner = story.as_(f"partner:{key}")
        partner.visit(story.case_path("reviews:rapid-review"))
        partner.submit("Sign off the rapid review")
        expect(heading(partner.page)).to_have_text("Sign off the rapid review")
        expect(
            partner.page.get_by_label(names[key], exact=True)
        ).to_be_checked()  # the one partner they lead
        partner.fill(label("Comment"), "Agree with the recommendation.")
        partner.submit("Sign off")
        expect(banner(partner.page)).to_contain_text(f"Signed off for {names[key]}")

    bu.visit(story.case_path("reviews:rapid-review"))
    expect(
        page.get_by_text("All three safeguarding partners have signed off this version.")
    ).to_be_visible()
    _move_rapid_review(bu, "Confirm partner sign-off")

    def sent(journey):
        fill_date(journey.page, "Date sent to the Panel", story.day)

    def response(journey):
        fill_date(journey.page, "Date of the Panel's response", story.day)
        journey.fill(label("The Panel's response"), "The Panel agrees a local review is right.")

    def decision(journey):
        choose(
            journey.page,
            "What have the safeguarding partners decided?",
            "Commission a local review",
        )
        fill_date(journey.page, "Decision date", story.day)
        journey.fill(label("Reasons for the decision"), "Criteria (a) and (c) are met.")

    _move_rapid_review(bu, "Record sending to the Panel", sent)
    _move_rapid_review(bu, "Record the Panel's response", response)
    _move_rapid_review(bu, "Record the decision", decision)
    expect(banner(page)).to_contain_text("decision recorded")

    # The local review must be completed and published within 6 months of the decision.
    due = add_months(story.day, 6)
    assert due == story.calendar.add_months(story.day, 6)
    bu.click_link("Local review")
    expect(heading(page)).to_have_text("Local child safeguarding practice review")
    story.expect_clock(page, "Local review completed and published", due)
    timescale = page.locator("dl").filter(has_text="Due to be completed and published")
    expect(timescale).to_contain_text(f"{long_date(due)}")
    working = story.calendar.working_days_between(story.day, due)
    calendar_days = (due - story.day).days
    expect(timescale).to_contain_text(f"{working} working days ({calendar_days} calendar days)")


# --- 4. The restricted record -----------------------------------------------------------------


def open_the_restricted_record(story: Story) -> None:
    bu = story.as_("bu")
    page = bu.page
    bu.visit(story.case_path())
    bu.click_link("Restricted record")
    expect(heading(page)).to_have_text("Restricted record")
    expect(page.get_by_text(CHILD_NAME)).to_have_count(0)
    bu.fill(
        label("Why do you need to see the child's and family's details?"),
        "To check the reviewer's terms of reference against the family's agency records.",
    )
    bu.submit("Open the restricted record")
    expect(page.get_by_text(CHILD_NAME, exact=True)).to_be_visible()
    expect(page.get_by_text(SUBJECT["postcode"])).to_be_visible()

    # The scrutineer sees cases pseudonymised only: the record is not there for them.
    scrutineer = story.as_("scrutineer")
    scrutineer.visit(story.case_path(), status=200)
    expect(scrutineer.page.get_by_role("link", name="Restricted record")).to_have_count(0)
    scrutineer.visit(story.case_path("reviews:identity"), status=404)


# --- 5. The local review ----------------------------------------------------------------------


def _move_local_review(journey, transition: str, fill_in=None) -> None:
    """Follow the transition's link, fill in on its page what the move needs, and make it."""
    page = journey.page
    journey.click_link(transition)
    expect(heading(page)).to_have_text(transition)
    expect(page.locator("#missing")).to_have_count(0)
    if fill_in is not None:
        fill_in(journey)
    journey.submit(transition)
    expect(banner(page)).to_contain_text("Status updated:")


def run_the_local_review(story: Story, tmp_path) -> None:
    bu = story.as_("bu")
    page = bu.page
    bu.visit(story.case_path("reviews:local-review"))
    bu.click_link("Appoint an independent reviewer")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Appoint reviewer"))
    form.get_by_label(label("Full name")).fill("Helen Marsh")
    form.get_by_label(label("Email address")).fill(REVIEWER_EMAIL)
    form.get_by_label(label("Organisation")).select_option(label="Independent reviewers")
    fill_date(form, "Access ends on", add_months(story.day, 9))
    expect(form.get_by_label(re.compile(r"^They may open the restricted record"))).to_be_checked()
    bu.submit("Appoint reviewer")
    expect(banner(page)).to_contain_text("Helen Marsh is appointed as the independent reviewer")

    bu.click_link("Local review")
    expect(page.get_by_role("table").filter(has_text="Helen Marsh")).to_be_visible()
    _move_local_review(bu, "Confirm reviewer appointment")
    expect(banner(page)).to_contain_text("Reviewer appointed")

    def terms(journey):
        journey.fill(
            label("Terms of reference"),
            "The period from the booking appointment to the incident: information sharing "
            "after domestic abuse; bruising in a non-mobile baby; the voice of the sibling.",
        )
        journey.fill(label("Methodology"), "Systems approach; practitioner learning event.")

    _move_local_review(bu, "Agree terms of reference", terms)
    expect(banner(page)).to_contain_text("Terms of reference agreed")

    # The reviewer, in their own session.
    reviewer = story.as_("reviewer")
    rpage = reviewer.page
    reviewer.visit(story.case_path("reviews:local-review"))
    _move_local_review(reviewer, "Start evidence gathering")
    reviewer.submit("Record engagement")
    fill_date(rpage, "Date of the contact", story.day)
    choose(rpage, "Who the reviewer engaged with", "Practitioner")
    reviewer.fill(label("Role or relationship"), "Health visitor")
    reviewer.fill(label("Summary of the contact"), "Learning event with nine practitioners.")
    reviewer.submit("Save")
    expect(banner(rpage)).to_contain_text("Engagement recorded")
    expect(rpage.locator("#engagement + .app-table-scroll table")).to_contain_text("Health visitor")

    reviewer.submit("Upload a draft")
    rpage.get_by_label(label("Draft report")).set_input_files(pdf_file(tmp_path))
    reviewer.fill(label("Version"), "First draft")
    fill_date(rpage, "Date the draft was received", story.day)
    reviewer.fill(label("Notes"), "For the partners' quality assurance.")
    reviewer.submit("Upload draft")
    expect(banner(rpage)).to_contain_text("First draft uploaded")
    expect(rpage.get_by_role("link", name="draft-report.pdf")).to_be_visible()
    _move_local_review(reviewer, "Submit draft report")
    expect(banner(rpage)).to_contain_text("Draft report")


def agree_and_publish(story: Story) -> None:
    bu = story.as_("bu")
    page = bu.page
    bu.visit(story.case_path("reviews:local-review"))
    _move_local_review(bu, "Send to partners for quality assurance")
    expect(banner(page)).to_contain_text("Partner quality assurance")

    for key in PARTNER_KEYS:
        partner = story.as_(f"partner:{key}")
        partner.visit(story.case_path("reviews:local-review"))
        partner.submit("Sign off the final report")
        expect(heading(partner.page)).to_have_text("Quality assurance sign-off")
        partner.fill(label("Comment"), "Quality assured.")
        partner.submit("Sign off")
        expect(banner(partner.page)).to_contain_text("Signed off for")

    bu.visit(story.case_path("reviews:local-review"))

    def final_date(journey):
        fill_date(journey.page, "Date the final report was agreed", story.day)

    _move_local_review(bu, "Agree the final report", final_date)
    expect(banner(page)).to_contain_text("Final report agreed")
    expect(page.get_by_text("Within 6 months", exact=True)).to_be_visible()
    _move_local_review(bu, "Mark ready for publication")
    expect(banner(page)).to_contain_text("Ready for publication")
    # The 6-month clock still runs until the review closes.
    story.expect_clock(page, "Local review completed and published", add_months(story.day, 6))


# --- 6. Learning, the action and closing ------------------------------------------------------


def learning_and_closure(story: Story) -> None:
    bu = story.as_("bu")
    page = bu.page
    bu.click_link("Learning and actions")
    bu.submit("Add a lesson")
    bu.fill(label("Lesson"), "Bruising in a non-mobile baby must always lead to a referral.")
    bu.submit("Save")
    expect(banner(page)).to_contain_text("Lesson added")
    bu.submit("Add a recommendation")
    bu.fill(label("Recommendation"), "The trust audits its bruising protocol for babies.")
    page.get_by_label(label("Lesson it responds to")).select_option(index=1)
    bu.submit("Save")
    expect(banner(page)).to_contain_text("Recommendation 1 added")

    bu.click_link("Add an action for recommendation 1")
    bu.fill(label("Action"), "Audit emergency department records of bruising in babies.")
    bu.fill(label("What is expected to change"), "Every bruised baby is referred.")
    page.get_by_label(label("Owner agency")).select_option(label=TRUST)
    fill_date(page, "Due date", add_months(story.day, 3))
    bu.submit("Add action")
    match = re.search(r"Action (\S+) added to the action plan", banner(page).inner_text())
    assert match, banner(page).inner_text()
    story.action = match.group(1)

    # The review cannot close while the action is open.
    bu.click_link("Local review")
    bu.click_link("Close the review")
    expect(page.locator("#missing")).to_contain_text(story.action)
    bu.submit("Close the review")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(error_summary(page)).to_contain_text(
        f"These actions must be complete or carried into another plan first: {story.action}"
    )

    # The trust's agency lead completes the action, with its impact.
    trust = story.as_("trust")
    trust.visit(story.case_path("reviews:learning"))
    trust.click_link(story.action)
    expect(heading(trust.page)).to_have_text(f"Action {story.action}")
    trust.click_link("Mark as complete")
    trust.fill(
        label("Impact statement"),
        "The audit found every bruised baby since June was referred to children's social care.",
    )
    trust.submit("Mark as complete")
    expect(banner(trust.page)).to_contain_text(f"Action {story.action}")
    expect(trust.page.locator(".govuk-summary-list")).to_contain_text("The audit found")

    # The business unit signs it off, then closes the review.
    bu.visit(reverse("actions:detail", args=[story.action]))
    bu.click_link("Sign off")
    bu.submit("Sign off")
    expect(banner(page)).to_contain_text(f"Action {story.action}")

    bu.visit(story.case_path("reviews:local-review"))
    _move_local_review(bu, "Close the review")
    expect(banner(page)).to_contain_text("Status updated: Closed")
    bu.click_link("Overview")
    expect(page.locator("#case-clock")).to_contain_text("Closed")
    stages = page.locator("dl").filter(has_text="Notification decision")
    expect(stages).to_contain_text("Closed")
    expect(page.get_by_text("No statutory clock is running for this case")).to_be_visible()
