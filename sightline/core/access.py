"""The core app's access chokepoints: the one way to fetch a protected core object for a user.

Missing and forbidden objects give the same 404; every refusal, with its reason (not found,
not allowed, ended), and every successful read of a document are written to the event log.
"""

from __future__ import annotations

import uuid

from django.http import Http404

from sightline.accounts.access import NOT_FOUND, deny
from sightline.core.documents import owner_access_rule
from sightline.core.events import record_event
from sightline.core.models import Document, Event

DOCUMENT_TYPE = Document._meta.label_lower


def document_for_user(user, document_id) -> Document:
    """The document, if the user may read its owner's documents; otherwise Http404.

    Access follows the owner: the rule registered for the owner's model with
    `sightline.core.documents.register_owner_access()` decides. A document with no owner, or
    whose owner model has no rule, is served to nobody.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        raise Http404("Not found")
    try:
        pk = document_id if isinstance(document_id, uuid.UUID) else uuid.UUID(str(document_id))
    except (ValueError, TypeError, AttributeError):
        raise deny(
            user, object_type=DOCUMENT_TYPE, object_id=str(document_id), reason=NOT_FOUND
        ) from None
    document = Document.objects.select_related("owner_type").filter(pk=pk).first()
    if document is None:
        raise deny(user, object_type=DOCUMENT_TYPE, object_id=str(pk), reason=NOT_FOUND)
    rule = None
    if document.owner_type is not None:
        owner_type = document.owner_type
        rule = owner_access_rule(f"{owner_type.app_label}.{owner_type.model}")
    if rule is None or not rule(user, document.owner_id, document):
        raise deny(user, object_type=DOCUMENT_TYPE, object_id=str(document.pk))
    record_event(action="document.download", kind=Event.Kind.READ, actor=user, obj=document)
    return document
