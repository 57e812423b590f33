from datetime import date

from django_tasks import task

from sightline.actions.services import action_send_reminders


@task()
def send_action_reminders(for_date: str) -> int:
    return action_send_reminders(on=date.fromisoformat(for_date))
