from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "sightline.publishing"
    label = "publishing"
    verbose_name = "Publication and the public library"

    def ready(self) -> None:
        from sightline.core.documents import register_owner_access
        from sightline.core.registry import NavEntry, register_daily, register_home, register_nav
        from sightline.publishing import access, selectors
        from sightline.publishing.tasks import publication_daily_task

        register_owner_access("publishing.publicationplan", access.plan_for_document)
        register_nav(NavEntry("Publishing", "publishing:list", access.can_see_plans, 50))
        register_home(selectors.home_section)
        register_daily("publication", publication_daily_task)

        from sightline.publishing.history import register_history

        register_history()
