"""Case pages: the case, changing its details, its restricted record, the people named on it,
the notification decision and closing. The dashboard, the summary, raising a concern and the
pieces every case page shares are in views.py.

Objects come only from reviews.access; writes only through reviews.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sightline.accounts.access import deny
from sightline.accounts.models import Agency
from sightline.core.clocks import ClockBook
from sightline.core.forms import show_refusal
from sightline.core.history import HistoryPage, history_response, latest_history
from sightline.core.stale import stale_edit_context
from sightline.core.templatetags.govuk import govuk_date
from sightline.core.versioning import StaleEdit
from sightline.reviews import access, selectors, services
from sightline.reviews.forms import (
    CaseEditForm,
    CloseForm,
    IdentityReasonForm,
    MemberForm,
    PartForm,
    ReviewerForm,
    SubjectForm,
)
from sightline.reviews.forms_rapid import NOTIFICATION_CRITERIA, NotificationForm
from sightline.reviews.history import case_scope
from sightline.reviews.models import CaseMember, IncidentNotification, PartnerSignOff
from sightline.reviews.signoffs import signoff_state
from sightline.reviews.views import CLOSABLE_STAGES, add_refusal, case_context
from sightline.reviews.workflow import NOTIFICATION_WORKFLOW

# --- The case --------------------------------------------------------------------------------


def _signoff_rows(case) -> list[dict]:
    """Each partner's current sign-off for each stage the case has reached (a withdrawn one,
    or one given to content that has since changed, does not count and is not shown)."""
    stages = []
    if getattr(case, "rapid_review", None) is not None:
        stages.append(PartnerSignOff.Stage.RAPID_REVIEW)
    if getattr(case, "local_review", None) is not None:
        stages.append(PartnerSignOff.Stage.FINAL_REPORT)
    if not stages:
        return []
    partners = list(Agency.objects.filter(kind=Agency.Kind.SAFEGUARDING_PARTNER, active=True))
    blocks = []
    for stage in stages:
        state = signoff_state(case, stage)
        done = {s.agency_id: s for s in state.current}
        blocks.append(
            {
                "stage": PartnerSignOff.Stage(stage).label,
                "stage_value": stage,
                "rows": [(agency, done.get(agency.pk)) for agency in partners],
                "withdrawal": state.withdrawal,
            }
        )
    return blocks


def _history(request, case):
    return latest_history(
        case_scope(case), sees_identities=access.can_see_identity(request.user, case)
    )


@login_required
@require_GET
def case_detail(request, reference: str):
    case = access.case_for_view(request.user, reference)
    case, _ = selectors.case_page(case)
    context = case_context(request, case, current="overview")
    context.update(
        {
            "signoff_stages": _signoff_rows(case),
            "members": case.members.filter(archived_at__isnull=True).select_related("user"),
            "history": _history(request, case),
            "involved": case.involved_agencies.all(),
            "themes": case.themes.all(),
            "notification": getattr(case, "notification", None),
        }
    )
    return render(request, "reviews/case.html", context)


@login_required
@require_GET
def case_history(request, reference: str):
    """Every change to the case and the records that belong to it, paged, and its export."""
    case = access.case_for_view(request.user, reference)
    return history_response(
        request,
        scope=case_scope(case),
        record=case,
        sees_identities=access.can_see_identity(request.user, case),
        page=HistoryPage(
            title=f"{case.reference} {case.pseudonym}",
            kind="case",
            back_url=reverse("reviews:case", args=[case.reference]),
            back_text=f"Back to {case.reference}",
            file_stem=f"{case.reference}-history",
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request, reference: str):
    case = access.case_for_edit(request.user, reference)
    initial = {
        "version": case.version,
        "pseudonym": case.pseudonym,
        "age_band": case.age_band,
        "harm": case.harm,
        "looked_after": case.looked_after,
        "incident_date": case.incident_date,
        "raised_aware_date": case.raised_aware_date,
        "summary": case.summary,
        "lead_agency": case.lead_agency,
        "case_officer": case.case_officer,
        "involved_agencies": list(case.involved_agencies.all()),
        "themes": list(case.themes.all()),
    }
    form = CaseEditForm(request.POST or None, initial=initial)
    context = case_context(request, case, current="overview", title="Change case details")
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "pseudonym",
                "age_band",
                "harm",
                "looked_after",
                "incident_date",
                "raised_aware_date",
                "summary",
                "lead_agency",
                "case_officer",
            )
        }
        try:
            services.case_update(
                case=case,
                by=request.user,
                expected_version=data["version"] or 0,
                involved_agencies=data["involved_agencies"],
                themes=data["themes"],
                **fields,
            )
        except StaleEdit as stale:
            case.refresh_from_db()
            context.update(stale_edit_context(form, stale.current))
        except ValidationError as error:
            case.refresh_from_db()
            add_refusal(form, error)
        else:
            messages.success(request, "Case details saved")
            return redirect("reviews:case", case.reference)
    return render(request, "reviews/case_edit.html", context)


# --- The restricted record -------------------------------------------------------------------


def _case_for_identity(user, reference: str):
    case = access.case_for_view(user, reference)
    if not access.can_see_identity(user, case):
        raise deny(user, object_type="reviews.casesubject", object_id=case.reference)
    return case


def _private(response):
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def identity(request, reference: str):
    """Ask for a reason; on POST open the record, log the read and show it in this response.
    Identity data never goes into a URL or a redirect."""
    case = _case_for_identity(request.user, reference)
    form = IdentityReasonForm(request.POST or None)
    context = case_context(request, case, current="identity", title="Restricted record")
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        subject = access.subject_for_read(request.user, case, reason=reason)
        context.update({"subject": subject, "reason": reason})
        return _private(render(request, "reviews/identity.html", context))
    context["action"] = "reviews:identity"
    return render(request, "reviews/identity_reason.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def identity_edit(request, reference: str):
    """Change the restricted record: a reason first (logged like a read), then the form."""
    case = _case_for_identity(request.user, reference)
    context = case_context(request, case, current="identity", title="Change the restricted record")
    if request.method == "POST" and request.POST.get("step") == "save":
        form = SubjectForm(request.POST)
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            raise Http404("Not found")
        subject = access.subject_for_read(request.user, case, reason=reason)
        context.update({"form": form, "subject": subject})
        if form.is_valid():
            try:
                services.case_subject_update(
                    subject=subject,
                    by=request.user,
                    expected_version=form.cleaned_data["version"] or 0,
                    reason=reason,
                    **form.subject_fields(),
                )
            except StaleEdit as stale:
                context.update(stale_edit_context(form, stale.current))
            except ValidationError as error:
                add_refusal(form, error)
            else:
                messages.success(request, "Restricted record saved")
                return redirect("reviews:case", case.reference)
        return _private(render(request, "reviews/identity_edit.html", context))

    reason_form = IdentityReasonForm(request.POST or None)
    if request.method == "POST" and reason_form.is_valid():
        reason = reason_form.cleaned_data["reason"]
        subject = access.subject_for_read(request.user, case, reason=reason)
        initial = {name: getattr(subject, name) for name in SubjectForm.FIELDS}
        initial.update({"version": subject.version, "reason": reason})
        context.update({"form": SubjectForm(initial=initial), "subject": subject})
        return _private(render(request, "reviews/identity_edit.html", context))
    context.update({"form": reason_form, "action": "reviews:identity-edit", "editing": True})
    return render(request, "reviews/identity_reason.html", context)


# --- Members ---------------------------------------------------------------------------------


def _members_page(
    request, case, *, part=None, part_form=None, member_form=None, reviewer_form=None
):
    """The people on the case, and naming someone: first the part they will have, then a
    picker of the people who may hold it (for the reviewer, also inviting a new one)."""
    if member_form is not None:
        part = member_form.chosen_part
    elif reviewer_form is not None:
        part = CaseMember.Part.REVIEWER
    context = case_context(request, case, current="members", title="People named on the case")
    context.update(
        {
            "members": case.members.filter(archived_at__isnull=True).select_related("user"),
            "part": part,
            "part_label": CaseMember.Part(part).label if part else "",
            "part_form": part_form or PartForm(initial={"part": part}),
            "member_form": member_form or (MemberForm(part=part) if part else None),
            "reviewer_form": (
                reviewer_form or ReviewerForm(prefix="reviewer", initial={"can_see_identity": True})
            )
            if part == CaseMember.Part.REVIEWER
            else None,
        }
    )
    return render(request, "reviews/members.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def members(request, reference: str):
    case = access.case_for_edit(request.user, reference)
    if request.method == "GET":
        part_form = PartForm(request.GET if "part" in request.GET else None)
        part = (
            part_form.cleaned_data["part"] if part_form.is_bound and part_form.is_valid() else None
        )
        return _members_page(request, case, part=part, part_form=part_form)
    form = MemberForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.case_member_add(
                case=case,
                by=request.user,
                user=data["user"],
                part=data["part"],
                can_see_identity=data["can_see_identity"],
                access_ends_on=data["access_ends_on"],
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request, f"{data['user']} is now named on the case as {form.part_label.lower()}"
            )
            return redirect("reviews:members", case.reference)
    return _members_page(request, case, member_form=form)


@login_required
@require_POST
def member_remove(request, reference: str, pk: int):
    case = access.case_for_edit(request.user, reference)
    member = case.members.filter(pk=pk, archived_at__isnull=True).select_related("user").first()
    if member is None:
        raise Http404("Not found")
    services.case_member_remove(member=member, by=request.user)
    messages.success(request, f"{member.user} has been removed from the case")
    return redirect("reviews:members", case.reference)


@login_required
@require_http_methods(["GET", "POST"])
def reviewer_appoint(request, reference: str):
    case = access.case_for_edit(request.user, reference)
    if request.method == "GET":
        return _members_page(request, case, part=CaseMember.Part.REVIEWER)
    form = ReviewerForm(request.POST, prefix="reviewer")
    if form.is_valid():
        data = form.cleaned_data
        try:
            member = services.reviewer_appoint(
                case=case,
                by=request.user,
                email=data["email"],
                full_name=data["full_name"],
                agency=data["agency"],
                access_ends_on=data["access_ends_on"],
                can_see_identity=data["can_see_identity"],
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, f"{member.user} is appointed as the independent reviewer")
            return redirect("reviews:members", case.reference)
    return _members_page(request, case, reviewer_form=form)


# --- Notification decision -------------------------------------------------------------------


def _notification_initial(n: IncidentNotification) -> dict:
    initial = {
        name: getattr(n, name)
        for name in (
            "abuse_or_neglect",
            "death_or_serious_harm",
            "looked_after_child",
            "la_aware_date",
            "decision_date",
            "sent_date",
            "panel_reference",
            "partners_informed_date",
            "partnership_copy_date",
            "not_notified_reasons",
            "referred_to_line_of_sight",
        )
    }
    initial["version"] = n.version
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def notification(request, reference: str):
    case = access.case_for_view(request.user, reference)
    n = getattr(case, "notification", None)
    if n is None:
        raise Http404("Not found")
    can_decide = (
        access.is_notifier(request.user, case)
        and n.status == IncidentNotification.Status.CONCERN_RAISED
    )
    if request.method == "POST" and not can_decide:
        raise Http404("Not found")
    awareness_only = request.method == "POST" and request.POST.get("step") == "awareness"
    form = NotificationForm(
        request.POST or None, initial=_notification_initial(n), awareness_only=awareness_only
    )
    context = case_context(request, case, current="notification", title="Notification decision")
    context.update(
        {
            "n": n,
            "form": form,
            "can_decide": can_decide,
            "criteria": [(text, getattr(n, name)) for name, text in NOTIFICATION_CRITERIA.items()],
            "workflow": NOTIFICATION_WORKFLOW,
        }
    )
    if awareness_only:
        if form.is_valid():
            saved = _record_awareness(request, case, n, form)
            if saved is not None:
                return saved
        return render(request, "reviews/notification.html", context)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["decision"]
        try:
            services.notification_decide(
                notification=n,
                by=request.user,
                name=name,
                expected_version=form.cleaned_data["version"] or 0,
                fields=form.decision_fields(),
            )
        except StaleEdit as stale:
            context.update(stale_edit_context(form, stale.current))
        except ValidationError as error:
            show_refusal(form, error)
        else:
            if name == "notify":
                messages.success(
                    request,
                    "Notification recorded. The rapid review has opened and "
                    "is due within 15 working days",
                )
                return redirect("reviews:rapid-review", case.reference)
            messages.success(request, "Decision not to notify recorded")
            return redirect("reviews:case", case.reference)
        n.refresh_from_db()
    return render(request, "reviews/notification.html", context)


def _record_awareness(request, case, n, form):
    """The notifier records when the local authority became aware, before deciding. Returns the
    redirect, or None with the refusal on the form."""
    try:
        services.notification_record_awareness(
            notification=n,
            by=request.user,
            aware_date=form.cleaned_data["la_aware_date"],
            expected_version=form.cleaned_data["version"] or 0,
        )
    except StaleEdit:
        form.add_error(None, "Someone else changed the decision meanwhile. Check it and try again")
    except ValidationError as error:
        add_refusal(form, error)
    else:
        case.refresh_from_db()
        due = ClockBook().due("sin-notification", case.aware_date)
        messages.success(
            request,
            f"The local authority became aware on {govuk_date(case.aware_date)}. The "
            f"notification decision is due by {govuk_date(due)}",
        )
        return redirect("reviews:notification", case.reference)
    n.refresh_from_db()
    return None


# --- Closing ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def close(request, reference: str):
    case = access.case_for_edit(request.user, reference)
    if case.stage not in CLOSABLE_STAGES:
        raise Http404("Not found")
    form = CloseForm(request.POST or None)
    context = case_context(request, case, current="overview", title="Close the case")
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            services.case_close(case=case, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error("reason" if "reason" in message.lower() else None, message)
        else:
            messages.success(request, f"Case {case.reference} closed")
            return redirect("reviews:case", case.reference)
    return render(request, "reviews/close.html", context)
