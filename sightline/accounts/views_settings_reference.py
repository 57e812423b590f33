"""Settings pages for reference data kept in core: themes, calendar overrides and clocks."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sightline.accounts.views_settings import paginate, settings_page
from sightline.core import services
from sightline.core.calendar import add_months
from sightline.core.clocks import get_calendar, today
from sightline.core.forms_settings import CalendarOverrideForm, ClockForm, ThemeForm
from sightline.core.models import CalendarOverride, ClockDefinition, Theme
from sightline.core.stale import stale_edit_context
from sightline.core.versioning import StaleEdit

RECORD_META = ("created_by", "updated_by")


def _edit_page(request, *, obj, form_class, update, template: str, done: str, redirect_to: str):
    """GET shows the form for `obj`; POST validates it and calls `update`, showing a refused
    stale edit beside the entered values. `obj` must have its created_by/updated_by loaded."""
    context = {}
    if request.method == "POST":
        # A model form writes the entered values onto its instance, so it gets its own copy
        # and the service still sees the saved values to record what changed.
        form = form_class(request.POST, instance=type(obj).objects.get(pk=obj.pk))
        if form.is_valid():
            try:
                update(obj, form.cleaned_data["version"], form.changes)
            except StaleEdit as exc:
                context.update(stale_edit_context(form, exc.current))
                obj = exc.current
            else:
                messages.success(request, done)
                return redirect(redirect_to)
    else:
        form = form_class(instance=obj)
    context.update(form=form, record=obj)
    return render(request, template, context)


# --- Themes --------------------------------------------------------------------------------


@settings_page
@require_GET
def theme_list(request):
    status = request.GET.get("status", "")
    themes = Theme.objects.order_by("name")
    if status == "active":
        themes = themes.filter(archived_at__isnull=True)
    elif status == "archived":
        themes = themes.filter(archived_at__isnull=False)
    else:
        status = ""
    return render(
        request,
        "settings/theme_list.html",
        {"page_obj": paginate(request, themes), "status": status},
    )


@settings_page
@require_http_methods(["GET", "POST"])
def theme_create(request):
    form = ThemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        theme = services.theme_create(by=request.user, **form.changes)
        messages.success(request, f"The theme {theme.name} has been added")
        return redirect("settings:theme-list")
    return render(request, "settings/theme_form.html", {"form": form, "record": None})


@settings_page
@require_http_methods(["GET", "POST"])
def theme_edit(request, pk: int):
    theme = get_object_or_404(Theme.objects.select_related(*RECORD_META), pk=pk)
    return _edit_page(
        request,
        obj=theme,
        form_class=ThemeForm,
        update=lambda obj, version, changes: services.theme_update(
            theme=obj, by=request.user, expected_version=version, **changes
        ),
        template="settings/theme_form.html",
        done="The theme has been updated",
        redirect_to="settings:theme-list",
    )


@settings_page
@require_POST
def theme_archive(request, pk: int):
    theme = get_object_or_404(Theme, pk=pk)
    if not theme.is_archived:
        services.theme_archive(theme=theme, by=request.user)
        messages.success(request, f"The theme {theme.name} has been archived")
    return redirect("settings:theme-list")


@settings_page
@require_POST
def theme_restore(request, pk: int):
    theme = get_object_or_404(Theme, pk=pk)
    if theme.is_archived:
        services.theme_restore(theme=theme, by=request.user)
        messages.success(request, f"The theme {theme.name} has been restored")
    return redirect("settings:theme-list")


# --- Calendar overrides --------------------------------------------------------------------


def _bank_holidays_ahead(start, months: int = 12) -> list[dict]:
    """The bank holidays from `start` for `months` months, marking any the partnership works."""
    calendar = get_calendar()
    end = add_months(start, months)
    rows = []
    for year in range(start.year, end.year + 1):
        for day, name in sorted(calendar.holidays_in(year).items()):
            if start <= day < end:
                rows.append({"date": day, "name": name, "worked": day in calendar.open_days})
    return rows


@settings_page
@require_GET
def calendar_list(request):
    day = today()
    overrides = CalendarOverride.objects.filter(archived_at__isnull=True).order_by("date")
    if request.GET.get("past") != "1":
        overrides = overrides.filter(date__gte=day)
    return render(
        request,
        "settings/calendar_list.html",
        {
            "page_obj": paginate(request, overrides),
            "show_past": request.GET.get("past") == "1",
            "bank_holidays": _bank_holidays_ahead(day),
            "today": day,
        },
    )


@settings_page
@require_http_methods(["GET", "POST"])
def calendar_create(request):
    form = CalendarOverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        override = services.calendar_override_create(by=request.user, **form.changes)
        messages.success(request, f"The override for {override.name} has been added")
        return redirect("settings:calendar-list")
    return render(request, "settings/calendar_form.html", {"form": form, "record": None})


@settings_page
@require_http_methods(["GET", "POST"])
def calendar_edit(request, pk: int):
    override = get_object_or_404(
        CalendarOverride.objects.filter(archived_at__isnull=True).select_related(*RECORD_META),
        pk=pk,
    )
    return _edit_page(
        request,
        obj=override,
        form_class=CalendarOverrideForm,
        update=lambda obj, version, changes: services.calendar_override_update(
            override=obj, by=request.user, expected_version=version, **changes
        ),
        template="settings/calendar_form.html",
        done="The override has been updated",
        redirect_to="settings:calendar-list",
    )


@settings_page
@require_POST
def calendar_archive(request, pk: int):
    override = get_object_or_404(CalendarOverride, pk=pk, archived_at__isnull=True)
    services.calendar_override_archive(override=override, by=request.user)
    messages.success(
        request,
        f"The override for {override.name} has been removed. "
        "The usual bank holidays apply to that date",
    )
    return redirect("settings:calendar-list")


# --- Clocks --------------------------------------------------------------------------------


@settings_page
@require_GET
def clock_list(request):
    clocks = ClockDefinition.objects.filter(archived_at__isnull=True).order_by("name")
    return render(request, "settings/clock_list.html", {"page_obj": paginate(request, clocks)})


@settings_page
@require_http_methods(["GET", "POST"])
def clock_edit(request, pk: int):
    clock = get_object_or_404(ClockDefinition.objects.select_related(*RECORD_META), pk=pk)
    return _edit_page(
        request,
        obj=clock,
        form_class=ClockForm,
        update=lambda obj, version, changes: services.clock_update(
            clock=obj, by=request.user, expected_version=version, **changes
        ),
        template="settings/clock_form.html",
        done=f"The deadline {clock.name} has been updated",
        redirect_to="settings:clock-list",
    )
