"""The background workers deliver tasks end to end, in real processes (embedded DB and Redis)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ZHIYUAN = [sys.executable, "-m", "zhiyuan.manage"]
SEND = "from zhiyuan.common.outbox import send_sms; send_sms('13900007777', 'password_reset_code', {'code': '246810'})"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="zhiyuan.settings",
        VAR_DIR=str(tmp_path),
        SMS_BACKEND="zhiyuan.common.sms.ConsoleSmsBackend",
    )
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([*ZHIYUAN, *args], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout + done.stderr


def _redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/14", socket_connect_timeout=1).ping()
    except Exception:
        return False
    return True


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A VAR_DIR whose embedded database `zhiyuan migrate` made, once for the module (it takes
    seconds): each test works on a copy of it."""
    var = tmp_path_factory.mktemp("migrated")
    _run(["migrate", "-v0"], _env(var, TASKS_BACKEND="database"))
    return var


def test_database_worker_sends_the_queued_sms(tmp_path: Path, migrated: Path) -> None:
    shutil.copytree(migrated, tmp_path, dirs_exist_ok=True)
    env = _env(tmp_path, TASKS_BACKEND="database")
    _run(["shell", "-c", SEND], env)
    out = _run(["db_worker", "--batch", "--no-startup-delay", "--no-reload"], env)
    assert "[SMS] to 139****7777 password_reset_code: {'code': '246810'}" in out


def test_redis_worker_sends_the_queued_sms(tmp_path: Path, migrated: Path) -> None:
    if not _redis_available():
        pytest.skip("no Redis at 127.0.0.1:6379 (the Redis-backed worker is tested where one runs)")
    shutil.copytree(migrated, tmp_path, dirs_exist_ok=True)
    env = _env(tmp_path, TASKS_BACKEND="rq", REDIS_URL="redis://127.0.0.1:6379/14")
    _run(["migrate", "-v0"], env)  # what django_rq adds
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    _run(["shell", "-c", SEND], env)
    out = _run(["rqworker", "default", "--burst"], env)
    assert "[SMS] to 139****7777 password_reset_code: {'code': '246810'}" in out
    assert "Traceback" not in out
