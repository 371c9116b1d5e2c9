"""gunicorn's settings for `make serve` (`--config python:isg.ops.gunicorn`); bind and workers come
from the command line.

gunicorn's own lines (start-up, worker restarts, timeouts) in the same JSON as the app's. No access
log: isg.ops.middleware writes one line per request, without the query string, which gunicorn's
access log would include.
"""

accesslog = None
# A slow PDF export runs in the task worker, so a request taking longer than this is stuck.
timeout = 60
graceful_timeout = 30
# Recycle workers now and then, so memory held by PDF rendering is returned.
max_requests = 2000
max_requests_jitter = 200
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "isg.ops.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": ["console"], "propagate": False},
    },
}
