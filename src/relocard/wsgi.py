"""WSGI entry point, served by gunicorn in ``relocard serve``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relocard.settings.base")
application = get_wsgi_application()
