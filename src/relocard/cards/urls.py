from django.urls import path

from relocard.cards import views

app_name = "cards"
urlpatterns = [
    path("trust-list", views.trust_list, name="trust_list"),
    path("trust-anchor.pem", views.trust_anchor, name="trust_anchor"),
    path("status/<str:member_state>/<str:list_id>", views.status_list, name="status_list"),
]
