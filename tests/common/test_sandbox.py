"""Contained processes (issue 9, item 1): what a child computes comes back, what it raises is
raised here, and a child that runs away (memory, CPU, time, an abort) ends as a ContainedFailure
of that call, in both kinds of child: a fork (this process runs one thread) and a fork-server
child (another thread runs, as in the web server)."""

import os
import threading
import time
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy

from zhiyuan.common.sandbox import ContainedFailure, ProcessLimits, run_contained

LIMITS = ProcessLimits(memory_bytes=256 * 1024 * 1024, cpu_seconds=2, wall_seconds=20)


# Module-level, so that a fork-server child imports them.
def parent_and_sum(*numbers: int) -> tuple[int, int]:
    return os.getppid(), sum(numbers)


def refuse(text: str) -> None:
    raise ValidationError(gettext_lazy("Enter a valid value."), code="invalid", params={"t": text})


def spin() -> None:
    while True:
        pass


def sleep() -> None:
    time.sleep(60)


def allocate() -> int:
    return len(bytearray(1024 * 1024 * 1024))


def abort() -> None:
    os.abort()


@pytest.fixture(params=["fork", "fork server"])
def kind(request) -> Iterator[str]:
    """Each test in both kinds of child: a second thread makes run_contained use the fork
    server, where forking this process could copy a lock the thread holds."""
    if request.param == "fork":
        yield request.param
        return
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        yield request.param
    finally:
        stop.set()
        other.join()


def test_the_result_comes_back_from_a_child(kind) -> None:
    alone = threading.active_count() == 1  # not so for "fork" when an earlier test left a thread
    parent, total = run_contained(parent_and_sum, 1, 2, 3, limits=LIMITS)
    assert total == 6
    # A fork is this process's child; a fork-server child is the server's.
    assert (parent == os.getpid()) == alone


def test_what_the_child_raises_is_raised_here_and_translated_here(kind) -> None:
    with pytest.raises(ValidationError) as raised:
        run_contained(refuse, "x", limits=LIMITS)
    assert (raised.value.code, raised.value.params) == ("invalid", {"t": "x"})
    with translation.override("zh-hans"):
        assert raised.value.messages == ["输入一个有效的值。"]
    with translation.override("en"):
        assert raised.value.messages == ["Enter a valid value."]


@pytest.mark.parametrize(
    ("function", "reason"),
    [
        (spin, "killed by SIGXCPU"),
        (allocate, "out of memory (its limit)"),
        (abort, "killed by SIGABRT"),
    ],
    ids=["endless loop", "allocation beyond the limit", "abort"],
)
def test_a_child_that_runs_away_is_a_contained_failure(kind, function, reason) -> None:
    with pytest.raises(ContainedFailure) as failed:
        run_contained(function, limits=LIMITS)
    assert failed.value.reason == reason
    assert run_contained(parent_and_sum, 1, limits=LIMITS)[1] == 1  # this process carries on


def test_a_child_that_does_not_answer_in_time_is_killed(kind) -> None:
    started = time.monotonic()
    with pytest.raises(ContainedFailure) as failed:
        run_contained(sleep, limits=ProcessLimits(256 * 1024 * 1024, 2, wall_seconds=1))
    assert failed.value.reason == "killed after its time limit"
    assert time.monotonic() - started < 10
