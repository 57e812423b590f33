"""Local child safeguarding practice review pages, lessons and recommendations, and the rapid
review export.

Cases come only from reviews.access; writes go only through the services. Anyone who can see
the case can read these pages; only the business unit and the case's reviewer can change the
review, partner leads record regulation 14 monitoring, and only the business unit creates
actions. Those who may only read get a 404 for the pages that change things."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat, pluralize
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from sightline.accounts.access import deny
from sightline.accounts.models import Agency
from sightline.actions import access as actions_access
from sightline.actions.models import Action, ActionStatus
from sightline.actions.selectors import action_rag
from sightline.core.clocks import ClockBook, get_calendar, today
from sightline.core.documents import UploadRejected
from sightline.core.events import record_event
from sightline.core.exports import FORMATS, docx_document, render_pdf
from sightline.core.models import Event
from sightline.core.stale import stale_edit_context
from sightline.core.versioning import StaleEdit
from sightline.reviews import access, services_local
from sightline.reviews.documents import (
    rapid_review_sections,
    sections_for_pdf,
    subtitle_for,
    title_for,
)
from sightline.reviews.forms_local import (
    DraftForm,
    EngagementForm,
    LessonForm,
    LocalReviewForm,
    LocalStatusForm,
    MonitoringForm,
    ProceedingForm,
    RecommendationActionForm,
    RecommendationForm,
)
from sightline.reviews.models import (
    Case,
    CaseMember,
    LocalReview,
    PartnerSignOff,
    RapidReview,
)
from sightline.reviews.views import case_context
from sightline.reviews.workflow import LOCAL_REVIEW_WORKFLOW, actions_outstanding, partners_missing

EXPORT_TYPES = ("docx", "pdf")
DONE_STATUSES = (ActionStatus.COMPLETE, ActionStatus.SIGNED_OFF, ActionStatus.CARRIED_FORWARD)
FINISHED = (
    LocalReview.Status.FINAL_AGREED,
    LocalReview.Status.READY_FOR_PUBLICATION,
    LocalReview.Status.CLOSED,
)
NOTE_REQUIRED = "Enter a note explaining the change"
STATUS_TEMPLATE = "reviews/status_confirm.html"


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


def _case_for_learning_work(request, reference: str) -> Case:
    case = access.case_for_view(request.user, reference)
    if not access.can_work_on_review(request.user, case):
        raise deny(request.user, object_type="reviews.case", object_id=case.reference)
    return case


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


def _sign_off_context(case: Case, review: LocalReview, user) -> dict:
    signoffs = list(
        case.signoffs.filter(stage=PartnerSignOff.Stage.FINAL_REPORT).select_related(
            "agency", "signed_by"
        )
    )
    mine = access.partner_agency_ids(user)
    signed = {s.agency_id for s in signoffs}
    can_sign = review.status == LocalReview.Status.PARTNER_QA and bool(mine - signed)
    return {
        "signoffs": signoffs,
        "signoffs_missing": partners_missing(case, PartnerSignOff.Stage.FINAL_REPORT),
        "can_sign_off": can_sign,
        "sign_off_stage": PartnerSignOff.Stage.FINAL_REPORT.value,
    }


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
    context.update(_sign_off_context(case, review, user))
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


def _problems(review: LocalReview, t) -> list[str]:
    missing = list(LOCAL_REVIEW_WORKFLOW.missing_fields(review, t))
    for condition in t.conditions:
        problem = condition(review)
        if problem:
            missing.append(problem)
    return missing


@login_required
@require_http_methods(["GET", "POST"])
def local_review_status(request, reference: str, name: str):
    case, review = _review_for_view(request, reference)
    try:
        t = LOCAL_REVIEW_WORKFLOW.get(name)
    except ValidationError:
        raise Http404("Not found") from None
    if t not in LOCAL_REVIEW_WORKFLOW.available(review, request.user):
        raise _refuse(request.user, case)
    form = LocalStatusForm(_posted(request), initial={"version": review.version})
    if t.note_required:
        form.fields["note"].required = True
        form.fields["note"].error_messages["required"] = NOTE_REQUIRED
        form.fields["note"].help_text = "Explain the change. It is kept in the review's history"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services_local.local_review_transition(
                review=review,
                by=request.user,
                name=name,
                expected_version=data["version"],
                note=data["note"],
            )
        except StaleEdit as stale:
            review.refresh_from_db()
            return render(
                request,
                STATUS_TEMPLATE,
                _status_context(
                    request, case, review, t, form, **stale_edit_context(form, stale.current)
                ),
            )
        except ValidationError as error:
            review.refresh_from_db()
            for message in error.messages:
                form.add_error("note" if message == NOTE_REQUIRED else None, message)
        else:
            messages.success(request, f"Status updated: {review.get_status_display()}")
            return redirect(_page_url(case))
    return render(request, STATUS_TEMPLATE, _status_context(request, case, review, t, form))


def _status_context(request, case: Case, review: LocalReview, t, form, **extra) -> dict:
    context = case_context(request, case, current="local_review", title=t.label)
    context.update(
        {
            "review": review,
            "obj": review,
            "t": t,
            "form": form,
            "missing": _problems(review, t),
            "target_label": LOCAL_REVIEW_WORKFLOW.states(t.target).label,
            "back_url": _page_url(case),
            "edit_url": reverse("reviews:local-review-edit", args=[case.reference]),
            "caption": f"{case.reference} {case.pseudonym}: local review",
            **extra,
        }
    )
    return context


# --------------------------------------------------------------------------- learning


def _recommendation_rows(case: Case, user, day) -> list[dict]:
    actions = Action.objects.filter(archived_at__isnull=True).select_related(
        "owner_agency", "owner"
    )
    recommendations = (
        case.recommendations.filter(archived_at__isnull=True)
        .select_related("lesson")
        .prefetch_related(Prefetch("actions", queryset=actions))
    )
    visible = set(
        actions_access.actions_visible_to(user)
        .filter(recommendations__case=case)
        .values_list("pk", flat=True)
    )
    calendar = get_calendar()
    rows = []
    for rec in recommendations:
        items = [
            {"action": a, "rag": action_rag(a, day, calendar), "can_view": a.pk in visible}
            for a in rec.actions.all()
        ]
        done = sum(1 for item in items if item["action"].status in DONE_STATUSES)
        rows.append({"recommendation": rec, "actions": items, "done": done, "total": len(items)})
    return rows


@login_required
@require_GET
def learning(request, reference: str):
    case = access.case_for_view(request.user, reference)
    day = today()
    review = getattr(case, "local_review", None)
    outstanding = actions_outstanding(case)
    context = case_context(
        request, case, current="learning", title="Lessons, recommendations and actions"
    )
    context.update(
        {
            "review": review,
            "lessons": case.lessons.filter(archived_at__isnull=True).prefetch_related("themes"),
            "rows": _recommendation_rows(case, request.user, day),
            "outstanding": outstanding,
            "can_close": not outstanding,
            "can_add": access.can_work_on_review(request.user, case),
            "can_add_actions": access.is_business_unit(request.user),
        }
    )
    return render(request, "reviews/learning.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def lesson_add(request, reference: str):
    case = _case_for_learning_work(request, reference)
    form = LessonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services_local.lesson_add(
                case=case,
                by=request.user,
                text=form.cleaned_data["text"],
                themes=form.cleaned_data["themes"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Lesson added")
            return redirect(_page_url(case, "reviews:learning", "lessons"))
    return render(
        request,
        "reviews/lesson_form.html",
        _form_context(request, case, None, form, "Add a lesson"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_add(request, reference: str):
    case = _case_for_learning_work(request, reference)
    form = RecommendationForm(_posted(request), case=case)
    if request.method == "POST" and form.is_valid():
        try:
            rec = services_local.recommendation_add(
                case=case,
                by=request.user,
                text=form.cleaned_data["text"],
                lesson=form.cleaned_data["lesson"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Recommendation {rec.number} added")
            return redirect(_page_url(case, "reviews:learning", f"recommendation-{rec.number}"))
    return render(
        request,
        "reviews/recommendation_form.html",
        _form_context(request, case, None, form, "Add a recommendation"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_action(request, reference: str, number: int):
    case = access.case_for_view(request.user, reference)
    if not access.is_business_unit(request.user):
        raise deny(
            request.user,
            object_type="reviews.recommendation",
            object_id=f"{case.reference}/{number}",
        )
    rec = case.recommendations.filter(number=number, archived_at__isnull=True).first()
    if rec is None:
        raise Http404("Not found")
    form = RecommendationActionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            action = services_local.recommendation_action_add(
                recommendation=rec, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Action {action.reference} added to the action plan")
            return redirect(_page_url(case, "reviews:learning", f"recommendation-{rec.number}"))
    return render(
        request,
        "reviews/recommendation_action_form.html",
        _form_context(
            request,
            case,
            None,
            form,
            f"Add an action for recommendation {rec.number}",
            recommendation=rec,
        ),
    )


# --------------------------------------------------------------------------- rapid review export


@login_required
@require_GET
def rapid_review_export(request, reference: str):
    """The rapid review as the Panel receives it, as Word or PDF. Every export is logged."""
    case = access.case_for_view(request.user, reference)
    fmt = str(request.GET.get("format", "")).lower()
    if fmt not in EXPORT_TYPES:
        raise Http404("Unknown export format")
    try:
        case.rapid_review  # noqa: B018 - checks it exists
    except RapidReview.DoesNotExist:
        raise Http404("Not found") from None
    if not access.can_see_all_returns(request.user, case):
        raise deny(request.user, object_type="reviews.rapidreview", object_id=case.reference)
    sections = rapid_review_sections(case)
    title, subtitle = title_for(case), subtitle_for(case)
    if fmt == "docx":
        content = docx_document(title, sections, subtitle=subtitle)
    else:
        content = render_pdf(
            "reviews/rapid_review_document.html",
            {
                "title": title,
                "subtitle": subtitle,
                "case": case,
                "sections": sections_for_pdf(sections),
                "exported_on": today(),
            },
        )
    record_event(
        action="rapid_review.export",
        kind=Event.Kind.READ,
        actor=request.user,
        obj=case,
        changes={"format": [None, fmt]},
    )
    response = HttpResponse(content, content_type=FORMATS[fmt][0])
    response["Content-Disposition"] = content_disposition_header(
        True, f"rapid-review-{case.reference}.{fmt}"
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
