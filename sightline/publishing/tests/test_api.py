"""The public library search API and its OpenAPI description."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sightline.publishing.tests.test_library_support import import_sample, make_item

pytestmark = pytest.mark.django_db

API = "/api/v1/library/search"


def test_search_results_have_the_documented_shape(client):
    import_sample()

    response = client.get(API, {"q": "bruising baby"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"results", "page", "per_page", "total", "facets"}
    assert body["page"] == 1
    assert body["per_page"] == 10
    first = body["results"][0]
    assert set(first) == {"id", "title", "kind", "published", "themes", "url", "score"}
    assert first["id"] in {"smp-001", "smp-002"}  # the imported id
    assert first["url"].startswith("http")
    assert first["url"].endswith("/")
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)
    assert set(body["facets"]) == {"kind", "theme", "year", "review_type"}
    assert {"value", "label", "count"} <= set(body["facets"]["kind"][0])


def test_dates_themes_and_ids(client):
    import_sample()
    own = make_item(title="Neglect in our area", slug="neglect-in-our-area", themes=["Neglect"])

    results = {
        r["id"]: r for r in client.get(API, {"q": "neglect", "per_page": 50}).json()["results"]
    }

    assert results["neglect-in-our-area"]["themes"] == ["Neglect"]  # no external id: the slug
    assert results["smp-006"]["published"] == "2018-09-10"
    assert results["smp-012"]["kind"] == "review"
    assert own.slug in results


def test_paging_and_facets_as_parameters(client):
    import_sample()

    everything = client.get(API, {"per_page": 5}).json()
    second = client.get(API, {"per_page": 5, "page": 2}).json()
    reviews = client.get(API, {"kind": "review", "per_page": 50}).json()
    year = client.get(API, {"year": "2023"}).json()

    assert everything["total"] == 12
    assert len(everything["results"]) == 5
    assert not {r["id"] for r in everything["results"]} & {r["id"] for r in second["results"]}
    assert reviews["total"] == 8
    assert all(r["kind"] == "review" for r in reviews["results"])
    assert {r["published"][:4] for r in year["results"]} == {"2023"}


def test_bad_parameters_are_a_400_json_error(client):
    for params in ({"page": "0"}, {"per_page": "1000"}, {"kind": "podcast"}, {"year": "recent"},
                   {"page": "two"}, {"q": "x" * 500}, {"colour": "red"}):  # fmt: skip
        response = client.get(API, params)
        assert response.status_code == 400, params
        assert response.json()["error"] == "bad_request"


def test_unpublished_items_are_never_returned(client):
    make_item(title="Neglect public")
    make_item(title="Neglect hidden", is_public=False)

    titles = [r["title"] for r in client.get(API, {"q": "neglect"}).json()["results"]]

    assert titles == ["Neglect public"]


def test_the_api_is_read_only(client):
    assert client.post(API, {"q": "x"}).status_code == 405


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize("address", [API, "/api/schema/"])
def test_other_methods_get_a_json_405_naming_the_allowed_ones(method, address):
    # As a client outside a browser sends it: no CSRF token, and CSRF checks on.
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)(address, data="{}", content_type="application/json")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response["Allow"] == "GET, HEAD"
    assert response.json() == {
        "error": "method_not_allowed",
        "message": f"{method.upper()} is not allowed: the API is read-only, use GET",
    }


def test_head_is_answered_like_get(client):
    response = client.head(API, {"q": "x"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_the_schema_describes_the_search(client):
    response = client.get(reverse("api-schema"))

    schema = response.json()
    assert response.status_code == 200
    assert schema["openapi"].startswith("3.1")
    operation = schema["paths"]["/api/v1/library/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "q", "kind", "theme", "year", "review_type", "page", "per_page"
    }  # fmt: skip
    item = schema["components"]["schemas"]["LibraryItem"]
    assert set(item["required"]) == {"id", "title", "kind", "published", "themes", "url", "score"}
