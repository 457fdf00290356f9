"""Security headers that Django does not set itself."""

from __future__ import annotations


class SecurityHeadersMiddleware:
    """Adds a strict Content-Security-Policy and a Permissions-Policy to every response.

    Pages work without JavaScript; the only scripts are our own static files (htmx and the
    camera scanner), so inline scripts are never needed.
    """

    CSP = (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.CSP)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(), microphone=()"
        )
        return response
