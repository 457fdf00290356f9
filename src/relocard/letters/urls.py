from django.urls import path

from relocard.letters import views

app_name = "letters"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("<str:reference>/<str:letter_reference>.pdf", views.download, name="download"),
]
