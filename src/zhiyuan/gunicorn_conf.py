"""gunicorn's settings for the platform (`gunicorn zhiyuan.wsgi --config
python:zhiyuan.gunicorn_conf`; `make run` uses it, and so should a deployment).

The access log keeps the path without its query string and no Referer: search forms carry
what people type in the query string (a name, or an ID or mobile number typed into the wrong
box, which the view refuses only after the request line was logged), and the Referer of the
next request repeats it. Logs keep no personal data (个人信息保护法 第五十一条).
"""

import os
import signal
import threading
from types import FrameType

from django.conf import settings
from gunicorn.workers import base, gthread

# One clock in one log: Django sets the process's TZ from TIME_ZONE as it loads the settings,
# which each worker does with the application; the master, which never loads it, does it here
# (its lines were in UTC beside its workers' in the platform's time).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiyuan.settings")
#: The platform's time zone, the master's as its workers'.
TIME_ZONE = settings.TIME_ZONE

# gunicorn's default, "%(r)s" (the request line) and "%(f)s" (the Referer) replaced by the
# method, the path without the query string (%(U)s) and the protocol.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
accesslog = "-"
workers = 2
threads = 4


#: Seconds a quitting worker gives the requests still being answered before it leaves without
#: them (a quit is gunicorn's quick stop; its master would wait `graceful_timeout`, 30 s, then
#: kill the worker).
QUIT_GRACE = 5.0


class ThreadWorker(gthread.ThreadWorker):
    """gunicorn's threaded worker, stopped by its master alone, once, and without deadlock.

    A Ctrl-C in a terminal sends SIGINT to every process of the group: to the master, which
    passes the stop on to its workers as SIGQUIT, and to each worker too. gunicorn's threaded
    worker quits on either, and a second quit signal ran its handler again inside the first;
    a worker that had already quit on the terminal's SIGINT died of the master's SIGQUIT ("was
    sent SIGQUIT!"). So a worker ignores SIGINT (its master stops it) and any quit signal after
    the first.

    gunicorn's handler shuts the thread pool down under the pool's lock, from the signal
    handler, that is in the main thread wherever it was. When the stop arrived while the main
    thread was handing a new connection to the pool (`submit` holds that lock while it starts
    a thread), the handler waited for a lock its own thread held: the worker hung until the
    master killed it `graceful_timeout` (30 s) later, logging "Worker … was sent SIGKILL!
    Perhaps out of memory?" (about one stop in ten, under load). This handler leaves the pool
    alone and exits as gunicorn's base worker does (SystemExit in the main thread, which
    releases the lock as it unwinds); Python's exit then shuts the pool down and joins its
    threads. A thread still busy with a request gets QUIT_GRACE seconds to finish it."""

    quitting = False

    def init_signals(self) -> None:
        super().init_signals()
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def handle_quit(self, sig: int, frame: FrameType | None) -> None:
        if self.quitting:
            return
        self.quitting = True
        # A daemon timer: a prompt exit does not wait for it.
        timer = threading.Timer(QUIT_GRACE, os._exit, args=(0,))
        timer.daemon = True
        timer.start()
        base.Worker.handle_quit(self, sig, frame)


worker_class = ThreadWorker
