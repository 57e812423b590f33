"""Public pages, the signed-in home, notifications, the health check and error pages."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sightline.core import selectors
from sightline.core.clocks import get_calendar, today
from sightline.core.notifications import notification_mark_read
from sightline.core.registry import HomeSection, home_providers


@require_GET
def public_home(request):
    from sightline.publishing.library import latest_items

    return render(request, "core/public_home.html", {"latest_items": latest_items(5)})


@require_GET
def accessibility(request):
    return render(request, "core/accessibility.html")


@require_GET
def privacy(request):
    return render(request, "core/privacy.html")


@never_cache
@require_GET
def healthz(request):
    status = {"database": "ok"}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure is reported, not raised
        status["database"] = "error"
        code = 503
    status["worker"] = selectors.worker_status() if code == 200 else {"status": "unknown"}
    return JsonResponse(status, status=code)


@login_required
@require_GET
def app_home(request):
    day = today()
    horizon = get_calendar().add_working_days(day, settings.SIGHTLINE_HOME_HORIZON_WORKING_DAYS)
    combined = HomeSection()
    for provider in home_providers():
        section = provider(request.user, day, horizon)
        combined.tasks.extend(section.tasks)
        combined.deadlines.extend(section.deadlines)
        combined.overdue.extend(section.overdue)
    combined.deadlines.sort(key=lambda i: i.due or date.max)
    combined.overdue.sort(key=lambda i: i.due or date.max)
    return render(
        request,
        "core/app_home.html",
        {
            "home": combined,
            "today": day,
            "horizon": horizon,
            "horizon_days": settings.SIGHTLINE_HOME_HORIZON_WORKING_DAYS,
        },
    )


@login_required
@require_GET
def notifications(request):
    page = Paginator(selectors.notifications_for(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "core/notifications.html", {"page_obj": page})


@login_required
@require_POST
def notifications_mark_read(request):
    notification_mark_read(user=request.user)
    return HttpResponseRedirect(reverse("core:notifications"))


API_PREFIX = "/api/"
API_ERRORS = {400: "bad_request", 403: "forbidden", 404: "not_found", 500: "server_error"}


def _error(request, status: int, title: str, message: str):
    reference = uuid.uuid4().hex[:12]
    if request.path.startswith(API_PREFIX):
        # API clients get the API's own error shape (sightline/api/exceptions.py), not a page.
        return JsonResponse(
            {"error": API_ERRORS.get(status, "error"), "message": title, "reference": reference},
            status=status,
        )
    return render(
        request,
        "core/error.html",
        {"status": status, "title": title, "message": message, "reference": reference},
        status=status,
    )


def error_400(request, exception=None):
    return _error(
        request,
        400,
        "Sorry, there is a problem with your request",
        "Check the address or the information you entered and try again.",
    )


def error_403(request, exception=None):
    return _error(
        request,
        403,
        "You cannot do that",
        "Your request was refused. If you think this is wrong, contact the business unit.",
    )


def csrf_failure(request, reason=""):
    return _error(
        request,
        403,
        "Your form could not be sent",
        "The page may have been open too long. Go back, reload the page and try again.",
    )


def error_404(request, exception=None):
    return _error(
        request, 404, "Page not found", "If you typed the web address, check it is correct."
    )


def error_500(request):
    return _error(
        request,
        500,
        "Sorry, there is a problem with the service",
        "Try again later. If the problem continues, contact the business unit.",
    )
