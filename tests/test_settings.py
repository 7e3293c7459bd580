"""Settings come from the environment only and fail loudly (run in subprocesses: settings load once)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PROBE = (
    "import django; from django.conf import settings; settings.INSTALLED_APPS; print(settings.{})"
)


def _settings(expr: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DEBUG"}
    }
    clean.update(
        {"DJANGO_SETTINGS_MODULE": "zhiyuan.settings", "VAR_DIR": str(tmp_path / "var"), **env}
    )
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(expr)],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_embedded_default_uses_sqlite_wal_and_immediate_transactions(tmp_path: Path) -> None:
    result = _settings("DATABASES['default']['OPTIONS']", {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "'transaction_mode': 'IMMEDIATE'" in result.stdout
    assert "journal_mode=WAL" in result.stdout
    secret = (tmp_path / "var" / "secret_key").read_text()
    assert len(secret) >= 40
    again = _settings("SECRET_KEY", {}, tmp_path)
    assert again.stdout.strip() == secret


def test_debug_is_off_unless_turned_on(tmp_path: Path) -> None:
    assert _settings("DEBUG", {}, tmp_path).stdout.strip() == "False"
    assert _settings("DEBUG", {"DEBUG": "1"}, tmp_path).stdout.strip() == "True"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "postgres://u@127.0.0.1/x"}, "SECRET_KEY is required"),
        (
            {"DATABASE_URL": "postgres://u@127.0.0.1/x", "SECRET_KEY": "s" * 50},
            "FIELD_ENCRYPTION_KEYS",
        ),
        ({"DEBUG": "perhaps"}, "DEBUG must be one of"),
        ({"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES must be at least 1"),
        ({"TASKS_BACKEND": "rq"}, "TASKS_BACKEND=rq needs REDIS_URL"),
        ({"FIELD_CIPHER": "des"}, "FIELD_CIPHER must be one of"),
        (
            {"FIELD_ENCRYPTION_KEYS": "garbage"},
            "FIELD_ENCRYPTION_KEYS: Field keys must be written as id:base64",
        ),
    ],
)
def test_bad_configuration_stops_with_the_variable_named(
    env: dict[str, str], message: str, tmp_path: Path
) -> None:
    result = _settings("DEBUG", env, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_redis_workers_at_scale(tmp_path: Path) -> None:
    result = _settings(
        "TASKS['default']['BACKEND']",
        {"TASKS_BACKEND": "rq", "REDIS_URL": "redis://127.0.0.1:6379/0"},
        tmp_path,
    )
    assert result.stdout.strip() == "django_tasks_rq.RQBackend"
    caches = _settings(
        "CACHES['default']['BACKEND']", {"REDIS_URL": "redis://127.0.0.1:6379/0"}, tmp_path
    )
    assert caches.stdout.strip() == "django.core.cache.backends.redis.RedisCache"
