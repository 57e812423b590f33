from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sightline.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from sightline.accounts import selectors, signals  # noqa: F401
        from sightline.accounts.access import principal_for
        from sightline.core.registry import NavEntry, register_home, register_nav

        register_nav(
            NavEntry(
                "Settings", "settings:index", lambda u: principal_for(u).can_manage_settings, 90
            )
        )
        register_home(selectors.home_section)
