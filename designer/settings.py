"""Settings, all from the environment, with safe defaults for the embedded (one-machine) mode.

Variables: DEBUG, SECRET_KEY, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, DATABASE_URL, REDIS_URL,
CELERY_BROKER_URL, CELERY_RESULT_BACKEND, DESIGNER_VAR_DIR, ARTIFACT_ROOT, SECURE_SSL_REDIRECT, NUM_PROXIES,
DESIGNER_SIGNUP_OPEN, RATE_LIMIT_LOGIN, RATE_LIMIT_LOGIN_IP, RATE_LIMIT_SIGNUP, RATE_LIMIT_TOKEN_WRITE,
GRAPHQL_MAX_DEPTH, GRAPHQL_MAX_COST, DRIFT_CHECK_SECONDS, AUTOMATION_SWEEP_SECONDS.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from kombu import Queue

from .config import BASE_DIR, broker_url, redis_url, result_backend_url, var_dir


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


VAR_DIR = var_dir()
DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment; else one generated once and kept under var/ (embedded mode)."""
    if os.environ.get("SECRET_KEY", "").strip():
        return os.environ["SECRET_KEY"]
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "graphene_django",
    "channels",
    "django_celery_beat",
    "designer.core",
    "designer.catalog",
    "designer.workspaces",
    "designer.graphs",
    "designer.artifacts",
    "designer.runs",
    "designer.datasets",
    "designer.registry",
    "designer.deployments",
    "designer.templates",
    "designer.automation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "designer.urls"
ASGI_APPLICATION = "designer.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'designer.sqlite3'}",
        # Persistent connections: a worker runs many short steps, and reconnecting (plus SQLite's
        # pragmas) on each would add milliseconds to every step.
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "300")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web server and worker write the same file: WAL lets readers and one writer work at once, and
    # the busy timeout makes a writer wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests with a real worker need a file database the worker can open too.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_designer.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [("app", FRONTEND_DIST)] if FRONTEND_DIST.exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the finders so a fresh frontend build is served without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

ARTIFACT_ROOT = os.environ.get("ARTIFACT_ROOT") or str(VAR_DIR / "artifacts")
# Folders whose SQLite files Import Data's "SQL database" source may read (none by default, so the
# designer's own database can never be read through it).
SQLITE_IMPORT_DIRS = env_list("DESIGNER_SQLITE_IMPORT_DIRS", "")

# User code (Execute Python Script, Create Python Model) runs in a bubblewrap sandbox (see
# modules/python_language/sandbox.py). DESIGNER_SANDBOX=none runs it as a plain child process with no
# isolation at all: only for an operator who trusts every user. Limits: DESIGNER_SANDBOX_MEMORY_MB,
# _CPU_SECONDS (default: each step's timeout), _FILE_SIZE_MB, _DISK_MB, _PROCESSES.
DESIGNER_SANDBOX = os.environ.get("DESIGNER_SANDBOX", "bubblewrap").strip().lower()
DESIGNER_SANDBOX_OPTIONS: dict[str, Any] = {
    "mode": DESIGNER_SANDBOX,
    "memory_mb": int(os.environ.get("DESIGNER_SANDBOX_MEMORY_MB", "4096")),
    "cpu_seconds": int(os.environ.get("DESIGNER_SANDBOX_CPU_SECONDS") or 0) or None,
    "file_size_mb": int(os.environ.get("DESIGNER_SANDBOX_FILE_SIZE_MB", "2048")),
    "disk_mb": int(os.environ.get("DESIGNER_SANDBOX_DISK_MB", "8192")),
    "processes": int(os.environ.get("DESIGNER_SANDBOX_PROCESSES", "128")),
    # Never shown inside; a Python environment that contains one of them is refused.
    "protected_paths": [str(VAR_DIR), ARTIFACT_ROOT]
    + ([str(DATABASES["default"]["NAME"])] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []),
}

REDIS_URL = redis_url()
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL]},
    }
}

# Rate limits (sign-in attempts, token writes) count in Redis, so they hold across web processes.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

CELERY_BROKER_URL = broker_url()
CELERY_RESULT_BACKEND = result_backend_url()
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_TASK_QUEUES = (Queue("cpu"), Queue("gpu"))
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
# Beat keeps its schedule in the database (django-celery-beat): schedules made in the app are
# PeriodicTask rows it picks up within seconds, and what it last sent survives a restart.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Drift of every monitored endpoint against its training data (DRIFT_CHECK_SECONDS).
    "automation.check-drift": {
        "task": "automation.check_drift",
        "schedule": float(os.environ.get("DRIFT_CHECK_SECONDS", "300")),
    },
    # Notifications of finished runs and deploys, automatic deploys of retrained runs, webhook retries.
    "automation.sweep": {
        "task": "automation.sweep",
        "schedule": float(os.environ.get("AUTOMATION_SWEEP_SECONDS", "15")),
    },
}

LOGIN_URL = "/app/login"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # A Bearer token, when sent, decides alone (no CSRF); otherwise the browser session (with CSRF).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "designer.core.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["designer.core.throttling.TokenWriteThrottle"],
    # Proxies in front of the server, so that rate limits see the client's address in X-Forwarded-For.
    "NUM_PROXIES": int(os.environ["NUM_PROXIES"]) if os.environ.get("NUM_PROXIES") else None,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "designer.core.api_errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ML Designer API",
    "DESCRIPTION": "Pipelines, runs, datasets, models and endpoints of the drag-and-drop ML designer.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "RunStatusEnum": "designer.runs.models.RunStatus",
        "StepStatusEnum": "designer.runs.models.StepStatus",
    },
}

GRAPHENE = {"SCHEMA": "designer.graphql_schema.schema"}
# Refused before execution with a coded error (see designer/core/graphql_limits.py).
GRAPHQL_LIMITS = {
    "max_depth": int(os.environ.get("GRAPHQL_MAX_DEPTH", "8")),
    "max_cost": int(os.environ.get("GRAPHQL_MAX_COST", "10000")),
    "max_tokens": 3000,
    "max_length": 30000,
}

# "<count>/<s|min|hour|day>", counted per window in the cache.
DESIGNER_RATE_LIMITS = {
    "login": os.environ.get("RATE_LIMIT_LOGIN", "10/min"),  # per client address and username
    "login_ip": os.environ.get("RATE_LIMIT_LOGIN_IP", "60/min"),  # per client address
    "signup": os.environ.get("RATE_LIMIT_SIGNUP", "20/hour"),  # per client address
    "token_write": os.environ.get("RATE_LIMIT_TOKEN_WRITE", "120/min"),  # per API token
}
# Whether anyone who reaches the server may create an account (POST /api/v1/auth/signup/).
DESIGNER_SIGNUP_OPEN = env_bool("DESIGNER_SIGNUP_OPEN", True)

# Security: secure cookies and HSTS whenever DEBUG is off (check --deploy is clean with real values).
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The health probe is reached over plain HTTP by orchestrators inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Largest dataset file accepted by upload (bytes); bigger uploads get a 413 naming this limit.
DATASET_MAX_UPLOAD_BYTES = int(os.environ.get("DATASET_MAX_UPLOAD_BYTES", str(200 * 1024 * 1024)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}
