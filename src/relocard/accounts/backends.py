"""The one password backend: refuses a locked account or a throttled address before hashing."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from relocard.accounts import throttle


class ThrottledModelBackend(ModelBackend):
    """Django's model backend behind the sign-in throttle (:mod:`relocard.accounts.throttle`).

    A refused attempt raises ``PermissionDenied``, which ends ``authenticate()`` before any
    password is hashed; the sign-in view asks :func:`throttle.signin_wait` first anyway, to
    tell the person how long to wait. Every caller of ``authenticate()`` (the sign-in page, the
    admin site, re-authentication) passes through here.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if request is not None and throttle.signin_wait(request, username or "") is not None:
            raise PermissionDenied("throttled")
        return super().authenticate(request, username=username, password=password, **kwargs)

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
