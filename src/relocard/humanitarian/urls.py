from django.urls import path

from relocard.accounts.decorators import reauth_required
from relocard.humanitarian import views

app_name = "humanitarian"
urlpatterns = [
    path("", views.my_requests, name="mine"),
    path("new/", views.new_request, name="new"),
    path("requests/<str:entry_id>/", views.receipt, name="receipt"),
    path("requests/<str:entry_id>/withdraw/", views.withdraw, name="withdraw"),
    path("refer/", views.refer, name="refer"),
    path("organisations/apply/", views.organisation_apply, name="organisation_apply"),
    path("organisations/apply/sent/", views.organisation_sent, name="organisation_sent"),
    path(
        "organisations/apply/confirm/<str:token>/",
        views.organisation_confirm,
        name="organisation_confirm",
    ),
    path("officer/", views.queue, name="queue"),
    path("officer/statistics/", views.statistics, name="statistics"),
    path("officer/<str:entry_id>/", views.officer_request, name="request"),
    path("officer/<str:entry_id>/grounds/", views.grounds, name="grounds"),
    # Steps that change the list or decide need the password and second factor again.
    path("officer/<str:entry_id>/<str:action>/", reauth_required(views.act), name="act"),
    # The public ledger: a stable address, no personal data (docs/humanitarian.md).
    path("ledger/<str:member_state>.json", views.public_ledger, name="ledger"),
]
