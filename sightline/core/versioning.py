"""Optimistic locking: a stale save is refused, never silently overwritten."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import F
from django.utils import timezone


class StaleEdit(Exception):
    """Someone else saved the record after this edit began."""

    def __init__(self, current: models.Model):
        super().__init__("This record was changed by someone else while you were editing it.")
        self.current = current


def save_versioned(
    obj: models.Model, *, by, expected_version: int, fields: Iterable[str]
) -> models.Model:
    """Save the given fields only if the row still has `expected_version`; bump the version.

    Raises StaleEdit carrying the current row when it does not."""
    fields = list(dict.fromkeys(fields))
    obj.full_clean(exclude=[f.name for f in obj._meta.fields if f.name not in fields])
    now = timezone.now()
    values = {}
    for name in fields:
        attname = obj._meta.get_field(name).attname
        values[attname] = getattr(obj, attname)
    if hasattr(obj, "updated_at"):
        values["updated_at"] = now
    if hasattr(obj, "updated_by_id"):
        values["updated_by_id"] = getattr(by, "pk", None)
    model = type(obj)
    count = model.objects.filter(pk=obj.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if count != 1:
        raise StaleEdit(model.objects.get(pk=obj.pk))
    obj.version = expected_version + 1
    if hasattr(obj, "updated_at"):
        obj.updated_at = now
    if hasattr(obj, "updated_by_id"):
        obj.updated_by_id = getattr(by, "pk", None)
    return obj


def create_record(obj: models.Model, *, by) -> models.Model:
    """Validate and insert a new BaseModel record stamped with who made it."""
    if hasattr(obj, "created_by_id"):
        obj.created_by_id = getattr(by, "pk", None)
        obj.updated_by_id = getattr(by, "pk", None)
    obj.full_clean()
    obj.save(force_insert=True)
    return obj
