import os
import tempfile
from pathlib import Path

os.environ.setdefault("ISG_SECRET_KEY", "test-only-secret-key-not-for-production")

from isg.settings import *  # noqa: E402, F403

DEBUG = False
ALLOWED_HOSTS = ["*"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# live_server serves static files through the finders, which know no hashed names.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# Tasks run as they are enqueued, so tests can read the mail they send in the outbox.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
AXES_ENABLED = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# The audit anchors (isg/audit/anchors.py): a test key, and a file in a folder that does not exist,
# so `audit verify` says "not anchored" and a test that anchors must point the path at its tmp_path.
ISG_AUDIT_ANCHOR_KEY = "test-only-audit-anchor-key-0123456789abcdef"
ISG_AUDIT_ANCHOR_PATH = Path(tempfile.gettempdir()) / "isg-tests-no-anchor-folder" / "anchors.jsonl"
ISG_MAINTENANCE_DATABASE_URL = ""  # retention runs as the test database's own user unless a test sets it
