"""Background work for publishing: the daily sweep, and the run at a scheduled time."""

from datetime import date

from django.utils import timezone
from django_tasks import task

from sightline.publishing import services_publish


@task()
def publication_daily_task(for_date: str) -> dict:
    """Daily: publish and remove anything due, and send removal reviews."""
    return services_publish.publication_daily(on=date.fromisoformat(for_date))


@task()
def publication_run_due() -> dict:
    """Enqueued to run at a planned publication or removal time."""
    now = timezone.now()
    return {
        **services_publish.plan_publish_due(now=now),
        **services_publish.plan_remove_due(now=now),
    }
