"""Public pages of the learning library: search, item pages, documents and subscriptions.

Anyone may read these pages; nothing that is not public, or was removed or never published,
can be reached (404). Pages for anonymous visitors may be cached for a few minutes; signed-in
users get `no-store` from the security middleware.
"""

from __future__ import annotations

from django import forms
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from sightline.publishing import library, search, subscriptions

PUBLIC_MAX_AGE = 300  # seconds a shared cache may keep a public page
PER_PAGE = 20
FACET_PARAMETERS = ("kind", "theme", "year", "review_type")


def public_cache(response, request, max_age: int = PUBLIC_MAX_AGE):
    """Public, but every cache must check with the server before reusing a copy: a removal
    (a court order, a risk to a child) takes effect at once, in browsers and proxies alike. The
    middleware makes signed-in pages no-store."""
    if not request.user.is_authenticated:
        patch_cache_control(response, public=True, no_cache=True, max_age=0)
        patch_vary_headers(response, ["Cookie"])
    return response


def search_parameters(params) -> dict:
    """Search arguments from a query string; values that cannot be used are dropped."""
    years = []
    for value in params.getlist("year"):
        if value.isdigit() and len(value) == 4:
            years.append(int(value))
    return {
        "kind": [v for v in params.getlist("kind") if v][:5],
        "theme": [v for v in params.getlist("theme") if v][:20],
        "year": years[:20],
        "review_type": [v for v in params.getlist("review_type") if v][:10],
    }


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and 0 < int(value) < 10_000 else 1


def _facet_groups(result, selected: dict) -> list[dict]:
    titles = {
        "kind": "Type",
        "theme": "Theme",
        "year": "Year published",
        "review_type": "Review type",
    }
    groups = []
    for name in FACET_PARAMETERS:
        chosen = {str(v) for v in selected[name]}
        options = [
            {
                "value": value,
                "label": label,
                "count": count,
                "checked": str(value) in chosen,
                "id": f"{name}-{n}",
            }
            for n, (value, label, count) in enumerate(result.facets[name], start=1)
        ]
        if options:
            groups.append({"name": name, "title": titles[name], "options": options})
    return groups


@require_safe
def library_search(request):
    query = request.GET.get("q", "").strip()[:200]
    selected = search_parameters(request.GET)
    page_number = _page_number(request.GET.get("page"))
    result = search.search(query, page=page_number, per_page=PER_PAGE, **selected)
    if page_number > 1 and not result.results and result.total:
        raise Http404("No such page")
    page_obj = Paginator(range(result.total), PER_PAGE).get_page(page_number)
    context = {
        "query": query,
        "result": result,
        "page_obj": page_obj,
        "facet_groups": _facet_groups(result, selected),
        "filtered": any(selected.values()),
        "first": (page_number - 1) * PER_PAGE + 1,
        "last": (page_number - 1) * PER_PAGE + len(result.results),
    }
    return public_cache(render(request, "publishing/library_search.html", context), request)


@require_safe
def library_item(request, slug: str):
    item = library.item_for_public(slug)
    context = {
        "item": item,
        "published": library.published_label(item),
        "summary": library.paragraphs(item.summary),
        "text": library.paragraphs(item.text),
        "notice": library.paragraphs(item.removal_notice),
        "offline": library.is_offline(item),
    }
    if item.removed_at is not None:
        response = render(request, "publishing/library_removed.html", context)
        return public_cache(response, request)
    context.update(
        themes=list(item.themes.all()),
        document=item.document,
        briefings=library.linked_briefings(item),
        source_review=library.source_review(item),
        progress=library.action_progress(item),
    )
    return public_cache(render(request, "publishing/library_item.html", context), request)


@require_safe
def library_document(request, slug: str):
    item, document = library.document_for_public(slug)
    try:
        handle = default_storage.open(document.storage_name, "rb")
    except FileNotFoundError:
        raise Http404("Not found") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return public_cache(response, request)


# --------------------------------------------------------------------------- subscriptions


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request):
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        subscriptions.subscription_request(email=form.cleaned_data["email"])
        return HttpResponseRedirect(reverse("publishing-public:subscribe-sent"))
    return render(request, "publishing/subscribe.html", {"form": form})


@require_safe
def subscribe_sent(request):
    return public_cache(render(request, "publishing/subscribe_sent.html"), request)


def _invalid_link(request):
    return render(request, "publishing/subscribe_invalid.html", status=404)


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe_confirm(request, token: str):
    subscription = subscriptions.subscription_for_token(token, subscriptions.CONFIRM)
    if subscription is None:
        return _invalid_link(request)
    if request.method == "POST":
        if subscriptions.subscription_confirm(subscription=subscription):
            return render(request, "publishing/subscribe_confirmed.html")
        return _invalid_link(request)
    if subscription.unsubscribed_at is not None or (
        subscription.confirmed_at is None and subscriptions.confirmation_expired(subscription)
    ):
        return _invalid_link(request)
    return render(request, "publishing/subscribe_confirm.html", {"token": token})


@csrf_exempt  # the token in the link is the authority; mail clients POST without a session
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    """GET: a page with a button. POST (the button, or a mail client's RFC 8058 one-click
    request with List-Unsubscribe=One-Click): unsubscribe."""
    subscription = subscriptions.subscription_for_token(token, subscriptions.UNSUBSCRIBE)
    if subscription is None:
        return _invalid_link(request)
    if request.method == "POST":
        subscriptions.subscription_unsubscribe(subscription=subscription)
        return render(request, "publishing/subscribe_unsubscribed.html")
    return render(request, "publishing/subscribe_unsubscribe.html", {"token": token})
