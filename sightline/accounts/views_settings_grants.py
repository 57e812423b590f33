"""Settings pages for two-person grants: the roles waiting for confirmation, and confirming,
refusing or withdrawing one.

Settings managers see every proposal; partner leads see proposals of the business-unit role,
which they confirm (`grants_visible_to`). Everyone else gets 404. Proposing is on the user's page
(`views_settings_people.user_role_propose`).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sightline.accounts import services
from sightline.accounts.access import (
    grant_confirm_problem,
    grant_for_view,
    grant_withdraw_problem,
    grants_to_confirm,
    grants_visible_to,
    principal_for,
    require_grant_viewer,
)
from sightline.accounts.forms import ReasonForm
from sightline.accounts.models import Duty, RoleGrant
from sightline.accounts.services_grants import confirmers_label
from sightline.accounts.views_settings import paginate

DUTY_LABELS = dict(Duty.choices)


def grant_page(view):
    """Grant viewers only (settings managers and partner leads): 404 for other signed-in
    users; sign-in for everyone else."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require_grant_viewer(request.user)
        return view(request, *args, **kwargs)

    return never_cache(login_required(wrapper))


def _refuse_form(data=None) -> ReasonForm:
    form = ReasonForm(data)
    form.fields["reason"].label = "Why are you refusing it?"
    form.fields["reason"].error_messages["required"] = "Enter why you are refusing it"
    return form


@grant_page
@require_GET
def grant_list(request):
    visible = grants_visible_to(request.user)
    waiting = visible.filter(status=RoleGrant.Status.PROPOSED).order_by("proposed_at", "pk")
    to_confirm = set(grants_to_confirm(request.user).values_list("pk", flat=True))
    page = paginate(request, waiting)
    rows = [
        {
            "grant": grant,
            "duties": [DUTY_LABELS.get(d, d) for d in grant.duties or []],
            "yours_to_confirm": grant.pk in to_confirm,
        }
        for grant in page.object_list
    ]
    decided = visible.exclude(status=RoleGrant.Status.PROPOSED).order_by("-decided_at", "-pk")[:20]
    return render(
        request,
        "settings/grant_list.html",
        {
            "page_obj": page,
            "rows": rows,
            "decided": decided,
            "manages_settings": principal_for(request.user).can_manage_settings,
        },
    )


def _detail(request, grant: RoleGrant, *, problem: str = "", refuse_form=None, status=200):
    return render(
        request,
        "settings/grant_detail.html",
        {
            "grant": grant,
            "duties": [DUTY_LABELS.get(d, d) for d in grant.duties or []],
            "confirm_problem": grant_confirm_problem(request.user, grant),
            "withdraw_problem": grant_withdraw_problem(request.user, grant),
            "confirmers": confirmers_label(grant.role),
            "problem": problem,
            "refuse_form": refuse_form or _refuse_form(),
            "manages_settings": principal_for(request.user).can_manage_settings,
        },
        status=status,
    )


@grant_page
@require_GET
def grant_detail(request, pk: int):
    return _detail(request, grant_for_view(request.user, pk))


def _label(grant: RoleGrant) -> str:
    return f"{services.grant_label(grant.role, grant.agency, grant.duties)} for {grant.user}"


@grant_page
@require_POST
def grant_confirm(request, pk: int):
    grant = grant_for_view(request.user, pk)
    try:
        services.grant_confirm(grant=grant, by=request.user)
    except services.GrantRefused as refused:
        grant.refresh_from_db()
        return _detail(request, grant, problem=refused.message)
    messages.success(request, f"You have confirmed {_label(grant)}. It is in force now")
    return redirect("settings:grant-list")


@grant_page
@require_POST
def grant_refuse(request, pk: int):
    grant = grant_for_view(request.user, pk)
    form = _refuse_form(request.POST)
    if not form.is_valid():
        return _detail(request, grant, refuse_form=form)
    try:
        services.grant_refuse(grant=grant, by=request.user, reason=form.cleaned_data["reason"])
    except services.GrantRefused as refused:
        grant.refresh_from_db()
        return _detail(request, grant, problem=refused.message, refuse_form=form)
    messages.success(request, f"You have refused {_label(grant)}")
    return redirect("settings:grant-list")


@grant_page
@require_POST
def grant_withdraw(request, pk: int):
    grant = grant_for_view(request.user, pk)
    try:
        services.grant_withdraw(grant=grant, by=request.user)
    except services.GrantRefused as refused:
        grant.refresh_from_db()
        return _detail(request, grant, problem=refused.message)
    messages.success(request, f"You have withdrawn {_label(grant)}")
    return redirect("settings:grant-list")
