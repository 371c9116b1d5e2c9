"""ISG settings: one module, driven by the environment (see README, "Configuration")."""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env_str(name, "1" if default else "0").strip().lower() in ("1", "true", "yes", "on")


def database_from_url(url: str) -> dict:
    """`sqlite:///path` or `postgres://user:pass@host:port/name`; SQLite in the project by default."""
    parts = urlsplit(url or "sqlite:///")
    if parts.scheme == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": unquote(parts.path[1:]) or BASE_DIR / "db.sqlite3",
            # Several app processes write at once: take the write lock up front and wait for it.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        }
    if parts.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parts.scheme!r} is not supported (use sqlite or postgres)")


DEBUG = env_bool("ISG_DEBUG")
SECRET_KEY = env_str("ISG_SECRET_KEY")
# Commands that need no secret (`flowchart`, `help`) must still run, so a missing key is not fatal
# here: manage.py and the WSGI/ASGI entry points refuse to start with this one-line reason instead.
ISG_CONFIGURATION_ERROR = ""
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-local-development-key"
    else:
        ISG_CONFIGURATION_ERROR = "Set ISG_SECRET_KEY (or ISG_DEBUG=1 for local development)."
ALLOWED_HOSTS = [h for h in env_str("ISG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env_str("ISG_CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "axes",
    "isg.agencies",
    "isg.accounts",
    "isg.flowchart",
    "isg.audit",
    "isg.decisions",
    "isg.casestudies",
    "isg.records",
    "isg.access",
    "isg.approvals",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "isg.lib.middleware.HtmxAwareLoginRequiredMiddleware",
    "isg.access.middleware.AccessRulesMiddleware",  # deny by default from isg/access/rules.py
    "isg.lib.middleware.NoStoreWhenSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = env_str("ISG_ROOT_URLCONF", "isg.urls")
WSGI_APPLICATION = "isg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

try:
    DATABASES = {"default": database_from_url(env_str("DATABASE_URL"))}
except ImproperlyConfigured as exc:
    # As with the secret: commands that need no database still run; the rest say why they cannot.
    DATABASES = {"default": {"ENGINE": "django.db.backends.dummy"}}
    ISG_CONFIGURATION_ERROR = ISG_CONFIGURATION_ERROR or str(exc)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"  # the sign-in view sends each role to its own start page
LOGOUT_REDIRECT_URL = "accounts:login"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
# Sign-in throttling: see isg/accounts/lockout.py.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = False
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "isg.accounts.lockout.client_ip"
AXES_IPWARE_PROXY_COUNT = int(env_str("ISG_PROXY_COUNT", "1")) if env_bool("ISG_BEHIND_PROXY") else None
AXES_USERNAME_CALLABLE = "isg.accounts.lockout.username_for_axes"
AXES_LOCKOUT_CALLABLE = "isg.accounts.lockout.lockout_response"
PASSWORD_RESET_TIMEOUT = 60 * 60  # a reset link works for one hour

# Special-category data: short sessions that end with the browser.
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, never from the cookie
SECURE_SSL_REDIRECT = env_bool("ISG_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("ISG_BEHIND_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

MAILERS = {
    "default": (
        {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
        if DEBUG
        else {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("ISG_SMTP_HOST", "localhost"),
                "port": int(env_str("ISG_SMTP_PORT", "587")),
                "username": env_str("ISG_SMTP_USER"),
                "password": env_str("ISG_SMTP_PASSWORD"),
                "use_tls": True,
            },
        }
    )
}
DEFAULT_FROM_EMAIL = env_str("ISG_FROM_EMAIL", "Information Sharing Guide <no-reply@isg.invalid>")
# Mail is sent by a worker (`manage.py db_worker`, started by `make run`), never inside a request.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Emails hold a link and nothing else: this is where the link points.
ISG_SITE_URL = env_str("ISG_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# A retrospective (emergency) approval still waiting after this many hours is overdue and escalates.
ISG_RETROSPECTIVE_APPROVAL_HOURS = float(env_str("ISG_RETROSPECTIVE_APPROVAL_HOURS", "24"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ISG_LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every stylesheet it parses at INFO; only its warnings matter here.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}

ISG_FLOWCHART_PATH = Path(env_str("ISG_FLOWCHART_PATH", str(BASE_DIR / "flowchart" / "information-sharing.yaml")))
ISG_CASESTUDIES_DIR = Path(env_str("ISG_CASESTUDIES_DIR", str(BASE_DIR / "casestudies")))
# Free text is bounded so a paste of a whole case file cannot land in a decision.
ISG_MAX_TEXT_LENGTH = 2000
ISG_MAX_SHORT_TEXT_LENGTH = 200
AXES_VERBOSE = False
