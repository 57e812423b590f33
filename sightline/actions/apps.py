from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "sightline.actions"
    label = "actions"
    verbose_name = "Action plans"

    def ready(self) -> None:
        from sightline.actions import access, selectors
        from sightline.core.documents import register_owner_access
        from sightline.core.registry import NavEntry, register_home, register_nav

        register_owner_access("actions.actionupdate", access.update_for_document)
        register_nav(NavEntry("Actions", "actions:mine", lambda u: True, 60))
        register_home(selectors.home_section)

        from sightline.actions.tasks import send_action_reminders
        from sightline.core.registry import register_daily

        register_daily("action-reminders", send_action_reminders)

        from sightline.actions.history import register_history

        register_history()
