from django.urls import path

from relocard.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("profile/", views.profile, name="profile"),
    path("start/", views.start, name="start"),
    path("<str:reference>/", views.case_detail, name="case"),
    path("<str:reference>/documents/add/", views.evidence_add, name="evidence_add"),
    path("<str:reference>/documents/<int:evidence_id>/", views.evidence_file, name="evidence_file"),
    path(
        "<str:reference>/documents/<int:evidence_id>/remove/",
        views.evidence_remove,
        name="evidence_remove",
    ),
    path("<str:reference>/submit/", views.submit, name="submit"),
    path("<str:reference>/receipt/", views.receipt, name="receipt"),
    path("<str:reference>/correct/", views.correct, name="correct"),
    path("<str:reference>/withdraw/", views.withdraw, name="withdraw"),
]
