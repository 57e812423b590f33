"""Reading stored documents: the owner's registered access rule decides, refusals look like
missing documents, and the download view serves attachments with safe headers."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.files.storage import default_storage
from django.http import Http404
from django.test import RequestFactory

from sightline.core.access import document_for_user
from sightline.core.documents import document_create, register_owner_access, unregister_owner_access
from sightline.core.models import Event
from sightline.core.tests.conftest import build_pdf, upload
from sightline.core.views_documents import document_download

pytestmark = pytest.mark.usefixtures("storage_dir")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def theme_rule():
    register_owner_access(
        "core.theme", lambda user, owner_id, document: user.email == "reader@example.org"
    )
    yield
    unregister_owner_access("core.theme")


@pytest.fixture
def reader(db):
    return get_user_model().objects.create_user(
        email="reader@example.org", password=None, full_name="Rita Reader"
    )


@pytest.fixture
def stranger(db):
    return get_user_model().objects.create_user(
        email="stranger@example.org", password=None, full_name="Sam Stranger"
    )


@pytest.fixture
def owned_document(user, theme):
    return document_create(
        uploaded_file=upload("Résumé of events.pdf", build_pdf()), by=user, owner=theme
    )


# --------------------------------------------------------------------------- access and download


@pytest.mark.django_db
def test_registered_rule_lets_the_reader_in_and_logs_the_read(theme_rule, reader, owned_document):
    assert document_for_user(reader, owned_document.pk) == owned_document
    assert document_for_user(reader, str(owned_document.pk)) == owned_document
    event = Event.objects.filter(action="document.download").last()
    assert (event.kind, event.actor_id, event.object_id) == (
        Event.Kind.READ,
        reader.pk,
        str(owned_document.pk),
    )


@pytest.mark.django_db
def test_forbidden_and_missing_documents_are_the_same_404(theme_rule, stranger, owned_document):
    missing = uuid.uuid4()
    for document_id in (owned_document.pk, missing, "not-a-uuid", None):
        with pytest.raises(Http404):
            document_for_user(stranger, document_id)
    assert not Event.objects.filter(action="document.download").exists()
    denied = Event.objects.filter(action="access.denied", kind=Event.Kind.DENIED)
    # The log tells a refusal of an existing document from a look-up of one that is not there.
    assert {event.object_id: event.reason for event in denied} == {
        str(owned_document.pk): "not allowed",
        str(missing): "not found",
        "not-a-uuid": "not found",
        "None": "not found",
    }


@pytest.mark.django_db
def test_no_rule_or_no_owner_means_nobody_reads(reader, user, owned_document):
    with pytest.raises(Http404):
        document_for_user(reader, owned_document.pk)  # core.theme has no rule registered
    register_owner_access("core.theme", lambda u, owner_id, document: True)
    try:
        orphan = document_create(uploaded_file=upload("loose.pdf", build_pdf()), by=user)
        with pytest.raises(Http404):
            document_for_user(reader, orphan.pk)
        with pytest.raises(Http404):
            document_for_user(AnonymousUser(), owned_document.pk)
    finally:
        unregister_owner_access("core.theme")


@pytest.mark.django_db
def test_download_view_serves_an_attachment_with_safe_headers(theme_rule, reader, owned_document):
    request = RequestFactory().get(f"/app/documents/{owned_document.pk}/")
    request.user = reader
    response = document_download(request, pk=owned_document.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store, private"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''R%C3%A9sum%C3%A9%20of%20events.pdf" in disposition
    body = b"".join(response.streaming_content)
    with default_storage.open(owned_document.storage_name, "rb") as handle:
        assert body == handle.read()


@pytest.mark.django_db
def test_download_view_404s_for_a_stranger(theme_rule, stranger, owned_document):
    request = RequestFactory().get(f"/app/documents/{owned_document.pk}/")
    request.user = stranger
    with pytest.raises(Http404):
        document_download(request, pk=owned_document.pk)


@pytest.mark.django_db
def test_download_view_needs_sign_in(owned_document):
    request = RequestFactory().get(f"/app/documents/{owned_document.pk}/")
    request.user = AnonymousUser()
    response = document_download(request, pk=owned_document.pk)
    assert response.status_code == 302


@pytest.mark.django_db
def test_missing_stored_file_is_a_404(theme_rule, reader, owned_document):
    default_storage.delete(owned_document.storage_name)
    request = RequestFactory().get("/")
    request.user = reader
    with pytest.raises(Http404):
        document_download(request, pk=owned_document.pk)
