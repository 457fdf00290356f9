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
        _no_store(request, response)
        response.headers.setdefault("Content-Security-Policy", self.CSP)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(), microphone=()"
        )
        return response


def _no_store(request, response) -> None:
    """``Cache-Control: no-store`` by default, so that no browser or proxy keeps a copy.

    Every answer to a signed-in user and every API answer may carry personal data: always
    ``no-store`` (a view may add to it, e.g. ``private, no-store``; it cannot drop it). Other answers get it too unless the view chose its
    own caching (the public trust and status lists do); static files never reach here
    (WhiteNoise answers them first).
    """
    # The API path first: an API request never loads a session or a user.
    personal = request.path.startswith("/api/") or _signed_in(request)
    current = response.headers.get("Cache-Control", "")
    if personal and "no-store" not in current:
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    elif not current:
        response.headers["Cache-Control"] = "no-store"


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated
