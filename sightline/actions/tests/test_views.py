"""Action plan pages: lists with filters, sorts and exports; plan and action forms; the action
page with its history, progress and evidence; status changes; refused stale edits; constant
query counts; and the signed-in home page."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import docx
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from sightline.accounts.models import Role
from sightline.actions import services
from sightline.actions.models import Action, ActionPlan, ActionStatus, ActionUpdate
from sightline.actions.selectors import SORTS
from sightline.core.clocks import get_calendar, today
from sightline.core.models import Document, Event, Theme

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- helpers


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 112, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


def text(response) -> str:
    return response.content.decode()


def references_in(html: str) -> list[str]:
    """Action references in the order their links appear in a table."""
    return re.findall(r'<a class="govuk-link" href="/app/actions/(ACT-\d{4}-\d{4})/">', html)


def section(html: str, start_id: str, end_id: str | None = None) -> str:
    start = html.index(f'id="{start_id}"')
    end = html.index(f'id="{end_id}"') if end_id else len(html)
    return html[start:end]


def date_fields(prefix: str, value) -> dict:
    return {
        f"{prefix}_day": value.day,
        f"{prefix}_month": value.month,
        f"{prefix}_year": value.year,
    }


def action_post(agency, *, due=None, owner=None, themes=(), version=None, **overrides) -> dict:
    data = {
        "lesson": "Fathers were not seen",
        "description": "Record fathers' details at every referral",
        "expected_change": "Fathers are seen in assessments",
        "owner_agency": agency.pk,
        "owner": owner.pk if owner else "",
        "themes": [t.pk for t in themes],
    }
    if due is not None:
        data.update(date_fields("due_date", due))
    if version is not None:
        data["version"] = version
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def home(agency_factory):
    return agency_factory("Northvale Police")


@pytest.fixture
def away(agency_factory):
    return agency_factory("Northvale Integrated Care Board")


@pytest.fixture
def bu(make_user, agency_factory):
    return make_user(Role.BUSINESS_UNIT, agency=agency_factory("Partnership business unit"))


@pytest.fixture
def lead(make_user, home):
    return make_user(Role.AGENCY_LEAD, agency=home, full_name="Lee Lead")


@pytest.fixture
def away_lead(make_user, away):
    return make_user(Role.AGENCY_LEAD, agency=away)


@pytest.fixture
def owner(make_user, home):
    return make_user(Role.PRACTITIONER, agency=home, full_name="Olu Owner")


@pytest.fixture
def plan(bu):
    return services.action_plan_create(by=bu, title="Neglect review actions", source="review")


@pytest.fixture
def make_action(bu, plan, home):
    def make(
        *,
        owner_agency=None,
        owner=None,
        due=None,
        status=None,
        plan_=None,
        themes=(),
        description="Train staff on neglect",
    ):
        action = services.action_create(
            by=bu,
            plan=plan_ or plan,
            lesson="Neglect was not recognised",
            description=description,
            expected_change="Earlier referrals",
            owner_agency=owner_agency or home,
            owner=owner,
            due_date=due or today() + timedelta(days=120),
            themes=themes,
        )
        if status:
            impact = "Referrals rose" if status in ("complete", "signed_off") else ""
            extra = {"signed_off_at": action.created_at} if status == "signed_off" else {}
            Action.objects.filter(pk=action.pk).update(
                status=status, impact_statement=impact, **extra
            )
            action.refresh_from_db()
        return action

    return make


@pytest.fixture
def bu_client(signed_in_client, bu):
    return signed_in_client(bu)


@pytest.fixture
def lead_client(signed_in_client, lead):
    return signed_in_client(lead)


# --------------------------------------------------------------------------- my actions


def test_my_actions_shows_my_agencys_actions_only(lead_client, make_action, away):
    mine = make_action()
    theirs = make_action(owner_agency=away)

    response = lead_client.get(reverse("actions:mine"))

    assert response.status_code == 200
    html = text(response)
    assert '<h1 class="govuk-heading-l">My agency\'s actions</h1>' in html
    assert references_in(html) == [mine.reference]
    assert theirs.reference not in html
    assert 'href="/app/actions/all/"' not in html  # an agency lead has no "All actions" page


def test_my_actions_shows_a_practitioner_what_they_own(signed_in_client, owner, make_action):
    owned = make_action(owner=owner)
    make_action()  # same agency, not theirs

    response = signed_in_client(owner).get(reverse("actions:mine"))

    assert references_in(text(response)) == [owned.reference]


def test_my_actions_is_empty_for_a_system_admin(signed_in_client, make_user, home, make_action):
    make_action()
    response = signed_in_client(make_user(Role.SYSTEM_ADMIN, agency=home)).get(
        reverse("actions:mine")
    )
    assert response.status_code == 200
    assert references_in(text(response)) == []
    assert "No actions match." in text(response)


# --------------------------------------------------------------------------- all actions


@pytest.mark.parametrize("role", [Role.BUSINESS_UNIT, Role.PARTNER_LEAD, Role.SCRUTINEER])
def test_all_actions_shows_every_agency_to_partnership_wide_roles(
    signed_in_client, make_user, role, make_action, away
):
    first, second = make_action(), make_action(owner_agency=away)
    response = signed_in_client(make_user(role)).get(reverse("actions:all"))
    assert response.status_code == 200
    assert set(references_in(text(response))) == {first.reference, second.reference}


@pytest.mark.parametrize(
    "role", [Role.AGENCY_LEAD, Role.PRACTITIONER, Role.REVIEWER, Role.SYSTEM_ADMIN]
)
def test_all_actions_is_not_found_for_other_roles(signed_in_client, make_user, role):
    response = signed_in_client(make_user(role)).get(reverse("actions:all"))
    assert response.status_code == 404


@pytest.fixture
def filter_world(make_action, bu, away):
    themes = list(Theme.objects.order_by("name")[:2])
    audit_plan = services.action_plan_create(by=bu, title="Audit actions", source="audit")
    day = today()
    return {
        "themes": themes,
        "home_open": make_action(themes=[themes[0]], due=day + timedelta(days=40)),
        "home_overdue": make_action(status="at_risk", due=day - timedelta(days=3)),
        "away_complete": make_action(
            owner_agency=away,
            status="complete",
            plan_=audit_plan,
            themes=[themes[1]],
            due=day + timedelta(days=10),
        ),
        "away_signed_off": make_action(
            owner_agency=away, status="signed_off", due=day - timedelta(days=30)
        ),
    }


FILTERS = [
    ("agency:home", ["home_open", "home_overdue"]),
    ("agency:away", ["away_complete", "away_signed_off"]),
    ("status:open", ["home_open", "home_overdue"]),
    ("status:overdue", ["home_overdue"]),
    ("status:not_started", ["home_open"]),
    ("status:at_risk", ["home_overdue"]),
    ("status:complete", ["away_complete"]),
    ("status:signed_off", ["away_signed_off"]),
    ("status:on_track", []),
    ("theme:0", ["home_open"]),
    ("theme:1", ["away_complete"]),
    ("source:audit", ["away_complete"]),
    ("source:review", ["home_open", "home_overdue", "away_signed_off"]),
    ("", ["home_open", "home_overdue", "away_complete", "away_signed_off"]),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS, ids=[q or "none" for q, _ in FILTERS])
def test_all_actions_filters(bu_client, filter_world, home, away, query, expected):
    params = {}
    if query:
        key, value = query.split(":")
        if key == "agency":
            value = {"home": home, "away": away}[value].pk
        elif key == "theme":
            value = filter_world["themes"][int(value)].pk
        params[key] = value

    response = bu_client.get(reverse("actions:all"), params)

    assert response.status_code == 200
    assert sorted(references_in(text(response))) == sorted(
        filter_world[name].reference for name in expected
    )


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_all_actions_sorts(bu_client, filter_world, sort):
    response = bu_client.get(reverse("actions:all"), {"sort": sort})
    assert response.status_code == 200
    actions = list(Action.objects.select_related("owner_agency"))
    key = sort.lstrip("-")
    getters = {
        "due_date": lambda a: (a.due_date, a.pk),
        "reference": lambda a: a.reference,
        "agency": lambda a: (a.owner_agency.name, a.due_date),
        "status": lambda a: (a.status, a.due_date),
    }
    expected = sorted(actions, key=getters[key], reverse=sort.startswith("-"))
    if key in ("agency", "status"):  # the tie-break stays ascending by due date
        groups = {}
        for a in expected:
            groups.setdefault(getters[key](a)[0], []).append(a)
        expected = [a for g in groups.values() for a in sorted(g, key=lambda a: a.due_date)]
    assert references_in(text(response)) == [a.reference for a in expected]


def test_all_actions_sort_and_filter_together(bu_client, filter_world, away):
    response = bu_client.get(reverse("actions:all"), {"agency": away.pk, "sort": "-due_date"})
    assert references_in(text(response)) == [
        filter_world["away_complete"].reference,
        filter_world["away_signed_off"].reference,
    ]


@pytest.mark.parametrize("sort", ["bogus", "owner__password", "-", "due_date;drop"])
def test_all_actions_unknown_sort_is_not_found(bu_client, filter_world, sort):
    assert bu_client.get(reverse("actions:all"), {"sort": sort}).status_code == 404


def test_all_actions_unknown_filter_values_do_not_fail(bu_client, filter_world):
    response = bu_client.get(
        reverse("actions:all"), {"status": "nonsense", "agency": "x", "theme": "999999"}
    )
    assert response.status_code == 200


# --------------------------------------------------------------------------- plans


def test_plan_list_and_detail(bu_client, plan, make_action, away):
    first = make_action()
    second = make_action(owner_agency=away, status="complete")

    listing = bu_client.get(reverse("actions:plans"))
    assert listing.status_code == 200
    assert plan.reference in text(listing)
    assert "Create an action plan" in text(listing)

    detail = bu_client.get(reverse("actions:plan", args=[plan.reference]))
    assert detail.status_code == 200
    assert set(references_in(text(detail))) == {first.reference, second.reference}
    assert "Add an action" in text(detail)


def test_plan_list_shows_an_agency_lead_only_plans_with_their_actions(
    lead_client, bu, plan, make_action, away
):
    other_plan = services.action_plan_create(by=bu, title="Elsewhere", source="audit")
    make_action()
    make_action(owner_agency=away, plan_=other_plan)

    html = text(lead_client.get(reverse("actions:plans")))
    assert plan.reference in html
    assert other_plan.reference not in html
    assert "Create an action plan" not in html


def test_plan_create(bu_client):
    theme = Theme.objects.order_by("name").first()
    page = bu_client.get(reverse("actions:plan-create"))
    assert page.status_code == 200

    response = bu_client.post(
        reverse("actions:plan-create"),
        {"title": "Rapid review actions", "source": "rapid_review", "themes": [theme.pk]},
    )

    plan = ActionPlan.objects.get(title="Rapid review actions")
    assert response.status_code == 302
    assert response["Location"] == reverse("actions:plan", args=[plan.reference])
    assert list(plan.themes.all()) == [theme]


def test_plan_create_shows_errors_and_keeps_values(bu_client):
    response = bu_client.post(
        reverse("actions:plan-create"), {"title": "", "summary": "Kept summary"}
    )
    html = text(response)
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "Enter a title for the action plan" in html
    assert "Select where the plan comes from" in html
    assert "Kept summary" in html
    assert "<title>Error:" in html
    assert not ActionPlan.objects.exists()


def test_plan_edit(bu_client, plan):
    page = bu_client.get(reverse("actions:plan-edit", args=[plan.reference]))
    assert page.status_code == 200
    assert "Neglect review actions" in text(page)

    response = bu_client.post(
        reverse("actions:plan-edit", args=[plan.reference]),
        {"version": 1, "title": "Renamed", "source": "review", "summary": ""},
    )

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "Renamed"
    assert plan.version == 2


def test_plan_edit_stale_is_refused(bu_client, bu, plan):
    services.action_plan_update(plan=plan, by=bu, expected_version=1, title="Saved first")

    response = bu_client.post(
        reverse("actions:plan-edit", args=[plan.reference]),
        {"version": 1, "title": "Saved second", "source": "review"},
    )

    assert response.status_code == 200
    assert "Your changes have not been saved" in text(response)
    plan.refresh_from_db()
    assert plan.title == "Saved first"


# --------------------------------------------------------------------------- action forms


def test_action_create(bu_client, plan, home, owner):
    theme = Theme.objects.order_by("name").first()
    due = today() + timedelta(days=60)
    assert bu_client.get(reverse("actions:action-create", args=[plan.reference])).status_code == 200

    response = bu_client.post(
        reverse("actions:action-create", args=[plan.reference]),
        action_post(home, due=due, owner=owner, themes=[theme]),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("actions:plan", args=[plan.reference])
    action = Action.objects.get()
    assert action.plan == plan
    assert action.owner == owner
    assert action.due_date == due
    assert list(action.themes.all()) == [theme]


def test_action_create_without_a_due_date_shows_errors_and_keeps_values(bu_client, plan, home):
    response = bu_client.post(
        reverse("actions:action-create", args=[plan.reference]), action_post(home)
    )

    html = text(response)
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert '<a href="#id_due_date_day">Enter the due date</a>' in html
    assert "Record fathers&#x27; details at every referral" in html
    assert "Fathers are seen in assessments" in html
    assert re.search(rf'<option value="{home.pk}" selected>', html)
    assert not Action.objects.exists()


def test_action_create_refuses_an_owner_from_another_agency(bu_client, plan, away, owner):
    response = bu_client.post(
        reverse("actions:action-create", args=[plan.reference]),
        action_post(away, due=today() + timedelta(days=5), owner=owner),
    )
    assert response.status_code == 200
    assert "The owner must work for the owner agency" in text(response)
    assert not Action.objects.exists()


def test_action_edit(bu_client, make_action, home):
    action = make_action()
    page = bu_client.get(reverse("actions:edit", args=[action.reference]))
    assert page.status_code == 200
    assert "Train staff on neglect" in text(page)

    new_due = action.due_date + timedelta(days=7)
    response = bu_client.post(
        reverse("actions:edit", args=[action.reference]),
        action_post(home, due=new_due, version=1, description="Train every team"),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("actions:detail", args=[action.reference])
    action.refresh_from_db()
    assert action.description == "Train every team"
    assert action.due_date == new_due
    assert action.version == 2


def test_action_edit_stale_shows_the_conflict_and_keeps_the_first_save(
    signed_in_client, bu, make_user, make_action, home
):
    action = make_action()
    first = signed_in_client(bu)
    second = signed_in_client(make_user(Role.BUSINESS_UNIT))
    url = reverse("actions:edit", args=[action.reference])
    assert 'name="version" value="1"' in text(first.get(url))
    assert 'name="version" value="1"' in text(second.get(url))

    saved = first.post(
        url, action_post(home, due=action.due_date, version=1, description="First person's wording")
    )
    refused = second.post(
        url,
        action_post(home, due=action.due_date, version=1, description="Second person's wording"),
    )

    assert saved.status_code == 302
    assert refused.status_code == 200
    html = text(refused)
    assert "Your changes have not been saved" in html
    assert "What is different" in html
    assert "First person&#x27;s wording" in html  # saved now
    assert "Second person&#x27;s wording" in html  # what they entered
    assert 'name="version" value="2"' in html
    action.refresh_from_db()
    assert action.description == "First person's wording"
    assert action.version == 2


# --------------------------------------------------------------------------- the action page


def test_action_detail_shows_the_record_and_its_history(signed_in_client, lead, make_action):
    action = make_action()
    services.action_transition(action=action, by=lead, name="start", expected_version=1)
    services.action_progress_add(action=action, by=lead, note="Sessions booked for June")

    response = signed_in_client(lead).get(reverse("actions:detail", args=[action.reference]))

    html = text(response)
    assert response.status_code == 200
    assert f"Action {action.reference}" in html
    assert "Sessions booked for June" in html
    history = html[html.index(">History<") :]
    assert "action.create" in history
    assert "action.start: not_started → on_track" in history
    assert "action.progress" in history
    assert "Add a progress update" in html
    assert reverse("actions:status", args=[action.reference, "complete"]) in html
    assert "Edit action" not in html  # only the business unit edits


def test_progress_with_evidence_and_download(signed_in_client, lead, away_lead, make_action):
    action = make_action()
    client = signed_in_client(lead)
    url = reverse("actions:progress", args=[action.reference])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "note": "Training delivered to 40 staff",
            "evidence": SimpleUploadedFile("register.png", png_bytes(), content_type="image/png"),
        },
    )

    assert response.status_code == 302
    update = ActionUpdate.objects.get(action=action)
    document = update.evidence.get()
    detail = text(client.get(reverse("actions:detail", args=[action.reference])))
    download_url = reverse("core:document-download", args=[document.pk])
    assert f'href="{download_url}"' in detail
    assert "register.png" in detail

    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert "register.png" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")

    assert signed_in_client(away_lead).get(download_url).status_code == 404


def test_progress_with_a_disguised_file_shows_an_error_and_saves_nothing(lead_client, make_action):
    action = make_action()
    documents = Document.objects.count()

    response = lead_client.post(
        reverse("actions:progress", args=[action.reference]),
        {
            "note": "See attached",
            "evidence": SimpleUploadedFile(
                "report.pdf", b"<html><script>x</script></html>", content_type="application/pdf"
            ),
        },
    )

    assert response.status_code == 200
    html = text(response)
    assert "govuk-error-summary" in html
    assert "The selected file must be a PDF, Word document" in html
    assert "See attached" in html
    assert not ActionUpdate.objects.exists()
    assert Document.objects.count() == documents


def test_progress_needs_a_note(lead_client, make_action):
    action = make_action()
    response = lead_client.post(reverse("actions:progress", args=[action.reference]), {"note": ""})
    assert response.status_code == 200
    assert "Enter the progress update" in text(response)


# --------------------------------------------------------------------------- status pages


def test_status_page_marks_an_action_on_track(lead_client, make_action):
    action = make_action()
    url = reverse("actions:status", args=[action.reference, "start"])
    page = lead_client.get(url)
    assert page.status_code == 200
    assert "Mark as on track" in text(page)

    response = lead_client.post(url, {"version": 1, "transition": "start", "note": ""})

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.ON_TRACK


def test_status_page_complete_asks_for_the_impact_statement(lead_client, make_action):
    action = make_action()
    url = reverse("actions:status", args=[action.reference, "complete"])
    assert 'name="impact_statement"' in text(lead_client.get(url))

    refused = lead_client.post(url, {"version": 1, "transition": "complete", "note": "Done"})
    assert refused.status_code == 200
    assert "govuk-error-summary" in text(refused)
    assert '<a href="#id_impact_statement">Enter the impact statement</a>' in text(refused)
    action.refresh_from_db()
    assert action.status == ActionStatus.NOT_STARTED

    done = lead_client.post(
        url, {"version": 1, "transition": "complete", "impact_statement": "Referrals doubled"}
    )
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.COMPLETE
    assert action.impact_statement == "Referrals doubled"


def test_status_page_at_risk_needs_a_note(lead_client, make_action):
    action = make_action()
    url = reverse("actions:status", args=[action.reference, "flag_at_risk"])
    response = lead_client.post(url, {"version": 1, "transition": "flag_at_risk"})
    assert response.status_code == 200
    assert "Enter a note explaining the change" in text(response)


def test_status_page_sign_off_and_return(bu_client, bu, make_action):
    signed = make_action(status="complete")
    returned = make_action(status="complete")

    response = bu_client.post(
        reverse("actions:status", args=[signed.reference, "sign_off"]),
        {"version": signed.version, "transition": "sign_off"},
    )
    assert response.status_code == 302
    signed.refresh_from_db()
    assert signed.status == ActionStatus.SIGNED_OFF
    assert signed.signed_off_by == bu

    url = reverse("actions:status", args=[returned.reference, "reopen"])
    refused = bu_client.post(url, {"version": returned.version, "transition": "reopen"})
    assert "Enter a note explaining the change" in text(refused)
    back = bu_client.post(
        url, {"version": returned.version, "transition": "reopen", "note": "No evidence yet"}
    )
    assert back.status_code == 302
    returned.refresh_from_db()
    assert returned.status == ActionStatus.ON_TRACK


def test_status_page_carry_forward_lists_other_plans(bu_client, bu, plan, make_action):
    action = make_action()
    next_plan = services.action_plan_create(by=bu, title="Next year", source="priority")
    url = reverse("actions:status", args=[action.reference, "carry_forward"])
    page = text(bu_client.get(url))
    assert f'<option value="{next_plan.pk}">' in page
    assert f'<option value="{plan.pk}">' not in page

    response = bu_client.post(
        url,
        {
            "version": 1,
            "transition": "carry_forward",
            "carried_to": next_plan.pk,
            "note": "Into next year",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.CARRIED_FORWARD
    assert action.carried_to == next_plan


def test_status_page_for_a_move_not_available_now_is_not_found(bu_client, make_action):
    action = make_action()
    for name in ("sign_off", "reopen", "no-such-move"):
        url = reverse("actions:status", args=[action.reference, name])
        assert bu_client.get(url).status_code == 404, name


def test_status_page_stale_is_refused(signed_in_client, lead, owner, make_action):
    action = make_action(owner=owner)
    url = reverse("actions:status", args=[action.reference, "start"])
    services.action_transition(
        action=Action.objects.get(pk=action.pk),
        by=owner,
        name="flag_at_risk",
        expected_version=1,
        note="Trainer left",
    )

    response = signed_in_client(lead).post(url, {"version": 1, "transition": "start"})

    assert response.status_code == 200
    assert "Your changes have not been saved" in text(response)
    action.refresh_from_db()
    assert action.status == ActionStatus.AT_RISK
    assert action.version == 2


# --------------------------------------------------------------------------- exports


def read_export(fmt: str, content: bytes) -> str:
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        return "\n".join("\t".join(row) for row in rows)
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        return "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for row in sheet.iter_rows(values_only=True)
        )
    if fmt == "docx":
        document = docx.Document(io.BytesIO(content))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def squash(value: str) -> str:
    return re.sub(r"\s+", "", value)


EXPORTS = [
    (page, fmt)
    for page in ("actions:mine", "actions:all")
    for fmt in ("csv", "xlsx", "docx", "pdf")
]


@pytest.mark.parametrize(("page", "fmt"), EXPORTS, ids=[f"{p[8:]}-{f}" for p, f in EXPORTS])
def test_export_formats(signed_in_client, make_user, home, page, fmt, make_action):
    user = make_user(Role.BUSINESS_UNIT, agency=home)
    action = make_action(description="Deliver neglect training")

    response = signed_in_client(user).get(reverse(page), {"format": fmt})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    content = read_export(fmt, response.content)
    assert squash(action.reference) in squash(content)
    assert "Deliver neglect training" in content or fmt == "pdf"


def test_csv_export_neutralises_formulas(bu_client, make_action):
    make_action(description='=HYPERLINK("http://evil.example","click")')
    make_action(description="@SUM(A1:A2)")

    response = bu_client.get(reverse("actions:all"), {"format": "csv"})

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    descriptions = sorted(row["Action"] for row in rows)
    assert descriptions == ['\'=HYPERLINK("http://evil.example","click")', "'@SUM(A1:A2)"]


def test_xlsx_export_never_holds_formulas(bu_client, make_action):
    make_action(description="=1+1")
    response = bu_client.get(reverse("actions:all"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "'=1+1" in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_agency_lead_export_has_only_their_agencys_actions(lead_client, make_action, away, fmt):
    mine = make_action(description="Our action")
    theirs = make_action(owner_agency=away, description="Their action")

    response = lead_client.get(reverse("actions:mine"), {"format": fmt})

    content = read_export(fmt, response.content)
    assert mine.reference in content
    assert theirs.reference not in content
    assert "Their action" not in content


def test_all_actions_export_follows_the_filters(bu_client, filter_world, away):
    response = bu_client.get(reverse("actions:all"), {"format": "csv", "agency": away.pk})
    content = read_export("csv", response.content)
    assert filter_world["away_complete"].reference in content
    assert filter_world["home_open"].reference not in content


def test_unknown_export_format_is_not_found(bu_client):
    assert bu_client.get(reverse("actions:all"), {"format": "exe"}).status_code == 404
    assert bu_client.get(reverse("actions:mine"), {"format": ""}).status_code == 404


# --------------------------------------------------------------------------- query counts


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["mine", "all", "plans", "plan"])
def test_list_pages_use_the_same_number_of_queries_for_3_or_30_actions(
    signed_in_client, make_user, bu, plan, home, page
):
    viewer = make_user(Role.BUSINESS_UNIT, agency=home)
    client = signed_in_client(viewer)
    themes = list(Theme.objects.order_by("name")[:3])
    owners = [make_user(Role.PRACTITIONER, agency=home) for _ in range(30)]

    def add(count: int, start: int):
        for i in range(start, start + count):
            action = services.action_create(
                by=bu,
                plan=plan,
                lesson="L",
                description=f"Action {i}",
                expected_change="C",
                owner_agency=home,
                owner=owners[i],
                due_date=today() + timedelta(days=i + 1),
                themes=themes[: 1 + i % 3],
            )
            services.action_progress_add(action=action, by=bu, note="Started")
        services.action_plan_create(by=bu, title=f"Plan {start}", source="audit", themes=themes)

    url = {
        "mine": reverse("actions:mine"),
        "all": reverse("actions:all") + "?sort=agency",
        "plans": reverse("actions:plans"),
        "plan": reverse("actions:plan", args=[plan.reference]),
    }[page]
    add(3, 0)
    client.get(url)  # warm the session and the working-day calendar
    few = count_queries(client, url)
    add(27, 3)
    many = count_queries(client, url)

    assert few == many, (few, many)
    assert few < 40
    html = text(client.get(url))
    if page != "plans":
        assert len(references_in(html)) == 30


# --------------------------------------------------------------------------- signed-in home


def test_home_shows_tasks_deadlines_and_overdue_actions(
    signed_in_client, lead, owner, make_action, away
):
    cal = get_calendar()
    day = today()
    soon = make_action(owner=owner, due=cal.add_working_days(day, 3), description="Soon one")
    later = make_action(due=cal.add_working_days(day, 20), description="Later one")
    overdue = make_action(due=day - timedelta(days=2), description="Late one")
    elsewhere = make_action(owner_agency=away, due=day - timedelta(days=2))

    html = text(signed_in_client(lead).get(reverse("core:home")))

    tasks = section(html, "tasks", "deadlines")
    deadlines = section(html, "deadlines", "overdue")
    late = section(html, "overdue")
    for action in (soon, later, overdue):
        assert f"Update action {action.reference}" in tasks
    assert soon.reference in deadlines
    assert later.reference not in deadlines
    assert overdue.reference in late
    assert soon.reference not in late
    assert elsewhere.reference not in html


def test_home_for_an_owner_shows_only_their_action(signed_in_client, owner, make_action):
    mine = make_action(owner=owner, due=get_calendar().add_working_days(today(), 3))
    not_mine = make_action(due=get_calendar().add_working_days(today(), 3))

    html = text(signed_in_client(owner).get(reverse("core:home")))

    assert f"Update action {mine.reference}" in html
    assert mine.reference in section(html, "deadlines", "overdue")
    assert not_mine.reference not in section(html, "tasks", "overdue")


def test_home_shows_the_business_unit_actions_to_sign_off(bu_client, make_action):
    complete = make_action(status="complete")
    open_action = make_action()

    html = text(bu_client.get(reverse("core:home")))

    tasks = section(html, "tasks", "deadlines")
    assert f"Sign off action {complete.reference}" in tasks
    assert open_action.reference not in tasks


def test_home_with_nothing_to_do(signed_in_client, make_user):
    html = text(signed_in_client(make_user(Role.PRACTITIONER)).get(reverse("core:home")))
    assert "You have no open tasks." in html
    assert "No overdue actions." in html


def test_adding_an_action_through_the_page_records_an_event(bu_client, plan, home):
    before = Event.objects.filter(action="action.create").count()
    bu_client.post(
        reverse("actions:action-create", args=[plan.reference]),
        action_post(home, due=today() + timedelta(days=3)),
    )
    assert Event.objects.filter(action="action.create").count() == before + 1


def test_plan_list_counts_only_the_actions_the_user_can_see(
    lead_client, bu_client, plan, make_action, away
):
    make_action()
    make_action(owner_agency=away)
    make_action(owner_agency=away)

    def counts(client):
        html = text(client.get(reverse("actions:plans")))
        return re.findall(r'govuk-table__cell--numeric">(\d+)<', html)

    assert counts(bu_client) == ["3", "3"]
    assert counts(lead_client) == ["1", "1"]


def test_evidence_of_an_archived_action_is_not_served(signed_in_client, bu, lead, make_action):
    action = make_action()
    update = services.action_progress_add(
        action=action,
        by=lead,
        note="Evidence",
        files=[SimpleUploadedFile("register.png", png_bytes(), content_type="image/png")],
    )
    url = reverse("core:document-download", args=[update.evidence.get().pk])
    assert signed_in_client(lead).get(url).status_code == 200

    services.action_archive(action=action, by=bu, reason="Entered twice")

    assert signed_in_client(lead).get(url).status_code == 404
    assert signed_in_client(bu).get(url).status_code == 404
    assert (
        signed_in_client(lead).get(reverse("actions:detail", args=[action.reference])).status_code
        == 404
    )
