from django.urls import path

from sightline.core import views, views_documents

app_name = "core"

urlpatterns = [
    path("", views.public_home, name="public-home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("app/", views.app_home, name="home"),
    path("app/notifications/", views.notifications, name="notifications"),
    path("app/notifications/read/", views.notifications_mark_read, name="notifications-read"),
    path("app/documents/<uuid:pk>/", views_documents.document_download, name="document-download"),
]
