"""Human-readable references such as ACT-2026-0042: unique, never reused."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, models, transaction


def next_reference(model: type[models.Model], prefix: str, width: int = 4) -> str:
    """The next free reference `<prefix>-<n>` for this model's `reference` field."""
    stem = f"{prefix}-"
    last = (
        model.objects.filter(reference__startswith=stem)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{number:0{width}d}"


def create_with_reference(
    model: type[models.Model], prefix: str, create: Callable[[str], models.Model], attempts: int = 5
) -> models.Model:
    """Create a row with the next reference, retrying if a concurrent writer took it."""
    for attempt in range(attempts):
        reference = next_reference(model, prefix)
        try:
            with transaction.atomic():
                return create(reference)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise RuntimeError("unreachable")
