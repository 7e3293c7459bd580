"""Periodic work, run by `zhiyuan run_periodic` from cron, a systemd timer or `make run`.

A small registry: each app lists its own jobs in a `jobs.py` module, registering each function
with `@periodic_job`; `registered_jobs` imports every installed app's `jobs.py` when jobs are
listed or run, so this module never names an app above it. Each job is idempotent and safe to run at any interval
(closing missed check-outs, reminders and reporting deadlines are added the same way).
"""

import logging
from collections.abc import Callable
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

logger = logging.getLogger("zhiyuan.periodic")

Job = Callable[[], None]
JOBS: dict[str, Job] = {}


def periodic_job(job: Job) -> Job:
    """Register `job` under its function name. Raises ValueError when another job has it."""
    name = job.__name__
    if JOBS.get(name, job) is not job:
        raise ValueError(f"Two periodic jobs are named {name!r}.")
    JOBS[name] = job
    return job


def registered_jobs() -> dict[str, Job]:
    """Every periodic job by name, after importing the `jobs` module of each of the project's
    installed apps (each registers its own; other packages' modules of that name are not ours
    to run). Importing is done once by Python's module cache."""
    for config in apps.get_app_configs():
        if config.name.startswith("zhiyuan.") and module_has_submodule(config.module, "jobs"):
            import_module(f"{config.name}.jobs")
    return JOBS


def run_jobs(names: list[str] | None = None) -> dict[str, str]:
    """Run the named jobs (all by default, by name); one failing job does not stop the others.

    Returns job name -> "ok" or the error's text. Raises KeyError for an unknown name.
    """
    jobs = registered_jobs()
    outcome: dict[str, str] = {}
    for name in names or sorted(jobs):
        job = jobs[name]
        try:
            job()
            outcome[name] = "ok"
        except Exception as exc:
            logger.exception("periodic job %s failed", name)
            outcome[name] = f"{type(exc).__name__}: {exc}"
    return outcome
