"""gunicorn's settings for the platform (`gunicorn zhiyuan.wsgi --config
python:zhiyuan.gunicorn_conf`; `make run` uses it, and so should a deployment).

The access log keeps the path without its query string and no Referer: search forms carry
what people type in the query string (a name, or an ID or mobile number typed into the wrong
box, which the view refuses only after the request line was logged), and the Referer of the
next request repeats it. Logs keep no personal data (个人信息保护法 第五十一条).
"""

import signal
from types import FrameType

from gunicorn.workers import gthread

# gunicorn's default, "%(r)s" (the request line) and "%(f)s" (the Referer) replaced by the
# method, the path without the query string (%(U)s) and the protocol.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
accesslog = "-"
workers = 2
threads = 4


class ThreadWorker(gthread.ThreadWorker):
    """gunicorn's threaded worker, stopped by its master alone, and once.

    A Ctrl-C in a terminal sends SIGINT to every process of the group: to the master, which
    passes the stop on to its workers as SIGQUIT, and to each worker too. gunicorn's threaded
    worker quits on either, and a second quit signal ran its handler again inside the first:
    both shut the thread pool down, the second waited for the lock the first held, and the worker
    hung until the master killed it `graceful_timeout` (30 s) later, logging "Worker … was sent
    SIGKILL! Perhaps out of memory?". A worker that had already quit on the terminal's SIGINT
    died of the master's SIGQUIT instead ("was sent SIGQUIT!"). So a worker ignores SIGINT (its
    master stops it) and any quit signal after the first."""

    quitting = False

    def init_signals(self) -> None:
        super().init_signals()
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def handle_quit(self, sig: int, frame: FrameType | None) -> None:
        if self.quitting:
            return
        self.quitting = True
        super().handle_quit(sig, frame)


worker_class = ThreadWorker
