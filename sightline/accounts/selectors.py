"""Reads about accounts that the shared pages use: the home page's roles to confirm."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from sightline.accounts.access import grants_to_confirm
from sightline.core.registry import HomeItem, HomeSection


def home_section(user, today: date, horizon: date) -> HomeSection:
    """Proposed roles this person may confirm, as tasks for the signed-in home."""
    section = HomeSection()
    for grant in grants_to_confirm(user).order_by("proposed_at", "pk")[:50]:
        section.tasks.append(
            HomeItem(
                title=(
                    f"Confirm or refuse {grant.get_role_display()}, {grant.agency} for {grant.user}"
                ),
                url=reverse("settings:grant-detail", args=[grant.pk]),
                meta=f"Proposed by {grant.proposed_by} on {_day(grant.proposed_at)}",
            )
        )
    return section


def _day(moment) -> str:
    from sightline.core.templatetags.govuk import govuk_date

    return govuk_date(moment)
