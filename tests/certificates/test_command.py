"""`zhiyuan issue_certificates`: bulk issuing for every volunteer with hours in a period."""

from collections.abc import Callable
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.hours.conftest import local
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.certificates.models import Certificate
from zhiyuan.common.models import AuditEntry
from zhiyuan.hours.models import HourRecord
from zhiyuan.volunteers.models import Volunteer


def test_the_association_issues_for_everyone_with_hours_once(
    with_hours: Volunteer, served: Callable[..., HourRecord], registrar: User
) -> None:
    second = people.registered(registrar)
    served(second, local("2026-04-01 09:00"), 2)
    idle = people.registered(registrar)  # no hours: no certificate
    out = StringIO()
    call_command(
        "issue_certificates", "430602-VA", "--from", "2026-01-01", "--to", "2026-06-30", stdout=out
    )
    issued = {c.volunteer_id: c for c in Certificate.objects.all()}
    assert set(issued) == {with_hours.pk, second.pk}
    assert idle.pk not in issued
    assert (issued[with_hours.pk].minutes, issued[second.pk].minutes) == (330, 120)
    assert all(c.period_start == date(2026, 1, 1) for c in issued.values())
    assert all(c.issued_by is None for c in issued.values())
    # The command speaks the default language, Simplified Chinese.
    assert out.getvalue().splitlines()[-1] == "已开具 2 份证明，0 名志愿者已持有证明。"
    origins = set(
        AuditEntry.objects.filter(action="certificate.issued").values_list("origin", flat=True)
    )
    assert origins == {"cli"}
    again = StringIO()
    call_command(
        "issue_certificates",
        "430602-VA",
        "--from",
        "2026-01-01",
        "--to",
        "2026-06-30",
        stdout=again,
    )
    assert Certificate.objects.count() == 2
    assert again.getvalue().splitlines()[-1] == "已开具 0 份证明，2 名志愿者已持有证明。"


def test_bad_input_stops_the_command(db: None) -> None:
    translation.activate("en")
    with pytest.raises(CommandError, match="No organisation has the code"):
        call_command("issue_certificates", "NOPE")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("issue_certificates", "430602-VA", "--from", "2026-13-01")
    with pytest.raises(CommandError, match="ends before it starts"):
        call_command(
            "issue_certificates", "430602-VA", "--from", "2026-06-01", "--to", "2026-05-01"
        )
    assert not Certificate.objects.exists()
