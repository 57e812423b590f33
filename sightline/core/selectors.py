"""Reads for core pages."""

from __future__ import annotations

from django.db.models import Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sightline.core.models import Event, Notification


def notifications_for(user):
    return Notification.objects.filter(user=user).order_by("-created_at")


def worker_status() -> dict:
    """Whether the task worker keeps up: queued work older than five minutes means it does not."""
    try:
        ready = DBTaskResult.objects.ready()
        oldest = ready.aggregate(oldest=Min("enqueued_at"))["oldest"]
        queued = ready.count()
        last = (
            DBTaskResult.objects.filter(finished_at__isnull=False)
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )
    except Exception:  # noqa: BLE001 - table missing when another backend is configured
        return {"status": "unknown"}
    age = (timezone.now() - oldest).total_seconds() if oldest else 0
    return {
        "status": "ok" if age < 300 else "behind",
        "queued": queued,
        "oldest_queued_seconds": int(age),
        "last_finished": last.isoformat() if last else None,
    }


def events_for_object(object_type: str, object_id: str):
    return Event.objects.filter(object_type=object_type, object_id=str(object_id)).select_related(
        "actor"
    )
