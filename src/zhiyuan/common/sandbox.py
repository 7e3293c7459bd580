"""Work that a hostile input could make run away (reading an uploaded file) runs in a child
process with limits, so that a runaway allocation or an endless loop ends that child, and the
worker or web process that asked for it carries on and reports a failure of that one file.

`run_contained(function, *args, limits=…)` runs `function(*args)` in a child process with an
address-space limit (RLIMIT_AS: what the process had plus `limits.memory_bytes`), a CPU-time
limit (RLIMIT_CPU), no core dumps and a wall-clock timeout; the result, or the exception the
function raised, comes back pickled through a pipe. A child that was killed (an allocation
refused by the limit makes a Rust or C reader abort), went over a limit or did not answer in
time raises `ContainedFailure`, which callers turn into a message about the file.

The child is a fork of this process when this process runs one thread (the task workers, the
commands: quick, and nothing to re-import); in a process with other threads (the web server's
threads), where a fork could copy a lock another thread holds, it comes from multiprocessing's
fork server, a clean single-threaded process started once. Either way the child never touches
the database and leaves the connections it may have inherited alone; so `function` must be a
module-level function that needs neither (a fork-server child imports its module afresh,
without Django being set up), and its result and exceptions must pickle (Django's lazy
translations do, and are translated by the caller).
"""

import faulthandler
import logging
import multiprocessing
import os
import pickle
import resource
import select
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

logger = logging.getLogger("zhiyuan.sandbox")

T = TypeVar("T")


@dataclass(frozen=True)
class ProcessLimits:
    """What the child may use: bytes of address space beyond what it starts with, seconds of
    CPU time, seconds of wall time before it is killed."""

    memory_bytes: int
    cpu_seconds: int
    wall_seconds: int


class ContainedFailure(Exception):
    """The child ended without an answer: killed by a signal (an abort after a refused
    allocation, SIGXCPU at the CPU limit), ran out of memory, or timed out. `reason` says
    which, for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def run_contained(function: Callable[..., T], *args: Any, limits: ProcessLimits) -> T:
    """`function(*args)`, computed in a child process within `limits`.

    Re-raises what `function` raised. Raises ContainedFailure when the child was killed, went
    over a limit or did not answer within `limits.wall_seconds`."""
    if hasattr(os, "fork") and threading.active_count() == 1:
        payload, failure = _in_fork(function, args, limits)
    else:
        payload, failure = _in_fork_server(function, args, limits)
    if payload is None:
        logger.warning("A contained process ended without an answer: %s.", failure)
        raise ContainedFailure(failure)
    status, value = pickle.loads(payload)  # noqa: S301 - our own child's answer
    if status == "ok":
        return value  # type: ignore[no-any-return]
    if status == "memory":
        logger.warning("A contained process ran out of memory (its limit).")
        raise ContainedFailure("out of memory (its limit)")
    raise value


def _in_fork(
    function: Callable[..., Any], args: tuple[Any, ...], limits: ProcessLimits
) -> tuple[bytes | None, str]:
    """(the child's answer or None, why not) from a forked copy of this process."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: never returns
        code = 1
        try:
            os.close(reader)
            with os.fdopen(writer, "wb") as pipe:
                pipe.write(_outcome(function, args, limits))
            code = 0
        finally:
            os._exit(code)
    os.close(writer)
    chunks: list[bytes] = []
    deadline = time.monotonic() + limits.wall_seconds
    timed_out = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([reader], [], [], remaining)[0]:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            chunk = os.read(reader, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(reader)
        _pid, status = os.waitpid(pid, 0)
    if timed_out:
        return None, "killed after its time limit"
    if os.WIFSIGNALED(status):
        return None, f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    if os.waitstatus_to_exitcode(status) != 0 or not chunks:
        return None, f"exited with status {os.waitstatus_to_exitcode(status)}"
    return b"".join(chunks), ""


_preloaded: set[str] = set()


def _in_fork_server(
    function: Callable[..., Any], args: tuple[Any, ...], limits: ProcessLimits
) -> tuple[bytes | None, str]:
    """(the child's answer or None, why not) from a child of multiprocessing's fork server,
    which imports `function`'s module once."""
    context = multiprocessing.get_context("forkserver")
    if function.__module__ not in _preloaded:
        _preloaded.add(function.__module__)
        context.set_forkserver_preload(["__main__", *sorted(_preloaded)])
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_serve, args=(sender, function, args, limits), name="zhiyuan-contained", daemon=True
    )
    child.start()
    sender.close()
    payload, answered = None, False
    try:
        answered = receiver.poll(limits.wall_seconds)
        payload = receiver.recv_bytes() if answered else None
    except (EOFError, OSError):  # the child died without answering
        payload = None
    finally:
        receiver.close()
        if not answered:
            child.kill()
        child.join()
    if not answered:
        return None, "killed after its time limit"
    if payload is None:
        code = child.exitcode
        if code is not None and code < 0:
            return None, f"killed by {signal.Signals(-code).name}"
        return None, f"exited with status {code}"
    return payload, ""


def _serve(
    sender: Connection, function: Callable[..., Any], args: tuple[Any, ...], limits: ProcessLimits
) -> None:
    """In a fork-server child: compute and send the outcome."""
    sender.send_bytes(_outcome(function, args, limits))
    sender.close()


def _outcome(function: Callable[..., Any], args: tuple[Any, ...], limits: ProcessLimits) -> bytes:
    """In the child: set the limits, compute, and pickle ("ok", result), ("error", exception)
    or ("memory", None)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort must not write gigabytes
    memory = _address_space() + limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    # A native reader that aborts prints its backtrace (and Python's fault handler, where it
    # is on, the stacks): the parent logs the reason instead.
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        outcome: tuple[str, Any] = ("ok", function(*args))
    except MemoryError:
        outcome = ("memory", None)
    except Exception as error:
        outcome = ("error", error)
    try:
        return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return pickle.dumps(("memory", None))
    except Exception as error:  # an exception that does not pickle: its text does
        return pickle.dumps(("error", RuntimeError(f"{type(error).__name__}: {error}")))


def _address_space() -> int:
    """Bytes of address space this process has (a fork starts with its parent's)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
