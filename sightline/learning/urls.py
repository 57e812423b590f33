from django.urls import path

from sightline.learning import views
from sightline.learning import views_dissemination as sending

app_name = "learning"

urlpatterns = [
    path("", views.briefing_list, name="list"),
    path("new/", views.briefing_create, name="create"),
    path("dashboard/", sending.dashboard, name="dashboard"),
    path("<str:reference>/", views.briefing_detail, name="detail"),
    path("<str:reference>/edit/", views.briefing_edit, name="edit"),
    path("<str:reference>/history/", views.briefing_history, name="history"),
    path("<str:reference>/status/<slug:name>/", views.briefing_status, name="status"),
    path("<str:reference>/preview/", views.briefing_preview, name="preview"),
    path("<str:reference>/pdf/", views.briefing_pdf, name="pdf"),
    path("<str:reference>/word/", views.briefing_docx, name="docx"),
    path("<str:reference>/send/", sending.briefing_send, name="send"),
    path("<str:reference>/dissemination/", sending.dissemination, name="dissemination"),
    path("<str:reference>/acknowledge/<int:pk>/", sending.acknowledge, name="acknowledge"),
]
