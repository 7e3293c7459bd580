"""Periodic jobs of the volunteers app (registered with `common.periodic`)."""

from zhiyuan.common.periodic import periodic_job
from zhiyuan.volunteers.imports.check import fail_stalled_imports
from zhiyuan.volunteers.imports.files import purge_expired_files


@periodic_job
def purge_roster_files() -> None:
    """Uploaded roster files hold personal data: deleted after ROSTER_RETENTION_DAYS."""
    purge_expired_files()


@periodic_job
def fail_stalled_roster_imports() -> None:
    """A roster check or import whose worker died ends as failed, with a message, instead of
    "checking" for ever (`imports.check.STALLED_AFTER`)."""
    fail_stalled_imports()
