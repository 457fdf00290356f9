from django.urls import path

from relocard.consular import views

app_name = "consular"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("windows/<int:window_id>/register/", views.register, name="register"),
    path("appointments/<str:entry_id>/", views.appointment, name="appointment"),
    path(
        "appointments/<str:entry_id>/<str:action>/",
        views.appointment_act,
        name="appointment_act",
    ),
    path("officer/", views.officer_home, name="officer"),
    path("officer/statistics/", views.statistics, name="statistics"),
    path("officer/missions/<int:mission_id>/", views.mission, name="mission"),
    path("officer/missions/<int:mission_id>/slots/", views.slots_publish, name="slots_publish"),
    path("officer/missions/<int:mission_id>/windows/", views.window_open, name="window_open"),
    path(
        "officer/missions/<int:mission_id>/windows/<int:window_id>/<str:action>/",
        views.draw_act,
        name="draw_act",
    ),
    path("officer/missions/<int:mission_id>/day/", views.day, name="day"),
    path("officer/visits/<str:entry_id>/", views.check_in, name="check_in"),
    path(
        "officer/missions/<int:mission_id>/reserved/<int:reservation_id>/check-in/",
        views.reservation_check_in,
        name="reservation_check_in",
    ),
    path("programme/missions/", views.missions_manage, name="missions_manage"),
    path("programme/missions/new/", views.mission_add, name="mission_add"),
    path("programme/missions/<int:mission_id>/edit/", views.mission_edit, name="mission_edit"),
    path(
        "programme/missions/<int:mission_id>/officers/add/",
        views.officer_add,
        name="officer_add",
    ),
    path(
        "programme/missions/<int:mission_id>/officers/<int:post_id>/remove/",
        views.officer_remove,
        name="officer_remove",
    ),
    path(
        "programme/missions/<int:mission_id>/officers/<int:post_id>/move/",
        views.officer_move,
        name="officer_move",
    ),
    path("officer/visits/<str:entry_id>/no-show/", views.no_show, name="no_show"),
    path("officer/visits/<str:entry_id>/release/", views.release, name="release"),
    # The public draw records: stable addresses, no personal data (docs/consular.md).
    path(
        "draws/<int:mission_id>/<int:window_id>/<int:number>.json",
        views.draw_record,
        name="draw_record",
    ),
]
