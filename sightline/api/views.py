"""API endpoints. Each reads through the owning app's selectors or access chokepoints and
writes only through its services; this module holds no rules of its own."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from sightline.api.serializers import Error, LibrarySearchParameters, SearchResults
from sightline.core.notifications import absolute_url
from sightline.publishing import library, search
from sightline.publishing.views_public import public_cache

API_MAX_AGE = 60
SCHEMA_MAX_AGE = 3600


class PublicMixin:
    """Anonymous and read-only. No API authentication runs, so the Django request keeps its
    own user (DRF would replace it with an anonymous one), and answers may be kept by public
    caches but must be revalidated, so a removal takes effect at once. Signed-in staff get
    `no-store` from the middleware as on every page."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    http_method_names = ["get", "head"]
    max_age = API_MAX_AGE

    def perform_authentication(self, request):
        pass

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code < 400:
            # The Django request still knows whether a staff member is signed in.
            public_cache(response, request._request, max_age=self.max_age)
        return response


class PublicView(PublicMixin, APIView):
    pass


def _hit(hit) -> dict:
    item = hit.item
    return {
        "id": item.external_id or item.slug,
        "title": item.title,
        "kind": item.kind,
        "published": library.published_value(item),
        "themes": [name for _, name in getattr(item, "theme_list", [])],
        "url": absolute_url(reverse("publishing-public:item", args=[item.slug])),
        "score": float(hit.score),
    }


class LibrarySearch(PublicView):
    @extend_schema(
        operation_id="searchLibrary",
        summary="Search the public learning library",
        description=(
            "Full-text search over titles, summaries, themes and the text of attached "
            "documents, with stemming, abbreviations matched to their expansions, spelling "
            "correction and ranking that also weighs meaning. Results are in rank order. "
            "Without q, everything is listed newest first. Repeat a facet parameter to match "
            "any of several values. Nothing unpublished or removed is ever returned."
        ),
        parameters=[LibrarySearchParameters],
        responses={
            200: OpenApiResponse(SearchResults, description="One page of results, in rank order"),
            400: OpenApiResponse(Error, description="A parameter cannot be used"),
            405: OpenApiResponse(Error, description="Any method but GET or HEAD: read-only"),
        },
        tags=["library"],
    )
    def get(self, request):
        parameters = LibrarySearchParameters(data=request.query_params)
        parameters.is_valid(raise_exception=True)
        result = search.search(**parameters.search_arguments())
        body = {
            "results": [_hit(hit) for hit in result.results],
            "page": result.page,
            "per_page": result.per_page,
            "total": result.total,
            "facets": {
                name: [{"value": v, "label": label, "count": n} for v, label, n in values]
                for name, values in result.facets.items()
            },
        }
        if result.corrected_query:
            body["corrected_query"] = result.corrected_query
        return Response(body)


class Schema(PublicMixin, SpectacularJSONAPIView):
    """The OpenAPI 3.1 description, generated from the views and serializers."""

    max_age = SCHEMA_MAX_AGE
