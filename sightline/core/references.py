"""Human-readable references such as ACT-2026-0042: unique, never reused."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Length


def next_reference(model: type[models.Model], prefix: str, width: int = 4) -> str:
    """The next free reference `<prefix>-<n>` for this model's `reference` field.

    Ordered by length first, so ...-9999 is followed by ...-10000 and not by itself again."""
    stem = f"{prefix}-"
    last = (
        model.objects.filter(reference__startswith=stem)
        .order_by(Length("reference").desc(), "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{number:0{width}d}"


def _reference_taken(error: ValidationError) -> bool:
    return "reference" in getattr(error, "error_dict", {})


def create_with_reference(
    model: type[models.Model], prefix: str, create: Callable[[str], models.Model], attempts: int = 5
) -> models.Model:
    """Create a row with the next reference, retrying if a concurrent writer took it (caught by
    validation before the insert, or by the unique index during it)."""
    for attempt in range(attempts):
        reference = next_reference(model, prefix)
        try:
            with transaction.atomic():
                return create(reference)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
        except ValidationError as error:
            if not _reference_taken(error) or attempt == attempts - 1:
                raise
    raise RuntimeError("unreachable")
