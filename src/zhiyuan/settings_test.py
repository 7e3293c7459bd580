"""Test override: tasks run synchronously, fast hashing, plain static storage, synthetic keys."""

import os
import tempfile

os.environ.setdefault("TASKS_BACKEND", "immediate")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("VAR_DIR", os.path.join(tempfile.gettempdir(), "zhiyuan-test-var"))
# The PDF font `make install` built (var/fonts/ of the checkout), not one built again per run.
os.environ.setdefault(
    "PDF_FONT_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "var", "fonts")
)
# Synthetic keys for tests only; never used outside the test run.
os.environ.setdefault(
    "FIELD_ENCRYPTION_KEYS",
    "lookup:dGVzdC1sb29rdXAta2V5LW5vdC1mb3ItcHJvZHVjdGlvbiE=,"
    "t1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
)

from zhiyuan.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
SMS_BACKEND = "zhiyuan.common.sms.OutboxSmsBackend"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns about a missing root
WHITENOISE_AUTOREFRESH = True
