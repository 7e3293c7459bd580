"""Periodic jobs of the hours app (registered with `common.periodic`)."""

from zhiyuan.common.periodic import periodic_job
from zhiyuan.hours.backfill import purge_expired_sheets
from zhiyuan.hours.checkin import close_missed_checkouts as close_intervals


@periodic_job
def close_missed_checkouts() -> None:
    """A volunteer who forgot to check out is checked out at the slot's end once
    HOURS_CHECKOUT_GRACE_MINUTES have passed; the interval and its record are flagged for the
    leader."""
    close_intervals()


@periodic_job
def purge_hours_sheets() -> None:
    """Uploaded hours sheets name people by ID number: an imported one's file is deleted at
    once, any other's after ROSTER_RETENTION_DAYS."""
    purge_expired_sheets()
