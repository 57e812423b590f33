from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sightline.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from sightline.core.maintenance import update_statistics_task
        from sightline.core.registry import NavEntry, register_daily, register_nav

        register_nav(NavEntry("Home", "core:home", lambda u: True, 0))
        register_daily("database-statistics", update_statistics_task)
