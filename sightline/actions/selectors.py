"""Reads of actions for lists, the home page, exports and dashboards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from sightline.accounts.access import principal_for
from sightline.accounts.models import Role
from sightline.actions.access import actions_visible_to, can_progress_action
from sightline.actions.models import OPEN_STATUSES, Action, ActionPlan, ActionStatus, ActionUpdate
from sightline.core.calendar import clock_state
from sightline.core.clocks import get_calendar
from sightline.core.models import Theme
from sightline.core.registry import HomeItem, HomeSection

# Every order offered ends in the primary key, so paging is stable, and each has an index that
# serves it (see Action.Meta.indexes): no list sorts its rows in memory. Within an agency or a
# status the earliest due comes first, whichever way the list is sorted.
SORTS = {
    "due_date": ("due_date", "id"),
    "-due_date": ("-due_date", "-id"),
    "reference": ("reference",),
    "-reference": ("-reference",),
    "agency": ("owner_agency__name", "due_date", "id"),
    "-agency": ("-owner_agency__name", "due_date", "id"),
    "status": ("status", "due_date", "id"),
    "-status": ("-status", "due_date", "id"),
}


@dataclass(frozen=True)
class ActionFilters:
    agency: int | None = None
    status: str = ""  # a status value, or "overdue" / "open"
    theme: int | None = None
    source: str = ""
    plan: int | None = None
    sort: str = "due_date"


def _base(qs: QuerySet[Action]) -> QuerySet[Action]:
    return qs.select_related("owner_agency", "owner", "plan").prefetch_related(
        Prefetch("themes", queryset=Theme.objects.only("id", "name"))
    )


def action_list(user, filters: ActionFilters, today: date) -> QuerySet[Action]:
    qs = actions_visible_to(user)
    if filters.agency:
        qs = qs.filter(owner_agency_id=filters.agency)
    if filters.status == "overdue":
        qs = qs.filter(status__in=OPEN_STATUSES, due_date__lt=today)
    elif filters.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.theme:
        # A semi-join, so an action with several themes is still one row (no DISTINCT).
        qs = qs.filter(
            Exists(Action.themes.through.objects.filter(action=OuterRef("pk"), theme=filters.theme))
        )
    if filters.source:
        qs = qs.filter(plan__source=filters.source)
    if filters.plan:
        qs = qs.filter(plan_id=filters.plan)
    return _base(qs).order_by(*SORTS.get(filters.sort, SORTS["due_date"]))


def my_agency_actions(user, today: date) -> QuerySet[Action]:
    """Actions of the agencies the user leads or works in, plus their own."""
    p = principal_for(user)
    agencies = set(p.roles_by_agency)
    qs = actions_visible_to(user).filter(Q(owner_agency_id__in=agencies) | Q(owner_id=p.user_id))
    return _base(qs).order_by("due_date", "id")


def action_detail(action: Action):
    updates = (
        ActionUpdate.objects.filter(action=action)
        .select_related("author")
        .prefetch_related("evidence")
        .order_by("-on_date", "-id")
    )
    return updates


def plan_list(user) -> QuerySet[ActionPlan]:
    """Plans newest first, each with how many of its actions this user may see and how many of
    those are open: counted per plan shown, by a subquery on the (plan, due_date) index, not by
    joining every plan to every action before paging."""
    from sightline.actions.access import plans_visible_to

    visible = actions_visible_to(user).filter(plan=OuterRef("pk")).order_by()

    def count(qs):
        return Coalesce(
            Subquery(qs.values("plan").annotate(n=Count("pk")).values("n")[:1]), Value(0)
        )

    return (
        plans_visible_to(user)
        .annotate(
            action_count=count(visible),
            open_count=count(visible.filter(status__in=OPEN_STATUSES)),
        )
        .prefetch_related("themes")
        .order_by("-created_at", "-id")
    )


def status_summary(qs: QuerySet[Action], today: date) -> dict[str, int]:
    """Counts by status, the overdue count and the total, in one grouped query over the
    (status, due_date) index. The querysets passed in never duplicate rows."""
    counts = {s.value: 0 for s in ActionStatus} | {"total": 0, "overdue": 0}
    rows = (
        qs.order_by()
        .values("status")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_date__lt=today)))
        .values_list("status", "n", "late")
    )
    for status, number, late in rows:
        counts[status] = number
        counts["total"] += number
        if status in OPEN_STATUSES:
            counts["overdue"] += late
    return counts


def action_rag(action: Action, today: date, cal=None) -> str:
    if not action.is_open:
        return "done"
    return clock_state(action.due_date, today, cal or get_calendar()).rag


def home_section(user, today: date, horizon: date) -> HomeSection:
    """My tasks, my deadlines and my agency's overdue actions, for the signed-in home."""
    section = HomeSection()
    p = principal_for(user)
    cal = get_calendar()
    visible = actions_visible_to(user).select_related("owner_agency")
    mine = visible.filter(
        Q(owner_id=p.user_id) | Q(owner_agency_id__in=p.agencies_with_role(Role.AGENCY_LEAD)),
        status__in=OPEN_STATUSES,
    )
    for action in mine.order_by("due_date")[:50]:
        if can_progress_action(user, action):
            section.tasks.append(
                HomeItem(
                    title=f"Update action {action.reference}",
                    url=reverse("actions:detail", args=[action.reference]),
                    due=action.due_date,
                    meta=f"{action.owner_agency} — due {action.due_date:%-d %B %Y}",
                )
            )
        if today <= action.due_date <= horizon:
            section.deadlines.append(
                HomeItem(
                    title=f"Action {action.reference}",
                    url=reverse("actions:detail", args=[action.reference]),
                    due=action.due_date,
                    meta=action.description[:120],
                    rag=clock_state(action.due_date, today, cal).rag,
                )
            )
    if p.is_business_unit:
        for action in visible.filter(status=ActionStatus.COMPLETE).order_by("updated_at")[:50]:
            section.tasks.append(
                HomeItem(
                    title=f"Sign off action {action.reference}",
                    url=reverse("actions:detail", args=[action.reference]),
                    meta=f"Completed by {action.owner_agency}",
                )
            )
    own_agencies = set(p.roles_by_agency)
    overdue = visible.filter(
        owner_agency_id__in=own_agencies, status__in=OPEN_STATUSES, due_date__lt=today
    ).order_by("due_date")[:50]
    for action in overdue:
        section.overdue.append(
            HomeItem(
                title=f"{action.reference}: {action.description[:80]}",
                url=reverse("actions:detail", args=[action.reference]),
                due=action.due_date,
                meta=str(action.owner_agency),
                rag="overdue",
            )
        )
    return section
