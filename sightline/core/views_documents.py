"""Document downloads: always an attachment, never rendered by the browser."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from sightline.core.access import document_for_user


@login_required
@require_safe
def document_download(request, pk):
    document = document_for_user(request.user, pk)
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
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
