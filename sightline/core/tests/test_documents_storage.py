"""Storing uploads: cleaned bytes under a generated name, nothing kept for a refused file, and
the sweep of files left by rolled-back transactions."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction

from sightline.core.documents import UploadRejected, document_create, sweep_orphan_documents
from sightline.core.models import Document, Event, Theme
from sightline.core.tests.conftest import (
    build_docx,
    build_image,
    build_pdf,
    rezip,
    stored_files,
    upload,
)

pytestmark = pytest.mark.usefixtures("storage_dir")


STORED_NAME = re.compile(r"^\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|docx|xlsx|png|jpg)$")


# --------------------------------------------------------------------------- storing


@pytest.mark.django_db
def test_document_create_stores_cleaned_bytes_under_a_generated_name(user, theme, storage_dir):
    document = document_create(
        uploaded_file=upload("../../etc/passwd\u202e.pdf", build_pdf()), by=user, owner=theme
    )
    assert STORED_NAME.match(document.storage_name)
    assert stored_files(storage_dir) == [document.storage_name]
    assert document.original_name == "passwd.pdf"
    with default_storage.open(document.storage_name, "rb") as handle:
        body = handle.read()
    assert document.size == len(body)
    assert document.sha256 == hashlib.sha256(body).hexdigest()
    assert b"Jane Doe" not in body
    assert (document.kind, document.content_type) == ("pdf", "application/pdf")
    assert "Hello canary" in document.extracted_text
    assert document.owner_type == ContentType.objects.get_for_model(Theme)
    assert document.owner_id == str(theme.pk)
    assert document.uploaded_by == user
    event = Event.objects.get(action="document.upload")
    assert event.object_id == str(document.pk)
    assert event.actor_id == user.pk
    assert event.changes == {"name": [None, "passwd.pdf"], "size": [None, document.size]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("evil.pdf", b"<html></html>"),
        ("macro.docx", rezip(build_docx(), add={"word/vbaProject.bin": b"x"})),
        ("active.pdf", build_pdf("/OpenAction << /S /JavaScript /JS (x) >>")),
    ],
)
def test_refused_uploads_store_nothing(user, storage_dir, name, data):
    with pytest.raises(UploadRejected):
        document_create(uploaded_file=upload(name, data), by=user)
    assert stored_files(storage_dir) == []
    assert not Document.objects.exists()
    assert not Event.objects.filter(action="document.upload").exists()


@pytest.mark.django_db
def test_failed_insert_removes_the_stored_file(user, storage_dir, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(Document.objects, "create", boom)
    with pytest.raises(RuntimeError):
        document_create(uploaded_file=upload("a.pdf", build_pdf()), by=user)
    assert stored_files(storage_dir) == []


class CallerFailed(Exception):
    pass


def rolled_back_upload(user, name, data):
    """The caller's transaction fails after the upload: the row goes, the file stays."""
    try:
        with transaction.atomic():
            document_create(uploaded_file=upload(name, data), by=user)
            raise CallerFailed
    except CallerFailed:
        pass


@pytest.mark.django_db
def test_sweep_deletes_files_left_by_rolled_back_uploads(user, storage_dir):
    kept = document_create(uploaded_file=upload("kept.pdf", build_pdf()), by=user)
    rolled_back_upload(user, "lost.pdf", build_pdf())
    other = default_storage.save("exports/keep-me.txt", io.BytesIO(b"not ours"))
    assert len(stored_files(storage_dir)) == 3
    assert sweep_orphan_documents(older_than_minutes=60) == 0  # too recent to touch
    assert sweep_orphan_documents(older_than_minutes=0) == 1
    assert sorted(stored_files(storage_dir)) == sorted([kept.storage_name, other])
    assert Event.objects.filter(action="document.sweep").count() == 1


@pytest.mark.django_db
def test_sweep_command(user, storage_dir, capsys):
    rolled_back_upload(user, "lost.png", build_image("PNG"))
    call_command("sweep_documents", "--older-than-minutes", "0")
    assert "Deleted 1 orphaned document file(s)." in capsys.readouterr().out
    assert stored_files(storage_dir) == []
