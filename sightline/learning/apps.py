from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "sightline.learning"
    label = "learning"
    verbose_name = "7-minute briefings"

    def ready(self) -> None:
        from sightline.core.registry import NavEntry, register_daily, register_home, register_nav
        from sightline.learning import access, selectors
        from sightline.learning.tasks import send_briefing_reminders

        register_nav(NavEntry("Briefings", "learning:list", access.can_use_briefings, 40))
        register_home(selectors.home_section)
        register_daily("briefing-reminders", send_briefing_reminders)

        from sightline.learning.history import register_history

        register_history()
