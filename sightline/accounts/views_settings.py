"""The settings area: the index page and what every settings page shares.

Pages for agencies and users are in `views_settings_people`; the roles waiting for
confirmation in `views_settings_grants` (which partner leads may also open); themes, calendar
overrides and clocks in `views_settings_reference`; the library search's synonyms in
`sightline.publishing.views_settings`. Every page is for settings managers only (business unit
and system administrators): anyone else signed in gets 404, anyone signed out is sent to sign in.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sightline.accounts.access import require_settings_manager

PAGE_SIZE = 50

SECTIONS = [
    (
        "Agencies",
        "settings:agency-list",
        "The partner agencies, their email domains and safeguarding leads.",
    ),
    (
        "Users",
        "settings:user-list",
        "Invite people, change their roles and agencies, and deactivate accounts.",
    ),
    (
        "Roles waiting for confirmation",
        "settings:grant-list",
        "Roles and duties one person has proposed, which take effect when a second person "
        "confirms them.",
    ),
    (
        "Themes",
        "settings:theme-list",
        "The list of learning themes used to tag reviews, audits and briefings.",
    ),
    (
        "Working days",
        "settings:calendar-list",
        "Bank holidays and the partnership's own closures or working days, used for deadlines.",
    ),
    (
        "Deadlines",
        "settings:clock-list",
        "The statutory and local deadlines, their length and where each rule comes from.",
    ),
    (
        "Search synonyms",
        "settings:synonym-list",
        "Abbreviations and what they stand for, so the library search finds either.",
    ),
]


def settings_page(view):
    """Settings managers only: 404 for other signed-in users; sign-in for everyone else."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require_settings_manager(request.user)
        return view(request, *args, **kwargs)

    return never_cache(login_required(wrapper))


def paginate(request, queryset) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def sort_queryset(request, queryset, allowed: dict[str, tuple[str, ...]], default: str):
    """Order by ?sort=key or -key, where key is one of `allowed`; unknown keys use the default."""
    key = request.GET.get("sort") or default
    descending = key.startswith("-")
    fields = allowed.get(key.lstrip("-")) or allowed[default.lstrip("-")]
    if key.lstrip("-") not in allowed:
        descending = default.startswith("-")
    return queryset.order_by(*[f"-{f}" if descending else f for f in fields], "pk")


@settings_page
@require_GET
def index(request):
    return render(request, "settings/index.html", {"sections": SECTIONS})
