"""Sending briefings to agencies, their acknowledgements, and reach across briefings. Objects
come only from learning.access; writes only through learning.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from sightline.core.clocks import today
from sightline.core.exports import Table, export_response
from sightline.core.stale import stale_edit_context
from sightline.core.templatetags.govuk import govuk_date
from sightline.core.versioning import StaleEdit
from sightline.learning import access, selectors, services
from sightline.learning.forms import AcknowledgeForm, BriefingFilterForm, SendForm
from sightline.learning.models import Dissemination
from sightline.learning.reminders import acknowledgement_reminders, outstanding_by_briefing
from sightline.learning.views import (
    PAGE_SIZE,
    export_format,
    filters_from,
    posted,
    put_errors_on_form,
)


@login_required
@require_GET
def dashboard(request):
    if not access.can_see_dissemination(request.user):
        raise Http404("Not found")
    sort = request.GET.get("sort", selectors.DASHBOARD_DEFAULT_SORT)
    if sort not in selectors.DASHBOARD_SORTS:
        raise Http404("Unknown sort")
    day = today()
    form = BriefingFilterForm(request.GET or None)
    base = selectors.filter_briefings(
        access.briefings_visible_to(request.user), filters_from(form, sort)
    )
    qs = selectors.dashboard_briefings(base, day, sort)
    if "format" in request.GET:
        fmt = export_format(request)
        rows = [
            [
                row.briefing.reference,
                row.briefing.title,
                row.briefing.get_status_display(),
                row.briefing.publish_date,
                row.stats.sent,
                row.stats.acknowledged,
                row.stats.percent_acknowledged,
                row.stats.staff_reached,
                row.stats.overdue,
            ]
            for row in selectors.dashboard_rows(qs)
        ]
        table = Table(
            title="7-minute briefings: reach",
            columns=[
                "Reference",
                "Title",
                "Status",
                "Publish date",
                "Agencies sent to",
                "Agencies acknowledged",
                "% acknowledged",
                "Staff reached",
                "Overdue acknowledgements",
            ],
            rows=rows,
            subtitle=f"On {govuk_date(day)}",
        )
        return export_response(request, table, fmt, "7-minute-briefings-reach")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    briefings = list(page.object_list)
    outstanding = outstanding_by_briefing(briefings, day)
    return render(
        request,
        "learning/dashboard.html",
        {
            "page_obj": page,
            "rows": [
                (row, outstanding.get(row.briefing.pk, []))
                for row in selectors.dashboard_rows(briefings)
            ],
            "totals": selectors.dashboard_totals(base, day),
            "filter_form": form,
            "default_sort": selectors.DASHBOARD_DEFAULT_SORT,
            "today": day,
        },
    )


# --------------------------------------------------------------------------- dissemination


@login_required
@require_http_methods(["GET", "POST"])
def briefing_send(request, reference: str):
    briefing = access.briefing_for_send(request.user, reference)
    form = SendForm(posted(request), briefing=briefing)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.briefing_send(
                briefing=briefing, by=request.user, agencies=form.cleaned_data["agencies"]
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
        else:
            count = len(result.sent)
            if count:
                messages.success(
                    request,
                    f"Briefing {briefing.reference} sent to {count} "
                    f"{'agency' if count == 1 else 'agencies'}",
                )
            for agency in result.without_lead:
                messages.warning(
                    request,
                    f"{agency} has no safeguarding lead in Sightline, so nobody there has been "
                    "told. Send it to them another way",
                )
            return redirect("learning:dissemination", briefing.reference)
    return render(
        request,
        "learning/send.html",
        {
            "briefing": briefing,
            "form": form,
            "already": selectors.dissemination_rows(briefing),
            "acknowledge_by": services.acknowledge_by_date(today()),
        },
    )


DISSEMINATION_COLUMNS = [
    "Agency",
    "Sent",
    "Acknowledge by",
    "Status",
    "Acknowledged",
    "Acknowledged by",
    "Teams",
    "Date shared",
    "Staff reached",
    "What will change",
]


def _dissemination_rows(rows, day):
    for d in rows:
        yield [
            d.agency.name,
            d.sent_at,
            d.acknowledge_by,
            selectors.dissemination_state(d, day).capitalize(),
            d.acknowledged_at,
            str(d.acknowledged_by) if d.acknowledged_by_id else "",
            d.teams,
            d.cascade_date,
            d.staff_reached,
            d.changes,
        ]


def _rows_with_reminders(disseminations, day):
    disseminations = list(disseminations)
    reminders = acknowledgement_reminders(disseminations, day)
    return [(d, selectors.dissemination_state(d, day), reminders.get(d.pk)) for d in disseminations]


@login_required
@require_GET
def dissemination(request, reference: str):
    briefing = access.briefing_for_dissemination(request.user, reference)
    day = today()
    rows = selectors.dissemination_rows(briefing)
    if "format" in request.GET:
        fmt = export_format(request)
        table = Table(
            title=f"{briefing.reference} {briefing.title}: dissemination",
            columns=DISSEMINATION_COLUMNS,
            rows=list(_dissemination_rows(rows, day)),
            subtitle=f"On {govuk_date(day)}",
        )
        return export_response(request, table, fmt, f"{briefing.reference}-dissemination")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/dissemination.html",
        {
            "briefing": briefing,
            "page_obj": page,
            "rows": _rows_with_reminders(page.object_list, day),
            "stats": selectors.dissemination_stats(briefing, day),
            "can_send": access.can_send(request.user, briefing),
            "today": day,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def acknowledge(request, reference: str, pk: int):
    d: Dissemination = access.dissemination_for_acknowledge(request.user, reference, pk)
    initial = {
        "version": d.version,
        "teams": d.teams,
        "cascade_date": d.cascade_date,
        "staff_reached": d.staff_reached,
        "changes": d.changes,
    }
    form = AcknowledgeForm(posted(request), initial=initial)
    context = {
        "dissemination": d,
        "briefing": d.briefing,
        "form": form,
        "reminders": acknowledgement_reminders([d], today()).get(d.pk),
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.dissemination_acknowledge(
                dissemination=d,
                by=request.user,
                expected_version=data["version"] or 0,
                teams=data["teams"],
                cascade_date=data["cascade_date"],
                staff_reached=data["staff_reached"],
                changes=data["changes"],
            )
        except StaleEdit as stale:
            d.refresh_from_db()
            context.update(stale_edit_context(form, stale.current))
        except ValidationError as error:
            d.refresh_from_db()
            put_errors_on_form(form, error)
        else:
            messages.success(
                request, f"Acknowledgement of {d.briefing.reference} saved for {d.agency}"
            )
            return redirect("learning:detail", d.briefing.reference)
    return render(request, "learning/acknowledge.html", context)
