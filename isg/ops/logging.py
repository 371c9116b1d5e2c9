"""One JSON object per log line, each carrying the request id of the request that wrote it.

What goes in a line is fixed here (time, level, logger, message, request_id, the request fields
the request middleware adds and the audit anchor's fields, isg/audit/anchors.py: numbers and
hashes), never a request's query string, body or user: the request
line is written by isg.ops.middleware from `request.path` alone. JSON encoding escapes CR/LF, so
a value cannot start a forged line (reliability.md IN-9).
"""

from __future__ import annotations

import json
import logging
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime

# The id of the request this thread is serving ("-" outside a request: the worker, commands).
current_request_id: ContextVar[str] = ContextVar("isg_request_id", default="-")

REQUEST_FIELDS = ("method", "path", "status", "duration_ms")
# Set by one writer each, as `extra=`: the signed audit anchor, copied off the host with the logs.
EVENT_FIELDS = ("anchor",)


class RequestIdFilter(logging.Filter):
    """Stamp every record with the current request id (a handler filter, so third-party loggers get it too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_of(record)
        return True


def request_id_of(record: logging.LogRecord) -> str:
    # Django logs a 4xx/5xx response ("Not Found: /path") after the middleware has returned, but
    # passes the request along: its id is on it.
    return getattr(getattr(record, "request", None), "request_id", None) or current_request_id.get()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_of(record),
        }
        for field in (*REQUEST_FIELDS, *EVENT_FIELDS):
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's type and where it was raised; not its message, which may quote data
            # (a database error repeats the values it refused).
            line["exc_type"] = record.exc_info[0].__name__
            line["stack"] = [f"{f.filename}:{f.lineno} {f.name}" for f in traceback.extract_tb(record.exc_info[2])]
        return json.dumps(line, ensure_ascii=True, default=str)


def axes_client_str(username, ip_address, user_agent, path_info, request) -> str:
    """django-axes names the client in its log lines; name only the path (no username, no address).

    The attempts themselves, with what the lockout needs, stay in the database (AccessAttempt).
    """
    if isinstance(path_info, (tuple, list)):
        path_info = path_info[0] if path_info else ""
    return json.dumps({"path": str(path_info or "")})
