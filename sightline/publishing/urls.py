"""Signed-in publication pages, mounted at /app/publishing/ (the public library is separate)."""

from django.urls import path

from sightline.publishing import views

app_name = "publishing"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("from-briefing/<str:reference>/", views.plan_from_briefing, name="from-briefing"),
    path("<str:reference>/", views.plan_detail, name="detail"),
    path("<str:reference>/edit/", views.plan_edit, name="edit"),
    path("<str:reference>/history/", views.plan_history, name="history"),
    path("<str:reference>/file/", views.plan_upload, name="upload"),
    path("<str:reference>/guard/", views.plan_guard, name="guard"),
    path("<str:reference>/approve/", views.plan_approve, name="approve"),
    path("<str:reference>/status/<slug:name>/", views.plan_status, name="status"),
    path("<str:reference>/withhold/", views.plan_withhold, name="withhold"),
    path("<str:reference>/remove/", views.plan_remove, name="remove"),
    path("<str:reference>/remove/cancel/", views.plan_cancel_removal, name="cancel-removal"),
    path("<str:reference>/removal/", views.removal_decide, name="removal"),
    path("<str:reference>/removal/withdraw/", views.removal_withdraw, name="removal-withdraw"),
    path("<str:reference>/restore/", views.plan_restore, name="restore"),
    path("<str:reference>/nspcc/", views.plan_nspcc, name="nspcc"),
    path("<str:reference>/improvements/", views.plan_improvements, name="improvements"),
]
