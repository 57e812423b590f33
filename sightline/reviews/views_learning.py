"""Lessons, recommendations and the actions made from them: the learning page of a case.

Cases come only from reviews.access; writes go only through services_local. Anyone who can see
the case can read the learning page; only the business unit and the case's reviewer add lessons
and recommendations, and only the business unit creates actions. Those who may only read get a
404 for the pages that change things."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from sightline.accounts.access import deny
from sightline.actions import access as actions_access
from sightline.actions.models import Action, ActionStatus
from sightline.actions.selectors import action_rag
from sightline.core.clocks import get_calendar, today
from sightline.reviews import access, services_local
from sightline.reviews.forms_local import LessonForm, RecommendationActionForm, RecommendationForm
from sightline.reviews.models import Case
from sightline.reviews.views import case_context
from sightline.reviews.views_local import _add_errors, _form_context, _page_url, _posted
from sightline.reviews.workflow import actions_outstanding

DONE_STATUSES = (ActionStatus.COMPLETE, ActionStatus.SIGNED_OFF, ActionStatus.CARRIED_FORWARD)


def _case_for_learning_work(request, reference: str) -> Case:
    case = access.case_for_view(request.user, reference)
    if not access.can_work_on_review(request.user, case):
        raise deny(request.user, object_type="reviews.case", object_id=case.reference)
    return case


def _recommendation_rows(case: Case, user, day) -> list[dict]:
    actions = Action.objects.filter(archived_at__isnull=True).select_related(
        "owner_agency", "owner"
    )
    recommendations = (
        case.recommendations.filter(archived_at__isnull=True)
        .select_related("lesson")
        .prefetch_related(Prefetch("actions", queryset=actions))
    )
    visible = set(
        actions_access.actions_visible_to(user)
        .filter(recommendations__case=case)
        .values_list("pk", flat=True)
    )
    calendar = get_calendar()
    rows = []
    for rec in recommendations:
        items = [
            {"action": a, "rag": action_rag(a, day, calendar), "can_view": a.pk in visible}
            for a in rec.actions.all()
        ]
        done = sum(1 for item in items if item["action"].status in DONE_STATUSES)
        rows.append({"recommendation": rec, "actions": items, "done": done, "total": len(items)})
    return rows


@login_required
@require_GET
def learning(request, reference: str):
    case = access.case_for_view(request.user, reference)
    day = today()
    review = getattr(case, "local_review", None)
    outstanding = actions_outstanding(case)
    context = case_context(
        request, case, current="learning", title="Lessons, recommendations and actions"
    )
    context.update(
        {
            "review": review,
            "lessons": case.lessons.filter(archived_at__isnull=True).prefetch_related("themes"),
            "rows": _recommendation_rows(case, request.user, day),
            "outstanding": outstanding,
            "can_close": not outstanding,
            "can_add": access.can_work_on_review(request.user, case),
            "can_add_actions": access.is_business_unit(request.user),
        }
    )
    return render(request, "reviews/learning.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def lesson_add(request, reference: str):
    case = _case_for_learning_work(request, reference)
    form = LessonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services_local.lesson_add(
                case=case,
                by=request.user,
                text=form.cleaned_data["text"],
                themes=form.cleaned_data["themes"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Lesson added")
            return redirect(_page_url(case, "reviews:learning", "lessons"))
    return render(
        request,
        "reviews/lesson_form.html",
        _form_context(request, case, None, form, "Add a lesson"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_add(request, reference: str):
    case = _case_for_learning_work(request, reference)
    form = RecommendationForm(_posted(request), case=case)
    if request.method == "POST" and form.is_valid():
        try:
            rec = services_local.recommendation_add(
                case=case,
                by=request.user,
                text=form.cleaned_data["text"],
                lesson=form.cleaned_data["lesson"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Recommendation {rec.number} added")
            return redirect(_page_url(case, "reviews:learning", f"recommendation-{rec.number}"))
    return render(
        request,
        "reviews/recommendation_form.html",
        _form_context(request, case, None, form, "Add a recommendation"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_action(request, reference: str, number: int):
    case = access.case_for_view(request.user, reference)
    if not access.is_business_unit(request.user):
        raise deny(
            request.user,
            object_type="reviews.recommendation",
            object_id=f"{case.reference}/{number}",
        )
    rec = case.recommendations.filter(number=number, archived_at__isnull=True).first()
    if rec is None:
        raise Http404("Not found")
    form = RecommendationActionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            action = services_local.recommendation_action_add(
                recommendation=rec, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Action {action.reference} added to the action plan")
            return redirect(_page_url(case, "reviews:learning", f"recommendation-{rec.number}"))
    return render(
        request,
        "reviews/recommendation_action_form.html",
        _form_context(
            request,
            case,
            None,
            form,
            f"Add an action for recommendation {rec.number}",
            recommendation=rec,
        ),
    )
