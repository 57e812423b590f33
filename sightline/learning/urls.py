from django.urls import path

from sightline.learning import views

app_name = "learning"

urlpatterns = [
    path("", views.briefing_list, name="list"),
    path("new/", views.briefing_create, name="create"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<str:reference>/", views.briefing_detail, name="detail"),
    path("<str:reference>/edit/", views.briefing_edit, name="edit"),
    path("<str:reference>/status/<slug:name>/", views.briefing_status, name="status"),
    path("<str:reference>/preview/", views.briefing_preview, name="preview"),
    path("<str:reference>/pdf/", views.briefing_pdf, name="pdf"),
    path("<str:reference>/word/", views.briefing_docx, name="docx"),
    path("<str:reference>/send/", views.briefing_send, name="send"),
    path("<str:reference>/dissemination/", views.dissemination, name="dissemination"),
    path("<str:reference>/acknowledge/<int:pk>/", views.acknowledge, name="acknowledge"),
]
