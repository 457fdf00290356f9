"""Structured logs: one JSON object per line (``RELOCARD_LOG_FORMAT=json``).

The application's loggers go through python-json-logger's formatter (settings ``LOGGING``);
gunicorn's error and access logs through :class:`JsonGunicornLogger`. Fields are the same as
in plain mode: no personal data is added (requests are logged by path only, never the query
string; names never appear in paths). JSON escaping keeps one event per line, whatever a
crafted URL contains.
"""

from __future__ import annotations

from pythonjsonlogger.json import JsonFormatter

from relocard.common.accesslog import EscapingLogger

#: The formatter settings use for ``RELOCARD_LOG_FORMAT=json``.
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
RENAME = {"asctime": "time", "levelname": "level", "name": "logger"}


def formatter() -> JsonFormatter:
    return JsonFormatter(FORMAT, rename_fields=RENAME, timestamp=False)


class JsonGunicornLogger(EscapingLogger):
    """gunicorn's logger, writing JSON: the access log as fields (remote address, method,
    path, status, bytes, milliseconds), the error log as messages."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter())

    def access(self, resp, req, environ, request_time) -> None:
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.logconfig_dict):
            return
        atoms = self.atoms(resp, req, environ, request_time)
        self.access_log.info(
            "request",
            extra={
                "remote": atoms["h"],
                "method": atoms["m"],
                "path": atoms["U"],
                "status": atoms["s"],
                "bytes": atoms["B"],
                "ms": atoms["M"],
            },
        )
