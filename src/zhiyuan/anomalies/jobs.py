"""Periodic jobs of the anomalies app (registered with `common.periodic`)."""

from zhiyuan.anomalies.services import detect_anomalies
from zhiyuan.common.periodic import periodic_job


@periodic_job
def detect_anomaly_flags() -> None:
    """Run every anomaly rule over the ledgers and raise a flag for each new finding (issue 14,
    item 4); idempotent: evidence already flagged adds nothing."""
    detect_anomalies()
