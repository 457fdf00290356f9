from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "relocard.enrolment"
    label = "enrolment"
