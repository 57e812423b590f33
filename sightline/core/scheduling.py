"""Enqueue each registered daily job once per day (Europe/London), after the start hour."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from sightline.core.models import SchedulerRun
from sightline.core.registry import daily_jobs

START_HOUR = 6


def enqueue_due_jobs(now: datetime | None = None) -> list[str]:
    local = timezone.localtime(now or timezone.now())
    if local.hour < START_HOUR:
        return []
    enqueued = []
    day = local.date().isoformat()
    for name, task_obj in sorted(daily_jobs().items()):
        try:
            with transaction.atomic():
                SchedulerRun.objects.create(job=name, for_date=local.date())
                transaction.on_commit(lambda t=task_obj: t.enqueue(day))
        except IntegrityError:
            continue
        enqueued.append(name)
    return enqueued
