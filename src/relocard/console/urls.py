from django.urls import path

from relocard.accounts.decorators import reauth_required
from relocard.cards import views as card_views
from relocard.console import views

# Decisions need the password and the second factor again (RELOCARD_REAUTH_SECONDS).
decision = reauth_required

app_name = "console"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("embassy/new/", views.embassy_new, name="embassy_new"),
    path("audit/", views.audit_log, name="audit"),
    path("statistics/", views.statistics, name="statistics"),
    path("what-if/", views.what_if, name="what_if"),
    path("appeals/", views.appeals_queue, name="appeals"),
    path("transfers/", views.transfers_queue, name="transfers"),
    path("duplicates/", views.duplicates_queue, name="duplicates"),
    path(
        "cases/<str:reference>/duplicates/<int:hit_id>/resolve/",
        views.resolve_duplicate,
        name="resolve_duplicate",
    ),
    path(
        "cases/<str:reference>/exceptions/",
        decision(views.accept_exception),
        name="accept_exception",
    ),
    path(
        "cases/<str:reference>/appeals/<int:appeal_id>/",
        decision(views.decide_appeal),
        name="decide_appeal",
    ),
    path(
        "cases/<str:reference>/transfer/<str:decision>/",
        decision(views.decide_transfer),
        name="decide_transfer",
    ),
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path(
        "cases/<str:reference>/documents/<int:evidence_id>/",
        views.evidence_file,
        name="evidence_file",
    ),
    path(
        "cases/<str:reference>/documents/<int:evidence_id>/review/",
        views.review_evidence,
        name="review_evidence",
    ),
    path("cases/<str:reference>/start-review/", views.start_review, name="start_review"),
    path("cases/<str:reference>/correction/", views.request_correction, name="request_correction"),
    path("cases/<str:reference>/approve/", decision(views.approve), name="approve"),
    path("cases/<str:reference>/refuse/", decision(views.refuse), name="refuse"),
    path(
        "cases/<str:reference>/confirm-refusal/",
        decision(views.confirm_refusal),
        name="confirm_refusal",
    ),
    path(
        "cases/<str:reference>/return-refusal/",
        decision(views.return_refusal),
        name="return_refusal",
    ),
    path(
        "cases/<str:reference>/cards/<int:card_id>/action/",
        decision(card_views.card_action_propose),
        name="card_action",
    ),
    path(
        "cases/<str:reference>/cards/<int:card_id>/changes/<int:change_id>/<str:decision>/",
        decision(card_views.card_action_decide),
        name="card_action_decide",
    ),
    path("cards-at-risk/", card_views.cards_at_risk, name="cards_at_risk"),
]
