"""URL configuration: the applicant portal, the staff console, the admin and the API."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
