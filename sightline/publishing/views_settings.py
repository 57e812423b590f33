"""Settings pages for the library search's synonym list, under /app/settings/synonyms/.

Like every settings page they are for settings managers only (business unit and system
administrators): anyone else signed in gets 404, anyone signed out is sent to sign in. The URLs
are in `sightline.accounts.urls_settings`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sightline.accounts.views_settings import paginate, settings_page
from sightline.core.stale import stale_edit_context
from sightline.core.versioning import StaleEdit
from sightline.publishing import services_synonyms as services
from sightline.publishing.forms_synonyms import SynonymForm, SynonymSearchForm
from sightline.publishing.models import SearchSynonym

RECORD_META = ("created_by", "updated_by")
LIST_TEMPLATE = "publishing/settings_synonym_list.html"
FORM_TEMPLATE = "publishing/settings_synonym_form.html"


@settings_page
@require_GET
def synonym_list(request):
    form = SynonymSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    status = request.GET.get("status", "")
    synonyms = SearchSynonym.objects.order_by(Lower("term"), "pk")
    if query:
        synonyms = synonyms.filter(Q(term__icontains=query) | Q(expansions__icontains=query))
    if status == "active":
        synonyms = synonyms.filter(archived_at__isnull=True)
    elif status == "archived":
        synonyms = synonyms.filter(archived_at__isnull=False)
    else:
        status = ""
    return render(
        request,
        LIST_TEMPLATE,
        {
            "form": form,
            "query": query,
            "status": status,
            "page_obj": paginate(request, synonyms),
        },
    )


@settings_page
@require_http_methods(["GET", "POST"])
def synonym_create(request):
    form = SynonymForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            synonym = services.synonym_create(by=request.user, **form.changes)
        except ValidationError as exc:  # another settings manager added the term meanwhile
            form.add_error(None, exc)
        else:
            messages.success(request, f"The synonym {synonym.term} has been added")
            return redirect("settings:synonym-list")
    return render(request, FORM_TEMPLATE, {"form": form, "record": None})


@settings_page
@require_http_methods(["GET", "POST"])
def synonym_edit(request, pk: int):
    """GET shows the form; POST saves it, showing a refused stale edit beside the entered
    values (the same pattern as the other settings pages)."""
    synonym = get_object_or_404(SearchSynonym.objects.select_related(*RECORD_META), pk=pk)
    context = {}
    if request.method == "POST":
        # The model form writes the entered values onto its instance, so it gets its own copy
        # and the service still sees the saved values to record what changed.
        form = SynonymForm(request.POST, instance=SearchSynonym.objects.get(pk=synonym.pk))
        if form.is_valid():
            try:
                services.synonym_update(
                    synonym=synonym,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    **form.changes,
                )
            except StaleEdit as exc:
                context.update(stale_edit_context(form, exc.current))
                synonym = exc.current
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"The synonym {synonym.term} has been updated")
                return redirect("settings:synonym-list")
    else:
        form = SynonymForm(instance=synonym)
    context.update(form=form, record=synonym)
    return render(request, FORM_TEMPLATE, context)


@settings_page
@require_POST
def synonym_archive(request, pk: int):
    synonym = get_object_or_404(SearchSynonym, pk=pk)
    if not synonym.is_archived:
        services.synonym_archive(synonym=synonym, by=request.user)
        messages.success(
            request,
            f"The synonym {synonym.term} has been archived. The search no longer uses it",
        )
    return redirect("settings:synonym-list")


@settings_page
@require_POST
def synonym_restore(request, pk: int):
    synonym = get_object_or_404(SearchSynonym, pk=pk)
    if synonym.is_archived:
        services.synonym_restore(synonym=synonym, by=request.user)
        messages.success(request, f"The synonym {synonym.term} has been restored")
    return redirect("settings:synonym-list")
