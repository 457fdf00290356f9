"""The mission desk's pages: the officer's under /console/, the photo and the receipt under the
application, the holder's photo beside a verifier's check under /verify/."""

from django.urls import path

from relocard.enrolment import views

app_name = "enrolment"
urlpatterns = [
    path("console/cases/<str:reference>/mission/", views.mission, name="mission"),
    path("console/cases/<str:reference>/mission/biometrics/", views.biometrics, name="biometrics"),
    path("console/cases/<str:reference>/mission/fee/", views.fee, name="fee"),
    path("console/cases/<str:reference>/mission/visa/", views.visa, name="visa"),
    path("console/cases/<str:reference>/mission/order/", views.order, name="order"),
    path("console/cases/<str:reference>/mission/ready/", views.ready, name="ready"),
    path("console/cases/<str:reference>/mission/hand-over/", views.hand_over, name="hand_over"),
    path("apply/<str:reference>/photo/", views.photo_upload, name="photo_upload"),
    path("apply/<str:reference>/photo/image/", views.photo, name="photo"),
    path("apply/<str:reference>/fee-receipt/", views.receipt, name="receipt"),
    path("verify/checks/<str:check_id>/photo/", views.check_photo, name="check_photo"),
]
