"""Settings for the Gwangju AI portfolio tracker, all read from the environment in this one place.

Every variable is listed with its default in README.md. A bad value stops the start with
ImproperlyConfigured naming the variable, rather than running half-configured.
"""

import calendar
import datetime
import os
import re
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    """A strict boolean: `DEBUG=ture` is an error, not a silent False."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


# --- Core -----------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG off) refuses to start without one; "
            "set SECRET_KEY to a long random string, or DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# Production refuses what Django's deploy check only warns about: a key short enough to guess
# (Django's own bar is 50 characters) and a wildcard host, which lets any Host header through to
# password-reset links and absolute URLs.
SECRET_KEY_MIN_LENGTH = 50
if not DEBUG:
    if len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH:
        raise ImproperlyConfigured(
            f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters in production (DEBUG off); "
            f"it has {len(SECRET_KEY)}. Make one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    if any("*" in host for host in ALLOWED_HOSTS):
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must name the site's hosts in production (DEBUG off), not '*'; "
            f"got {','.join(ALLOWED_HOSTS)!r}."
        )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "simple_history",
    "import_export",
    "axes",
    "django_celery_beat",
    "jobs",
    "portfolio",
    "reports",
    "api",
    "dashboard",
    "imports",
]

MIDDLEWARE = [
    "config.middleware.HealthCheckMiddleware",  # first: health checks call by IP, not a host name
    "config.middleware.DatabaseUnavailableMiddleware",  # 503 and Retry-After while the database is down
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "config.middleware.KoreanFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into the login page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# PostgreSQL in production; a SQLite file in the project folder when DATABASE_URL is unset.

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a Celery worker in another process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")}
    # WAL and IMMEDIATE transactions let the web process and a worker write without
    # "database is locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------------------
# REDIS_URL="" means "no Redis": tasks run in-process and the cache is per-process memory.

REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0").strip()

if REDIS_URL:
    # django-redis rather than Django's own Redis backend: it keeps one redis-py client per
    # process, where Django's builds a new one for every command (a third of a cached feed
    # answer's time; README, Benchmarks).
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "gjai",
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Redis, with a fix for a worker that would exit when Redis drops under it (config/broker.py).
CELERY_BROKER_TRANSPORT = "config.broker:Transport" if REDIS_URL else None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Seoul"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Auth -----------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The largest amount of won any one row may hold (default 1,000조): a typo of a few extra zeros is
# refused, and no sum of rows can overflow a 64-bit column.
AMOUNT_CEILING_WON = env_int("AMOUNT_CEILING_WON", 10**15, minimum=1)
# Login throttling (django-axes, config/lockout.py): AXES_FAILURE_LIMIT wrong passwords for one
# user from one address lock that pair out for AXES_COOLOFF_MINUTES; a right password in between
# clears the count. API tokens never pass through authenticate(), so the feed is unaffected.
AUTHENTICATION_BACKENDS = [
    "config.lockout.LoginAttemptBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no start-up banner on every command; lockouts are still logged
# Dashboard: its own Korean login page (the admin's rules: staff accounts), then the dashboard.
LOGIN_URL = "dashboard:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "dashboard:login"

# --- Language and time: Korean first, English available -------------------------------------

LANGUAGE_CODE = "ko-kr"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
# Korean for third-party pages that ship none (django-simple-history's change history).
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
USE_TZ = True

# --- Public-finance rules (지방재정) -----------------------------------------------------------


def env_month_day(name: str, default: str) -> tuple[int, int]:
    """`MM-DD`, e.g. 02-10, checked to be a real day of a (leap) year."""
    raw = (os.environ.get(name, "") or default).strip()
    match = re.fullmatch(r"(\d{1,2})-(\d{1,2})", raw)
    if not match:
        raise ImproperlyConfigured(f"{name} must be a month and day as MM-DD, e.g. 02-10; got {raw!r}.")
    month, day = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2024, month)[1]:
        raise ImproperlyConfigured(f"{name} must be a real day, e.g. 02-10; got {raw!r}.")
    return month, day


# 출납정리기한: payments made up to this day of the next year may still belong to the old year.
FISCAL_CLOSING_PERIOD_END = env_month_day("FISCAL_CLOSING_PERIOD_END", "02-10")


def env_rate_targets(name: str, default: str) -> tuple[tuple[int, int, int], ...]:
    """`MM-DD:PERCENT,…`, e.g. 06-30:60,12-31:100: the share of a year's budget expected to be
    spent by each day, days in order and percents from 0 to 100, never going down."""
    raw = (os.environ.get(name, "") or default).strip()
    targets: list[tuple[int, int, int]] = []
    for part in raw.split(","):
        match = re.fullmatch(r"\s*(\d{1,2})-(\d{1,2}):(\d{1,3})\s*", part)
        if not match:
            raise ImproperlyConfigured(
                f"{name} must list MM-DD:PERCENT pairs, e.g. 06-30:60,12-31:100; got {raw!r}."
            )
        month, day, percent = int(match[1]), int(match[2]), int(match[3])
        if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2023, month)[1]:
            raise ImproperlyConfigured(f"{name} names a day that is not in every year: {part.strip()!r}.")
        if percent > 100:
            raise ImproperlyConfigured(f"{name} percents must be from 0 to 100; got {part.strip()!r}.")
        if targets and ((month, day) <= targets[-1][:2] or percent < targets[-1][2]):
            raise ImproperlyConfigured(
                f"{name} must go forward in days and never down in percent; got {raw!r}."
            )
        targets.append((month, day, percent))
    return tuple(targets)


# The expected 집행률 through the year (a low-execution alert compares a year's rate with it):
# straight lines from 0 % on 1 January through these points. 60 % by 30 June follows the
# 신속집행 (early-spending) target of recent years; the office sets its own.
EXECUTION_RATE_TARGETS = env_rate_targets("EXECUTION_RATE_TARGETS", "06-30:60,12-31:100")
# How many percentage points behind that curve a running program may fall before it is flagged:
# a few weeks' slack, so that one payment booked late does not raise an alert.
EXECUTION_RATE_ALERT_MARGIN = env_int("EXECUTION_RATE_ALERT_MARGIN", 10)

# --- Static and uploaded/report files -------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
# While developing, serve static files straight from the apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production; plain files while developing and testing,
        # where no manifest has been collected.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (production) ------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks speak plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"

# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every step of every PDF at INFO; only its warnings are news.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# --- API ------------------------------------------------------------------------------------
# The briefing feed (api/): DRF with token and session auth, per-token throttling, OpenAPI.

API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "").strip() or "120/min"
if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", API_THROTTLE_RATE):
    raise ImproperlyConfigured(
        "API_THROTTLE_RATE must look like 120/min (requests per s, min, hour or day); "
        f"got {API_THROTTLE_RATE!r}."
    )

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ModelPermissions"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.FeedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "api.openapi.FeedAutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
}
DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    # 413 for oversized bodies; database outages left to config.middleware (503 with Retry-After).
    "EXCEPTION_HANDLER_CLASS": "api.errors.FeedExceptionHandler",
}

_ERRORS = "drf_standardized_errors.openapi_serializers"
SPECTACULAR_SETTINGS = {
    "TITLE": "Gwangju AI portfolio: briefing feed",
    "DESCRIPTION": (
        "Read-only feed of the AI Industry Office's portfolio (광주광역시 인공지능산업실), and the "
        "reports endpoints where office staff and managers ask for Excel reports and download them. "
        "Authenticate with `Authorization: Token <key>` (made with `python manage.py feed_token NAME`). "
        "Every figure is {value, unit, display_ko, display_en, source}; money is whole won. "
        "Every GET has an ETag and Last-Modified; send If-None-Match to get 304 when nothing changed."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ProgramStatusEnum": "portfolio.models.programs.ProgramStatus",
        "ProgramLevelEnum": "portfolio.models.programs.ProgramKind",
        "MilestoneStatusEnum": "portfolio.models.milestones.MilestoneStatus",
        "KpiStatusEnum": "portfolio.selectors.kpis.KpiStatus",
        "ReportKindEnum": "reports.models.ReportKind",
        "ReportStatusEnum": "reports.models.ReportStatus",
        "ReportLanguageEnum": "reports.models.ReportLanguage",
        "ReportTriggerEnum": "reports.models.Trigger",
        "ValidationErrorEnum": f"{_ERRORS}.ValidationErrorEnum.choices",
        "ClientErrorEnum": f"{_ERRORS}.ClientErrorEnum.choices",
        "ServerErrorEnum": f"{_ERRORS}.ServerErrorEnum.choices",
        "ErrorCode401Enum": f"{_ERRORS}.ErrorCode401Enum.choices",
        "ErrorCode403Enum": f"{_ERRORS}.ErrorCode403Enum.choices",
        "ErrorCode404Enum": f"{_ERRORS}.ErrorCode404Enum.choices",
        "ErrorCode405Enum": f"{_ERRORS}.ErrorCode405Enum.choices",
        "ErrorCode406Enum": f"{_ERRORS}.ErrorCode406Enum.choices",
        "ErrorCode415Enum": f"{_ERRORS}.ErrorCode415Enum.choices",
        "ErrorCode429Enum": f"{_ERRORS}.ErrorCode429Enum.choices",
        "ErrorCode500Enum": f"{_ERRORS}.ErrorCode500Enum.choices",
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}

# CORS: closed unless origins are listed (e.g. the briefing team's dashboard host).
CORS_ALLOWED_ORIGINS = env.list("API_CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS", "POST")  # POST: asking for a report
CORS_ALLOW_HEADERS = ("authorization", "accept", "accept-language", "content-type", "if-none-match",
                      "if-modified-since")  # fmt: skip
CORS_EXPOSE_HEADERS = ("ETag", "Last-Modified", "Retry-After")

# --- Imports --------------------------------------------------------------------------------
# Spreadsheet imports (the imports app): size limits, and which files go to a Celery worker.

IMPORT_MAX_UPLOAD_MB = env_int("IMPORT_MAX_UPLOAD_MB", 20, minimum=1)
# Evidence files (증빙) of KPI readings, executions and sources: at most this size each. They are
# kept in the reports' storage (STORAGES["reports"], under evidence/), never served publicly.
# The upload handler below stops every upload past IMPORT_MAX_UPLOAD_MB as it arrives, so the
# admin takes evidence files up to the smaller of the two.
EVIDENCE_MAX_UPLOAD_MB = env_int("EVIDENCE_MAX_UPLOAD_MB", 20, minimum=1)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 500_000, minimum=1)
# An .xlsx is a zip: what it unpacks to is checked before it is opened, so a small file that
# unpacks to gigabytes (a zip bomb) is refused before any of it is read into memory.
IMPORT_MAX_UNZIPPED_MB = env_int("IMPORT_MAX_UNZIPPED_MB", 200, minimum=1)
# Spreadsheet XML packs 5-20 times; far more means padding meant to be unpacked (checked only
# once the contents pass 10 MB, where unpacking starts to cost).
IMPORT_MAX_ZIP_RATIO = env_int("IMPORT_MAX_ZIP_RATIO", 100, minimum=2)
# The longest text a cell may hold; no imported field comes near it.
IMPORT_MAX_CELL_CHARS = env_int("IMPORT_MAX_CELL_CHARS", 10_000, minimum=100)
# Files with more rows than this are previewed and applied by a worker, with progress.
IMPORT_ASYNC_THRESHOLD_ROWS = env_int("IMPORT_ASYNC_THRESHOLD_ROWS", 2_000)
# Rows the preview keeps for each outcome (new, changed, unchanged, error); the counts are complete.
IMPORT_PREVIEW_ROWS = env_int("IMPORT_PREVIEW_ROWS", 500, minimum=1)
# Without an answering queue, a large file is imported in the web process up to this many rows:
# a few seconds at the importer's speed, well inside the web server's 30-second request timeout
# (gunicorn's default). A larger one is failed with the reason rather than cut off half way.
IMPORT_IN_PROCESS_MAX_ROWS = env_int("IMPORT_IN_PROCESS_MAX_ROWS", 20_000, minimum=1)
# Rows read, matched and written together, and rows per INSERT/UPDATE statement (SQLite caps the
# latter lower by itself). bench/import_executions.py: 1,000 → 5,000 took 100,000 new executions
# on PostgreSQL from 4,338 to 5,220 rows/s, for 9 MB more peak memory.
# A preview nobody applied is deleted (row and uploaded file) after this many days, by the sweep.
IMPORT_PREVIEW_RETENTION_DAYS = env_int("IMPORT_PREVIEW_RETENTION_DAYS", 7, minimum=1)
IMPORT_CHUNK_ROWS = 5_000
IMPORT_WRITE_BATCH = 5_000
# Refuse an upload over the limit while it arrives, before it is written to disk.
FILE_UPLOAD_HANDLERS = [
    "imports.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Reports ---------------------------------------------------------------------------------
# Excel reports built by Celery workers (reports/). The settings below make a report survive a
# lost worker without being built twice: the message is acknowledged only after the task ends
# (acks_late), handed back when the worker process dies (reject_on_worker_lost), and each
# process holds one message at a time (prefetch 1), so a crash strands at most one report.
# A running build writes a heartbeat on its ReportRun; a periodic sweep re-queues runs whose
# heartbeat went stale, because Redis only hands back a message held by a SIGKILLed worker
# after the visibility timeout.

# The longest a report may take; the hard time limit. A soft limit a minute earlier lets the
# task mark its run failed with a reason before the hard limit kills the process.
REPORT_TIME_LIMIT_SECONDS = env_int("REPORT_TIME_LIMIT_SECONDS", 1800, minimum=60)
REPORT_SOFT_TIME_LIMIT_SECONDS = REPORT_TIME_LIMIT_SECONDS - 30
# Heartbeat every few seconds; a run whose heartbeat is older than REPORT_STALE_SECONDS is
# taken for dead. Re-queued at most REPORT_MAX_ATTEMPTS times in all, then failed with a reason.
REPORT_HEARTBEAT_SECONDS = env_int("REPORT_HEARTBEAT_SECONDS", 5, minimum=1)
REPORT_STALE_SECONDS = env_int("REPORT_STALE_SECONDS", 60, minimum=3)
if REPORT_STALE_SECONDS < 2 * REPORT_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("REPORT_STALE_SECONDS must be at least twice REPORT_HEARTBEAT_SECONDS.")
REPORT_SWEEP_SECONDS = env_int("REPORT_SWEEP_SECONDS", 30, minimum=1)
REPORT_MAX_ATTEMPTS = env_int("REPORT_MAX_ATTEMPTS", 3, minimum=1)
# Report files older than this many days are deleted by a daily task (the run row stays).
REPORT_RETENTION_DAYS = env_int("REPORT_RETENTION_DAYS", 90, minimum=1)
# Without an answering broker, build in the web process (on) or fail the run saying why (off).
REPORT_IN_PROCESS_FALLBACK = env_bool("REPORT_IN_PROCESS_FALLBACK", True)
# ...but only for a report of at most this many rows (programs, budget lines, executions and KPI
# readings): about 7 s at bench/report_build.py's 15,000 rows/s, inside a 30-second web request.
# A larger one is failed with the reason while Redis is down (with REDIS_URL empty it is built).
REPORT_IN_PROCESS_MAX_ROWS = env_int("REPORT_IN_PROCESS_MAX_ROWS", 100_000, minimum=1)

# Report mail (reports.services.mailing): a scheduled run with recipients is mailed once built,
# the file attached up to this size, a download link (SITE_URL + the download address) above it.
REPORT_MAIL_MAX_ATTACHMENT_MB = env_int("REPORT_MAIL_MAX_ATTACHMENT_MB", 10, minimum=0)
REPORT_MAIL_MAX_ATTACHMENT_BYTES = REPORT_MAIL_MAX_ATTACHMENT_MB * 1024 * 1024
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/") or "http://127.0.0.1:8000"
if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", SITE_URL):
    raise ImproperlyConfigured(
        f"SITE_URL must be an address like https://ai.gwangju.go.kr; got {SITE_URL!r}."
    )

CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_TIME_LIMIT = REPORT_TIME_LIMIT_SECONDS
CELERY_TASK_SOFT_TIME_LIMIT = REPORT_SOFT_TIME_LIMIT_SECONDS
# Longer than twice the longest report, so Redis never hands a running report to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * REPORT_TIME_LIMIT_SECONDS + 600}
# Tests give each run its own queue so parallel test runs sharing one Redis never take each
# other's tasks; production keeps Celery's default.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "").strip() or "celery"

# Report files go through Django's storage API: a local folder under MEDIA_ROOT by default, or an
# S3-compatible bucket (AWS, MinIO, NCP Object Storage…) when REPORTS_S3_BUCKET is set, so that
# web and workers on different machines share the files. Files are never served publicly: the
# download view checks permissions and streams them.
REPORTS_S3_BUCKET = os.environ.get("REPORTS_S3_BUCKET", "").strip()
if REPORTS_S3_BUCKET:
    STORAGES["reports"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": REPORTS_S3_BUCKET,
            "endpoint_url": os.environ.get("REPORTS_S3_ENDPOINT_URL", "").strip() or None,
            "region_name": os.environ.get("REPORTS_S3_REGION", "").strip() or None,
            "access_key": os.environ.get("REPORTS_S3_ACCESS_KEY_ID", "").strip() or None,
            "secret_key": os.environ.get("REPORTS_S3_SECRET_ACCESS_KEY", "").strip() or None,
            "location": os.environ.get("REPORTS_S3_PREFIX", "").strip(),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": True,
        },
    }
else:
    STORAGES["reports"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Outside MEDIA_URL's reach: only the download view serves these files.
        "OPTIONS": {"location": MEDIA_ROOT / "reports", "base_url": None},
    }

# --- Mail ----------------------------------------------------------------------------------------
# EMAIL_URL (django-environ), e.g. smtp+tls://user:password@smtp.example.go.kr:587; without it the
# console backend in development (mail is printed) and an SMTP server on localhost:25 in production.
try:
    vars().update(env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"))
except (KeyError, ValueError) as error:
    raise ImproperlyConfigured(
        f"EMAIL_URL is not a mail address django-environ understands: {error}"
    ) from None
DEFAULT_FROM_EMAIL = (
    os.environ.get("DEFAULT_FROM_EMAIL", "").strip() or "광주광역시 인공지능산업실 <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
