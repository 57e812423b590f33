"""Test overrides: fast hashing, in-memory mail, immediate tasks, isolated storage."""

import os
import tempfile

os.environ.setdefault("SIGHTLINE_DEMO", "true")
os.environ.setdefault("SIGHTLINE_SECURE_COOKIES", "false")
os.environ.setdefault("SIGHTLINE_VAR_DIR", tempfile.mkdtemp(prefix="sightline-test-"))

from config.settings import *  # noqa: E402,F403
from config.settings import STATIC_ROOT, STORAGES, VAR_DIR  # noqa: E402

SIGHTLINE_MFA_REQUIRED = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "documents")},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if not os.environ.get("DATABASE_URL"):
    DATABASES["default"]["NAME"] = str(VAR_DIR / "test.sqlite3")  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
