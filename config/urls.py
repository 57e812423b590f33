from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path("", include("sightline.core.urls")),
    path("library/", include("sightline.publishing.urls_public")),
    path("api/", include("sightline.api.urls")),
    path("app/", include("sightline.accounts.urls")),
    path("app/settings/", include("sightline.accounts.urls_settings")),
    path("app/actions/", include("sightline.actions.urls")),
    path("app/reviews/", include("sightline.reviews.urls")),
    path("app/publishing/", include("sightline.publishing.urls")),
    path("app/briefings/", include("sightline.learning.urls")),
]

if settings.SIGHTLINE_BENCH_FLOOR:  # the benchmark's floor view (bench/floor.py)
    from bench.floor import floor

    urlpatterns.append(path("bench/floor", floor, name="bench-floor"))

handler400 = "sightline.core.views.error_400"
handler403 = "sightline.core.views.error_403"
handler404 = "sightline.core.views.error_404"
handler500 = "sightline.core.views.error_500"
