from django.urls import path

from sightline.actions import views

app_name = "actions"

urlpatterns = [
    path("", views.my_actions, name="mine"),
    path("all/", views.all_actions, name="all"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<str:reference>/", views.plan_detail, name="plan"),
    path("plans/<str:reference>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<str:reference>/add/", views.action_create, name="action-create"),
    path("<str:reference>/", views.action_detail, name="detail"),
    path("<str:reference>/edit/", views.action_edit, name="edit"),
    path("<str:reference>/history/", views.action_history, name="history"),
    path("<str:reference>/progress/", views.action_progress, name="progress"),
    path("<str:reference>/status/<slug:name>/", views.action_status, name="status"),
]
