from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sightline.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from sightline.core.registry import NavEntry, register_nav

        register_nav(NavEntry("Home", "core:home", lambda u: True, 0))
