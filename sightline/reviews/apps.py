from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "sightline.reviews"
    label = "reviews"
    verbose_name = "Serious incidents and practice reviews"

    def ready(self) -> None:
        from sightline.core.documents import register_owner_access
        from sightline.core.registry import NavEntry, register_daily, register_home, register_nav
        from sightline.reviews import access, selectors
        from sightline.reviews.tasks import send_case_reminders

        register_owner_access("reviews.draftversion", access.draft_for_document)
        register_nav(NavEntry("Reviews", "reviews:dashboard", lambda u: True, 20))
        register_home(selectors.home_section)
        register_daily("case-reminders", send_case_reminders)

        from sightline.reviews.history import register_history

        register_history()
