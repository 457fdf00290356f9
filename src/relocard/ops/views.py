"""Probes and metrics: ``/healthz``, ``/readyz``, ``/metrics``.

The probes need no sign-in, carry no personal data, are never rate-limited (a load balancer
polls them every few seconds from one address) and are exempt from the https redirect (a
probe speaks plain http to the server behind the proxy). ``/metrics`` answers only whom
:func:`relocard.common.access.can_read_metrics` admits.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from relocard import __version__
from relocard.common.access import can_read_metrics
from relocard.ops import health, metrics


@require_safe
def healthz(request):
    """The process is up and answers (no database, cache or disk touched)."""
    return JsonResponse({"status": "ok", "version": __version__})


@require_safe
def readyz(request):
    """Database, cache, key store and a recent worker heartbeat: 200 when all hold, else 503."""
    ok, checks = health.readiness()
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
    )


@require_safe
def metrics_view(request):
    if not can_read_metrics(
        authorization=request.headers.get("Authorization", ""),
        remote_addr=request.META.get("REMOTE_ADDR", ""),
        forwarded=bool(request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded")),
    ):
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    return HttpResponse(metrics.render(), content_type="text/plain; version=0.0.4; charset=utf-8")
