from django.contrib.auth import views as auth_views
from django.urls import path

from relocard.accounts import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/confirm/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("login/", views.signin, name="login"),
    path("logout/", views.signout, name="logout"),
    path("safe-mode/", views.safe_mode, name="safe_mode"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("second-factor/app/", views.totp_setup, name="totp_setup"),
    path("second-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("security/", views.security, name="security"),
    path("security/passkey/", views.passkey_add, name="passkey_add"),
    path("security/remove/", views.factor_remove, name="factor_remove"),
    path("security/confirm/", views.reauth, name="reauth"),
    path("security/password/", views.password_change, name="password_change"),
    path("security/sessions/", views.session_list, name="sessions"),
    path("factor-resets/", views.factor_resets, name="factor_resets"),
    path(
        "factor-resets/<int:reset_id>/<str:decision>/",
        views.factor_reset_decide,
        name="factor_reset_decide",
    ),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/done/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
