"""A web worker told to quit leaves promptly (`zhiyuan.gunicorn_conf.ThreadWorker`).

gunicorn's threaded worker shut its thread pool down from the quit signal's handler, under the
pool's lock. A quit arriving while the main thread was handing a connection to the pool (which
holds that lock while it starts a thread) waited for a lock its own thread held, until the
master killed the worker 30 s later ("was sent SIGKILL! Perhaps out of memory?"). Each case runs
in a process of its own, as a worker is one: the quit ends it, by SystemExit or by the grace
timer's `os._exit`.
"""

import subprocess
import sys
import time
from pathlib import Path

from zhiyuan.gunicorn_conf import QUIT_GRACE

ROOT = Path(__file__).resolve().parents[2]

WORKER = """
import signal, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from zhiyuan.gunicorn_conf import ThreadWorker

worker = ThreadWorker.__new__(ThreadWorker)  # what a quit needs of a running worker
worker.cfg = SimpleNamespace(worker_int=lambda worker: None)
worker.alive = True
worker.tpool = ThreadPoolExecutor(max_workers=2)
{setup}
print("quitting", flush=True)
worker.handle_quit(signal.SIGQUIT, None)
"""


def _quit(setup: str) -> tuple[int, float, str]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", WORKER.format(setup=setup)],
        capture_output=True,
        text=True,
        timeout=QUIT_GRACE + 20,
        cwd=ROOT,
        check=False,
    )
    return done.returncode, time.monotonic() - started, done.stdout + done.stderr


def test_a_quit_while_the_main_thread_holds_the_pools_lock_exits_at_once() -> None:
    # What `submit` holds while it starts a thread for a new connection.
    code, took, output = _quit("worker.tpool._shutdown_lock.acquire()")
    assert "quitting" in output
    assert code == 0, output
    assert took < QUIT_GRACE, f"took {took:.1f} s: {output}"


def test_a_quit_lets_a_request_being_answered_finish() -> None:
    setup = (
        "worker.tpool.submit(lambda: (time.sleep(1), print('answered', flush=True)))\n"
        "time.sleep(0.2)"
    )
    code, took, output = _quit(setup)
    assert (code, output.split()) == (0, ["quitting", "answered"])
    assert took < QUIT_GRACE


def test_a_request_that_would_hold_the_quit_is_left_after_the_grace() -> None:
    setup = "worker.tpool.submit(time.sleep, 600)\ntime.sleep(0.2)"
    code, took, output = _quit(setup)
    assert (code, output.split()) == (0, ["quitting"])
    assert QUIT_GRACE <= took < QUIT_GRACE + 10
