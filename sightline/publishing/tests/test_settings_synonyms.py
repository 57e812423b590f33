"""The search synonym list in the settings area: its services, its pages, who may use them,
and that a change reaches the library search on the next search."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sightline.accounts.models import Role
from sightline.core.models import Event
from sightline.core.versioning import StaleEdit
from sightline.publishing import search
from sightline.publishing.models import SearchSynonym
from sightline.publishing.services_synonyms import (
    synonym_archive,
    synonym_create,
    synonym_restore,
    synonym_update,
)
from sightline.publishing.tests.test_library_support import make_item

pytestmark = pytest.mark.django_db

MANAGER_ROLES = [Role.BUSINESS_UNIT, Role.SYSTEM_ADMIN]
OTHER_ROLES = [
    Role.PARTNER_LEAD,
    Role.AGENCY_LEAD,
    Role.PRACTITIONER,
    Role.SCRUTINEER,
    Role.REVIEWER,
]
MARAC = "multi-agency risk assessment conference"


@pytest.fixture
def admin(make_user):
    return make_user(Role.BUSINESS_UNIT, full_name="Beth Unit", email="beth.unit@example.org")


@pytest.fixture
def admin_client(signed_in_client, admin):
    return signed_in_client(admin)


@pytest.fixture
def synonym(admin):
    return synonym_create(by=admin, term="ZZQ", expansions="zebra zone quarter")


def events(action: str):
    return Event.objects.filter(action=action).order_by("id")


def h1_count(response) -> int:
    return len(re.findall(r"<h1[\s>]", response.content.decode()))


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    return {field: list(messages) for field, messages in exc.message_dict.items()}


def found(query: str) -> list[int]:
    # Text matching only: the embedding model may relate the words by meaning on its own.
    return [hit.item.pk for hit in search.search(query, semantic_blend=False).results]


def forget_seeded(term: str) -> None:
    """Remove a synonym the seed migration added, so a test can add it itself."""
    SearchSynonym.objects.filter(term__iexact=term).delete()


# --- Services ------------------------------------------------------------------------------


def test_create_keeps_the_term_as_typed_and_tidies_the_expansions(admin):
    synonym = synonym_create(
        by=admin,
        term="  ZZ  QA ",
        expansions="Zebra  quarter\n\nzebra quarter\nZZ-QA\n  zone alpha  \nZebra Quarter\n",
    )

    assert synonym.term == "ZZ QA"
    assert synonym.expansion_list() == ["Zebra quarter", "zone alpha"]
    assert synonym.created_by == admin
    assert synonym.version == 1


def test_create_records_an_event_with_the_new_values(admin):
    synonym = synonym_create(by=admin, term="ZZQ", expansions=["zebra zone quarter"])

    event = events("search_synonym.create").get()
    assert event.actor == admin
    assert event.object_id == str(synonym.pk)
    assert event.changes["term"] == [None, "ZZQ"]
    assert event.changes["expansions"] == [None, "zebra zone quarter"]


@pytest.mark.parametrize(
    ("term", "expansions", "field", "message"),
    [
        ("", "something", "term", "Enter the term"),
        ("   ", "something", "term", "Enter the term"),
        ("x" * 61, "something", "term", "Term must be 60 characters or fewer"),
        ("--", "something", "term", "Term must include letters or numbers"),
        ("ZZQ", "", "expansions", "Enter at least one expansion"),
        ("ZZQ", "\n  \n", "expansions", "Enter at least one expansion"),
        (
            "ZZQ",
            "zzq\nZZQ",
            "expansions",
            "Enter at least one expansion that is different from the term",
        ),
        ("ZZQ", "fine\n***", "expansions", "Expansion ‘***’ must include letters or numbers"),
        ("ZZQ", "y" * 201, "expansions", "Each expansion must be 200 characters or fewer"),
    ],
)
def test_create_refuses_what_the_search_could_not_use(admin, term, expansions, field, message):
    with pytest.raises(ValidationError) as caught:
        synonym_create(by=admin, term=term, expansions=expansions)

    assert field_errors(caught.value)[field] == [message]
    assert not events("search_synonym.create").exists()


def test_a_term_is_unique_in_any_case(admin, synonym):
    with pytest.raises(ValidationError) as caught:
        synonym_create(by=admin, term="zzq", expansions="something else")

    assert field_errors(caught.value) == {"term": ["A synonym for ZZQ already exists"]}


def test_an_archived_term_is_restored_rather_than_added_again(admin, synonym):
    synonym_archive(synonym=synonym, by=admin)

    with pytest.raises(ValidationError) as caught:
        synonym_create(by=admin, term="Zzq", expansions="something else")

    assert field_errors(caught.value) == {
        "term": [
            "An archived synonym already has the term ZZQ. "
            "Restore it from the list of search synonyms"
        ]
    }


def test_update_changes_the_synonym_and_records_what_changed(admin, synonym, make_user):
    editor = make_user(Role.SYSTEM_ADMIN)

    synonym_update(
        synonym=synonym,
        by=editor,
        expected_version=synonym.version,
        term="ZZQ",
        expansions="zebra zone quarter\nzebra quarter",
    )

    synonym.refresh_from_db()
    assert synonym.version == 2
    assert synonym.updated_by == editor
    assert synonym.expansion_list() == ["zebra zone quarter", "zebra quarter"]
    event = events("search_synonym.update").get()
    assert event.actor == editor
    assert event.changes == {
        "expansions": ["zebra zone quarter", "zebra zone quarter\nzebra quarter"]
    }


def test_update_may_keep_its_own_term_in_another_case(admin, synonym):
    synonym_update(
        synonym=synonym, by=admin, expected_version=1, term="Zzq", expansions="zebra zone quarter"
    )

    synonym.refresh_from_db()
    assert synonym.term == "Zzq"


def test_update_refuses_another_synonyms_term(admin, synonym):
    other = synonym_create(by=admin, term="QQZ", expansions="quiet quay zone")

    with pytest.raises(ValidationError) as caught:
        synonym_update(
            synonym=other, by=admin, expected_version=1, term="zzq", expansions="quiet quay zone"
        )

    assert field_errors(caught.value) == {"term": ["A synonym for ZZQ already exists"]}
    other.refresh_from_db()
    assert other.term == "QQZ"


def test_a_stale_update_is_refused_and_the_first_save_kept(admin, synonym, make_user):
    other = make_user(Role.SYSTEM_ADMIN)
    first = SearchSynonym.objects.get(pk=synonym.pk)
    second = SearchSynonym.objects.get(pk=synonym.pk)
    synonym_update(synonym=first, by=admin, expected_version=1, term="ZZQ", expansions="first save")

    with pytest.raises(StaleEdit) as caught:
        synonym_update(
            synonym=second, by=other, expected_version=1, term="ZZQ", expansions="second save"
        )

    assert caught.value.current.expansions == "first save"
    assert SearchSynonym.objects.get(pk=synonym.pk).expansions == "first save"
    assert events("search_synonym.update").count() == 1


def test_archive_and_restore_record_events(admin, synonym):
    synonym_archive(synonym=synonym, by=admin)
    synonym.refresh_from_db()
    assert synonym.is_archived
    assert synonym.version == 2
    assert events("search_synonym.archive").get().changes["archived_at"][0] is None

    synonym_restore(synonym=synonym, by=admin)
    synonym.refresh_from_db()
    assert not synonym.is_archived
    assert synonym.version == 3
    assert events("search_synonym.restore").get().changes["archived_at"][1] is None


# --- The search uses the list as it is now --------------------------------------------------


def test_adding_a_synonym_makes_its_expansion_findable_and_archiving_stops_it(admin):
    forget_seeded("MARAC")
    item = make_item(title="Safety planning", summary=f"Discussed at a {MARAC}.")
    make_item(title="Neglect in a large family")
    assert found("MARAC") == []

    synonym = synonym_create(by=admin, term="MARAC", expansions=MARAC)

    assert found("MARAC") == [item.pk]
    assert found("marac") == [item.pk]

    synonym_archive(synonym=synonym, by=admin)

    assert found("MARAC") == []

    synonym_restore(synonym=synonym, by=admin)

    assert found("MARAC") == [item.pk]


def test_changing_the_expansions_applies_to_the_next_search(admin):
    old = make_item(title="Zebra zone quarter report")
    new = make_item(title="Quiet quay zone report")
    synonym = synonym_create(by=admin, term="ZZQ", expansions="zebra zone quarter")
    assert found("ZZQ") == [old.pk]

    synonym_update(
        synonym=synonym, by=admin, expected_version=1, term="ZZQ", expansions="quiet quay zone"
    )

    assert found("ZZQ") == [new.pk]


def test_archived_synonyms_are_not_used_however_they_were_written():
    make_item(title="Zebra zone quarter report")

    SearchSynonym.objects.create(
        term="ZZQ", expansions="zebra zone quarter", archived_at=timezone.now()
    )

    assert found("ZZQ") == []


# --- Who may use the pages -----------------------------------------------------------------


def get_urls(synonym) -> list[str]:
    return [
        reverse("settings:synonym-list"),
        reverse("settings:synonym-create"),
        reverse("settings:synonym-edit", args=[synonym.pk]),
    ]


def post_urls(synonym) -> list[str]:
    return [
        reverse("settings:synonym-create"),
        reverse("settings:synonym-edit", args=[synonym.pk]),
        reverse("settings:synonym-archive", args=[synonym.pk]),
        reverse("settings:synonym-restore", args=[synonym.pk]),
    ]


@pytest.mark.parametrize("role", MANAGER_ROLES)
def test_the_pages_render_for_settings_managers(role, make_user, signed_in_client, synonym):
    client = signed_in_client(make_user(role))
    for url in get_urls(synonym):
        response = client.get(url)
        assert response.status_code == 200, url
        assert h1_count(response) == 1, url
        assert "govuk-breadcrumbs" in response.content.decode(), url


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_the_pages_are_not_found_for_everyone_else(role, make_user, signed_in_client, synonym):
    client = signed_in_client(make_user(role))
    for url in get_urls(synonym):
        assert client.get(url).status_code == 404, url
    for url in post_urls(synonym):
        data = {"term": "Changed", "expansions": "changed", "version": "1"}
        assert client.post(url, data).status_code == 404, url
    synonym.refresh_from_db()
    assert synonym.term == "ZZQ"
    assert not synonym.is_archived
    assert not SearchSynonym.objects.filter(term="Changed").exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, synonym):
    sign_in = reverse("accounts:sign-in")
    for url in get_urls(synonym):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(sign_in), url
    for url in post_urls(synonym):
        response = client.post(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(sign_in), url
    assert not SearchSynonym.objects.get(pk=synonym.pk).is_archived


def test_the_settings_index_links_to_the_synonyms(admin_client):
    body = admin_client.get(reverse("settings:index")).content.decode()

    assert f'href="{reverse("settings:synonym-list")}"' in body
    assert "Search synonyms" in body


# --- The pages -----------------------------------------------------------------------------


def test_add_a_synonym_through_the_page(admin_client, admin):
    forget_seeded("MARAC")
    response = admin_client.post(
        reverse("settings:synonym-create"), {"term": " MARAC ", "expansions": MARAC}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("settings:synonym-list")
    synonym = SearchSynonym.objects.get(term="MARAC")
    assert synonym.expansion_list() == [MARAC]
    assert events("search_synonym.create").get().actor == admin
    page = admin_client.get(response["Location"]).content.decode()
    assert "The synonym MARAC has been added" in page


def test_the_form_shows_errors_and_keeps_what_was_typed(admin_client, synonym):
    response = admin_client.post(
        reverse("settings:synonym-create"), {"term": "zzq", "expansions": "Kept expansion"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "A synonym for ZZQ already exists" in body
    assert 'href="#id_term"' in body
    assert "Kept expansion" in body
    assert 'value="zzq"' in body
    assert "<title>Error: " in body
    assert h1_count(response) == 1


def test_the_form_needs_an_expansion(admin_client):
    response = admin_client.post(
        reverse("settings:synonym-create"), {"term": "ZZQ", "expansions": ""}
    )

    assert response.status_code == 200
    assert "Enter at least one expansion" in response.content.decode()
    assert not SearchSynonym.objects.filter(term="ZZQ").exists()


def test_edit_a_synonym_through_the_page(admin_client, admin, synonym):
    url = reverse("settings:synonym-edit", args=[synonym.pk])
    page = admin_client.get(url).content.decode()
    assert "Change ZZQ" in page
    assert 'name="version" value="1"' in page
    assert f'href="{reverse("settings:synonym-list")}">Search synonyms</a>' in page

    response = admin_client.post(
        url, {"term": "ZZQ", "expansions": "zebra zone quarter\nzebra quarter", "version": "1"}
    )

    assert response.status_code == 302
    synonym.refresh_from_db()
    assert synonym.expansion_list() == ["zebra zone quarter", "zebra quarter"]
    assert events("search_synonym.update").get().actor == admin


def test_a_stale_edit_is_shown_and_the_first_save_kept(
    admin_client, signed_in_client, make_user, synonym
):
    url = reverse("settings:synonym-edit", args=[synonym.pk])
    other_client = signed_in_client(make_user(Role.SYSTEM_ADMIN))
    assert admin_client.get(url).status_code == 200
    assert other_client.get(url).status_code == 200

    first = admin_client.post(url, {"term": "ZZQ", "expansions": "First save", "version": "1"})
    assert first.status_code == 302
    second = other_client.post(url, {"term": "ZZQ", "expansions": "Second save", "version": "1"})

    assert second.status_code == 200
    body = second.content.decode()
    assert "Your changes have not been saved" in body
    assert "Second save" in body
    assert 'name="version" value="2"' in body
    assert SearchSynonym.objects.get(pk=synonym.pk).expansions == "First save"
    # Saving again from the conflict page is a deliberate overwrite.
    again = other_client.post(url, {"term": "ZZQ", "expansions": "Second save", "version": "2"})
    assert again.status_code == 302
    assert SearchSynonym.objects.get(pk=synonym.pk).expansions == "Second save"


def test_archive_and_restore_through_the_pages(admin_client, admin, synonym):
    response = admin_client.post(reverse("settings:synonym-archive", args=[synonym.pk]))
    assert response.status_code == 302
    synonym.refresh_from_db()
    assert synonym.is_archived
    archived = admin_client.get(reverse("settings:synonym-list"), {"status": "archived"})
    assert list(archived.context["page_obj"].object_list) == [synonym]
    in_use = admin_client.get(reverse("settings:synonym-list"), {"status": "active"})
    assert synonym not in in_use.context["page_obj"].object_list

    # Archiving twice changes nothing.
    admin_client.post(reverse("settings:synonym-archive", args=[synonym.pk]))
    assert events("search_synonym.archive").count() == 1

    admin_client.post(reverse("settings:synonym-restore", args=[synonym.pk]))
    synonym.refresh_from_db()
    assert not synonym.is_archived
    assert events("search_synonym.restore").get().actor == admin


def test_the_list_searches_terms_and_expansions(admin_client, admin, synonym):
    synonym_create(by=admin, term="QQZ", expansions="quiet quay zone")

    by_term = admin_client.get(reverse("settings:synonym-list"), {"q": "zzq"})
    by_expansion = admin_client.get(reverse("settings:synonym-list"), {"q": "QUAY"})
    nothing = admin_client.get(reverse("settings:synonym-list"), {"q": "no such thing"})

    assert [s.term for s in by_term.context["page_obj"]] == ["ZZQ"]
    assert [s.term for s in by_expansion.context["page_obj"]] == ["QQZ"]
    assert not nothing.context["page_obj"].object_list
    assert "No synonyms match your search" in nothing.content.decode()
    assert 'value="no such thing"' in nothing.content.decode()


def test_the_list_pages_at_50(admin_client, admin):
    SearchSynonym.objects.all().delete()
    for number in range(60):
        synonym_create(by=admin, term=f"ZZ{number:02d}", expansions=f"zebra {number}")

    first = admin_client.get(reverse("settings:synonym-list"))
    second = admin_client.get(reverse("settings:synonym-list"), {"page": "2"})

    assert len(first.context["page_obj"].object_list) == 50
    assert first.context["page_obj"].paginator.num_pages == 2
    assert [s.term for s in second.context["page_obj"]][0] == "ZZ50"
    assert "govuk-pagination" in first.content.decode()
