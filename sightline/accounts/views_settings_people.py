"""Settings pages for agencies and users."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from sightline.accounts import services, services_grants
from sightline.accounts.access import agency_for_settings, user_for_settings
from sightline.accounts.forms import (
    AgencyForm,
    InviteUserForm,
    MembershipForm,
    ReasonForm,
    UserDetailsForm,
)
from sightline.accounts.models import (
    Agency,
    Duty,
    Invitation,
    Membership,
    Role,
    RoleGrant,
    User,
)
from sightline.accounts.views_settings import paginate, settings_page, sort_queryset
from sightline.core.forms import BaseForm
from sightline.core.models import Event
from sightline.core.selectors import events_for_object
from sightline.core.stale import stale_edit_context
from sightline.core.versioning import StaleEdit

DUTY_LABELS = dict(Duty.choices)


def _current_memberships():
    return Membership.objects.filter(active=True, archived_at__isnull=True)


# --- Agencies ------------------------------------------------------------------------------

AGENCY_SORTS = {"name": ("name",), "kind": ("kind", "name"), "members": ("member_count", "name")}


@settings_page
@require_GET
def agency_list(request):
    agencies = Agency.objects.select_related("safeguarding_lead").annotate(
        member_count=Count(
            "memberships__user",
            filter=Q(
                memberships__active=True,
                memberships__archived_at__isnull=True,
                memberships__user__is_active=True,
            ),
            distinct=True,
        )
    )
    agencies = sort_queryset(request, agencies, AGENCY_SORTS, "name")
    return render(request, "settings/agency_list.html", {"page_obj": paginate(request, agencies)})


def _agency_fields(form: AgencyForm) -> dict:
    return {k: v for k, v in form.cleaned_data.items() if k != "version"}


@settings_page
@require_http_methods(["GET", "POST"])
def agency_create(request):
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        agency = services.agency_create(by=request.user, **_agency_fields(form))
        messages.success(request, f"{agency.name} has been added")
        return redirect("settings:agency-list")
    return render(request, "settings/agency_form.html", {"form": form, "agency": None})


@settings_page
@require_http_methods(["GET", "POST"])
def agency_edit(request, pk: int):
    checked = agency_for_settings(request.user, pk)
    agency = Agency.objects.select_related("created_by", "updated_by").get(pk=checked.pk)
    context = {"agency": agency}
    if request.method == "POST":
        # The form validates against its own copy (a model form writes the entered values onto
        # its instance), so the service still sees the saved values to record what changed.
        form = AgencyForm(request.POST, instance=checked)
        if form.is_valid():
            version = form.cleaned_data.get("version") or agency.version
            try:
                services.agency_update(
                    agency=agency, by=request.user, expected_version=version, **_agency_fields(form)
                )
            except StaleEdit as exc:
                context.update(stale_edit_context(form, exc.current), agency=exc.current)
            else:
                messages.success(request, f"{agency.name} has been updated")
                return redirect("settings:agency-list")
    else:
        form = AgencyForm(instance=agency)
    context["form"] = form
    return render(request, "settings/agency_form.html", context)


# --- Users ---------------------------------------------------------------------------------


class UserFilterForm(BaseForm):
    """Filters for the user list, read from the query string."""

    q = forms.CharField(label="Name or email address", required=False, max_length=200)
    agency = forms.ModelChoiceField(
        label="Agency", queryset=Agency.objects.all(), required=False, empty_label="All agencies"
    )
    role = forms.ChoiceField(
        label="Role", choices=[("", "All roles"), *Role.choices], required=False
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[("", "All"), ("active", "Active"), ("deactivated", "Deactivated")],
        required=False,
    )


USER_SORTS = {"name": ("full_name",), "email": ("email",), "joined": ("date_joined",)}


def _filtered_users(filters: dict):
    users = User.objects.prefetch_related(
        Prefetch(
            "memberships",
            queryset=_current_memberships()
            .select_related("agency")
            .order_by("agency__name", "role"),
            to_attr="current_memberships",
        )
    ).annotate(
        has_authenticator=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    )
    if filters.get("q"):
        q = filters["q"].strip()
        users = users.filter(Q(full_name__icontains=q) | Q(email__icontains=q))
    if filters.get("agency") or filters.get("role"):
        held = _current_memberships().filter(user=OuterRef("pk"))
        if filters.get("agency"):
            held = held.filter(agency=filters["agency"])
        if filters.get("role"):
            held = held.filter(role=filters["role"])
        users = users.filter(Exists(held))
    if filters.get("status") == "active":
        users = users.filter(is_active=True)
    elif filters.get("status") == "deactivated":
        users = users.filter(is_active=False)
    return users


@settings_page
@require_GET
def user_list(request):
    form = UserFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    users = sort_queryset(request, _filtered_users(filters), USER_SORTS, "name")
    filtered = any(filters.get(k) for k in ("q", "agency", "role", "status"))
    return render(
        request,
        "settings/user_list.html",
        {"form": form, "page_obj": paginate(request, users), "filtered": filtered},
    )


@settings_page
@require_http_methods(["GET", "POST"])
def user_invite(request):
    form = InviteUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_invite(
                by=request.user,
                email=data["email"],
                full_name=data["full_name"],
                agency=data["agency"],
                role=data["role"],
                job_title=data["job_title"],
                duties=list(data["duties"]),
                access_ends_on=data["access_ends_on"],
                reason=data["reason"],
                propose=True,
            )
        except services.GrantRefused as refused:
            form.add_error(None, refused.message)
        else:
            label = services.grant_label(data["role"], data["agency"], list(data["duties"]))
            messages.success(
                request,
                f"Invitation sent to {user.email}. {label} takes effect when "
                f"{services_grants.confirmers_label(data['role'])} confirms it",
            )
            return redirect("settings:user-detail", pk=user.pk)
    return render(request, "settings/user_invite.html", {"form": form})


def _user_page(request, user: User, membership_form: MembershipForm | None = None, status=200):
    memberships = [
        {"membership": m, "duties": [DUTY_LABELS.get(d, d) for d in m.duties or []]}
        for m in _current_memberships().filter(user=user).select_related("agency")
    ]
    invitation = (
        Invitation.objects.filter(user=user)
        .select_related("invited_by")
        .order_by("-created_at")
        .first()
    )
    last_change = (
        events_for_object(User._meta.label_lower, user.pk)
        .filter(kind=Event.Kind.WRITE)
        .order_by("-id")
        .first()
    )
    pending = [
        {"grant": g, "duties": [DUTY_LABELS.get(d, d) for d in g.duties or []]}
        for g in RoleGrant.objects.filter(user=user, status=RoleGrant.Status.PROPOSED)
        .select_related("agency", "proposed_by")
        .order_by("proposed_at")
    ]
    context = {
        "subject": user,
        "memberships": memberships,
        "pending_grants": pending,
        "membership_form": membership_form or MembershipForm(),
        "has_authenticator": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "invitation": invitation,
        "last_change": last_change,
        "is_self": user.pk == request.user.pk,
    }
    return render(request, "settings/user_detail.html", context, status=status)


@settings_page
@require_GET
def user_detail(request, pk: int):
    return _user_page(request, user_for_settings(request.user, pk))


@settings_page
@require_http_methods(["GET", "POST"])
def user_edit(request, pk: int):
    user = user_for_settings(request.user, pk)
    context = {"subject": user}
    if request.method == "POST":
        form = UserDetailsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.user_update(
                    user=user,
                    by=request.user,
                    expected_version=data["version"],
                    full_name=data["full_name"],
                    job_title=data["job_title"],
                    access_ends_on=data["access_ends_on"],
                )
            except StaleEdit as exc:
                context.update(stale_edit_context(form, exc.current), subject=exc.current)
            else:
                messages.success(request, f"{user.full_name}'s details have been updated")
                return redirect("settings:user-detail", pk=user.pk)
    else:
        form = UserDetailsForm(
            initial={
                "version": user.version,
                "full_name": user.full_name,
                "job_title": user.job_title,
                "access_ends_on": user.access_ends_on,
            }
        )
    context["form"] = form
    return render(request, "settings/user_edit.html", context)


@settings_page
@require_POST
def user_role_propose(request, pk: int):
    """Propose a role or duties; they take effect only when a second person confirms them."""
    user = user_for_settings(request.user, pk)
    form = MembershipForm(request.POST)
    if not form.is_valid():
        return _user_page(request, user, membership_form=form)
    data = form.cleaned_data
    try:
        grant = services.grant_propose(
            by=request.user,
            user=user,
            agency=data["agency"],
            role=data["role"],
            duties=list(data["duties"]),
            reason=data["reason"],
        )
    except services.GrantRefused as refused:
        form.add_error(None, refused.message)
        return _user_page(request, user, membership_form=form)
    messages.success(
        request,
        f"You have proposed {services.grant_label(grant.role, grant.agency, grant.duties)} for "
        f"{user.full_name}. It takes effect when {services_grants.confirmers_label(grant.role)} "
        "confirms it",
    )
    return redirect("settings:user-detail", pk=user.pk)


@settings_page
@require_POST
def user_membership_remove(request, pk: int, membership_pk: int):
    user = user_for_settings(request.user, pk)
    membership = get_object_or_404(
        _current_memberships().select_related("agency"), pk=membership_pk, user=user
    )
    try:
        services.membership_remove(membership=membership, by=request.user)
    except services.GrantRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"{user.full_name} no longer has the role {membership}")
    return redirect("settings:user-detail", pk=user.pk)


@settings_page
@require_http_methods(["GET", "POST"])
def user_deactivate(request, pk: int):
    user = user_for_settings(request.user, pk)
    if user.pk == request.user.pk:
        messages.error(request, "You cannot deactivate your own account")
        return redirect("settings:user-detail", pk=user.pk)
    if not user.is_active:
        return redirect("settings:user-detail", pk=user.pk)
    form = ReasonForm(request.POST or None)
    form.fields["reason"].label = "Why are you deactivating this account?"
    if request.method == "POST" and form.is_valid():
        services.user_deactivate(user=user, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(
            request,
            f"{user.full_name}'s account has been deactivated and they have been signed out",
        )
        return redirect("settings:user-detail", pk=user.pk)
    return render(request, "settings/user_deactivate.html", {"subject": user, "form": form})


@settings_page
@require_POST
def user_reactivate(request, pk: int):
    user = user_for_settings(request.user, pk)
    if not user.is_active:
        services.user_reactivate(user=user, by=request.user)
        messages.success(request, f"{user.full_name}'s account has been reactivated")
    return redirect("settings:user-detail", pk=user.pk)


@settings_page
@require_http_methods(["GET", "POST"])
def user_reset_two_factor(request, pk: int):
    user = user_for_settings(request.user, pk)
    if user.pk == request.user.pk:
        messages.error(
            request,
            "You cannot reset your own two-factor authentication. "
            "Ask another administrator to do it",
        )
        return redirect("settings:user-detail", pk=user.pk)
    if request.method == "POST":
        services.user_reset_two_factor(user=user, by=request.user)
        messages.success(
            request,
            f"Two-factor authentication has been reset for {user.full_name}. "
            "They will set it up again when they next sign in",
        )
        return redirect("settings:user-detail", pk=user.pk)
    return render(request, "settings/user_reset_two_factor.html", {"subject": user})
