from django.urls import path

from relocard.cards import views as card_views
from relocard.portal import data_views, views

app_name = "portal"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("profile/", views.profile, name="profile"),
    path("profile/identity/", views.identity_change, name="identity_change"),
    path("start/", views.start, name="start"),
    path("walk-in/<str:token>/", views.walkin_link, name="walkin_link"),
    path("messages/", views.message_list, name="messages"),
    path("messages/<int:message_id>/", views.message_detail, name="message"),
    path("my-data/relocard-my-data.json", data_views.my_data_json, name="my_data_json"),
    path("my-data/relocard-my-data.pdf", data_views.my_data_pdf, name="my_data_pdf"),
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
    path("<str:reference>/renew/", views.renew, name="renew"),
    path("<str:reference>/appeal/", views.appeal, name="appeal"),
    path("<str:reference>/transfer/", views.transfer, name="transfer"),
    path("<str:reference>/cards/<int:card_id>/", card_views.card_detail, name="card"),
    path("<str:reference>/cards/<int:card_id>/qr.png", card_views.card_qr, name="card_qr"),
    path(
        "<str:reference>/cards/<int:card_id>/card-<str:size>.pdf",
        card_views.card_pdf,
        name="card_pdf",
    ),
    path(
        "<str:reference>/cards/<int:card_id>/wallet.sd-jwt",
        card_views.card_wallet,
        name="card_wallet",
    ),
    path(
        "<str:reference>/interim/<int:credential_id>.pdf",
        card_views.interim_pdf,
        name="interim_pdf",
    ),
]
