from django.urls import path

from relocard.presence import views

app_name = "presence"
urlpatterns = [
    path("", views.trips, name="trips"),
    path("<int:trip_id>/", views.trip_edit, name="trip_edit"),
    path("<int:trip_id>/delete/", views.trip_delete, name="trip_delete"),
    path("<int:trip_id>/evidence/", views.trip_evidence, name="trip_evidence"),
]
