"""Rapid review pages: the review, agency returns, the collated pack, the record's sections,
workflow moves, the safeguarding partners' sign-off and the export of the rapid review as the
Panel receives it.

Objects come only from reviews.access; writes only through reviews.services."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sightline.accounts.access import deny, principal_for
from sightline.accounts.models import Agency
from sightline.core.clocks import get_calendar, today
from sightline.core.events import record_event
from sightline.core.exports import FORMATS, docx_document, render_pdf
from sightline.core.forms import show_refusal
from sightline.core.models import Event
from sightline.core.stale import stale_edit_context
from sightline.core.templatetags.govuk import govuk_date, govuk_datetime
from sightline.core.transition_pages import TransitionForm, TransitionPage, available_transition
from sightline.core.versioning import StaleEdit
from sightline.reviews import access, services
from sightline.reviews.documents import (
    rapid_review_sections,
    sections_for_pdf,
    subtitle_for,
    title_for,
)
from sightline.reviews.forms_rapid import (
    MOVE_ALSO,
    REG11_CRITERIA,
    SECTION_FIELDS,
    SECTION_FORMS,
    AgencyReturnForm,
    RecommendForm,
    RequestReturnsForm,
    SignOffForm,
    section_fields,
)
from sightline.reviews.models import AgencyReturn, PartnerSignOff, RapidReview
from sightline.reviews.reminders import return_reminders
from sightline.reviews.selectors import returns_summary
from sightline.reviews.signoffs import signed_content, signoff_state
from sightline.reviews.views import add_refusal, case_context, sign_off_summary
from sightline.reviews.workflow import (
    RAPID_REVIEW_WORKFLOW,
    _all_partners_signed_rapid_review,
    _returns_submitted,
)

RETURN_DUE_WORKING_DAYS = 10
EXPORT_TYPES = ("docx", "pdf")
RETURN_LABELS = {"involvement": "involvement", "key_practice_episodes": "key practice episodes"}


def rapid_review_for(case) -> RapidReview:
    """The case's rapid review (the case itself came from access); 404 if it has none."""
    try:
        return case.rapid_review
    except RapidReview.DoesNotExist:
        raise Http404("Not found") from None


def _display(rr: RapidReview, name: str) -> str:
    value = getattr(rr, name)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return govuk_date(value)
    if value and hasattr(rr, f"get_{name}_display"):
        return getattr(rr, f"get_{name}_display")()
    return value or ""


def _sections(rr: RapidReview) -> list[dict]:
    sections = []
    for key, form_class in SECTION_FORMS.items():
        rows = []
        for name in section_fields(form_class):
            if name in REG11_CRITERIA:
                continue
            rows.append({"label": form_class.base_fields[name].label, "value": _display(rr, name)})
        if key == "recommendation":
            met = [text for name, text in REG11_CRITERIA.items() if getattr(rr, name)]
            rows.insert(
                1,
                {
                    "label": "Regulation 11 criteria the case meets",
                    "value": "\n".join(met),
                    "list": met,
                },
            )
        sections.append({"key": key, "title": form_class.title, "rows": rows})
    return sections


def _return_rows(user, case) -> list[dict]:
    is_bu = principal_for(user).is_business_unit
    rows = []
    returns = list(access.returns_visible_to(user, case))
    reminders = return_reminders(returns, today())
    for ret in returns:
        can_complete = access.can_complete_return(user, ret.agency_id) and (
            ret.status != AgencyReturn.Status.SUBMITTED or is_bu
        )
        rows.append({"ret": ret, "can_complete": can_complete, "reminders": reminders.get(ret.pk)})
    return rows


@login_required
@require_GET
def rapid_review(request, reference: str):
    case = access.case_for_view(request.user, reference)
    rr = rapid_review_for(case)
    user = request.user
    p = principal_for(user)
    collated = access.can_see_all_returns(user, case)
    context = case_context(request, case, current="rapid_review", title="Rapid review")
    context.update(sign_off_summary(case, PartnerSignOff.Stage.RAPID_REVIEW, user))
    context.update(
        {
            "rr": rr,
            "returns": _return_rows(user, case),
            "returns_summary": returns_summary(rr) if collated else None,
            "sees_collated": collated,
            "sections": _sections(rr) if access.can_read_rapid_review_record(user, case) else [],
            "transitions": RAPID_REVIEW_WORKFLOW.available(rr, user),
            "can_share_pack": (
                p.is_business_unit
                and rr.pack_shared_at is None
                and rr.status != RapidReview.Status.OPEN
            ),
            "can_edit": p.is_business_unit,
            "decided": rr.status == RapidReview.Status.DECIDED,
        }
    )
    return render(request, "reviews/rapid_review.html", context)


def _default_due_date(rr: RapidReview) -> datetime.date:
    calendar = get_calendar()
    due = calendar.add_working_days(rr.start_date, RETURN_DUE_WORKING_DAYS)
    day = today()
    if due < day:  # a review opened late: give agencies a working week from today
        due = calendar.add_working_days(day, 5)
    return due


@login_required
@require_http_methods(["GET", "POST"])
def request_returns(request, reference: str):
    case = access.case_for_edit(request.user, reference)
    rr = rapid_review_for(case)
    if rr.status != RapidReview.Status.OPEN:
        raise Http404("Not found")
    initial = {
        "version": rr.version,
        "agencies": list(case.involved_agencies.all()),
        "due_date": _default_due_date(rr),
    }
    form = RequestReturnsForm(request.POST or None, initial=initial)
    context = case_context(request, case, current="rapid_review", title="Request agency returns")
    context.update({"rr": rr, "form": form})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rapid_review_request_returns(
                rr=rr,
                by=request.user,
                expected_version=data["version"] or 0,
                agencies=data["agencies"],
                due_date=data["due_date"],
            )
        except StaleEdit as stale:
            context.update(stale_edit_context(form, stale.current))
            rr.refresh_from_db()
        except ValidationError as error:
            rr.refresh_from_db()
            show_refusal(form, error, aliases={"returns_due_date": "due_date"})
        else:
            count = len(data["agencies"])
            messages.success(
                request, f"Returns requested from {count} agenc{'ies' if count != 1 else 'y'}"
            )
            return redirect("reviews:rapid-review", case.reference)
    return render(request, "reviews/request_returns.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def agency_return(request, reference: str, agency_id: int):
    """An agency lead completes their agency's return; others allowed to see it read it."""
    case = access.case_for_view(request.user, reference)
    rr = rapid_review_for(case)
    user = request.user
    is_bu = principal_for(user).is_business_unit
    if access.can_complete_return(user, agency_id):
        ret = access.return_for_completion(user, case, agency_id)
        editable = ret.status != AgencyReturn.Status.SUBMITTED or is_bu
    else:
        ret = access.returns_visible_to(user, case).filter(agency_id=agency_id).first()
        if ret is None:
            raise Http404("Not found")
        editable = False
    title = f"{ret.agency.name}: rapid review return"
    context = case_context(request, case, current="rapid_review", title=title)
    context.update({"rr": rr, "ret": ret, "is_bu": is_bu})
    context["reminders"] = return_reminders([ret], today()).get(ret.pk)
    if not editable:
        if request.method == "POST":
            raise Http404("Not found")
        return render(request, "reviews/return_view.html", context)

    initial = {name: getattr(ret, name) for name in AgencyReturnForm.FIELDS}
    initial["version"] = ret.version
    form = AgencyReturnForm(request.POST or None, initial=initial)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        submit = (
            request.POST.get("action") == "submit" and ret.status != AgencyReturn.Status.SUBMITTED
        )
        try:
            services.agency_return_save(
                ret=ret,
                by=user,
                expected_version=form.cleaned_data["version"] or 0,
                submit=submit,
                **form.return_fields(),
            )
        except StaleEdit as stale:
            context.update(stale_edit_context(form, stale.current))
        except ValidationError as error:
            add_refusal(form, error, RETURN_LABELS)
        else:
            if submit:
                messages.success(request, f"{ret.agency.name}'s return has been submitted")
            else:
                messages.success(request, "Your changes have been saved")
            return redirect("reviews:rapid-review", case.reference)
        ret.refresh_from_db()
    return render(request, "reviews/return.html", context)


@login_required
@require_POST
def share_pack(request, reference: str):
    case = access.case_for_edit(request.user, reference)
    rr = rapid_review_for(case)
    if rr.pack_shared_at is None:
        services.rapid_review_share_pack(rr=rr, by=request.user)
        messages.success(
            request,
            "The collated pack is shared. Each agency on the review can now read every return",
        )
    return redirect("reviews:rapid-review", case.reference)


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request, reference: str, section: str):
    case = access.case_for_edit(request.user, reference)
    rr = rapid_review_for(case)
    form_class = SECTION_FORMS.get(section)
    if form_class is None:
        raise Http404("Not found")
    if section == "decision" and rr.status == RapidReview.Status.DECIDED:
        raise Http404("Not found")
    names = section_fields(form_class)
    initial = {name: getattr(rr, name) for name in names}
    initial["version"] = rr.version
    form = form_class(request.POST or None, initial=initial)
    context = case_context(request, case, current="rapid_review", title=form_class.title)
    context.update(
        {
            "rr": rr,
            "form": form,
            "section": section,
            "criteria": [form[name] for name in REG11_CRITERIA if name in form.fields],
        }
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in names}
        try:
            services.rapid_review_update(
                rr=rr, by=request.user, expected_version=form.cleaned_data["version"] or 0, **fields
            )
        except StaleEdit as stale:
            context.update(stale_edit_context(form, stale.current))
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, f"{form_class.title} saved")
            return redirect("reviews:rapid-review", case.reference)
    return render(request, "reviews/rapid_review_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def status(request, reference: str, name: str):
    """The page of one move: the fields it needs, from the record's sections, in one step."""
    case = access.case_for_view(request.user, reference)
    rr = rapid_review_for(case)
    t = available_transition(
        RAPID_REVIEW_WORKFLOW, rr, request.user, name, refuse=lambda: Http404("Not found")
    )
    if name == "request_returns":
        # Only those who may make the move are sent on to the page that makes it.
        return redirect("reviews:request-returns", case.reference)
    page_url = reverse("reviews:rapid-review", args=[case.reference])
    context = case_context(request, case, current="rapid_review", title=t.label)
    context.update(
        {
            "back_url": page_url,
            "title_suffix": case.reference,
            "header_template": "reviews/_case_header.html",
        }
    )
    recommend = name == "recommend"
    return TransitionPage(
        request,
        workflow=RAPID_REVIEW_WORKFLOW,
        transition=t,
        obj=rr,
        apply=lambda **move: services.rapid_review_transition(rr=rr, by=request.user, **move),
        success_url=page_url,
        success_message=lambda rr: f"Rapid review status: {rr.get_status_display().lower()}",
        form_class=RecommendForm if recommend else TransitionForm,
        fields=SECTION_FIELDS,
        also=MOVE_ALSO.get(name, ()),
        initial=RecommendForm.initial_for(rr) if recommend else None,
        fixes={
            _returns_submitted: f"{page_url}#returns",
            _all_partners_signed_rapid_review: f"{page_url}#sign-off",
        },
        context=context,
    ).respond()


# --- Partner sign-off --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sign_off(request, reference: str, stage: str):
    """A partner lead reads exactly what they sign and signs it off. Whoever may sign gets the
    page, with the reason when they cannot sign now ("You signed this off on ..."); anyone else
    gets a 404."""
    case = access.case_for_view(request.user, reference)
    if stage not in PartnerSignOff.Stage.values:
        raise Http404("Not found")
    mine = access.partner_agency_ids(request.user)
    if not mine:
        raise Http404("Not found")
    state = signoff_state(case, stage)
    problem = services.sign_off_problem(case, stage)
    mine_signed = [s for s in state.current if s.agency_id in mine]
    agencies = Agency.objects.filter(pk__in=set(mine) - {s.agency_id for s in state.current})
    can_sign = problem is None and agencies.exists()
    form = SignOffForm(
        request.POST or None, agencies=agencies, initial={"fingerprint": state.fingerprint}
    )
    is_rapid = stage == PartnerSignOff.Stage.RAPID_REVIEW
    back = "reviews:rapid-review" if is_rapid else "reviews:local-review"
    title = "Sign off the rapid review" if is_rapid else "Quality assurance sign-off"
    context = case_context(
        request, case, current="rapid_review" if is_rapid else "local_review", title=title
    )
    content = [] if state.closed else signed_content(case, stage)
    context.update(
        {
            "form": form,
            "stage": stage,
            "stage_label": PartnerSignOff.Stage(stage).label,
            "state": state,
            "signoffs": state.current,
            "mine_signed": mine_signed,
            "problem": problem,
            "can_sign": can_sign,
            "back": back,
            "is_rapid": is_rapid,
            "content": sections_for_pdf(content),
            "fingerprint": state.fingerprint,
        }
    )
    if request.method == "POST":
        if not can_sign:
            for s in mine_signed:
                form.add_error(
                    None,
                    f"You signed this off for {s.agency.name} on {govuk_datetime(s.signed_at)}",
                )
            if problem:
                form.add_error(None, problem)
        elif form.is_valid():
            agency = form.cleaned_data["agency"]
            try:
                services.partner_sign_off(
                    case=case,
                    by=request.user,
                    stage=stage,
                    agency=agency,
                    comment=form.cleaned_data["comment"],
                    fingerprint_seen=form.cleaned_data["fingerprint"],
                )
            except ValidationError as error:
                add_refusal(form, error)
            else:
                messages.success(request, f"Signed off for {agency.name}")
                return redirect(back, case.reference)
    return render(request, "reviews/sign_off.html", context)


# --- The rapid review as the Panel receives it --------------------------------------------------


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
