"""The task worker's settings in the scale-out test: production's, with mail written to files.

Only the mail transport differs (no SMTP server in the test): the worker still sends each mail
itself, after a request queued it, and the test reads what it sent from ISG_TEST_MAIL_DIR.
"""

import os

from isg.settings import *  # noqa: F403

MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": os.environ["ISG_TEST_MAIL_DIR"]},
    }
}
