"""Every API address is either on the written list of public ones or refuses anonymous clients,
with JSON in either case."""

import re

import pytest
from django.urls import URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# The only API addresses anyone may use without signing in.
PUBLIC = {"api:library-search", "api:schema", "api:docs"}


def api_urls() -> list[tuple[str, str]]:
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(
                    pattern.url_patterns,
                    route,
                    ":".join(filter(None, [namespace, pattern.namespace])),
                )
            elif route.startswith("api/"):
                path = "/" + re.sub(r"<(?:\w+:)?\w+>", "1", route)
                found.append((f"{namespace}:{pattern.name}", path))

    walk(get_resolver().url_patterns, "", "")
    return found


API_URLS = api_urls()


def test_the_walk_finds_every_public_address():
    assert PUBLIC <= {name for name, _ in API_URLS}


@pytest.mark.parametrize(("name", "path"), API_URLS, ids=[name for name, _ in API_URLS])
def test_an_anonymous_client_gets_only_the_public_addresses(client, name, path):
    response = client.get(path)

    if name in PUBLIC:
        assert response.status_code == 200
    else:
        assert response.status_code in {401, 403}
        assert response.json()["error"] in {"not_signed_in", "forbidden"}
    for method in ("post", "put", "delete"):
        refused = getattr(client, method)(path, content_type="application/json")
        assert refused.status_code in {401, 403, 405}, (name, method)
