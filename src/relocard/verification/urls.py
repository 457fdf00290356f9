"""Checking a card: holders' share codes, verifiers' pages, the public confirmation page.

Share codes appear in no URL (only their database ids, to the holder); check ids do, to the
organisation that made the check, since they are meant to be quoted.
"""

from django.urls import path

from relocard.accounts.decorators import reauth_required
from relocard.verification import views

app_name = "verification"
urlpatterns = [
    # holders
    path("share-codes/", views.share_codes, name="share_codes"),
    path("share-codes/new/", views.share_code_new, name="share_code_new"),
    path(
        "share-codes/<int:share_code_id>/revoke/",
        views.share_code_revoke,
        name="share_code_revoke",
    ),
    # verifiers
    path("verify/", views.home, name="home"),
    path("verify/register/", views.register, name="register"),
    path("verify/register/sent/", views.register_sent, name="register_sent"),
    path("verify/register/confirm/<str:token>/", views.register_confirm, name="register_confirm"),
    path("verify/sign-in/", views.sign_in, name="sign_in"),
    path("verify/share-code/", views.check_code, name="check_code"),
    path("verify/qr/", views.check_qr, name="check_qr"),
    path("verify/checks/", views.checks, name="checks"),
    path("verify/checks/<str:check_id>/", views.check_detail, name="check"),
    path("verify/checks/<str:check_id>/record.pdf", views.check_record, name="check_record"),
    # API keys and colleagues: the password and the second factor again.
    path("verify/organisation/", reauth_required(views.organisation), name="organisation"),
    path(
        "verify/organisation/api-keys/<int:key_id>/revoke/",
        reauth_required(views.api_key_revoke),
        name="api_key_revoke",
    ),
    # anyone
    path("verify/confirm/", views.confirm, name="confirm"),
    # programme admins
    path("verify/organisations/", views.organisations, name="organisations"),
    path(
        "verify/organisations/<int:organisation_id>/decide/",
        reauth_required(views.organisation_decide),
        name="organisation_decide",
    ),
]
