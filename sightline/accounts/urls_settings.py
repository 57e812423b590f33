"""The settings area at /app/settings/: agencies, users, the roles waiting for confirmation,
themes, working days, deadlines and the library search's synonyms (whose views are in
`sightline.publishing.views_settings`)."""

from django.urls import path

from sightline.accounts import (
    views_settings,
    views_settings_grants,
    views_settings_people,
    views_settings_reference,
)
from sightline.publishing import views_settings as publishing

app_name = "settings"

people = views_settings_people
grants = views_settings_grants
reference = views_settings_reference

urlpatterns = [
    path("", views_settings.index, name="index"),
    # Agencies
    path("agencies/", people.agency_list, name="agency-list"),
    path("agencies/add/", people.agency_create, name="agency-create"),
    path("agencies/<int:pk>/", people.agency_edit, name="agency-edit"),
    # Users
    path("users/", people.user_list, name="user-list"),
    path("users/invite/", people.user_invite, name="user-invite"),
    path("users/<int:pk>/", people.user_detail, name="user-detail"),
    path("users/<int:pk>/change/", people.user_edit, name="user-edit"),
    path("users/<int:pk>/roles/propose/", people.user_role_propose, name="user-role-propose"),
    path(
        "users/<int:pk>/roles/<int:membership_pk>/remove/",
        people.user_membership_remove,
        name="user-membership-remove",
    ),
    path("users/<int:pk>/deactivate/", people.user_deactivate, name="user-deactivate"),
    path("users/<int:pk>/reactivate/", people.user_reactivate, name="user-reactivate"),
    path(
        "users/<int:pk>/reset-two-factor/",
        people.user_reset_two_factor,
        name="user-reset-two-factor",
    ),
    # Roles and duties waiting for a second person to confirm them
    path("roles-to-confirm/", grants.grant_list, name="grant-list"),
    path("roles-to-confirm/<int:pk>/", grants.grant_detail, name="grant-detail"),
    path("roles-to-confirm/<int:pk>/confirm/", grants.grant_confirm, name="grant-confirm"),
    path("roles-to-confirm/<int:pk>/refuse/", grants.grant_refuse, name="grant-refuse"),
    path("roles-to-confirm/<int:pk>/withdraw/", grants.grant_withdraw, name="grant-withdraw"),
    # Themes
    path("themes/", reference.theme_list, name="theme-list"),
    path("themes/add/", reference.theme_create, name="theme-create"),
    path("themes/<int:pk>/", reference.theme_edit, name="theme-edit"),
    path("themes/<int:pk>/archive/", reference.theme_archive, name="theme-archive"),
    path("themes/<int:pk>/restore/", reference.theme_restore, name="theme-restore"),
    # Working days: calendar overrides beside the bank holidays
    path("working-days/", reference.calendar_list, name="calendar-list"),
    path("working-days/add/", reference.calendar_create, name="calendar-create"),
    path("working-days/<int:pk>/", reference.calendar_edit, name="calendar-edit"),
    path("working-days/<int:pk>/archive/", reference.calendar_archive, name="calendar-archive"),
    # Deadlines (clock definitions)
    path("deadlines/", reference.clock_list, name="clock-list"),
    path("deadlines/<int:pk>/", reference.clock_edit, name="clock-edit"),
    # Search synonyms for the public learning library
    path("synonyms/", publishing.synonym_list, name="synonym-list"),
    path("synonyms/add/", publishing.synonym_create, name="synonym-create"),
    path("synonyms/<int:pk>/", publishing.synonym_edit, name="synonym-edit"),
    path("synonyms/<int:pk>/archive/", publishing.synonym_archive, name="synonym-archive"),
    path("synonyms/<int:pk>/restore/", publishing.synonym_restore, name="synonym-restore"),
]
