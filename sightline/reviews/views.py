"""Case pages: the dashboard, the yearly summary and raising a concern, and the pieces every case
page shares (`case_context`, `sign_off_summary`, `add_refusal`). The case itself, its restricted
record, members, the notification decision and closing are in views_case.py, the rapid review
pages in views_rapid.py and the local review pages in views_local.py and views_learning.py.

Objects come only from reviews.access; writes only through reviews.services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from sightline.accounts.access import principal_for
from sightline.accounts.models import Agency, Role
from sightline.core.calendar import ClockStatus
from sightline.core.clocks import ClockBook, today
from sightline.core.exports import EXPORT_FORMATS, Table, export_response
from sightline.reviews import access, selectors, services
from sightline.reviews.forms import DashboardFilterForm, RaiseConcernForm
from sightline.reviews.models import CaseStage
from sightline.reviews.signoffs import signoff_state

PAGE_SIZE = 50
# Roles that may raise a concern for their agency (and then see the case they raised).
RAISE_ROLES = (Role.AGENCY_LEAD, Role.PRACTITIONER, Role.PARTNER_LEAD, Role.BUSINESS_UNIT)
CLOSABLE_STAGES = (
    CaseStage.NOT_NOTIFIED,
    CaseStage.NATIONAL_REVIEW,
    CaseStage.ALTERNATIVE_LEARNING,
)
STAGE_COLOURS = {
    CaseStage.CONCERN: "yellow",
    CaseStage.NOT_NOTIFIED: "grey",
    CaseStage.RAPID_REVIEW: "blue",
    CaseStage.DECISION: "purple",
    CaseStage.LOCAL_REVIEW: "teal",
    CaseStage.NATIONAL_REVIEW: "purple",
    CaseStage.ALTERNATIVE_LEARNING: "teal",
    CaseStage.READY_FOR_PUBLICATION: "green",
    CaseStage.CLOSED: "grey",
}

# The clock's tag as the dashboard shows it (templates/includes/rag_tag.html), for exports.
RAG_LABELS = {"overdue": "Overdue", "due_soon": "Due soon", "on_track": "On track"}


# --- Shared pieces for every case page ---------------------------------------------------------


def days_text(status: ClockStatus | None, day=None) -> str:
    """'3 working days left', 'Due today' or '2 working days overdue'."""
    if status is None:
        return ""
    left = status.working_days_left
    if status.is_overdue:
        late = abs(left)
        if late == 0:
            return "Overdue"
        return f"{late} working day{'s' if late != 1 else ''} overdue"
    if status.due == (day or today()):
        return "Due today"
    return f"{left} working day{'s' if left != 1 else ''} left"


def case_context(request, case, *, current: str = "", title: str = "") -> dict:
    """What `_case_header.html` and `_case_nav.html` need: the case, its running clock (shown
    wherever the case appears) and the links this user may use.

    Pages of the local review can use it too: ``context.update(case_context(request, case,
    current="local_review", title="Local review"))``."""
    user = request.user
    day = today()
    book = ClockBook()
    clock = selectors.case_clock(case, book, day)
    definition = book.definitions.get(clock.code) if clock else None
    p = principal_for(user)
    perms = {
        "is_business_unit": p.is_business_unit,
        "can_edit": access.can_edit_case(user, case),
        "can_see_identity": access.can_see_identity(user, case),
        "is_notifier": access.is_notifier(user, case),
        "can_close": p.is_business_unit and case.stage in CLOSABLE_STAGES,
    }
    return {
        "case": case,
        "clock": clock,
        "clock_text": days_text(clock.status if clock else None, day),
        "clock_definition": definition,
        "stage_colour": STAGE_COLOURS.get(case.stage, ""),
        "case_perms": perms,
        "current": current,
        "page_title": title,
        "today": day,
    }


def sign_off_summary(case, stage: str, user) -> dict:
    """What a review page shows of a stage's sign-off: the sign-offs that count, who is still
    to sign, the latest withdrawal, and whether this user can sign now (or why not)."""
    state = signoff_state(case, stage)
    mine = access.partner_agency_ids(user)
    left = set(mine) - {s.agency_id for s in state.current}
    problem = services.sign_off_problem(case, stage) if mine else None
    return {
        "signoffs": state.current,
        "partners_missing": state.missing,
        "signoffs_missing": state.missing,
        "withdrawal": state.withdrawal,
        "can_sign_off": bool(left) and problem is None,
        "sign_off_problem": problem if left and not state.closed else None,
        "sign_off_stage": stage,
    }


def add_refusal(
    form,
    error: ValidationError,
    labels: Mapping[str, str] | None = None,
    rewrite: Mapping[str, str] | None = None,
) -> None:
    """Put a refused write's messages on the form: on the field they name where possible, so
    the error summary links to it, otherwise at the top. `labels` maps field names to the
    workflow's labels ("Enter the <label>"); `rewrite` gives a field clearer words."""
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
        return
    by_message = {}
    for name, label in (labels or {}).items():
        if name in form.fields:
            # The workflow keeps proper nouns ("Enter the Panel reference"): match either form.
            by_message[f"Enter the {label}"] = name
            by_message[f"Enter the {label.lower()}"] = name
    for message in error.messages:
        name = by_message.get(message)
        form.add_error(name, (rewrite or {}).get(name, message) if name else message)


# --- Dashboard and yearly summary --------------------------------------------------------------


@dataclass(frozen=True)
class DashboardRow:
    case: object
    clock: selectors.CaseClock | None
    days: str
    stage_colour: str


def _filters(form: DashboardFilterForm) -> selectors.CaseFilters:
    if not (form.is_bound and form.is_valid()):
        return selectors.CaseFilters(stage="open")
    data = form.cleaned_data
    return selectors.CaseFilters(
        stage=data.get("stage") or "open",
        year=data.get("year"),
        theme=data["theme"].pk if data.get("theme") else None,
        agency=data["agency"].pk if data.get("agency") else None,
    )


def _can_raise(user) -> bool:
    return bool(principal_for(user).agencies_with_role(*RAISE_ROLES))


DASHBOARD_COLUMNS = [
    "Case",
    "Pseudonym",
    "Age",
    "Stage",
    "Next deadline",
    "Due",
    "Time left",
    "Status",
    "Owner",
]


def _dashboard_table(rows: list[DashboardRow], day) -> Table:
    """The dashboard as a table to download: the rows and columns the page shows."""
    return Table(
        title="Case reviews",
        columns=DASHBOARD_COLUMNS,
        rows=[
            [
                row.case.reference,
                row.case.pseudonym,
                row.case.get_age_band_display(),
                row.case.get_stage_display(),
                row.clock.label if row.clock else "No clock running",
                row.clock.status.due if row.clock else None,
                row.days,
                RAG_LABELS.get(row.clock.status.rag, "") if row.clock else "",
                row.case.case_officer.full_name if row.case.case_officer else "Business unit",
            ]
            for row in rows
        ],
        subtitle=f"Exported on {day:%-d %B %Y}",
    )


@login_required
@require_GET
def dashboard(request):
    years = selectors.case_years(request.user)
    form = DashboardFilterForm(request.GET or None, years=years, initial={"stage": "open"})
    day = today()
    cases = selectors.dashboard_cases(request.user, _filters(form))
    rows = [
        DashboardRow(
            case,
            clock,
            days_text(clock.status if clock else None, day),
            STAGE_COLOURS.get(case.stage, ""),
        )
        for case, clock in selectors.dashboard_rows(cases, day)
    ]
    if "format" in request.GET:
        return export_response(
            request, _dashboard_table(rows, day), request.GET["format"], "case-reviews"
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/dashboard.html",
        {
            "filter_form": form,
            "page_obj": page,
            "rows": page.object_list,
            "today": day,
            "can_raise": _can_raise(request.user),
            "total": len(rows),
        },
    )


@login_required
@require_GET
def summary(request):
    rows = selectors.yearly_summary(request.user)
    columns = selectors.SUMMARY_COLUMNS
    fmt = request.GET.get("format")
    if fmt is not None:
        if fmt not in EXPORT_FORMATS:
            raise Http404("Unknown export format")
        day = today()
        table = Table(
            title="Case reviews: yearly summary",
            columns=[label for _, label in columns],
            rows=[[getattr(row, key) for key, _ in columns] for row in rows],
            subtitle=f"By year the local authority became aware. Exported on {day:%-d %B %Y}",
        )
        return export_response(request, table, fmt, f"case-reviews-summary-{day:%Y-%m-%d}")
    table_rows = [[getattr(row, key) for key, _ in columns] for row in rows]
    return render(
        request,
        "reviews/summary.html",
        {
            "columns": [label for _, label in columns],
            "table_rows": table_rows,
        },
    )


# --- Raising a concern ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def raise_concern(request):
    agency_ids = principal_for(request.user).agencies_with_role(*RAISE_ROLES)
    if not agency_ids:
        raise Http404("Not found")
    agencies = Agency.objects.filter(pk__in=agency_ids, active=True, archived_at__isnull=True)
    form = RaiseConcernForm(request.POST or None, agencies=agencies)
    no_local_authority = not form.fields["lead_agency"].queryset.exists()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_raise(
                by=request.user,
                raised_by_agency=data["raised_by_agency"],
                lead_agency=data["lead_agency"],
                pseudonym=data["pseudonym"],
                age_band=data["age_band"],
                harm=data["harm"],
                looked_after=data["looked_after"],
                incident_date=data["incident_date"],
                raised_aware_date=data["raised_aware_date"],
                summary=data["summary"],
                involved_agencies=data["involved_agencies"],
                themes=data["themes"],
                subject=form.restricted_details(),
                subject_reason=data["subject_reason"],
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                f"Concern raised: {case.reference}. The local authority's notifier has "
                "been told: they record when the local authority became aware and must decide "
                "within 5 working days of it",
            )
            return redirect("reviews:case", case.reference)
    return render(
        request, "reviews/raise.html", {"form": form, "no_local_authority": no_local_authority}
    )
