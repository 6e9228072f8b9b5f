"""Settings shared by every environment, read from the environment.

Unset ``DATABASE_URL`` means SQLite in the project folder; unset ``REDIS_URL`` means
tasks run in-process (eager) and the cache lives in process memory. That is the
embedded default; production sets both (see ``.env.example``).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# GENERAL
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# SECRET_KEY: set by local.py and test.py (development defaults) and production.py (required).
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
TIME_ZONE = "UTC"
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The zone campuses default to; each campus may set its own for display.
CAMPUS_DEFAULT_TIME_ZONE = "Asia/Shanghai"

# DATABASES
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite: wait for the write lock instead of failing at once; BEGIN IMMEDIATE
    # serialises write transactions, which is what makes services race-safe there.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# URLS
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ADMIN_URL = env("DJANGO_ADMIN_URL", default="admin/")
# Where people reach the site; e-mails link here.
SITE_URL = env("DJANGO_SITE_URL", default="http://localhost:8000")

# APPS
DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
]
THIRD_PARTY_APPS = ["rest_framework", "django_filters", "drf_spectacular"]
LOCAL_APPS = [
    "core",
    "accounts",
    "notifications",
    "spaces",
    "tenants",
    "bookings",
    "hardware_labs",
    "access_control",
    "portal",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# AUTHENTICATION
AUTH_USER_MODEL = "accounts.User"
# The model backend with a sign-in lockout (accounts/lockout.py: 5 failures per e-mail + IP in 15 min).
AUTHENTICATION_BACKENDS = ["accounts.lockout.LockoutModelBackend"]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# MIDDLEWARE
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.LoginRequiredMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# STATIC
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))

# TEMPLATES
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

# SECURITY
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

# EMAIL
# https://docs.djangoproject.com/en/5.2/topics/email/
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Campus <noreply@campus.localhost>")
EMAIL_TIMEOUT = 10

# CACHES and REDIS
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# LOGGING
LOG_LEVEL = env("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # The level on the handler too: records that loggers such as django.request pass up are
    # not filtered by the root logger's own level.
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "level": LOG_LEVEL}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# CELERY
# https://docs.celeryq.dev/en/stable/django/first-steps-with-django.html
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_RESULT_EXPIRES = 3600
# Nobody waits on a task's result except the round-trip check (``ping_task`` keeps its result):
# without this, every enqueue subscribes the web process to a result channel and every task
# writes a result key.
CELERY_TASK_IGNORE_RESULT = True
# Without Redis there is no worker: tasks run in the web process, after commit.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Access control: allow-list horizon (snapshot valid_until), change-log retention, business hours.
ACCESS_ALLOWLIST_DAYS = env.int("ACCESS_ALLOWLIST_DAYS", default=7)
ACCESS_CHANGE_LOG_DAYS = env.int("ACCESS_CHANGE_LOG_DAYS", default=7)
ACCESS_BUSINESS_HOURS = ("08:00", "20:00")
CELERY_TASK_ROUTES = {"access_control.tasks.*": {"queue": "hardware"}}
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "access-allowlist-roll": {  # just after midnight UTC, when every entry's horizon moves on a day
        "task": "access_control.tasks.allowlist_roll_task",
        "schedule": crontab(hour=0, minute=5),
    },
    "access-change-log-trim": {
        "task": "access_control.tasks.change_log_trim_task",
        "schedule": crontab(hour=3, minute=30),
    },
    "beat-heartbeat": {
        "task": "core.tasks.beat_heartbeat_task",
        "schedule": 30.0,
    },
    "notifications-email-sweep": {
        "task": "notifications.tasks.notification_email_sweep_task",
        "schedule": crontab(minute="*/5"),
    },
    "tenants-incubation-limit-alerts": {
        "task": "tenants.tasks.incubation_limit_alerts_run_task",
        "schedule": crontab(hour=0, minute=20),
    },
    "tenants-kpi-returns-request": {
        "task": "tenants.tasks.kpi_returns_request_run_task",
        "schedule": crontab(hour=6, minute=0, day_of_month=1),
    },
    "tenants-kpi-reminders": {
        "task": "tenants.tasks.kpi_reminders_run_task",
        "schedule": crontab(hour=9, minute=0),
    },
    "tenants-sla-sweep": {
        "task": "tenants.tasks.sla_sweep_task",
        "schedule": crontab(minute="*/10"),
    },
    "access-control-devices-offline": {
        "task": "access_control.tasks.devices_offline_sweep_task",
        # 3 silent heartbeat intervals, then at most 10 s more: ≤ 70 s after the first missed beat
        "schedule": 10.0,
    },
    "tenants-tenancy-lifecycle": {
        "task": "tenants.tasks.tenancy_lifecycle_task",
        "schedule": crontab(hour=0, minute=10),
    },
    "bookings-no-shows-release": {
        "task": "bookings.tasks.booking_no_shows_release_task",
        "schedule": crontab(minute="*"),
    },
    "bookings-complete-ended": {
        "task": "bookings.tasks.bookings_complete_ended_task",
        "schedule": crontab(minute="*/5"),
    },
    "bookings-reminders-send": {
        "task": "bookings.tasks.booking_reminders_send_task",
        "schedule": crontab(minute="*"),
    },
    "bookings-waitlist-expire-offers": {
        "task": "bookings.tasks.waitlist_expire_offers_task",
        "schedule": crontab(minute="*"),
    },
    "hardware-labs-qualification-reminders": {
        "task": "hardware_labs.tasks.qualification_reminders_send_task",
        "schedule": crontab(hour=8, minute=0),
    },
    "hardware-labs-maintenance-notices-sweep": {
        "task": "hardware_labs.tasks.maintenance_notices_sweep_task",
        "schedule": crontab(minute="*/5"),
    },
}

# BOOKINGS: remind bookers this many minutes before the start
BOOKINGS_REMINDER_MINUTES = env.int("BOOKINGS_REMINDER_MINUTES", default=30)

# SLA (tenants): staff in these auth groups get breach (team leads) and escalation (directors) alerts
SLA_TEAM_LEAD_GROUP = env("SLA_TEAM_LEAD_GROUP", default="SLA team leads")
SLA_DIRECTOR_GROUP = env("SLA_DIRECTOR_GROUP", default="Park directors")

# ACCESS CONTROL (device protocol: shared/access-protocol.md)
# Requests per device per window (0: no limit); counted in the cache, per device, never per IP.
ACCESS_DEVICE_RATE_LIMIT = env.int("ACCESS_DEVICE_RATE_LIMIT", default=600)
ACCESS_DEVICE_RATE_WINDOW_S = env.int("ACCESS_DEVICE_RATE_WINDOW_S", default=60)
ACCESS_MAX_CLOCK_SKEW_S = 300
ACCESS_NONCE_TTL_S = 600
# After a key rotation the old key keeps working this long, so the device can switch over.
ACCESS_KEY_ROTATION_OVERLAP_S = env.int("ACCESS_KEY_ROTATION_OVERLAP_S", default=3600)
ACCESS_DELTA_DEFAULT_LIMIT = 1000
ACCESS_DELTA_MAX_LIMIT = 5000

# DJANGO REST FRAMEWORK
# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Campus API",
    "DESCRIPTION": "Campus, coworking and incubator management: staff, portal and device API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.drop_storage_bounds",
    ],
    "ENUM_NAME_OVERRIDES": {
        "GraduationBasisEnum": "tenants.models.incubation.GraduationBasis",
        # One track for applications, registration cases, service requests and SLA policies/clocks.
        "TrackEnum": "tenants.models.sla.Track",
        "SeriesScopeEnum": "bookings.services.series.SCOPES",
        "RegistrationCaseStatusEnum": "tenants.models.registration.RegistrationCaseStatus",
        "RegistrationStepKindEnum": "tenants.models.registration.RegistrationStepKind",
        "RegistrationStepStatusEnum": "tenants.models.registration.RegistrationStepStatus",
        "ServiceRequestStatusEnum": "tenants.models.registration.ServiceRequestStatus",
        "AgreementKindEnum": "tenants.models.tenancy.AgreementKind",
        "AgreementStatusEnum": "tenants.models.tenancy.AgreementStatus",
        "TenancyStatusEnum": "tenants.models.tenancy.TenancyStatus",
        "ChecklistKindEnum": "tenants.models.tenancy.ChecklistKind",
        "IncentiveKindEnum": "tenants.models.tenancy.IncentiveKind",
        "CalendarFeedScopeEnum": "bookings.models.feeds.FeedScope",
        "IncentiveStatusEnum": "tenants.models.tenancy.IncentiveStatus",
        # tenants.applications: status and more_info_return_status share one choice set, as do
        # applicant_language and a user's preferred_language; "kind" clashes with other apps.
        "ApplicationStatusEnum": "tenants.models.applications.ApplicationStatus",
        "LanguageEnum": "accounts.models.Language",
        "ApplicationDocumentKindEnum": "tenants.models.applications.DocumentKind",
        # bookings: a booking's status, also shown in a series' occurrences
        "BookingStatusEnum": "bookings.models.bookings.BookingStatus",
        # bookings: a resource's "kind" and a credit balance's "resource_kind" are one choice set
        "ResourceKindEnum": "bookings.models.resources.ResourceKind",
        # hardware_labs: "kind" of equipment, maintenance windows and incidents
        "EquipmentKindEnum": "hardware_labs.models.EquipmentKind",
        "MaintenanceKindEnum": "hardware_labs.models.MaintenanceKind",
        "IncidentKindEnum": "hardware_labs.models.IncidentKind",
        # access_control: a credential's kind; a grant's schedule is the plan schedule's choice set
        "CredentialKindEnum": "access_control.models.access.CredentialKind",
        "PlanScheduleEnum": "tenants.models.tenancy.PlanSchedule",
    },
}
