"""Action plan pages. Objects come only from actions.access; writes only through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from sightline.actions import access, selectors, services
from sightline.actions.forms import (
    ActionFilterForm,
    ActionForm,
    PlanForm,
    ProgressForm,
    transition_fields,
)
from sightline.actions.history import action_scope
from sightline.actions.reminders import action_reminders
from sightline.actions.workflow import ACTION_WORKFLOW
from sightline.core.clocks import get_calendar, today
from sightline.core.exports import EXPORT_FORMATS, Table, export_response
from sightline.core.history import HistoryPage, history_response, latest_history
from sightline.core.paging import page_of
from sightline.core.stale import stale_edit_context
from sightline.core.transition_pages import TransitionPage, available_transition
from sightline.core.versioning import StaleEdit

EXPORT_COLUMNS = [
    "Reference",
    "Plan",
    "Lesson or finding",
    "Action",
    "What is expected to change",
    "Owner agency",
    "Owner",
    "Due date",
    "Status",
    "Overdue",
    "Themes",
    "Impact statement",
]


def _export_rows(actions, day):
    for a in actions:
        yield [
            a.reference,
            a.plan.title,
            a.lesson,
            a.description,
            a.expected_change,
            a.owner_agency.name,
            a.owner.full_name if a.owner else "",
            a.due_date,
            a.get_status_display(),
            "Yes" if a.is_open and a.due_date < day else "No",
            ", ".join(t.name for t in a.themes.all()),
            a.impact_statement,
        ]


def _export(request, qs, title: str, stem: str):
    fmt = request.GET.get("format", "")
    if fmt not in EXPORT_FORMATS:
        raise Http404("Unknown export format")
    day = today()
    table = Table(
        title=title,
        columns=EXPORT_COLUMNS,
        rows=list(_export_rows(qs, day)),
        subtitle=f"Exported on {day:%-d %B %Y}",
    )
    return export_response(request, table, fmt, stem)


def _list_context(request, qs, day):
    """A page of actions and the status summary; the summary's total is the page count."""
    summary = selectors.status_summary(qs, day)
    page = page_of(request, qs, count=summary["total"])
    cal = get_calendar()
    actions = list(page.object_list)
    reminders = action_reminders(actions, day)
    rows = [(a, selectors.action_rag(a, day, cal), reminders.get(a.pk)) for a in actions]
    return {"page_obj": page, "rows": rows, "today": day, "summary": summary}


@login_required
@require_GET
def my_actions(request):
    day = today()
    qs = selectors.my_agency_actions(request.user, day)
    if "format" in request.GET:
        return _export(request, qs, "My agency's actions", "my-agency-actions")
    context = _list_context(request, qs, day)
    context["can_see_all"] = access.can_see_all_actions(request.user)
    context["can_manage"] = access.can_manage_plans(request.user)
    return render(request, "actions/my_actions.html", context)


@login_required
@require_GET
def all_actions(request):
    if not access.can_see_all_actions(request.user):
        raise Http404("Not found")
    day = today()
    form = ActionFilterForm(request.GET or None)
    filters = selectors.ActionFilters(sort=request.GET.get("sort", "due_date"))
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.ActionFilters(
            agency=data["agency"].pk if data.get("agency") else None,
            status=data.get("status") or "",
            theme=data["theme"].pk if data.get("theme") else None,
            source=data.get("source") or "",
            sort=filters.sort,
        )
    if filters.sort not in selectors.SORTS:
        raise Http404("Unknown sort")
    qs = selectors.action_list(request.user, filters, day)
    if "format" in request.GET:
        return _export(request, qs, "Actions", "actions")
    context = _list_context(request, qs, day)
    context.update(
        {
            "filter_form": form,
            "can_manage": access.can_manage_plans(request.user),
        }
    )
    return render(request, "actions/all_actions.html", context)


@login_required
@require_GET
def plan_list(request):
    plans = selectors.plan_list(request.user)
    page = page_of(request, plans)
    return render(
        request,
        "actions/plan_list.html",
        {"page_obj": page, "can_manage": access.can_manage_plans(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    if not access.can_manage_plans(request.user):
        raise Http404("Not found")
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan = services.action_plan_create(
            by=request.user,
            title=data["title"],
            source=data["source"],
            summary=data["summary"],
            themes=data["themes"],
        )
        messages.success(request, f"Action plan {plan.reference} created. Now add its actions")
        return redirect("actions:plan", plan.reference)
    return render(
        request, "actions/plan_form.html", {"form": form, "title": "Create an action plan"}
    )


@login_required
@require_GET
def plan_detail(request, reference: str):
    plan = access.plan_for_view(request.user, reference)
    day = today()
    qs = selectors.action_list(request.user, selectors.ActionFilters(plan=plan.pk), day)
    context = _list_context(request, qs, day)
    context.update(
        {
            "plan": plan,
            "can_manage": access.can_manage_plans(request.user),
        }
    )
    return render(request, "actions/plan_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, reference: str):
    plan = access.plan_for_management(request.user, reference)
    initial = {
        "version": plan.version,
        "title": plan.title,
        "source": plan.source,
        "summary": plan.summary,
        "themes": list(plan.themes.all()),
    }
    form = PlanForm(request.POST or None, initial=initial)
    context = {"form": form, "title": f"Edit {plan.reference}", "plan": plan}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.action_plan_update(
                plan=plan,
                by=request.user,
                expected_version=data["version"] or 0,
                themes=data["themes"],
                title=data["title"],
                source=data["source"],
                summary=data["summary"],
            )
        except StaleEdit as stale:
            context.update(stale_edit_context(form, stale.current))
        else:
            messages.success(request, "Action plan saved")
            return redirect("actions:plan", plan.reference)
    return render(request, "actions/plan_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def action_create(request, reference: str):
    plan = access.plan_for_management(request.user, reference)
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action = services.action_create(
            by=request.user,
            plan=plan,
            lesson=data["lesson"],
            description=data["description"],
            expected_change=data["expected_change"],
            owner_agency=data["owner_agency"],
            owner=data["owner"],
            due_date=data["due_date"],
            themes=data["themes"],
        )
        messages.success(request, f"Action {action.reference} added")
        return redirect("actions:plan", plan.reference)
    return render(
        request, "actions/action_form.html", {"form": form, "plan": plan, "title": "Add an action"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request, reference: str):
    action = access.action_for_management(request.user, reference)
    initial = {
        "version": action.version,
        "lesson": action.lesson,
        "description": action.description,
        "expected_change": action.expected_change,
        "owner_agency": action.owner_agency,
        "owner": action.owner,
        "due_date": action.due_date,
        "themes": list(action.themes.all()),
    }
    form = ActionForm(request.POST or None, initial=initial)
    context = {
        "form": form,
        "plan": action.plan,
        "action": action,
        "title": f"Edit {action.reference}",
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.action_update(
                action=action,
                by=request.user,
                expected_version=data["version"] or 0,
                themes=data["themes"],
                lesson=data["lesson"],
                description=data["description"],
                expected_change=data["expected_change"],
                owner_agency=data["owner_agency"],
                owner=data["owner"],
                due_date=data["due_date"],
            )
        except StaleEdit as stale:
            context.update(stale_edit_context(form, stale.current))
        else:
            messages.success(request, "Action saved")
            return redirect("actions:detail", action.reference)
    return render(request, "actions/action_form.html", context)


@login_required
@require_GET
def action_detail(request, reference: str):
    action = access.action_for_view(request.user, reference)
    day = today()
    return render(
        request,
        "actions/action_detail.html",
        {
            "action": action,
            "rag": selectors.action_rag(action, day),
            "updates": selectors.action_detail(action),
            "history": latest_history(action_scope(action), sees_identities=False),
            "reminders": action_reminders([action], day).get(action.pk),
            "transitions": ACTION_WORKFLOW.available(action, request.user),
            "can_progress": access.can_progress_action(request.user, action),
            "can_manage": access.can_manage_plans(request.user),
            "themes": action.themes.all(),
        },
    )


@login_required
@require_GET
def action_history(request, reference: str):
    """Every change to the action, paged, and its export."""
    action = access.action_for_view(request.user, reference)
    return history_response(
        request,
        scope=action_scope(action),
        record=action,
        sees_identities=False,
        page=HistoryPage(
            title=f"Action {action.reference}",
            kind="action",
            back_url=reverse("actions:detail", args=[action.reference]),
            back_text=f"Back to action {action.reference}",
            file_stem=f"{action.reference}-history",
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_progress(request, reference: str):
    action = access.action_for_progress(request.user, reference)
    form = ProgressForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        files = [data["evidence"]] if data.get("evidence") else []
        try:
            services.action_progress_add(
                action=action,
                by=request.user,
                note=data["note"],
                on_date=data.get("on_date"),
                files=files,
            )
        except ValidationError as error:
            form.add_error("evidence", error)
        else:
            messages.success(request, "Progress update added")
            return redirect("actions:detail", action.reference)
    return render(request, "actions/progress_form.html", {"form": form, "action": action})


@login_required
@require_http_methods(["GET", "POST"])
def action_status(request, reference: str, name: str):
    """The page of one move: the impact statement or the plan it needs, and the note."""
    action = access.action_for_view(request.user, reference)
    t = available_transition(
        ACTION_WORKFLOW, action, request.user, name, refuse=lambda: Http404("Not found")
    )
    detail_url = reverse("actions:detail", args=[action.reference])
    return TransitionPage(
        request,
        workflow=ACTION_WORKFLOW,
        transition=t,
        obj=action,
        apply=lambda **move: services.action_transition(action=action, by=request.user, **move),
        success_url=detail_url,
        success_message=f"Action {action.reference}: {t.label.lower()} done",
        fields=transition_fields(exclude_plan=action.plan),
        context={
            "back_url": detail_url,
            "back_text": f"Back to {action.reference}",
            "caption": f"Action {action.reference}",
            "title_suffix": action.reference,
            "summary": action.description,
        },
    ).respond()
