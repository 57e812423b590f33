"""The public library search API (read-only, anonymous) and its OpenAPI description.

GET /api/v1/library/search?q=&kind=&theme=&year=&review_type=&page=&per_page=
GET /api/schema/

Every answer is JSON, refusals too: a bad parameter is a 400 and any method but GET or HEAD a
405 with an Allow header.
"""

from __future__ import annotations

import functools

from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from sightline.core.notifications import absolute_url
from sightline.publishing import library, search
from sightline.publishing.models import LibraryItem
from sightline.publishing.views_public import public_cache

MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_QUERY = 200
API_MAX_AGE = 60
KINDS = [value for value, _ in LibraryItem.Kind.choices]


ALLOWED_METHODS = ("GET", "HEAD")


def read_only(view):
    """GET and HEAD only; any other method gets a JSON 405 with an Allow header, not Django's
    HTML one. The views change nothing, so they are exempt from CSRF protection: a POST gets
    this 405 rather than the HTML page for a failed CSRF check."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ALLOWED_METHODS:
            response = JsonResponse(
                {
                    "error": "method_not_allowed",
                    "message": f"{request.method} is not allowed: the API is read-only, use GET",
                },
                status=405,
            )
            response["Allow"] = ", ".join(ALLOWED_METHODS)
            return response
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)


class BadRequest(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter, self.message = parameter, message


def _integer(params, name: str, default: int, low: int, high: int) -> int:
    value = params.get(name)
    if value in (None, ""):
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise BadRequest(name, f"{name} must be a whole number from {low} to {high}")
    return int(value)


def _parameters(params) -> dict:
    unknown = set(params) - {"q", "kind", "theme", "year", "review_type", "page", "per_page"}
    if unknown:
        raise BadRequest(sorted(unknown)[0], f"Unknown parameter: {sorted(unknown)[0]}")
    query = params.get("q", "")
    if len(query) > MAX_QUERY:
        raise BadRequest("q", f"q must be at most {MAX_QUERY} characters")
    kinds = params.getlist("kind")
    for kind in kinds:
        if kind not in KINDS:
            raise BadRequest("kind", f"kind must be one of: {', '.join(KINDS)}")
    years = []
    for year in params.getlist("year"):
        if not (year.isdigit() and len(year) == 4):
            raise BadRequest("year", "year must be a four-digit year, like 2024")
        years.append(int(year))
    return {
        "query": query,
        "kind": kinds,
        "theme": [t for t in params.getlist("theme") if t],
        "year": years,
        "review_type": [r for r in params.getlist("review_type") if r],
        "page": _integer(params, "page", 1, 1, MAX_PAGE),
        "per_page": _integer(params, "per_page", 10, 1, MAX_PER_PAGE),
    }


def _error(error: BadRequest) -> JsonResponse:
    return JsonResponse(
        {"error": "bad_request", "parameter": error.parameter, "message": error.message},
        status=400,
    )


def hit_json(hit) -> dict:
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


@read_only
def library_search(request):
    try:
        arguments = _parameters(request.GET)
    except BadRequest as error:
        return _error(error)
    result = search.search(**arguments)
    body = {
        "results": [hit_json(hit) for hit in result.results],
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
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    return public_cache(response, request, max_age=API_MAX_AGE)


_FACET = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["value", "label", "count"],
        "properties": {
            "value": {"type": ["string", "integer"]},
            "label": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
        },
    },
}

SCHEMA = {
    "openapi": "3.1.0",
    "info": {
        "title": "Sightline public API",
        "version": "1.0.0",
        "description": (
            "Read-only access to the partnership's public learning library: published practice "
            "reviews, 7-minute briefings and items from the back catalogue. No sign-in is "
            "needed. Nothing unpublished or removed is ever returned."
        ),
    },
    "servers": [{"url": "/"}],
    "paths": {
        "/api/v1/library/search": {
            "get": {
                "operationId": "searchLibrary",
                "summary": "Search the public learning library",
                "description": (
                    "Full-text search over titles, summaries, themes and the text of attached "
                    "documents, with stemming, abbreviations matched to their expansions, "
                    "spelling correction and ranking that also weighs meaning. Results are in "
                    "rank order. Without q, everything is listed newest first. Repeat a facet "
                    "parameter to match any of several values."
                ),
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "description": "Words to search for; text in double quotes is a phrase",
                        "schema": {"type": "string", "maxLength": MAX_QUERY},
                    },
                    {
                        "name": "kind",
                        "in": "query",
                        "style": "form",
                        "explode": True,
                        "schema": {"type": "array", "items": {"type": "string", "enum": KINDS}},
                    },
                    {
                        "name": "theme",
                        "in": "query",
                        "description": "Theme slug, as in the theme facet's values",
                        "style": "form",
                        "explode": True,
                        "schema": {"type": "array", "items": {"type": "string"}},
                    },
                    {
                        "name": "year",
                        "in": "query",
                        "style": "form",
                        "explode": True,
                        "schema": {
                            "type": "array",
                            "items": {"type": "integer", "minimum": 1000, "maximum": 9999},
                        },
                    },
                    {
                        "name": "review_type",
                        "in": "query",
                        "description": "For example LCSPR, SCR, rapid review (any case)",
                        "style": "form",
                        "explode": True,
                        "schema": {"type": "array", "items": {"type": "string"}},
                    },
                    {
                        "name": "page",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_PAGE,
                            "default": 1,
                        },
                    },
                    {
                        "name": "per_page",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_PER_PAGE,
                            "default": 10,
                        },
                    },
                ],
                "responses": {
                    "200": {
                        "description": "One page of results, in rank order",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SearchResults"}
                            }
                        },
                    },
                    "400": {
                        "description": "A parameter cannot be used",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                    "405": {
                        "description": "Any method but GET or HEAD; the Allow header lists those",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                },
            }
        }
    },
    "components": {
        "schemas": {
            "SearchResults": {
                "type": "object",
                "required": ["results", "page", "per_page", "total", "facets"],
                "properties": {
                    "results": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/LibraryItem"},
                    },
                    "page": {"type": "integer", "minimum": 1},
                    "per_page": {"type": "integer", "minimum": 1},
                    "total": {"type": "integer", "minimum": 0},
                    "corrected_query": {
                        "type": "string",
                        "description": "The query as searched after spelling correction",
                    },
                    "facets": {
                        "type": "object",
                        "description": (
                            "Counts per value; each facet is counted with the other facets' "
                            "filters applied"
                        ),
                        "required": ["kind", "theme", "year", "review_type"],
                        "properties": {
                            "kind": _FACET,
                            "theme": _FACET,
                            "year": _FACET,
                            "review_type": _FACET,
                        },
                    },
                },
            },
            "LibraryItem": {
                "type": "object",
                "required": ["id", "title", "kind", "published", "themes", "url", "score"],
                "properties": {
                    "id": {
                        "type": "string",
                        "description": "The back-catalogue id for imported items, else the slug",
                    },
                    "title": {"type": "string"},
                    "kind": {"type": "string", "enum": KINDS},
                    "published": {
                        "type": ["string", "null"],
                        "description": "YYYY-MM-DD, or YYYY when only the year is known",
                    },
                    "themes": {"type": "array", "items": {"type": "string"}},
                    "url": {"type": "string", "format": "uri"},
                    "score": {
                        "type": "number",
                        "minimum": 0,
                        "maximum": 1,
                        "description": "Relevance from 0 to 1 (0 when listing without q)",
                    },
                },
            },
            "Error": {
                "type": "object",
                "required": ["error", "message"],
                "properties": {
                    "error": {"type": "string", "enum": ["bad_request", "method_not_allowed"]},
                    "parameter": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        }
    },
}


@read_only
def schema(request):
    response = JsonResponse(SCHEMA, json_dumps_params={"indent": 2})
    response["Content-Type"] = "application/json"
    return public_cache(response, request, max_age=3600)
