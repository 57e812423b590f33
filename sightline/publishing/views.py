"""Publication plan pages. Plans come only from publishing.access; writes only through
services. Nothing here is public: the library pages are separate."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sightline.core.clocks import today
from sightline.core.exports import Table, export_response
from sightline.core.forms import show_refusal
from sightline.core.history import HistoryPage, history_response
from sightline.core.stale import stale_edit_context
from sightline.core.templatetags.govuk import govuk_date
from sightline.core.transition_pages import TransitionForm, TransitionPage, available_transition
from sightline.core.versioning import StaleEdit
from sightline.publishing import (
    access,
    guard,
    selectors,
    services,
    services_publish,
    services_removal,
)
from sightline.publishing.forms import (
    ApproveForm,
    DocumentForm,
    NspccForm,
    PlanCreateForm,
    PlanEditForm,
    PlanFilterForm,
    RemovalDecisionForm,
    RemoveForm,
    RestoreForm,
    ScheduleForm,
    transition_fields,
)
from sightline.publishing.history import plan_scope
from sightline.publishing.models import PublicationPlan
from sightline.publishing.workflow import (
    OWN_PAGE_TRANSITIONS,
    PUBLICATION_WORKFLOW,
    _advance_copies_recorded,
    _checklist_complete,
    _guard_clean,
    _has_content,
    _two_approvals,
    approval_refusal,
    earliest_publication_date,
    removal_decision_refusal,
)

PAGE_SIZE = 50
FIELD_FOR_MESSAGE = {
    "publication date": "scheduled_date",
    "scheduled": "scheduled_date",
    "advance copies": "scheduled_date",
    "reasons for not publishing": "withheld_reasons",
    "who made the decision": "withheld_decision_makers",
    "date of the decision": "withheld_date",
    "note": "note",
    "partner lead who must confirm": "removal_approved_by",
    "confirms the removal": "removal_approved_by",
    "someone other than you": "removal_approved_by",
    "take it offline": "offline",
    "court order takes it offline": "offline",
    "court order": "removal_kind",
    "reason for removal": "removal_kind",
    "details of why": "removal_reason",
    "removal date": "planned_date",
    "why you do not confirm": "reason",
    "back in the library": "note",
}


def add_refusal(form, error: ValidationError) -> None:
    """A refused write's messages on the form: beside the field they are keyed by, or else the
    field they name where possible, so the error summary links to it; otherwise at the top."""
    if hasattr(error, "error_dict"):
        keyed = {k: v for k, v in error.error_dict.items() if k != NON_FIELD_ERRORS}
        show_refusal(form, ValidationError(keyed))
        error = ValidationError(error.error_dict.get(NON_FIELD_ERRORS, []))
    for message in error.messages:
        lowered = message.lower()
        field = next(
            (
                name
                for words, name in FIELD_FOR_MESSAGE.items()
                if words in lowered and name in form.fields
            ),
            None,
        )
        form.add_error(field, message)


def _not_found(*_args) -> Http404:
    return Http404("Not found")


# --------------------------------------------------------------------------- list and create


LIST_COLUMNS = [
    "Plan",
    "Title",
    "Case",
    "Type",
    "Version",
    "Status",
    "Approvals",
    "Date of",
    "Date",
]


def _plan_date(plan: PublicationPlan) -> tuple[str, object]:
    """The date the list shows for a plan, and what it is the date of."""
    if plan.status == PublicationPlan.Status.PUBLISHED:
        return "Publication", plan.published_at
    if plan.status == PublicationPlan.Status.SCHEDULED:
        return "Scheduled publication", plan.scheduled_for
    if plan.status == PublicationPlan.Status.REMOVED:
        return "Removal", plan.removed_at
    if plan.status == PublicationPlan.Status.WITHHELD:
        return "Decision not to publish", plan.withheld_date
    return "Last change", plan.updated_at


def _list_table(plans, user) -> Table:
    """The list as a table to download, with titles shown as this user sees them."""
    rows = []
    for plan, title in selectors.list_rows(plans, user):
        date_of, when = _plan_date(plan)
        rows.append(
            [
                plan.reference,
                title,
                f"{plan.case.reference} {plan.case.pseudonym}" if plan.case else "",
                plan.get_kind_display(),
                plan.get_version_kind_display(),
                plan.get_status_display(),
                plan.approval_count,
                date_of,
                when,
            ]
        )
    return Table(
        title="Publication plans",
        columns=LIST_COLUMNS,
        rows=rows,
        subtitle=f"Exported on {govuk_date(today())}",
    )


@login_required
@require_GET
def plan_list(request):
    if not access.can_see_plans(request.user):
        raise _not_found()
    form = PlanFilterForm(request.GET or None)
    filters = selectors.PlanFilters()
    if form.is_valid():
        filters = selectors.PlanFilters(
            status=form.cleaned_data.get("status") or "", kind=form.cleaned_data.get("kind") or ""
        )
    plans = selectors.plan_list(request.user, filters)
    if "format" in request.GET:
        table = _list_table(plans, request.user)
        return export_response(request, table, request.GET["format"], "publication-plans")
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    manage = access.can_manage_plans(request.user)
    return render(
        request,
        "publishing/plan_list.html",
        {
            "page_obj": page,
            "rows": selectors.list_rows(page.object_list, request.user),
            "filter_form": form,
            "counts": selectors.status_counts(request.user),
            "can_manage": manage,
            "briefings": selectors.briefings_ready_for_library() if manage else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    if not access.can_manage_plans(request.user):
        raise _not_found()
    from sightline.learning.models import Briefing

    ready_ids = set(selectors.cases_ready_for_publication().values_list("pk", flat=True))
    form = PlanCreateForm(
        request.POST or None,
        cases=selectors.cases_for_summary(),
        ready_case_ids=ready_ids,
        briefings=Briefing.objects.filter(
            status=Briefing.Status.PUBLISHED, is_public=True, archived_at__isnull=True
        ),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["source"] == PlanCreateForm.BRIEFING:
                plan = services.plan_create_from_briefing(
                    by=request.user, briefing=data["briefing"]
                )
            else:
                is_review = data["source"] == PlanCreateForm.REVIEW
                plan = services.plan_create(
                    by=request.user,
                    kind=data["source"],
                    case=data.get("case") if is_review else None,
                    version_kind=data.get("version_kind") or PublicationPlan.Version.FULL_REPORT,
                    title=data["title"].strip(),
                    summary=data["summary"].strip(),
                )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, f"Publication plan {plan.reference} created")
            return redirect("publishing:detail", plan.reference)
    return render(request, "publishing/plan_create.html", {"form": form})


@login_required
@require_POST
def plan_from_briefing(request, reference: str):
    from sightline.learning.models import Briefing

    if not access.can_manage_plans(request.user):
        raise _not_found()
    briefing = Briefing.objects.filter(reference=reference, archived_at__isnull=True).first()
    if briefing is None or not services.briefing_is_ready(briefing):
        raise _not_found()
    try:
        plan = services.plan_create_from_briefing(by=request.user, briefing=briefing)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("publishing:list")
    messages.success(request, f"Publication plan {plan.reference} created from {reference}")
    return redirect("publishing:detail", plan.reference)


# --------------------------------------------------------------------------- the plan


@login_required
@require_GET
def plan_detail(request, reference: str):
    plan = access.plan_for_view(request.user, reference)
    context = {"plan": plan, **selectors.plan_detail(plan, request.user)}
    return render(request, "publishing/plan_detail.html", context)


@login_required
@require_GET
def plan_history(request, reference: str):
    """Every change to the plan and its public library entry, paged, and its export."""
    plan = access.plan_for_view(request.user, reference)
    # Those who never see identities read the title and reasons masked, as on the plan page.
    terms = None if access.can_manage_plans(request.user) else guard.plan_terms(plan)
    title = plan.title if terms is None else guard.redact(plan.title, terms)
    return history_response(
        request,
        scope=plan_scope(plan),
        record=plan,
        sees_identities=False,
        redact=selectors.history_redactor(terms),
        page=HistoryPage(
            title=f"{plan.reference} {title}",
            kind="plan",
            back_url=reverse("publishing:detail", args=[plan.reference]),
            back_text=f"Back to {plan.reference}",
            file_stem=f"{plan.reference}-history",
        ),
    )


def _edit_initial(plan: PublicationPlan) -> dict:
    fields = [*services.EDIT_FIELDS]
    initial = {name: getattr(plan, name) for name in fields}
    initial.update(version=plan.version, themes=list(plan.themes.all()))
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, reference: str):
    plan = access.plan_for_management(request.user, reference)
    if plan.status not in services.EDITABLE_STATUSES:
        raise _not_found()
    form = PlanEditForm(request.POST or None, initial=_edit_initial(plan))
    context = {"form": form, "plan": plan}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in services.EDIT_FIELDS}
        for name in ("title", "summary", "body", "review_type", "communications_plan"):
            fields[name] = (fields[name] or "").strip()
        try:
            services.plan_update(
                plan=plan,
                by=request.user,
                expected_version=data["version"] or 0,
                themes=data["themes"],
                **fields,
            )
        except StaleEdit as stale:
            context.update(stale_edit_context(form, stale.current))
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, "Publication plan saved")
            return redirect("publishing:detail", plan.reference)
    return render(request, "publishing/plan_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_upload(request, reference: str):
    plan = access.plan_for_management(request.user, reference)
    if plan.status not in services.EDITABLE_STATUSES:
        raise _not_found()
    form = DocumentForm(
        request.POST or None, request.FILES or None, initial={"version": plan.version}
    )
    context = {"form": form, "plan": plan}
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_attach_document(
                plan=plan,
                by=request.user,
                uploaded_file=form.cleaned_data["file"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleEdit as stale:
            context.update(stale_edit_context(form, stale.current))
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            held = selectors.file_metadata_view(plan)["kinds"]
            if held:
                messages.warning(
                    request,
                    f"File uploaded. Its properties held possible identifiers ({held}) and "
                    "were removed from the copy stored here, but copies sent from your original "
                    "file still contain them. Run the publication guard again",
                )
            else:
                messages.success(request, "File uploaded. Run the publication guard again")
            return redirect("publishing:detail", plan.reference)
    return render(request, "publishing/plan_upload.html", context)


@login_required
@require_POST
def plan_guard(request, reference: str):
    plan = access.plan_for_management(request.user, reference)
    findings = services.plan_run_guard(plan=plan, by=request.user)
    if findings:
        several = len(findings) != 1
        messages.error(
            request,
            f"The publication guard found {len(findings)} possible "
            f"identifier{'s' if several else ''}. It cannot be published until "
            f"{'they are' if several else 'it is'} removed",
        )
    else:
        messages.success(request, "The publication guard found no identifiers")
    return redirect(f"{plan_url(plan)}#guard")


def plan_url(plan: PublicationPlan) -> str:
    return services.plan_url(plan)


def refused(request, plan: PublicationPlan, *, title: str, reason: str, action: str):
    """A refusal the user may see, with its reason (403). Only people who may not see the plan
    at all get "Page not found"."""
    access.refuse(request.user, plan, action=action, reason=reason)
    return render(
        request,
        "publishing/plan_refused.html",
        {"plan": plan, "title": title, "reason": reason},
        status=403,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_approve(request, reference: str):
    plan = access.plan_for_view(request.user, reference)
    refusal = approval_refusal(plan, request.user)
    if refusal:
        return refused(
            request,
            plan,
            title="You cannot approve this publication",
            reason=refusal,
            action="publication.approve",
        )
    detail = selectors.plan_detail(plan, request.user)
    form = ApproveForm(
        request.POST or None,
        agencies=detail["approve_agencies"],
        initial={"fingerprint": detail["fingerprint"]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            approval = services.plan_approve(
                plan=plan,
                by=request.user,
                agency=form.cleaned_data.get("agency"),
                fingerprint_seen=form.cleaned_data["fingerprint"],
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, f"You approved publication for {approval.agency}")
            return redirect("publishing:detail", plan.reference)
    return render(request, "publishing/plan_approve.html", {"form": form, "plan": plan, **detail})


@login_required
@require_http_methods(["GET", "POST"])
def plan_status(request, reference: str, name: str):
    """The page of one move: the time to publish, or the decision not to publish. The content
    and checklist a submission needs are edited on their own pages, which the page links to."""
    plan = access.plan_for_view(request.user, reference)
    if name in OWN_PAGE_TRANSITIONS:
        raise _not_found()
    t = available_transition(PUBLICATION_WORKFLOW, plan, request.user, name, refuse=_not_found)
    detail_url = reverse("publishing:detail", args=[plan.reference])
    edit_url = reverse("publishing:edit", args=[plan.reference])
    schedule = name == "schedule"
    return TransitionPage(
        request,
        workflow=PUBLICATION_WORKFLOW,
        transition=t,
        obj=plan,
        apply=lambda **move: services.plan_transition(plan=plan, by=request.user, **move),
        success_url=detail_url,
        success_message=f"{plan.reference}: {t.label.lower()} done",
        form_class=ScheduleForm if schedule else TransitionForm,
        fields=transition_fields(),
        ask=[n for n in t.required if n in services.TRANSITION_FIELDS.get(name, ())],
        initial=ScheduleForm.initial_for(plan) if schedule else None,
        elsewhere=dict.fromkeys(t.required, edit_url),
        fixes={
            _has_content: reverse("publishing:upload", args=[plan.reference]),
            _checklist_complete: edit_url,
            _advance_copies_recorded: edit_url,
            _guard_clean: f"{detail_url}#guard",
            _two_approvals: f"{detail_url}#approvals",
        },
        context={
            "back_url": detail_url,
            "back_text": f"Back to {plan.reference}",
            "caption": f"{plan.reference} {plan.title}",
            "title_suffix": plan.reference,
            "intro_template": "publishing/_transition_intro.html",
            "plan": plan,
            "earliest": earliest_publication_date(plan) if schedule else None,
        },
    ).respond()


@login_required
@require_http_methods(["GET", "POST"])
def plan_withhold(request, reference: str):
    return plan_status(request, reference, "withhold")


@login_required
@require_http_methods(["GET", "POST"])
def plan_remove(request, reference: str):
    """Remove now or at a set time. Before the end of the minimum public period this asks the
    named partner lead to confirm the removal (and an urgent court order takes the item offline
    at once); afterwards it removes, or plans the removal, directly."""
    plan = access.plan_for_management(request.user, reference)
    detail = selectors.plan_detail(plan, request.user)
    if not detail["can_remove"]:
        raise _not_found()
    early_until = plan.min_end_date if detail["early_removal_only"] else None
    form = RemoveForm(
        request.POST or None,
        approvers=access.removal_approvers(request.user),
        early_until=early_until,
        initial={"version": plan.version, "when": RemoveForm.NOW},
    )
    context = {"form": form, "plan": plan, **detail}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        planned_for = data.get("planned_for") if data["when"] == RemoveForm.LATER else None
        common = {
            "plan": plan,
            "by": request.user,
            "expected_version": data["version"],
            "removal_kind": data["removal_kind"],
            "removal_reason": data["removal_reason"],
        }
        try:
            if form.early:
                removal = services_removal.removal_request_create(
                    approver=data.get("removal_approved_by"),
                    planned_for=planned_for,
                    offline=bool(data.get("offline")),
                    **common,
                )
                name = removal.approver.full_name
                done = (
                    f"Taken offline. {name} has been asked to confirm the removal"
                    if removal.offline
                    else f"{name} has been asked to confirm the removal. Until then it stays "
                    "in the library"
                )
            elif planned_for is not None:
                services_publish.plan_schedule_removal(removal_planned_for=planned_for, **common)
                done = "Removal planned"
            else:
                services_publish.plan_remove(**common)
                done = "Removed from the library. Its catalogue entry says why"
        except StaleEdit as stale:
            context.update(stale_edit_context(form, stale.current))
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, done)
            return redirect("publishing:detail", plan.reference)
    return render(request, "publishing/plan_remove.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def removal_decide(request, reference: str):
    """The named partner lead confirms or refuses a removal request. Everyone else who may see
    the plan is told why they cannot."""
    plan = access.plan_for_view(request.user, reference)
    refusal = removal_decision_refusal(plan, request.user)
    if refusal:
        return refused(
            request,
            plan,
            title="You cannot confirm this removal",
            reason=refusal,
            action="publication.removal_confirm",
        )
    detail = selectors.plan_detail(plan, request.user)
    waiting = detail["removal"]["waiting"]
    choices = (RemovalDecisionForm.CONFIRM, RemovalDecisionForm.REFUSE)
    decision = next((c for c in choices if request.POST.get(f"{c}-decision") == c), None)
    forms_by_decision = {
        choice: RemovalDecisionForm(
            request.POST if decision == choice else None,
            decision=choice,
            initial={"fingerprint": waiting.fingerprint, "decision": choice},
            prefix=choice,
        )
        for choice in choices
    }
    context = {
        **detail,
        "plan": plan,
        "waiting": waiting,
        "confirm_form": forms_by_decision[RemovalDecisionForm.CONFIRM],
        "refuse_form": forms_by_decision[RemovalDecisionForm.REFUSE],
    }
    form = forms_by_decision.get(decision)
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if decision == RemovalDecisionForm.CONFIRM:
                services_removal.removal_request_confirm(
                    plan=plan, by=request.user, fingerprint_seen=data["fingerprint"]
                )
                done = "You confirmed the removal"
            else:
                services_removal.removal_request_refuse(
                    plan=plan,
                    by=request.user,
                    fingerprint_seen=data["fingerprint"],
                    reason=data["reason"],
                )
                done = "You did not confirm the removal. The business unit has been told why"
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, done)
            return redirect("publishing:detail", plan.reference)
    return render(request, "publishing/removal_decide.html", context)


@login_required
@require_POST
def plan_cancel_removal(request, reference: str):
    plan = access.plan_for_management(request.user, reference)
    try:
        services_publish.plan_cancel_removal(
            plan=plan, by=request.user, expected_version=plan.version
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The planned removal is cancelled")
    return redirect("publishing:detail", plan.reference)


@login_required
@require_POST
def removal_withdraw(request, reference: str):
    plan = access.plan_for_management(request.user, reference)
    try:
        services_removal.removal_request_withdraw(plan=plan, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The removal request is withdrawn")
    return redirect("publishing:detail", plan.reference)


@login_required
@require_http_methods(["GET", "POST"])
def plan_restore(request, reference: str):
    """Put an item taken offline back in the library."""
    plan = access.plan_for_management(request.user, reference)
    if plan.status != PublicationPlan.Status.OFFLINE:
        raise _not_found()
    form = RestoreForm(request.POST or None, initial={"version": plan.version})
    context = {"form": form, "plan": plan, **selectors.plan_detail(plan, request.user)}
    if request.method == "POST" and form.is_valid():
        try:
            services_removal.plan_restore(
                plan=plan,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            )
        except StaleEdit as stale:
            context.update(stale_edit_context(form, stale.current))
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, "It is back in the library")
            return redirect("publishing:detail", plan.reference)
    return render(request, "publishing/plan_restore.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_nspcc(request, reference: str):
    plan = access.plan_for_management(request.user, reference)
    S = PublicationPlan.Status
    if plan.status not in (S.PUBLISHED, S.OFFLINE, S.REMOVED):
        raise _not_found()
    form = NspccForm(
        request.POST or None,
        initial={"version": plan.version, "submitted_on": plan.nspcc_submitted_date},
    )
    context = {"form": form, "plan": plan}
    if request.method == "POST" and form.is_valid():
        try:
            services_publish.plan_record_nspcc(
                plan=plan,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                submitted_on=form.cleaned_data["submitted_on"],
            )
        except StaleEdit as stale:
            context.update(stale_edit_context(form, stale.current))
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, "NSPCC repository submission recorded")
            return redirect("publishing:detail", plan.reference)
    return render(request, "publishing/plan_nspcc.html", context)


@login_required
@require_POST
def plan_improvements(request, reference: str):
    plan = access.plan_for_management(request.user, reference)
    try:
        instead = services.plan_create_improvements(plan=plan, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("publishing:detail", plan.reference)
    messages.success(request, f"Publication plan {instead.reference} created")
    return redirect("publishing:detail", instead.reference)
