from django.urls import path

from sightline.publishing import api

app_name = "publishing-api"

urlpatterns = [
    path("library/search", api.library_search, name="library-search"),
]
