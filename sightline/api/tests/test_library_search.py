"""The public library search endpoint and the generated OpenAPI description."""

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


def test_a_bad_parameter_names_itself_and_says_what_is_wrong(client):
    cases = {
        "page": ({"page": "0"}, "page must be a whole number from 1 to 1000"),
        "per_page": ({"per_page": "two"}, "per_page must be a whole number from 1 to 100"),
        "kind": ({"kind": ["review", "podcast"]}, "kind must be one of: review, briefing, report"),
        "year": ({"year": "recent"}, "year must be a four-digit year, like 2024"),
        "q": ({"q": "x" * 201}, "q must be at most 200 characters"),
        "colour": ({"colour": "red"}, "Unknown parameter: colour"),
    }
    for parameter, (params, message) in cases.items():
        body = client.get(API, params).json()
        assert body == {"error": "bad_request", "parameter": parameter, "message": message}


def test_empty_values_from_a_form_are_no_filter(client):
    import_sample()

    blank = client.get(API, {"q": "", "kind": "", "year": "", "theme": "", "page": ""}).json()

    assert blank["total"] == 12
    assert blank["page"] == 1


def test_the_api_is_read_only_and_says_so_in_json(client):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(API, {"q": "x"}, content_type="application/json")
        assert response.status_code == 405, method
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"] == "method_not_allowed"
        assert "GET" in response["Allow"]
        assert "POST" not in response["Allow"]


def test_an_unknown_api_address_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_public_answers_may_be_cached_but_must_be_revalidated(client):
    make_item(title="Neglect public")

    response = client.get(API, {"q": "neglect"})

    assert "public" in response["Cache-Control"]
    assert "no-cache" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_a_signed_in_member_of_staff_gets_an_answer_no_cache_keeps(signed_in_client, make_user):
    from sightline.accounts.models import Role

    client = signed_in_client(make_user(Role.BUSINESS_UNIT))
    make_item(title="Neglect public")

    response = client.get(API, {"q": "neglect"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_the_schema_describes_the_search(client):
    response = client.get(reverse("api:schema"))

    schema = response.json()
    assert response.status_code == 200
    assert schema["openapi"].startswith("3.1")
    operation = schema["paths"]["/api/v1/library/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "q", "kind", "theme", "year", "review_type", "page", "per_page"
    }  # fmt: skip
    item = schema["components"]["schemas"]["LibraryItem"]
    assert set(item["required"]) == {"id", "title", "kind", "published", "themes", "url", "score"}
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert parameters["year"]["items"]["type"] == "integer"
    assert parameters["page"]["maximum"] == 1000
    assert set(operation["responses"]) == {"200", "400", "405"}


def test_the_schema_is_a_valid_openapi_3_1_document(client):
    from drf_spectacular.validation import validate_schema

    validate_schema(client.get(reverse("api:schema")).json())


def test_the_documentation_page_is_made_from_the_schema(client):
    response = client.get(reverse("api:docs"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Search the public learning library" in html
    assert '<form method="get" action="/api/v1/library/search"' in html
    for name in ("q", "kind", "theme", "year", "review_type", "page", "per_page"):
        assert f'name="{name}"' in html
    assert "1 to 1000" in html  # the page limits, read from the schema


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize("address", [API, "/api/schema/", "/api/docs/"])
def test_other_methods_get_a_json_405_naming_the_allowed_ones(method, address):
    # As a client outside a browser sends it: no CSRF token, and CSRF checks on.
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)(address, data="{}", content_type="application/json")

    assert response.status_code == 405
    assert response["Content-Type"].endswith("json")  # the schema's own type for /api/schema/
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"] == "method_not_allowed"


def test_head_is_answered_like_get(client):
    response = client.head(API, {"q": "x"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
