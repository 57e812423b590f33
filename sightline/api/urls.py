from django.urls import path

from sightline.api import docs, views

app_name = "api"

urlpatterns = [
    path("v1/library/search", views.LibrarySearch.as_view(), name="library-search"),
    path("schema/", views.Schema.as_view(), name="schema"),
    path("docs/", docs.docs, name="docs"),
]
