from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sightline.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from sightline.core import checks  # noqa: F401 - registers the deployment checks
        from sightline.core.maintenance import update_statistics_task
        from sightline.core.registry import NavEntry, register_daily, register_nav
        from sightline.core.tasks import event_log_checkpoint

        register_nav(NavEntry("Home", "core:home", lambda u: True, 0))
        register_daily("database-statistics", update_statistics_task)
        register_daily("event-log-checkpoint", event_log_checkpoint)
