"""Periodic jobs of the volunteers app (registered with `common.periodic`)."""

from zhiyuan.common.periodic import periodic_job
from zhiyuan.volunteers.imports.files import purge_expired_files


@periodic_job
def purge_roster_files() -> None:
    """Uploaded roster files hold personal data: deleted after ROSTER_RETENTION_DAYS."""
    purge_expired_files()
