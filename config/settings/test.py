"""Test settings: fast hashing, locmem mail, no broker connection."""

from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, DATABASES, env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="test-insecure-key")
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests call tasks directly and assert enqueueing; an in-memory broker means a stray
# .delay() never reaches the network.
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "en"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that tests racing threads share one database.
    DATABASES["default"]["TEST"] = {
        "NAME": str(env.path("SQLITE_TEST_DB", default=str(BASE_DIR / "test-db.sqlite3")))
    }
    # Race tests queue 32 writers behind one lock; on a loaded CI machine 20 s is not enough.
    DATABASES["default"]["OPTIONS"]["timeout"] = 120

# A throwaway model for testing the generic workflow (no migrations: created by syncdb).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.workflow_app"]  # noqa: F405
ACCESS_MASTER_KEY = env("ACCESS_MASTER_KEY", default="test-insecure-access-master-key")
