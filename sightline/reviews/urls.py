from django.urls import path

from sightline.reviews import views, views_case, views_learning, views_local, views_rapid

app_name = "reviews"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("summary/", views.summary, name="summary"),
    path("raise/", views.raise_concern, name="raise"),
    path("<str:reference>/", views_case.case_detail, name="case"),
    path("<str:reference>/edit/", views_case.case_edit, name="case-edit"),
    path("<str:reference>/history/", views_case.case_history, name="history"),
    path("<str:reference>/identity/", views_case.identity, name="identity"),
    path("<str:reference>/identity/edit/", views_case.identity_edit, name="identity-edit"),
    path("<str:reference>/members/", views_case.members, name="members"),
    path(
        "<str:reference>/members/<int:pk>/remove/", views_case.member_remove, name="member-remove"
    ),
    path("<str:reference>/members/reviewer/", views_case.reviewer_appoint, name="reviewer-appoint"),
    path("<str:reference>/notification/", views_case.notification, name="notification"),
    path("<str:reference>/close/", views_case.close, name="close"),
    # Rapid review
    path("<str:reference>/rapid-review/", views_rapid.rapid_review, name="rapid-review"),
    path(
        "<str:reference>/rapid-review/request-returns/",
        views_rapid.request_returns,
        name="request-returns",
    ),
    path(
        "<str:reference>/rapid-review/returns/<int:agency_id>/",
        views_rapid.agency_return,
        name="return",
    ),
    path("<str:reference>/rapid-review/share-pack/", views_rapid.share_pack, name="share-pack"),
    path(
        "<str:reference>/rapid-review/edit/<slug:section>/",
        views_rapid.section_edit,
        name="rapid-review-edit",
    ),
    path(
        "<str:reference>/rapid-review/status/<slug:name>/",
        views_rapid.status,
        name="rapid-review-status",
    ),
    path(
        "<str:reference>/rapid-review/export/",
        views_rapid.rapid_review_export,
        name="rapid-review-export",
    ),
    path("<str:reference>/sign-off/<slug:stage>/", views_rapid.sign_off, name="sign-off"),
    # Local review, learning and recommendations
    path("<str:reference>/local-review/", views_local.local_review, name="local-review"),
    path(
        "<str:reference>/local-review/edit/",
        views_local.local_review_edit,
        name="local-review-edit",
    ),
    path(
        "<str:reference>/local-review/engagement/",
        views_local.engagement_add,
        name="engagement-add",
    ),
    path(
        "<str:reference>/local-review/proceedings/",
        views_local.proceeding_add,
        name="proceeding-add",
    ),
    path(
        "<str:reference>/local-review/proceedings/<int:pk>/",
        views_local.proceeding_edit,
        name="proceeding-edit",
    ),
    path(
        "<str:reference>/local-review/monitoring/",
        views_local.monitoring_add,
        name="monitoring-add",
    ),
    path("<str:reference>/local-review/drafts/", views_local.draft_add, name="draft-add"),
    path(
        "<str:reference>/local-review/status/<slug:name>/",
        views_local.local_review_status,
        name="local-review-status",
    ),
    path("<str:reference>/learning/", views_learning.learning, name="learning"),
    path("<str:reference>/learning/lessons/", views_learning.lesson_add, name="lesson-add"),
    path(
        "<str:reference>/learning/recommendations/",
        views_learning.recommendation_add,
        name="recommendation-add",
    ),
    path(
        "<str:reference>/learning/recommendations/<int:number>/action/",
        views_learning.recommendation_action,
        name="recommendation-action",
    ),
]
