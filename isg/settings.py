"""ISG settings: one module, driven by the environment (see README, "Configuration")."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from isg.ops.configuration import (
    anchor_key,
    anchor_path,
    cache_config,
    database_config,
    production_problems,
    production_refusal,
    session_engine,
)

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env_str(name, "1" if default else "0").strip().lower() in ("1", "true", "yes", "on")


# "production" turns the warnings below into refusals: no DEBUG, no SQLite, a strong secret.
ISG_ENV = env_str("ISG_ENV", "development").strip().lower()
ISG_BEHIND_PROXY = env_bool("ISG_BEHIND_PROXY")
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
    # Before django.contrib.auth: its `changepassword` (the person must choose their own at the next
    # sign-in, audited) replaces Django's.
    "isg.accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "axes",
    "isg.agencies",
    "isg.directory",  # the organisations decisions are shared with
    "isg.flowchart",
    "isg.audit",
    "isg.decisions",
    "isg.casestudies",
    "isg.records",
    "isg.access",
    "isg.approvals",
    "isg.followups",
    "isg.register",
    "isg.reviews",  # flags for audit or learning review, raised by the partnership
    "isg.dashboard",
    "isg.exports",
    "isg.retention",
    "isg.ops",  # before django_tasks_db: its `db_worker` (with a heartbeat) replaces the plain one
    "django_tasks_db",
    "isg.sso",  # single sign-on (OpenID Connect), off unless configured
    # Second factor for local accounts (isg/accounts/two_factor.py)
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "isg.ops.middleware.RequestIdMiddleware",  # first: every log line of the request carries its id
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "isg.lib.middleware.HtmxAwareLoginRequiredMiddleware",
    # Second factor: OTPMiddleware marks request.user verified or not; ours then sends a signed-in but
    # unverified session to the code page, before the access rules (isg/accounts/two_factor_middleware.py).
    "django_otp.middleware.OTPMiddleware",
    "isg.accounts.two_factor_middleware.TwoFactorMiddleware",
    # Then a password someone else chose (an administrator) must be changed before anything else.
    "isg.accounts.password_middleware.PasswordChangeMiddleware",
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
                "isg.approvals.context_processors.waiting_approvals",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

try:
    # dj-database-url reads it; isg/ops/configuration.py adds SQLite's locking and PostgreSQL's pooling.
    DATABASES = {"default": database_config(env_str("DATABASE_URL"), BASE_DIR / "db.sqlite3")}
except ImproperlyConfigured as exc:
    # As with the secret: commands that need no database still run; the rest say why they cannot.
    DATABASES = {"default": {"ENGINE": "django.db.backends.dummy"}}
    ISG_CONFIGURATION_ERROR = ISG_CONFIGURATION_ERROR or str(exc)

# Cache and sessions: in Redis when REDIS_URL is set (shared by every app server; sessions also kept
# in the database), else local memory and the database. Sign-in throttling (django-axes) keeps its
# attempts in the database, so it is shared across servers either way.
REDIS_URL = env_str("REDIS_URL")
try:
    CACHES = cache_config(REDIS_URL)
except ImproperlyConfigured as exc:
    CACHES = cache_config("")
    ISG_CONFIGURATION_ERROR = ISG_CONFIGURATION_ERROR or str(exc)
SESSION_ENGINE = session_engine(REDIS_URL if "redis" in CACHES["default"]["BACKEND"] else "")

# The audit chain's head, signed and written outside the database (isg/audit/anchors.py): the key is
# never stored in the database, and the file is the DPO's. Development gets a fixed key and one file
# per database in the project folder; production refuses to start without both.
ISG_AUDIT_ANCHOR_KEY = anchor_key(env_str("ISG_AUDIT_ANCHOR_KEY"), debug=DEBUG)
ISG_AUDIT_ANCHOR_PATH = anchor_path(
    env_str("ISG_AUDIT_ANCHOR_PATH"), debug=DEBUG, databases=DATABASES, base_dir=BASE_DIR
)
# PostgreSQL's maintenance role (isg/ops/roles.py), the one that may rewrite history's free text: read
# by `retention apply` only. Set it in that job's environment, not the app servers'.
ISG_MAINTENANCE_DATABASE_URL = env_str("ISG_MAINTENANCE_DATABASE_URL")

# ISG_ENV=production: refuse to start (manage.py in one line, WSGI/ASGI with the same reason) rather
# than serve real records with DEBUG, SQLite, a guessable secret or an unanchored audit chain. The
# system check repeats this.
_PRODUCTION_PROBLEMS = production_problems(
    env=ISG_ENV, debug=DEBUG, secret_key=SECRET_KEY, databases=DATABASES,
    anchor_key=ISG_AUDIT_ANCHOR_KEY, anchor_path=ISG_AUDIT_ANCHOR_PATH,
)
if _PRODUCTION_PROBLEMS:
    # A missing secret is among the problems; any other earlier reason (a bad URL) is kept beside them.
    _EARLIER = ISG_CONFIGURATION_ERROR if SECRET_KEY else ""
    ISG_CONFIGURATION_ERROR = "; ".join(filter(None, [_EARLIER, production_refusal(_PRODUCTION_PROBLEMS)]))

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
# Second factor (isg/accounts/two_factor.py): the name authenticator apps show beside the username.
# Wrong codes wait 1, 2, 4, 8 ... seconds (django-otp's throttle on the device, shared by every server).
OTP_TOTP_ISSUER = "Information Sharing Guide"
OTP_TOTP_THROTTLE_FACTOR = 1
PASSWORD_RESET_TIMEOUT = 60 * 60  # a reset link works for one hour
# Reset links are sent by the task worker, at most this many per account, and requests at most this
# many per client address, in this many minutes (isg/accounts/password_reset.py).
ISG_PASSWORD_RESET_LIMIT_ACCOUNT = int(env_str("ISG_PASSWORD_RESET_LIMIT_ACCOUNT", "3"))
ISG_PASSWORD_RESET_LIMIT_ADDRESS = int(env_str("ISG_PASSWORD_RESET_LIMIT_ADDRESS", "10"))
ISG_PASSWORD_RESET_WINDOW_MINUTES = float(env_str("ISG_PASSWORD_RESET_WINDOW_MINUTES", "60"))
# Invitations (isg/accounts/invitations.py): how long the one-time link to set up an account works.
ISG_INVITATION_EXPIRY_HOURS = float(env_str("ISG_INVITATION_EXPIRY_HOURS", "72"))
# People pages (isg/accounts/line_management.py): may a line manager or deputy work for another agency
# than the person they manage? Off: the same agency only, as the approvals and access rules expect.
ISG_CROSS_AGENCY_LINE_MANAGEMENT = env_bool("ISG_CROSS_AGENCY_LINE_MANAGEMENT", False)

# -- Single sign-on: OpenID Connect beside local accounts (isg/sso; README, "Single sign-on") -----
# Off unless the issuer, client and endpoints are all set (`manage.py check` names any missing).
# Endpoints are given, not discovered, so starting a server never waits on the provider.
ISG_OIDC_ISSUER = env_str("ISG_OIDC_ISSUER")
OIDC_RP_CLIENT_ID = env_str("ISG_OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("ISG_OIDC_CLIENT_SECRET")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("ISG_OIDC_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("ISG_OIDC_TOKEN_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("ISG_OIDC_JWKS_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("ISG_OIDC_USERINFO_ENDPOINT")  # optional: else claims come from the ID token
OIDC_RP_SIGN_ALGO = env_str("ISG_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("ISG_OIDC_SCOPES", "openid profile email")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = float(env_str("ISG_OIDC_TIMEOUT", "10"))
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"
ISG_OIDC_GROUPS_CLAIM = env_str("ISG_OIDC_GROUPS_CLAIM", "groups")
ISG_OIDC_GROUP_MAP = env_str("ISG_OIDC_GROUP_MAP")  # JSON, group -> {role, agency slug}: isg/sso/config.py
ISG_OIDC_ENABLED = all((ISG_OIDC_ISSUER, OIDC_RP_CLIENT_ID, OIDC_RP_CLIENT_SECRET, OIDC_OP_AUTHORIZATION_ENDPOINT,
                        OIDC_OP_TOKEN_ENDPOINT, OIDC_OP_JWKS_ENDPOINT))
if ISG_OIDC_ENABLED:
    # The exact path is a contract: the second-factor check exempts sessions signed in through it.
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "isg.sso.backend.OIDCBackend"]

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
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if ISG_BEHIND_PROXY else None
# Load balancers probe the app directly over HTTP: answer them rather than redirect to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
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
# A retrospective (emergency) approval of a decision made under flowchart 1.0.1 or 1.1 still waiting
# after this many hours is overdue and escalates. From 1.2, approvals keep working days (below).
ISG_RETROSPECTIVE_APPROVAL_HOURS = float(env_str("ISG_RETROSPECTIVE_APPROVAL_HOURS", "24"))
# Working days (isg/approvals/deadlines.py): an approval, before or after sharing, is due by the end
# of the working day it was asked on, or of the next working day if it was asked out of hours.
# Weekends and the bank holidays of ISG_BANK_HOLIDAYS_AREA ("ENG" England, "WLS" Wales) are not working days.
ISG_WORKING_DAY_START = env_str("ISG_WORKING_DAY_START", "09:00")
ISG_WORKING_DAY_END = env_str("ISG_WORKING_DAY_END", "17:00")
ISG_BANK_HOLIDAYS_AREA = env_str("ISG_BANK_HOLIDAYS_AREA", "ENG")
# Extra working days an approval may take beyond the day it is due (0: the same working day).
ISG_APPROVAL_EXTRA_WORKING_DAYS = int(env_str("ISG_APPROVAL_EXTRA_WORKING_DAYS", "0"))
# A data protection officer's assessment of a possible breach (an approver disagreed after sharing)
# is due this many hours after it opens (UK GDPR Article 33: report within 72 hours).
ISG_BREACH_ASSESSMENT_HOURS = float(env_str("ISG_BREACH_ASSESSMENT_HOURS", "72"))

# Exports of the register (isg/exports). Files are written outside static and media, to a folder
# only the app reads; each is served only to the person who asked, and only until it expires.
ISG_EXPORT_DIR = Path(env_str("ISG_EXPORT_DIR", str(BASE_DIR / "exports-private")))
# At or under this many decisions a CSV is made in the request; over it, by the task worker. A ZIP of
# PDF records is always made by the worker (isg/exports/services.py).
ISG_EXPORT_SYNC_LIMIT = {
    "csv": int(env_str("ISG_EXPORT_SYNC_LIMIT_CSV", "200")),
}
ISG_EXPORT_EXPIRY_HOURS = float(env_str("ISG_EXPORT_EXPIRY_HOURS", "24"))

# Retention (isg/retention, `manage.py retention apply`): years after submission before a
# decision's words are removed (its facts stay), per outcome id; "default" for the rest.
ISG_RETENTION = {
    "default": int(env_str("ISG_RETENTION_DEFAULT_YEARS", "7")),
    # Never shorter than a decision to share (legal review N13): the same default.
    "outcome_do_not_share": int(env_str("ISG_RETENTION_DO_NOT_SHARE_YEARS", "7")),
}

# The task worker writes a heartbeat this often; /readyz fails when the newest is older than the max age.
ISG_WORKER_HEARTBEAT_SECONDS = float(env_str("ISG_WORKER_HEARTBEAT_SECONDS", "15"))
ISG_WORKER_HEARTBEAT_MAX_AGE = float(env_str("ISG_WORKER_HEARTBEAT_MAX_AGE", "60"))

# One JSON object per line on stderr, each with the request id (isg/ops/logging.py); ISG_LOG_FORMAT=text
# for plain lines while developing. No query strings, bodies, usernames or case text.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "isg.ops.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "isg.ops.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "text" if env_str("ISG_LOG_FORMAT", "json") == "text" else "json",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("ISG_LOG_LEVEL", "INFO")},
    "loggers": {
        # WeasyPrint narrates every stylesheet it parses at INFO, and pikepdf (which places the diagram in
        # a PDF record) announces itself on import; only their warnings matter here.
        **{name: {"level": "WARNING"} for name in ("weasyprint", "fontTools", "pikepdf")},
        # runserver's own request lines carry the query string; isg.request logs every request instead.
        "django.server": {"level": "ERROR"},
    },
}

ISG_FLOWCHART_PATH = Path(env_str("ISG_FLOWCHART_PATH", str(BASE_DIR / "flowchart" / "information-sharing.yaml")))
ISG_CASESTUDIES_DIR = Path(env_str("ISG_CASESTUDIES_DIR", str(BASE_DIR / "casestudies")))
# Free text is bounded so a paste of a whole case file cannot land in a decision.
ISG_MAX_TEXT_LENGTH = 2000
ISG_MAX_SHORT_TEXT_LENGTH = 200
AXES_VERBOSE = False
# Axes names the client in its log lines: the path only, never the username (isg/ops/logging.py).
AXES_CLIENT_STR_CALLABLE = "isg.ops.logging.axes_client_str"
