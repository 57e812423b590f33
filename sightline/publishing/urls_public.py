from django.urls import path

from sightline.publishing import views_public
from sightline.publishing.feeds import LibraryFeed

app_name = "publishing-public"

urlpatterns = [
    path("", views_public.library_search, name="search"),
    path("feed/", LibraryFeed(), name="feed"),
    path("subscribe/", views_public.subscribe, name="subscribe"),
    path("subscribe/check-your-email/", views_public.subscribe_sent, name="subscribe-sent"),
    path(
        "subscribe/confirm/<str:token>/",
        views_public.subscribe_confirm,
        name="subscribe-confirm",
    ),
    path("unsubscribe/<str:token>/", views_public.unsubscribe, name="unsubscribe"),
    path("<slug:slug>/", views_public.library_item, name="item"),
    path("<slug:slug>/document/", views_public.library_document, name="document"),
]
