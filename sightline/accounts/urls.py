from django.urls import path

from sightline.accounts import views_auth

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views_auth.sign_in, name="sign-in"),
    path("sign-in/code/", views_auth.sign_in_code, name="sign-in-code"),
    path("sign-in/set-up-two-factor/", views_auth.two_factor_setup, name="two-factor-setup"),
    path("sign-out/", views_auth.sign_out, name="sign-out"),
    path("invitation/<str:token>/", views_auth.invitation, name="invitation"),
    path("password-reset/", views_auth.password_reset, name="password-reset"),
    path(
        "password-reset/<str:uidb64>/<str:token>/",
        views_auth.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path("account/", views_auth.account, name="account"),
    path("account/password/", views_auth.change_password, name="change-password"),
]
