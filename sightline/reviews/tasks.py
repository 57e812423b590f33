from datetime import date

from django_tasks import task

from sightline.reviews.services import case_send_reminders


@task()
def send_case_reminders(for_date: str) -> int:
    return case_send_reminders(on=date.fromisoformat(for_date))
