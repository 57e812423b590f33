"""Who gets what from every case review URL: one row per URL, case stage and method, one column
per person.

The expected answers are written out by hand from the access rules (the Users table in
DESIGN.md, docs/workflows/reviews.md and docs/decisions/0012-restricted-identities.md); they are
never computed from the code under test:

- the business unit sees and changes everything, including the child's identity;
- partner leads and the scrutineer see every case, pseudonymised; the scrutineer only reads,
  and never sees identities; each partner lead signs off for their own partner agency (and is
  told why when they cannot sign) and records regulation 14 monitoring;
- agency leads and practitioners see only the cases their agency leads, raised or is involved
  in; an agency lead completes their agency's return until it is submitted;
- until the business unit shares the collated pack, a return is read only by its own agency
  (its agency leads, practitioners and partner leads) and the business unit: not by other
  partner leads, the scrutineer or the reviewer; the rapid review as the Panel receives it,
  which holds every return, likewise;
- the case's independent reviewer sees that case (and, when granted it, the identity) and works
  on the local review and its learning until their access to the case ends;
- system administrators and people with no membership see no case;
- anonymous visitors are sent to sign in. A missing case and a forbidden one give the same 404.

Each test builds one case with the scenario (`advance_case`) at the point its URL needs, signs
in as each person in turn and compares every answer with the row. Each request runs in a
savepoint that is rolled back, so a successful POST by one person does not change the case the
next person sees.

Columns (people in the `partnership` fixture unless said otherwise):
  business_unit      the business unit officer
  partner_lead       the council's partner lead (the council leads the case)
  agency_lead        the trust's agency lead (the trust raised the case)
  other_agency_lead  the housing association's agency lead (no part in the case)
  practitioner       the trust's practitioner
  reviewer           the case's independent reviewer, granted the identity (the scenario
                     appoints one from `reviewer_appointed`; before that the business unit names
                     one, as it may at any time)
  ended_reviewer     a second reviewer named on the case whose access to it ended yesterday;
                     their account itself is still open
  scrutineer, system_admin
  no_membership      a signed-in user with no membership
  anonymous          not signed in

Statuses: 200 page shown; 302 redirect (after a successful POST, or on to the page that does the
work; for anonymous visitors, to sign-in); 404 not found; 405 method not allowed.

The people, the case each row needs and the data each POST sends are in
test_permissions_support.py.

To cover a new URL, add a GET and a POST row: `test_every_url_has_a_get_and_a_post_row` fails
until you do. Each workflow move has a row of its own (`test_every_move_has_a_row`).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import get_resolver, reverse

from sightline.core.clocks import today
from sightline.reviews.models import DraftVersion
from sightline.reviews.tests.test_permissions_support import (
    ANONYMOUS,
    CONCERN,
    EVIDENCE,
    GET,
    LOCAL_MOVES,
    NOT_NOTIFIED,
    NOTIFIED,
    POST,
    PUBLICATION,
    RAPID_MOVES,
    RECOMMENDED,
    RETURNS_REQUESTED,
    RETURNS_SUBMITTED,
    ROLES,
    STATUSES,
    At,
    Row,
    World,
    action_data,
    agency,
    awareness_data,
    by_role,
    case_edit_data,
    close_data,
    draft_data,
    engagement_data,
    everything_added,
    lesson_data,
    local_review_data,
    lr_status_data,
    meeting_data,
    member_data,
    monitoring_data,
    notify_data,
    partners_signed_rapid_review,
    proceeding_added,
    proceeding_data,
    raise_data,
    reason_data,
    recommendation_added,
    recommendation_data,
    ref_and,
    request_returns_data,
    return_data,
    reviewer_data,
    rr_status_data,
    sign_off_data,
    subject_save_data,
)
from sightline.reviews.workflow import LOCAL_REVIEW_WORKFLOW, RAPID_REVIEW_WORKFLOW

pytestmark = pytest.mark.django_db


# Columns: BU business unit, PL partner lead, AL agency lead, AL* another agency's lead,
# PR practitioner, RV reviewer, RV* ended reviewer, SC scrutineer, SA system admin,
# -- no membership, anon anonymous.
# fmt: off
#                                  BU   PL   AL   AL*  PR   RV   RV*  SC   SA   --   anon
NOT_ALLOWED = by_role(             405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 302)
EVERYONE = by_role(                200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 302)
RAISERS = by_role(                 200, 200, 200, 200, 200, 404, 404, 404, 404, 404, 302)
RAISED = by_role(                  302, 302, 302, 302, 302, 404, 404, 404, 404, 404, 302)
READERS = by_role(                 200, 200, 200, 404, 200, 200, 404, 200, 404, 404, 302)
BU_GET = by_role(                  200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 302)
BU_POST = by_role(                 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 302)
WORKERS_GET = by_role(             200, 404, 404, 404, 404, 200, 404, 404, 404, 404, 302)
WORKERS_POST = by_role(            302, 404, 404, 404, 404, 302, 404, 404, 404, 404, 302)
# The identity: the business unit and members granted it; never the scrutineer. The record is
# shown only in the response to the reason form (200), never after a redirect.
IDENTITY_GET = by_role(            200, 404, 404, 404, 404, 200, 404, 404, 404, 404, 302)
IDENTITY_SHOWN = by_role(          200, 404, 404, 404, 404, 200, 404, 404, 404, 404, 302)
IDENTITY_SAVED = by_role(          302, 404, 404, 404, 404, 302, 404, 404, 404, 404, 302)
# Draft reports: the partnership-wide roles and the case's reviewer.
PANEL_READERS = by_role(           200, 200, 404, 404, 404, 200, 404, 200, 404, 404, 302)
# A return before the pack is shared: its own agency (the trust's agency lead and practitioner)
# and the business unit.
OWN_AGENCY_GET = by_role(          200, 404, 200, 404, 200, 404, 404, 404, 404, 404, 302)
PARTNERS_GET = by_role(            404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 302)
PARTNERS_POST = by_role(           404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 302)
MONITORS_GET = by_role(            200, 200, 404, 404, 404, 404, 404, 404, 404, 404, 302)
MONITORS_POST = by_role(           302, 302, 404, 404, 404, 404, 404, 404, 404, 404, 302)
NOBODY = by_role(                  404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 302)
# fmt: on

ROWS: list[Row] = [
    # Lists and raising a concern -------------------------------------------------------------
    Row("reviews:dashboard", CONCERN, GET, EVERYONE, kwargs=lambda w: {}),
    Row("reviews:dashboard", CONCERN, POST, NOT_ALLOWED, kwargs=lambda w: {}),
    Row("reviews:summary", CONCERN, GET, EVERYONE, kwargs=lambda w: {}),
    Row("reviews:summary", CONCERN, POST, NOT_ALLOWED, kwargs=lambda w: {}),
    # Any agency may raise a concern; the reviewer, scrutineer and system admin may not.
    Row("reviews:raise", CONCERN, GET, RAISERS, kwargs=lambda w: {}),
    Row("reviews:raise", CONCERN, POST, RAISED, kwargs=lambda w: {}, data=raise_data),
    # The case -------------------------------------------------------------------------------
    Row("reviews:case", EVIDENCE, GET, READERS),
    Row("reviews:case", EVIDENCE, POST, NOT_ALLOWED),
    # The history follows the case: whoever may see the case may see its history.
    Row("reviews:history", EVIDENCE, GET, READERS),
    Row("reviews:history", EVIDENCE, POST, NOT_ALLOWED),
    Row("reviews:case-edit", EVIDENCE, GET, BU_GET),
    Row("reviews:case-edit", EVIDENCE, POST, BU_POST, data=case_edit_data),
    Row("reviews:identity", EVIDENCE, GET, IDENTITY_GET),
    Row("reviews:identity", EVIDENCE, POST, IDENTITY_SHOWN, data=reason_data),
    Row("reviews:identity-edit", EVIDENCE, GET, IDENTITY_GET),
    Row("reviews:identity-edit", EVIDENCE, POST, IDENTITY_SHOWN, "reason", data=reason_data),
    Row("reviews:identity-edit", EVIDENCE, POST, IDENTITY_SAVED, "save", data=subject_save_data),
    # A reviewer not granted the identity is refused it like everyone else.
    *[
        Row(name, At("evidence", reviewer_sees_identity=False), method, expected,
            "reviewer-not-granted", data=reason_data if method == POST else None)
        for name in ("reviews:identity", "reviews:identity-edit")
        for method, expected in ((GET, BU_GET), (POST, by_role(
            200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 302)))
    ],
    Row("reviews:members", EVIDENCE, GET, BU_GET),
    Row("reviews:members", EVIDENCE, POST, BU_POST, data=member_data),
    Row("reviews:member-remove", EVIDENCE, GET, NOT_ALLOWED,
        kwargs=ref_and(pk=lambda w: w.reviewer_member.pk)),
    Row("reviews:member-remove", EVIDENCE, POST, BU_POST,
        kwargs=ref_and(pk=lambda w: w.reviewer_member.pk)),
    Row("reviews:reviewer-appoint", EVIDENCE, GET, BU_GET),
    Row("reviews:reviewer-appoint", EVIDENCE, POST, BU_POST, data=reviewer_data),
    # Everyone on the case reads the decision; the notifier (or the business unit) makes it.
    Row("reviews:notification", CONCERN, GET, READERS),
    Row("reviews:notification", CONCERN, POST, BU_POST, data=notify_data),
    Row("reviews:notification", CONCERN, POST, BU_POST, "awareness", data=awareness_data),
    Row("reviews:notification", NOTIFIED, GET, READERS, "decided"),
    Row("reviews:notification", NOTIFIED, POST, NOBODY, "decided", data=notify_data),
    Row("reviews:close", NOT_NOTIFIED, GET, BU_GET),
    Row("reviews:close", NOT_NOTIFIED, POST, BU_POST, data=close_data),
    Row("reviews:close", EVIDENCE, GET, NOBODY, "open-case"),
    Row("reviews:close", EVIDENCE, POST, NOBODY, "open-case", data=close_data),
    # Rapid review ---------------------------------------------------------------------------
    Row("reviews:rapid-review", RETURNS_REQUESTED, GET, READERS),
    Row("reviews:rapid-review", RETURNS_REQUESTED, POST, NOT_ALLOWED),
    Row("reviews:request-returns", NOTIFIED, GET, BU_GET),
    Row("reviews:request-returns", NOTIFIED, POST, BU_POST, data=request_returns_data),
    Row("reviews:request-returns", RETURNS_REQUESTED, GET, NOBODY, "already-requested"),
    Row("reviews:request-returns", RETURNS_REQUESTED, POST, NOBODY, "already-requested",
        data=request_returns_data),
    # Until the pack is shared a return is for its own agency and the business unit only:
    # the trust's return, in progress, is completed by its agency lead and read by its
    # practitioner; the council's partner lead, the reviewer and the scrutineer may not read it.
    Row("reviews:return", RETURNS_REQUESTED, GET, OWN_AGENCY_GET,
        "own-agency", ref_and(agency_id=agency("trust"))),
    Row("reviews:return", RETURNS_REQUESTED, POST, by_role(
        302, 404, 302, 404, 404, 404, 404, 404, 404, 404, 302),
        "own-agency", ref_and(agency_id=agency("trust")), data=return_data("trust")),
    # Once submitted, only the business unit may change it.
    Row("reviews:return", RETURNS_SUBMITTED, GET, OWN_AGENCY_GET,
        "own-agency-submitted", ref_and(agency_id=agency("trust"))),
    Row("reviews:return", RETURNS_SUBMITTED, POST, BU_POST,
        "own-agency-submitted", ref_and(agency_id=agency("trust")), data=return_data("trust")),
    # The council's return: its partner lead reads it as one of the council's own people.
    Row("reviews:return", RETURNS_SUBMITTED, GET, by_role(
        200, 200, 404, 404, 404, 404, 404, 404, 404, 404, 302),
        "partner-own-agency", ref_and(agency_id=agency("council"))),
    Row("reviews:return", RETURNS_SUBMITTED, POST, BU_POST,
        "partner-own-agency", ref_and(agency_id=agency("council")), data=return_data("council")),
    # Another agency's return: nobody else's until the pack is shared ...
    Row("reviews:return", RETURNS_REQUESTED, GET, BU_GET,
        "other-agency", ref_and(agency_id=agency("police"))),
    Row("reviews:return", RETURNS_REQUESTED, POST, BU_POST,
        "other-agency", ref_and(agency_id=agency("police")), data=return_data("police")),
    # ... and read-only, for everyone on the case, once it is.
    Row("reviews:return", RECOMMENDED, GET, READERS,
        "other-agency-pack-shared", ref_and(agency_id=agency("police"))),
    Row("reviews:return", RECOMMENDED, POST, BU_POST, "other-agency-pack-shared",
        ref_and(agency_id=agency("police")), data=return_data("police")),
    Row("reviews:return", RECOMMENDED, GET, READERS,
        "own-agency-pack-shared", ref_and(agency_id=agency("trust"))),
    Row("reviews:return", RECOMMENDED, POST, BU_POST, "own-agency-pack-shared",
        ref_and(agency_id=agency("trust")), data=return_data("trust")),
    Row("reviews:share-pack", RETURNS_SUBMITTED, GET, NOT_ALLOWED),
    Row("reviews:share-pack", RETURNS_SUBMITTED, POST, BU_POST),
    Row("reviews:rapid-review-edit", RETURNS_SUBMITTED, GET, BU_GET, "meeting",
        ref_and(section="meeting")),
    Row("reviews:rapid-review-edit", RETURNS_SUBMITTED, POST, BU_POST, "meeting",
        ref_and(section="meeting"), data=meeting_data),
    # The decision cannot be changed once recorded.
    Row("reviews:rapid-review-edit", At("decided_lcspr"), GET, NOBODY, "decision-decided",
        ref_and(section="decision")),
    Row("reviews:rapid-review-edit", At("decided_lcspr"), POST, NOBODY, "decision-decided",
        ref_and(section="decision"), data=meeting_data),
    # Every move is the business unit's. Requesting returns has a page of its own, so its
    # move sends the business unit on there.
    *[
        Row("reviews:rapid-review-status", at, method, expected, name,
            ref_and(name=name), data=rr_status_data if method == POST else None)
        for name, at in RAPID_MOVES.items()
        for method, expected in ((GET, BU_POST if name == "request_returns" else BU_GET),
                                 (POST, BU_POST))
    ],
    # A move not possible from the review's status is not there for anyone.
    Row("reviews:rapid-review-status", RETURNS_REQUESTED, GET, NOBODY,
        "decide-from-returns_requested", ref_and(name="decide")),
    Row("reviews:rapid-review-status", RETURNS_REQUESTED, POST, NOBODY,
        "decide-from-returns_requested", ref_and(name="decide"), data=rr_status_data),
    # The rapid review as the Panel receives it holds every return: the business unit only
    # until the pack is shared, then everyone on the case.
    Row("reviews:rapid-review-export", RETURNS_REQUESTED, GET, BU_GET, "docx",
        query="?format=docx"),
    Row("reviews:rapid-review-export", RECOMMENDED, GET, READERS, "docx-pack-shared",
        query="?format=docx"),
    Row("reviews:rapid-review-export", RETURNS_REQUESTED, POST, NOT_ALLOWED, "docx",
        query="?format=docx"),
    # Signing off is each partner's own act: the business unit confirms it on the review.
    Row("reviews:sign-off", RECOMMENDED, GET, PARTNERS_GET, "rapid_review",
        ref_and(stage="rapid_review")),
    Row("reviews:sign-off", RECOMMENDED, POST, PARTNERS_POST, "rapid_review",
        ref_and(stage="rapid_review"), data=sign_off_data),
    Row("reviews:sign-off", At("partner_qa"), GET, PARTNERS_GET, "final_report",
        ref_and(stage="final_report")),
    Row("reviews:sign-off", At("partner_qa"), POST, PARTNERS_POST, "final_report",
        ref_and(stage="final_report"), data=sign_off_data),
    # A partner lead who cannot sign yet (or any more) is told why; nobody else gets the page.
    Row("reviews:sign-off", RETURNS_REQUESTED, GET, PARTNERS_GET, "rapid_review-not-ready",
        ref_and(stage="rapid_review")),
    Row("reviews:sign-off", RETURNS_REQUESTED, POST, PARTNERS_GET, "rapid_review-not-ready",
        ref_and(stage="rapid_review"), data=sign_off_data),
    Row("reviews:sign-off", At("recommended", partners_signed_rapid_review), GET, PARTNERS_GET,
        "rapid_review-signed", ref_and(stage="rapid_review")),
    Row("reviews:sign-off", At("recommended", partners_signed_rapid_review), POST, PARTNERS_GET,
        "rapid_review-signed", ref_and(stage="rapid_review"), data=sign_off_data),
    Row("reviews:sign-off", At("signed_off"), GET, PARTNERS_GET,
        "rapid_review-confirmed", ref_and(stage="rapid_review")),
    Row("reviews:sign-off", At("signed_off"), POST, PARTNERS_GET,
        "rapid_review-confirmed", ref_and(stage="rapid_review"), data=sign_off_data),
    # Local review ---------------------------------------------------------------------------
    Row("reviews:local-review", EVIDENCE, GET, READERS),
    Row("reviews:local-review", EVIDENCE, POST, NOT_ALLOWED),
    Row("reviews:local-review-edit", EVIDENCE, GET, WORKERS_GET),
    Row("reviews:local-review-edit", EVIDENCE, POST, WORKERS_POST, data=local_review_data),
    Row("reviews:engagement-add", EVIDENCE, GET, WORKERS_GET),
    Row("reviews:engagement-add", EVIDENCE, POST, WORKERS_POST, data=engagement_data),
    Row("reviews:proceeding-add", EVIDENCE, GET, WORKERS_GET),
    Row("reviews:proceeding-add", EVIDENCE, POST, WORKERS_POST, data=proceeding_data),
    Row("reviews:proceeding-edit", At("evidence", proceeding_added), GET, WORKERS_GET,
        kwargs=ref_and(pk=lambda w: w.made["proceeding"].pk)),
    Row("reviews:proceeding-edit", At("evidence", proceeding_added), POST, WORKERS_POST,
        kwargs=ref_and(pk=lambda w: w.made["proceeding"].pk), data=proceeding_data),
    Row("reviews:monitoring-add", EVIDENCE, GET, MONITORS_GET),
    Row("reviews:monitoring-add", EVIDENCE, POST, MONITORS_POST, data=monitoring_data),
    Row("reviews:draft-add", EVIDENCE, GET, WORKERS_GET),
    Row("reviews:draft-add", EVIDENCE, POST, WORKERS_POST, data=draft_data),
    *[
        Row("reviews:local-review-status", at, method,
            (WORKERS_GET if method == GET else WORKERS_POST)
            if name in ("start_evidence", "submit_draft")
            else (BU_GET if method == GET else BU_POST),
            name, ref_and(name=name), data=lr_status_data if method == POST else None)
        for name, at in LOCAL_MOVES.items()
        for method in (GET, POST)
    ],
    Row("reviews:local-review-status", EVIDENCE, GET, NOBODY, "close-from-evidence",
        ref_and(name="close")),
    Row("reviews:local-review-status", EVIDENCE, POST, NOBODY, "close-from-evidence",
        ref_and(name="close"), data=lr_status_data),
    # Learning -------------------------------------------------------------------------------
    Row("reviews:learning", PUBLICATION, GET, READERS),
    Row("reviews:learning", PUBLICATION, POST, NOT_ALLOWED),
    Row("reviews:lesson-add", PUBLICATION, GET, WORKERS_GET),
    Row("reviews:lesson-add", PUBLICATION, POST, WORKERS_POST, data=lesson_data),
    Row("reviews:recommendation-add", PUBLICATION, GET, WORKERS_GET),
    Row("reviews:recommendation-add", PUBLICATION, POST, WORKERS_POST, data=recommendation_data),
    Row("reviews:recommendation-action", At("ready_for_publication", recommendation_added), GET,
        BU_GET, kwargs=ref_and(number=lambda w: w.made["recommendation"].number)),
    Row("reviews:recommendation-action", At("ready_for_publication", recommendation_added), POST,
        BU_POST, kwargs=ref_and(number=lambda w: w.made["recommendation"].number),
        data=action_data),
    # Draft reports are downloaded through the shared document URL: the business unit,
    # partner leads, the scrutineer and the case's reviewer.
    Row("core:document-download", At("draft"), GET, PANEL_READERS, "draft-report",
        lambda w: {"pk": DraftVersion.objects.get(local_review__case=w.case).document_id}),
]  # fmt: skip


# --------------------------------------------------------------------------- the matrix


def _client(signed_in_client, user) -> Client:
    client = Client() if user is None else signed_in_client(user)
    client.raise_request_exception = False  # a server error shows as 500 in the table
    return client


def _answer(client: Client, row: Row, world: World, role: str):
    """The status for one person, with the case put back afterwards."""
    url = reverse(row.url_name, kwargs=row.kwargs(world)) + row.query
    with transaction.atomic():
        if row.method == GET:
            response = client.get(url)
        else:
            response = client.post(url, row.data(world) if row.data else {})
        transaction.set_rollback(True)
    status = response.status_code
    if status == 302:
        went_to_sign_in = response["Location"].startswith(reverse("accounts:sign-in"))
        # Anonymous visitors are sent to sign in; everyone else was sent on after success.
        return 302 if went_to_sign_in == (role == ANONYMOUS) else response["Location"]
    return status


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_permission_matrix(row, partnership, make_user, signed_in_client):
    world = World(partnership, make_user, row.at)
    actual = {
        role: _answer(_client(signed_in_client, world.users[role]), row, world, role)
        for role in ROLES
    }
    assert actual == row.expected


# --------------------------------------------------------------------------- the table itself


def _url_names(namespace: str) -> set[str]:
    _, resolver = get_resolver().namespace_dict[namespace]
    return {f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str)}


def test_every_url_has_a_get_and_a_post_row():
    names = _url_names("reviews")
    assert len(names) > 30, "the reviews URLs were not found"
    for method in (GET, POST):
        covered = {row.url_name for row in ROWS if row.method == method}
        assert names <= covered, f"{method} rows missing for {sorted(names - covered)}"


@pytest.mark.parametrize(
    ("url_name", "workflow", "moves"),
    [
        ("reviews:rapid-review-status", RAPID_REVIEW_WORKFLOW, RAPID_MOVES),
        ("reviews:local-review-status", LOCAL_REVIEW_WORKFLOW, LOCAL_MOVES),
    ],
)
def test_every_move_has_a_row(url_name, workflow, moves):
    names = {t.name for t in workflow.transitions}
    assert set(moves) == names
    for method in (GET, POST):
        variants = {
            row.variant for row in ROWS if row.url_name == url_name and row.method == method
        }
        assert names <= variants, f"{method} rows missing for {sorted(names - variants)}"


def test_every_row_has_a_known_status_for_every_column():
    seen = set()
    for row in ROWS:
        assert row.id not in seen, f"two rows for {row.id}"
        seen.add(row.id)
        assert tuple(row.expected) == ROLES, row.id
        assert all(status in STATUSES for status in row.expected.values()), row.id
        assert row.expected[ANONYMOUS] == 302, f"{row.id}: anonymous visitors go to sign in"
        signed_in = [status for role, status in row.expected.items() if role != ANONYMOUS]
        if row.method == POST and 302 in signed_in:
            assert row.data is not None or row.url_name in {
                "reviews:member-remove",
                "reviews:share-pack",
            }, f"{row.id}: a POST that succeeds needs its data"


# --------------------------------------------------------------------------- around the table


def _without_one_off_values(response) -> str:
    """The page without its error reference and CSRF token, which differ on every response."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r"Reference: <span[^>]*>[^<]*</span>", "", html)


def test_a_missing_case_looks_like_a_forbidden_one(partnership, make_user, signed_in_client):
    world = World(partnership, make_user, At("partner_qa", everything_added))
    client = signed_in_client(partnership.outsider)
    missing_reference = f"SI-{today().year}-9999"
    differences = {}
    for row in ROWS:
        if not row.url_name.startswith("reviews:") or row.method != GET:
            continue
        if row.expected is NOT_ALLOWED or "reference" not in row.kwargs(world):
            continue
        kwargs = row.kwargs(world)
        refused = client.get(reverse(row.url_name, kwargs=kwargs) + row.query)
        kwargs["reference"] = missing_reference
        missing = client.get(reverse(row.url_name, kwargs=kwargs) + row.query)
        if not (
            refused.status_code == missing.status_code == 404
            and _without_one_off_values(refused) == _without_one_off_values(missing)
        ):
            differences[row.id] = (refused.status_code, missing.status_code)
    assert differences == {}


def test_the_dashboard_lists_the_case_only_for_those_who_see_it(
    partnership, make_user, signed_in_client
):
    world = World(partnership, make_user, EVIDENCE)
    listed = {}
    for role in ROLES:
        if role == ANONYMOUS:
            continue
        response = signed_in_client(world.users[role]).get(reverse("reviews:dashboard"))
        listed[role] = world.case.reference in response.content.decode()
    assert listed == {role: READERS[role] == 200 for role in ROLES if role != ANONYMOUS}


def test_a_reviewer_whose_account_has_ended_is_signed_out(partnership, make_user, signed_in_client):
    world = World(partnership, make_user, EVIDENCE)
    client = signed_in_client(world.reviewer)
    type(world.reviewer).objects.filter(pk=world.reviewer.pk).update(
        access_ends_on=today() - timedelta(days=1)
    )

    response = client.get(reverse("reviews:case", args=[world.case.reference]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))
