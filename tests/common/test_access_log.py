"""Numbers typed into a search reach no access log (issue 9, item 8).

The ledger's name search is a GET form: what is typed goes into the request line, and into the
Referer of the next request, and gunicorn's default access log writes both before any view can
refuse an ID number. The project's gunicorn configuration (`zhiyuan.gunicorn_conf`, used by
`make run`) logs the path without its query string and no Referer. The test runs gunicorn with
it in a subprocess and reads the log.
"""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.volunteers.people import synthetic_id

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
MOBILE = "13712345558"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, referer: str = "") -> int:
    request = urllib.request.Request(url, headers={"Referer": referer} if referer else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_make_run_serves_with_the_project_gunicorn_configuration() -> None:
    script = (ROOT / "scripts" / "run-embedded").read_text()
    line = next(line for line in script.splitlines() if "/gunicorn " in line)
    assert "--config python:zhiyuan.gunicorn_conf" in line
    assert "--access-logfile" not in script  # the configuration says where the log goes


@pytest.mark.slow
def test_the_access_log_keeps_no_query_string_nor_referer(tmp_path: Path) -> None:
    number = synthetic_id("19900101")
    port = _free_port()
    log = tmp_path / "access.log"
    env = {
        "PATH": "/usr/bin:/bin",
        "VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "zhiyuan.settings",
        "DEBUG": "1",  # static files from the source tree: no collectstatic needed
        "HOME": str(tmp_path),
    }
    with log.open("w") as output:
        _serve_and_search(port, tmp_path, env, output, number)
    text = log.read_text()
    lines = [line for line in text.splitlines() if '"GET ' in line]
    assert len(lines) >= 5, text
    for secret in (number, number[-8:], MOBILE, "5558", "%E5%BC%A0", "q="):
        assert secret not in text
    assert '"GET /volunteers/ HTTP/1.1" 302' in text
    # The master's lines in the platform's time, as its workers' (TIME_ZONE: Asia/Shanghai).
    starting = next(line for line in text.splitlines() if "Starting gunicorn" in line)
    assert "+0800]" in starting, text


def _serve_and_search(port: int, tmp_path: Path, env: dict, output: object, number: str) -> None:
    server = subprocess.Popen(
        [
            str(GUNICORN),
            "zhiyuan.wsgi",
            "--config",
            "python:zhiyuan.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=tmp_path,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _try in range(100):
            try:
                _get(f"{base}/accounts/login/")
                break
            except OSError:
                time.sleep(0.1)
        searches = [
            f"/volunteers/?q={number}",
            "/volunteers/?q=%2B86+137+1234+5558&status=active",
            "/volunteers/?q=%E5%BC%A0%E4%B8%89",  # 张三: names are personal data too
            f"/api/v1/volunteers/?q={MOBILE}",
        ]
        # The ledger sends the anonymous to log in, with the search in `next` (followed).
        assert [_get(base + search) for search in searches] == [200, 200, 200, 401]
        _get(f"{base}/accounts/login/", referer=f"{base}/volunteers/?q={MOBILE}")
    finally:
        server.terminate()
        server.wait(timeout=20)
