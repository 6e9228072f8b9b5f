"""Embedded default: one machine, SQLite, eager tasks, console mail, debug on."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-insecure-key-only-for-development")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
ACCESS_MASTER_KEY = env("ACCESS_MASTER_KEY", default="local-insecure-access-master-key")
