"""Core's background tasks (the notification e-mails are sent by sightline.core.notifications)."""

from django_tasks import task

from sightline.core.events import write_checkpoint


@task()
def event_log_checkpoint(for_date: str) -> int:
    """The daily checkpoint of the event log, kept outside the database."""
    return write_checkpoint().count
