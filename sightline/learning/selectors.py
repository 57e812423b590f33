"""Reads of briefings for lists, dissemination pages, the dashboard and the home page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, IntegerField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse

from sightline.accounts.access import principal_for
from sightline.accounts.models import Membership, Role, User
from sightline.core.calendar import clock_state
from sightline.core.clocks import get_calendar
from sightline.core.models import Theme
from sightline.core.registry import HomeItem, HomeSection
from sightline.learning.models import Briefing, Dissemination

S = Briefing.Status

SORTS = {
    "-updated": ("-updated_at", "-id"),
    "updated": ("updated_at", "id"),
    "reference": ("reference",),
    "-reference": ("-reference",),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "status": ("status", "-updated_at"),
    "-status": ("-status", "-updated_at"),
    "publish_date": ("publish_date", "id"),
    "-publish_date": ("-publish_date", "-id"),
}
DEFAULT_SORT = "-updated"

DASHBOARD_SORTS = {
    "-publish_date": ("-publish_date", "-id"),
    "publish_date": ("publish_date", "id"),
    "reference": ("reference",),
    "-reference": ("-reference",),
    "acknowledged": ("acknowledged_percent", "-publish_date", "-id"),
    "-acknowledged": ("-acknowledged_percent", "-publish_date", "-id"),
    "staff_reached": ("staff_reached_total", "-publish_date", "-id"),
    "-staff_reached": ("-staff_reached_total", "-publish_date", "-id"),
    "overdue": ("overdue_count", "-publish_date", "-id"),
    "-overdue": ("-overdue_count", "-publish_date", "-id"),
}
DASHBOARD_DEFAULT_SORT = "-publish_date"
# Briefings that can have been sent to agencies.
SENT_STATUSES = (S.PUBLISHED, S.WITHDRAWN)


@dataclass(frozen=True)
class BriefingFilters:
    status: str = ""
    theme: int | None = None
    source: str = ""
    sort: str = DEFAULT_SORT


def _themes_prefetch() -> Prefetch:
    return Prefetch("themes", queryset=Theme.objects.only("id", "name").order_by("name"))


def filter_briefings(qs: QuerySet[Briefing], filters: BriefingFilters) -> QuerySet[Briefing]:
    """`qs` (what the user may see: access.briefings_visible_to) narrowed by the filters. The
    theme filter is a subquery, so aggregates over the result count each briefing once."""
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.theme:
        tagged = Briefing.themes.through.objects.filter(theme_id=filters.theme)
        qs = qs.filter(pk__in=tagged.values("briefing_id"))
    if filters.source:
        qs = qs.filter(source=filters.source)
    return qs


def briefing_list(qs: QuerySet[Briefing], filters: BriefingFilters) -> QuerySet[Briefing]:
    """The list page and its export: filtered, sorted, with authors and themes loaded."""
    return (
        filter_briefings(qs, filters)
        .select_related("author", "approver")
        .prefetch_related(_themes_prefetch())
        .order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))
    )


# --------------------------------------------------------------------------- dissemination


@dataclass(frozen=True)
class ReachStats:
    sent: int
    acknowledged: int
    staff_reached: int
    overdue: int

    @property
    def percent_acknowledged(self) -> int | None:
        return round(self.acknowledged * 100 / self.sent) if self.sent else None

    @property
    def awaiting(self) -> int:
        return self.sent - self.acknowledged


def _stat_aggregates(day: date, prefix: str = "") -> dict:
    """Aggregates over dissemination records: on Dissemination itself (no prefix) or across
    the relation from Briefing (prefix "disseminations__")."""
    target = prefix.removesuffix("__") or "id"
    live = Q(**{f"{prefix}archived_at__isnull": True})
    acknowledged = Q(**{f"{prefix}acknowledged_at__isnull": False})
    overdue = Q(**{f"{prefix}acknowledged_at__isnull": True, f"{prefix}acknowledge_by__lt": day})
    return {
        "sent_count": Count(target, filter=live),
        "acknowledged_count": Count(target, filter=live & acknowledged),
        "staff_reached_total": Coalesce(
            Sum(f"{prefix}staff_reached", filter=live), Value(0), output_field=IntegerField()
        ),
        "overdue_count": Count(target, filter=live & overdue),
    }


def _stats(values: dict) -> ReachStats:
    return ReachStats(
        sent=values["sent_count"] or 0,
        acknowledged=values["acknowledged_count"] or 0,
        staff_reached=values["staff_reached_total"] or 0,
        overdue=values["overdue_count"] or 0,
    )


def dissemination_stats(briefing: Briefing, day: date) -> ReachStats:
    """Sent, acknowledged, staff reached and overdue for one briefing: one aggregate query."""
    return _stats(
        Dissemination.objects.filter(briefing=briefing).aggregate(**_stat_aggregates(day))
    )


def dissemination_rows(briefing: Briefing) -> QuerySet[Dissemination]:
    return (
        Dissemination.objects.filter(briefing=briefing, archived_at__isnull=True)
        .select_related("agency", "acknowledged_by", "sent_by", "briefing")
        .order_by("agency__name")
    )


def dissemination_state(d: Dissemination, day: date) -> str:
    if d.acknowledged_at:
        return "acknowledged"
    return "overdue" if d.acknowledge_by < day else "awaiting"


@dataclass(frozen=True)
class DashboardRow:
    briefing: Briefing
    stats: ReachStats


def dashboard_briefings(qs: QuerySet[Briefing], day: date, sort: str = DASHBOARD_DEFAULT_SORT):
    """One row per published (or withdrawn) briefing with its reach, in one query however many
    briefings there are. `qs` is what the user may see."""
    qs = (
        qs.filter(status__in=SENT_STATUSES)
        .annotate(**_stat_aggregates(day, prefix="disseminations__"))
        .annotate(
            acknowledged_percent=Coalesce(
                100 * F("acknowledged_count") / NullIf(F("sent_count"), 0),
                Value(-1),
                output_field=IntegerField(),
            )
        )
    )
    return qs.order_by(*DASHBOARD_SORTS.get(sort, DASHBOARD_SORTS[DASHBOARD_DEFAULT_SORT]))


def dashboard_rows(briefings: Iterable[Briefing]) -> list[DashboardRow]:
    return [
        DashboardRow(
            briefing=b,
            stats=_stats(
                {
                    "sent_count": b.sent_count,
                    "acknowledged_count": b.acknowledged_count,
                    "staff_reached_total": b.staff_reached_total,
                    "overdue_count": b.overdue_count,
                }
            ),
        )
        for b in briefings
    ]


def dashboard_totals(qs: QuerySet[Briefing], day: date) -> ReachStats:
    """Totals across the dashboard's briefings: one aggregate query."""
    return _stats(
        Dissemination.objects.filter(
            briefing__in=qs.filter(status__in=SENT_STATUSES).values("pk")
        ).aggregate(**_stat_aggregates(day))
    )


def acknowledgements_for(
    user, *, briefing: Briefing | None = None, include_done: bool = False
) -> list[Dissemination]:
    """The dissemination records of the agencies the user leads: those still to acknowledge
    for published briefings or, for one briefing, all of them."""
    agencies = principal_for(user).agencies_with_role(Role.AGENCY_LEAD)
    if not agencies:
        return []
    qs = Dissemination.objects.filter(
        archived_at__isnull=True, agency_id__in=agencies, briefing__archived_at__isnull=True
    )
    if briefing is not None:
        qs = qs.filter(briefing=briefing)
    else:
        qs = qs.filter(briefing__status=S.PUBLISHED)
    if not include_done:
        qs = qs.filter(acknowledged_at__isnull=True)
    return list(qs.select_related("briefing", "agency").order_by("acknowledge_by", "pk")[:50])


# --------------------------------------------------------------------------- people


def agency_leads(agency_ids: Iterable[int]) -> dict[int, list[User]]:
    """Each agency's active safeguarding leads, in one query."""
    ids = set(agency_ids)
    result: dict[int, list[User]] = {}
    if not ids:
        return result
    memberships = Membership.objects.filter(
        agency_id__in=ids,
        role=Role.AGENCY_LEAD,
        active=True,
        archived_at__isnull=True,
        user__is_active=True,
    ).select_related("user")
    for m in memberships.order_by("agency_id", "user__full_name"):
        result.setdefault(m.agency_id, []).append(m.user)
    return result


# --------------------------------------------------------------------------- home


def home_section(user, today: date, horizon: date) -> HomeSection:
    """Drafts to finish (authors), briefings to approve or publish (approvers, the business
    unit), and briefings to acknowledge with their due dates (agency leads)."""
    from sightline.learning import access

    section = HomeSection()
    p = principal_for(user)
    if p.user_id is None:
        return section
    if access.can_author(user):
        for b in Briefing.objects.filter(
            archived_at__isnull=True, author_id=p.user_id, status=S.DRAFT
        ).order_by("-updated_at")[:50]:
            section.tasks.append(
                HomeItem(
                    title=f"Finish 7-minute briefing {b.reference}",
                    url=reverse("learning:detail", args=[b.reference]),
                    meta=b.title,
                )
            )
        for b in (
            Briefing.objects.filter(archived_at__isnull=True, status=S.IN_REVIEW)
            .exclude(author_id=p.user_id)
            .select_related("author")
            .order_by("updated_at")[:50]
        ):
            section.tasks.append(
                HomeItem(
                    title=f"Approve 7-minute briefing {b.reference}",
                    url=reverse("learning:detail", args=[b.reference]),
                    meta=f"{b.title} — written by {b.author}",
                )
            )
    if p.is_business_unit:
        for b in Briefing.objects.filter(archived_at__isnull=True, status=S.APPROVED).order_by(
            "updated_at"
        )[:50]:
            section.tasks.append(
                HomeItem(
                    title=f"Publish 7-minute briefing {b.reference}",
                    url=reverse("learning:detail", args=[b.reference]),
                    meta=b.title,
                )
            )
    lead_agencies = p.agencies_with_role(Role.AGENCY_LEAD)
    if lead_agencies:
        cal = get_calendar()
        pending = (
            Dissemination.objects.filter(
                archived_at__isnull=True,
                acknowledged_at__isnull=True,
                agency_id__in=lead_agencies,
                briefing__status=S.PUBLISHED,
                briefing__archived_at__isnull=True,
            )
            .select_related("briefing", "agency")
            .order_by("acknowledge_by", "pk")[:50]
        )
        for d in pending:
            url = reverse("learning:acknowledge", args=[d.briefing.reference, d.pk])
            rag = clock_state(d.acknowledge_by, today, cal).rag
            section.tasks.append(
                HomeItem(
                    title=f"Acknowledge 7-minute briefing {d.briefing.reference}",
                    url=url,
                    due=d.acknowledge_by,
                    meta=f"{d.agency} — due {d.acknowledge_by:%-d %B %Y}",
                    rag=rag,
                )
            )
            item = HomeItem(
                title=f"Acknowledge briefing {d.briefing.reference}",
                url=url,
                due=d.acknowledge_by,
                meta=f"{d.briefing.title} ({d.agency})",
                rag=rag,
            )
            if d.acknowledge_by < today:
                section.overdue.append(item)
            elif d.acknowledge_by <= horizon:
                section.deadlines.append(item)
    return section
