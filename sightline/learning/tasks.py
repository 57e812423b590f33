from datetime import date

from django_tasks import task

from sightline.learning.services import briefing_send_reminders


@task()
def send_briefing_reminders(for_date: str) -> int:
    return briefing_send_reminders(on=date.fromisoformat(for_date))
