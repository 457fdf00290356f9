from django.urls import path

from relocard.accounts.decorators import reauth_required
from relocard.screening import views

app_name = "screening"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    # Decisions need the password and the second factor again.
    path("runs/<int:run_id>/<str:action>/", reauth_required(views.run_act), name="run_act"),
    path("checks/<int:check_id>/", views.check_detail, name="check"),
    path("checks/<int:check_id>/request.jws", views.check_request, name="check_request"),
    path("checks/<int:check_id>/<str:action>/", reauth_required(views.check_act), name="check_act"),
    path("lists/", views.versions, name="versions"),
    path("lists/<int:version_id>/", views.version_detail, name="version"),
]
