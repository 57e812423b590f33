"""Local child safeguarding practice review pages: the review, its details, family and
practitioner engagement, parallel proceedings, regulation 14 monitoring, drafts and workflow
moves. Lessons and recommendations are in views_learning.py.

Cases come only from reviews.access; writes go only through the services. Anyone who can see
the case can read these pages; only the business unit and the case's reviewer can change the
review, and partner leads record regulation 14 monitoring. Those who may only read get a 404
for the pages that change things."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat, pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from sightline.accounts.access import deny
from sightline.accounts.models import Agency
from sightline.core.clocks import ClockBook, today
from sightline.core.documents import UploadRejected
from sightline.core.stale import stale_edit_context
from sightline.core.transition_pages import TransitionPage, available_transition
from sightline.core.versioning import StaleEdit
from sightline.reviews import access, services_local
from sightline.reviews.forms_local import (
    DraftForm,
    EngagementForm,
    LocalReviewForm,
    MonitoringForm,
    ProceedingForm,
)
from sightline.reviews.models import (
    Case,
    CaseMember,
    LocalReview,
    PartnerSignOff,
)
from sightline.reviews.views import case_context, sign_off_summary
from sightline.reviews.workflow import (
    LOCAL_REVIEW_WORKFLOW,
    _actions_done,
    _all_partners_signed_final,
    _has_draft,
    _reviewer_appointed,
)

FINISHED = (
    LocalReview.Status.FINAL_AGREED,
    LocalReview.Status.READY_FOR_PUBLICATION,
    LocalReview.Status.CLOSED,
)


# --------------------------------------------------------------------------- helpers


def _local_review(case: Case) -> LocalReview:
    try:
        return case.local_review
    except LocalReview.DoesNotExist:
        raise Http404("Not found") from None


def _refuse(user, case: Case) -> Http404:
    return deny(user, object_type="reviews.localreview", object_id=case.reference)


def _review_for_view(request, reference: str) -> tuple[Case, LocalReview]:
    case = access.case_for_view(request.user, reference)
    return case, _local_review(case)


def _review_for_work(request, reference: str) -> tuple[Case, LocalReview]:
    """The business unit or the case's reviewer; everyone else gets a 404."""
    case, review = _review_for_view(request, reference)
    if not access.can_work_on_review(request.user, case):
        raise _refuse(request.user, case)
    return case, review


def _posted(request):
    """The submitted data on a POST (even an empty one, so it shows errors), else None."""
    return request.POST if request.method == "POST" else None


def _page_url(case: Case, name: str = "reviews:local-review", anchor: str = "") -> str:
    url = reverse(name, args=[case.reference])
    return f"{url}#{anchor}" if anchor else url


def _form_context(
    request, case: Case, review: LocalReview | None, form, title: str, **extra
) -> dict:
    """A form page: the case header (with its clock) and the form."""
    current = "local_review" if review is not None else "learning"
    section = "local review" if review is not None else "learning and actions"
    context = case_context(request, case, current=current, title=title)
    context.update(
        {
            "review": review,
            "form": form,
            "title": title,
            "caption": f"{case.reference} {case.pseudonym}: {section}",
            **extra,
        }
    )
    return context


# --------------------------------------------------------------------------- the review page


def _drafts_compared(review: LocalReview) -> list[dict]:
    """Drafts oldest first, each compared with the one received before it."""
    drafts = list(
        review.drafts.select_related("document", "uploaded_by").order_by("received_on", "id")
    )
    rows, previous = [], None
    for draft in drafts:
        rows.append({"draft": draft, "compared": _compare(draft, previous)})
        previous = draft
    return rows


def _compare(draft, previous) -> str:
    if previous is None:
        return "First draft"
    days = (draft.received_on - previous.received_on).days
    change = draft.document.size - previous.document.size
    when = f"{days} day{pluralize(days)} later" if days else "Received the same day"
    if change > 0:
        size = f"{filesizeformat(change)} larger"
    elif change < 0:
        size = f"{filesizeformat(-change)} smaller"
    else:
        size = "the same size"
    return f"{when}; {size}"


def _days(number: int, unit: str) -> str:
    return f"{number} {unit} day{pluralize(number)}"


def _time_left(clock) -> str:
    if clock.is_overdue:
        return (
            f"{_days(-clock.working_days_left, 'working')} overdue "
            f"({_days(-clock.calendar_days_left, 'calendar')})"
        )
    return (
        f"{_days(clock.working_days_left, 'working')} "
        f"({_days(clock.calendar_days_left, 'calendar')})"
    )


def _reviewers(case: Case, day) -> list[dict]:
    members = case.members.filter(part=CaseMember.Part.REVIEWER, archived_at__isnull=True)
    return [
        {"member": m, "ended": bool(m.access_ends_on and m.access_ends_on < day)}
        for m in members.select_related("user").order_by("created_at")
    ]


@login_required
@require_GET
def local_review(request, reference: str):
    case, review = _review_for_view(request, reference)
    user, day = request.user, today()
    clock = ClockBook().status("lcspr", review.decision_date, day)
    can_read_drafts = access.can_read_drafts(user, case)
    context = case_context(
        request, case, current="local_review", title="Local child safeguarding practice review"
    )
    context.update(
        {
            "review": review,
            "lcspr_clock": clock,
            "time_left": _time_left(clock),
            "finished": review.status in FINISHED,
            "within_clock": bool(
                review.final_agreed_date and review.final_agreed_date <= clock.due
            ),
            "reviewers": _reviewers(case, day),
            "engagement": review.engagement.select_related("recorded_by"),
            "proceedings": review.proceedings.filter(archived_at__isnull=True).order_by("id"),
            "monitoring": review.monitoring.select_related("agency", "recorded_by"),
            "drafts": _drafts_compared(review) if can_read_drafts else [],
            "can_read_drafts": can_read_drafts,
            "can_work": access.can_work_on_review(user, case),
            "can_monitor": access.can_monitor(user, case),
            "transitions": LOCAL_REVIEW_WORKFLOW.available(review, user),
        }
    )
    context.update(sign_off_summary(case, PartnerSignOff.Stage.FINAL_REPORT, user))
    return render(request, "reviews/local_review.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def local_review_edit(request, reference: str):
    case, review = _review_for_work(request, reference)
    fields = services_local.LOCAL_FIELDS
    initial = {"version": review.version, **{name: getattr(review, name) for name in fields}}
    form = LocalReviewForm(_posted(request), initial=initial)
    context = _form_context(request, case, review, form, "Edit the review details")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services_local.local_review_update(
                review=review,
                by=request.user,
                expected_version=data["version"],
                **{name: data[name] for name in fields},
            )
        except StaleEdit as stale:
            context.update(stale_edit_context(form, stale.current))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Review details saved")
            return redirect(_page_url(case))
    return render(request, "reviews/local_review_edit.html", context)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return
    for message in error.messages:
        form.add_error(None, message)


@login_required
@require_http_methods(["GET", "POST"])
def engagement_add(request, reference: str):
    case, review = _review_for_work(request, reference)
    form = EngagementForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services_local.engagement_add(review=review, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Engagement recorded")
            return redirect(_page_url(case, anchor="engagement"))
    return render(
        request,
        "reviews/engagement_form.html",
        _form_context(request, case, review, form, "Record family or practitioner engagement"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def proceeding_add(request, reference: str):
    case, review = _review_for_work(request, reference)
    form = ProceedingForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services_local.proceeding_add(review=review, by=request.user, **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Parallel proceedings added")
            return redirect(_page_url(case, anchor="proceedings"))
    return render(
        request,
        "reviews/proceeding_form.html",
        _form_context(request, case, review, form, "Add parallel proceedings"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def proceeding_edit(request, reference: str, pk: int):
    case, review = _review_for_work(request, reference)
    proceeding = review.proceedings.filter(pk=pk, archived_at__isnull=True).first()
    if proceeding is None:
        raise Http404("Not found")
    fields = services_local.PROCEEDING_FIELDS
    initial = {"version": proceeding.version, **{n: getattr(proceeding, n) for n in fields}}
    form = ProceedingForm(_posted(request), initial=initial)
    form.fields["version"].required = True
    context = _form_context(
        request, case, review, form, "Update parallel proceedings", proceeding=proceeding
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services_local.proceeding_update(
                proceeding=proceeding,
                by=request.user,
                expected_version=data["version"],
                **{name: data[name] for name in fields},
            )
        except StaleEdit as stale:
            context.update(stale_edit_context(form, stale.current))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Parallel proceedings updated")
            return redirect(_page_url(case, anchor="proceedings"))
    return render(request, "reviews/proceeding_form.html", context)


def _monitoring_agencies(user):
    """Partner leads record for their own partner agencies; the business unit for any partner."""
    partners = Agency.objects.filter(
        kind=Agency.Kind.SAFEGUARDING_PARTNER, active=True, archived_at__isnull=True
    )
    if access.is_business_unit(user):
        return partners
    return partners.filter(pk__in=access.partner_agency_ids(user))


@login_required
@require_http_methods(["GET", "POST"])
def monitoring_add(request, reference: str):
    case, review = _review_for_view(request, reference)
    if not access.can_monitor(request.user, case):
        raise _refuse(request.user, case)
    agencies = _monitoring_agencies(request.user)
    form = MonitoringForm(
        _posted(request),
        agencies=agencies,
        initial={"agency": agencies.first()} if agencies.count() == 1 else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services_local.monitoring_add(review=review, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Monitoring recorded")
            return redirect(_page_url(case, anchor="monitoring"))
    return render(
        request,
        "reviews/monitoring_form.html",
        _form_context(request, case, review, form, "Record regulation 14 monitoring"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_add(request, reference: str):
    case, review = _review_for_work(request, reference)
    form = DraftForm(_posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            draft = services_local.draft_add(
                review=review,
                by=request.user,
                label=data["label"],
                received_on=data["received_on"],
                uploaded_file=data["file"],
                notes=data["notes"],
            )
        except UploadRejected as error:
            form.add_error("file", error)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{draft.label} uploaded")
            return redirect(_page_url(case, anchor="drafts"))
    return render(
        request,
        "reviews/draft_form.html",
        _form_context(request, case, review, form, "Upload a draft report"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def local_review_status(request, reference: str, name: str):
    """The page of one move: the fields it needs, from the review's details, in one step."""
    case, review = _review_for_view(request, reference)
    t = available_transition(
        LOCAL_REVIEW_WORKFLOW,
        review,
        request.user,
        name,
        refuse=lambda: _refuse(request.user, case),
    )
    page_url = _page_url(case)
    context = case_context(request, case, current="local_review", title=t.label)
    context.update(
        {
            "review": review,
            "back_url": page_url,
            "title_suffix": case.reference,
            "header_template": "reviews/_case_header.html",
            "caption": f"{case.reference} {case.pseudonym}: local review",
        }
    )
    return TransitionPage(
        request,
        workflow=LOCAL_REVIEW_WORKFLOW,
        transition=t,
        obj=review,
        apply=lambda **move: services_local.local_review_transition(
            review=review, by=request.user, **move
        ),
        success_url=page_url,
        success_message=lambda review: f"Status updated: {review.get_status_display()}",
        fields=LocalReviewForm.base_fields,
        fixes={
            _reviewer_appointed: _page_url(case, anchor="reviewer"),
            _has_draft: reverse("reviews:draft-add", args=[case.reference]),
            _all_partners_signed_final: _page_url(case, anchor="quality-assurance"),
            _actions_done: reverse("reviews:learning", args=[case.reference]),
        },
        context=context,
    ).respond()
