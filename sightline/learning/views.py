"""7-minute briefing pages. Objects come only from learning.access; writes only through
learning.services; the PDF, the Word document and the preview share learning.documents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from sightline.core.calendar import add_months
from sightline.core.clocks import today
from sightline.core.exports import EXPORT_FORMATS, Table, export_response
from sightline.core.forms import show_refusal
from sightline.core.history import HistoryPage, history_response, latest_history
from sightline.core.stale import stale_edit_context
from sightline.core.templatetags.govuk import govuk_date
from sightline.core.transition_pages import TransitionPage, available_transition
from sightline.core.versioning import StaleEdit
from sightline.learning import access, documents, selectors, services
from sightline.learning.forms import (
    BriefingFilterForm,
    BriefingForm,
    transition_fields,
)
from sightline.learning.history import briefing_scope
from sightline.learning.models import Briefing
from sightline.learning.workflow import BRIEFING_WORKFLOW, SECTION_FIELDS, source_given

PAGE_SIZE = 50
S = Briefing.Status

# --------------------------------------------------------------------------- helpers


def posted(request):
    """The submitted data on a POST (even when empty, so the form reports what is missing)."""
    return request.POST if request.method == "POST" else None


def export_format(request) -> str:
    fmt = request.GET.get("format", "")
    if fmt not in EXPORT_FORMATS:
        raise Http404("Unknown export format")
    return fmt


def filters_from(form: BriefingFilterForm, sort: str) -> selectors.BriefingFilters:
    if not form.is_valid():
        return selectors.BriefingFilters(sort=sort)
    data = form.cleaned_data
    return selectors.BriefingFilters(
        status=data.get("status") or "",
        theme=data["theme"].pk if data.get("theme") else None,
        source=data.get("source") or "",
        sort=sort,
    )


def put_errors_on_form(form, error: ValidationError):
    """A refused write's messages on the fields they are keyed by (so the error summary links
    to them), otherwise at the top of the form."""
    show_refusal(form, error)


def _list_rows(briefings):
    for b in briefings:
        yield [
            b.reference,
            b.title,
            b.get_status_display(),
            b.get_source_display(),
            b.topic,
            ", ".join(t.name for t in b.themes.all()),
            str(b.author),
            str(b.approver) if b.approver_id else "",
            b.publish_date,
            b.review_date,
        ]


LIST_COLUMNS = [
    "Reference",
    "Title",
    "Status",
    "Source",
    "Topic or source details",
    "Themes",
    "Author",
    "Approved by",
    "Publish date",
    "Review date",
]


# --------------------------------------------------------------------------- lists


@login_required
@require_GET
def briefing_list(request):
    if not access.can_use_briefings(request.user):
        raise Http404("Not found")
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort not in selectors.SORTS:
        raise Http404("Unknown sort")
    form = BriefingFilterForm(request.GET or None)
    qs = selectors.briefing_list(
        access.briefings_visible_to(request.user), filters_from(form, sort)
    )
    if "format" in request.GET:
        day = today()
        table = Table(
            title="7-minute briefings",
            columns=LIST_COLUMNS,
            rows=list(_list_rows(qs)),
            subtitle=f"Exported on {govuk_date(day)}",
        )
        return export_response(request, table, export_format(request), "7-minute-briefings")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/list.html",
        {
            "page_obj": page,
            "filter_form": form,
            "default_sort": selectors.DEFAULT_SORT,
            "can_author": access.can_author(request.user),
            "can_see_dissemination": access.can_see_dissemination(request.user),
            "to_acknowledge": selectors.acknowledgements_for(request.user),
            "today": today(),
        },
    )


# --------------------------------------------------------------------------- one briefing


@login_required
@require_http_methods(["GET", "POST"])
def briefing_create(request):
    if not access.can_author(request.user):
        raise Http404("Not found")
    form = BriefingForm(
        posted(request),
        user=request.user,
        initial={"source": Briefing.Source.TOPIC, "is_public": True},
    )
    if request.method == "POST" and form.is_valid():
        try:
            briefing = services.briefing_create(
                by=request.user, themes=form.cleaned_data["themes"], **form.content()
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
        else:
            messages.success(request, f"Briefing {briefing.reference} saved as a draft")
            return redirect("learning:detail", briefing.reference)
    return render(
        request, "learning/form.html", {"form": form, "title": "Write a 7-minute briefing"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def briefing_edit(request, reference: str):
    briefing = access.briefing_for_edit(request.user, reference)
    initial = {
        "version": briefing.version,
        "title": briefing.title,
        "source": briefing.source,
        "source_case": briefing.source_case,
        "topic": briefing.topic,
        "reflective_questions": briefing.reflective_questions,
        "themes": list(briefing.themes.all()),
        "is_public": briefing.is_public,
        **{name: getattr(briefing, name) for name in SECTION_FIELDS},
    }
    form = BriefingForm(posted(request), user=request.user, initial=initial)
    context = {"form": form, "title": f"Edit {briefing.reference}", "briefing": briefing}
    if request.method == "POST" and form.is_valid():
        try:
            services.briefing_update(
                briefing=briefing,
                by=request.user,
                expected_version=form.cleaned_data["version"] or 0,
                themes=form.cleaned_data["themes"],
                **form.content(),
            )
        except StaleEdit as stale:
            briefing.refresh_from_db()
            context.update(stale_edit_context(form, stale.current))
        except ValidationError as error:
            briefing.refresh_from_db()
            put_errors_on_form(form, error)
        else:
            messages.success(request, "Briefing saved")
            return redirect("learning:detail", briefing.reference)
    return render(request, "learning/form.html", context)


@login_required
@require_GET
def briefing_detail(request, reference: str):
    briefing = access.briefing_for_view(request.user, reference)
    user = request.user
    day = today()
    can_dissemination = access.can_see_dissemination(user)
    submit = BRIEFING_WORKFLOW.get("submit")
    missing = []
    if briefing.status == S.DRAFT:
        missing = [
            *BRIEFING_WORKFLOW.missing_fields(briefing, submit),
            *(problem for check in submit.conditions if (problem := check(briefing))),
        ]
    case_visible = False
    if briefing.source_case_id:
        from sightline.reviews.access import cases_visible_to

        case_visible = cases_visible_to(user).filter(pk=briefing.source_case_id).exists()
    return render(
        request,
        "learning/detail.html",
        {
            "briefing": briefing,
            "sheet": documents.briefing_content(briefing),
            "transitions": BRIEFING_WORKFLOW.available(briefing, user),
            "missing": missing,
            "can_edit": access.can_edit_briefing(user, briefing),
            "can_send": access.can_send(user, briefing),
            "can_see_dissemination": can_dissemination,
            "stats": (
                selectors.dissemination_stats(briefing, day)
                if can_dissemination and briefing.status in selectors.SENT_STATUSES
                else None
            ),
            "mine": selectors.acknowledgements_for(user, briefing=briefing, include_done=True),
            "case_visible": case_visible,
            "history": latest_history(briefing_scope(briefing, user), sees_identities=False),
            "today": day,
        },
    )


@login_required
@require_GET
def briefing_history(request, reference: str):
    """Every change to the briefing and the acknowledgements the user may see, paged."""
    briefing = access.briefing_for_view(request.user, reference)
    return history_response(
        request,
        scope=briefing_scope(briefing, request.user),
        record=briefing,
        sees_identities=False,
        page=HistoryPage(
            title=f"{briefing.reference} {briefing.title}",
            kind="briefing",
            back_url=reverse("learning:detail", args=[briefing.reference]),
            back_text=f"Back to {briefing.reference}",
            file_stem=f"{briefing.reference}-history",
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def briefing_status(request, reference: str, name: str):
    """The page of one move. Publishing asks for its dates; the tiles a briefing needs before
    it is sent for review are written on its own page, which the page links to."""
    briefing = access.briefing_for_view(request.user, reference)
    t = available_transition(
        BRIEFING_WORKFLOW,
        briefing,
        request.user,
        name,
        refuse=lambda: access.deny(
            request.user, object_type="learning.briefing", object_id=reference
        ),
    )
    day = today()
    detail_url = reverse("learning:detail", args=[briefing.reference])
    edit_url = (
        reverse("learning:edit", args=[briefing.reference])
        if access.can_edit_briefing(request.user, briefing)
        else ""
    )
    return TransitionPage(
        request,
        workflow=BRIEFING_WORKFLOW,
        transition=t,
        obj=briefing,
        apply=lambda **move: services.briefing_transition(
            briefing=briefing, by=request.user, **move
        ),
        success_url=detail_url,
        success_message=lambda b: f"Briefing {b.reference}: {b.get_status_display().lower()}",
        fields=transition_fields(),
        ask=[n for n in t.required if n in ("publish_date", "review_date")],
        initial={
            "publish_date": briefing.publish_date or day,
            "review_date": briefing.review_date or add_months(day, 12),
        },
        elsewhere=dict.fromkeys(t.required, edit_url),
        fixes={source_given: edit_url},
        context={
            "back_url": detail_url,
            "back_text": f"Back to {briefing.reference}",
            "caption": f"7-minute briefing {briefing.reference}",
            "title_suffix": briefing.reference,
            "summary": briefing.title,
            "intro_template": "learning/_transition_intro.html",
            "briefing": briefing,
        },
    ).respond()


@login_required
@require_GET
def briefing_preview(request, reference: str):
    briefing = access.briefing_for_view(request.user, reference)
    return render(
        request,
        "learning/preview.html",
        {"briefing": briefing, "sheet": documents.briefing_content(briefing)},
    )


@login_required
@require_GET
def briefing_pdf(request, reference: str):
    briefing = access.briefing_for_view(request.user, reference)
    body = documents.briefing_pdf(documents.briefing_content(briefing))
    return documents.download(
        body, documents.PDF_TYPE, f"{briefing.reference} 7-minute briefing.pdf"
    )


@login_required
@require_GET
def briefing_docx(request, reference: str):
    briefing = access.briefing_for_view(request.user, reference)
    body = documents.briefing_docx(documents.briefing_content(briefing))
    return documents.download(
        body, documents.DOCX_TYPE, f"{briefing.reference} 7-minute briefing.docx"
    )
