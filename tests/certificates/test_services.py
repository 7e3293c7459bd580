"""The certificate's rules (issue 13, item 3; 民政部令第67号 第十八条 to 第二十一条): who issues,
what hours it states, a period without hours refused, the masked and the full ID number, the
scope, revocation, and a certificate never changed."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone, translation

from tests.hours.conftest import local
from zhiyuan.accounts.models import User
from zhiyuan.certificates import selectors, services
from zhiyuan.certificates.enums import CertificateStatus, Verdict
from zhiyuan.certificates.models import Certificate
from zhiyuan.common.models import AuditEntry
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

TEAM = "430602001001-TM"
ASSOCIATION = "430602-VA"  # 岳阳楼区志愿者协会: the district's records
CITY_ASSOCIATION = "4306-VA"
OTHER_ASSOCIATION = "430603-VA"  # 云溪区's


def test_the_team_that_recorded_the_hours_issues_them_all(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> None:
    certificate = services.issue_certificate(
        with_hours, issuer=org(TEAM), actor=team_leader, per_activity=True
    )
    assert certificate.number.startswith(f"ZY{timezone.localdate().year}-")
    assert selectors.NUMBER.match(certificate.number)
    assert certificate.minutes == 420
    assert certificate.record_count == 3
    assert certificate.activities == [
        {"title": "社区读书会", "minutes": 270, "records": 2},
        {"title": "敬老院陪伴", "minutes": 150, "records": 1},
    ]
    assert certificate.content == "社区读书会；敬老院陪伴"
    assert certificate.name == "欧阳秀兰"
    assert certificate.registration_number == with_hours.registration_number
    assert certificate.document_type == "resident_id"
    number = with_hours.document_number
    assert certificate.document_masked == number[:2] + "*" * 14 + number[-2:]
    assert certificate.document_number == ""
    assert certificate.issuer_name == "郭亮社区志愿服务队"
    assert certificate.handler == team_leader.name
    assert certificate.issued_by == team_leader
    assert certificate.issued_on == timezone.localdate()
    assert (certificate.period_start, certificate.period_end) == (None, None)
    assert certificate.status == CertificateStatus.VALID
    assert selectors.is_intact(certificate)
    entry = AuditEntry.objects.get(action="certificate.issued")
    assert entry.actor == team_leader
    assert entry.object_id == str(certificate.pk)
    assert entry.organization == org(TEAM)
    assert entry.data == {
        "volunteer": with_hours.pk,
        "minutes": 420,
        "period_start": None,
        "period_end": None,
        "per_activity": True,
        "full_number": False,
        "by_volunteer": False,
    }


def test_a_period_states_the_hours_that_started_in_it(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> None:
    certificate = services.issue_certificate(
        with_hours,
        issuer=org(TEAM),
        actor=team_leader,
        start=date(2026, 1, 1),
        end=date(2026, 6, 30),
    )
    assert (certificate.minutes, certificate.record_count) == (330, 2)
    assert (certificate.period_start, certificate.period_end) == (
        date(2026, 1, 1),
        date(2026, 6, 30),
    )
    # Both ends are local days and included: 2026-09-05's record starts at 09:00 that day.
    last_day = services.issue_certificate(
        with_hours,
        issuer=org(TEAM),
        actor=team_leader,
        start=date(2026, 9, 5),
        end=date(2026, 9, 5),
    )
    assert last_day.minutes == 90


def test_a_period_without_confirmed_hours_is_refused_and_says_so(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.issue_certificate(
            with_hours,
            issuer=org(TEAM),
            actor=team_leader,
            start=date(2026, 10, 1),
            end=date(2026, 12, 31),
        )
    assert refused.value.code == "no_hours"
    assert refused.value.messages == [
        "郭亮社区志愿服务队 has recorded no confirmed hours of this volunteer in the period "
        "2026-10-01–2026-12-31."
    ]
    assert not Certificate.objects.exists()
    assert not AuditEntry.objects.filter(action="certificate.issued").exists()


def test_pending_and_rejected_hours_are_not_certified(
    volunteer: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> None:
    from tests.factories import ActivityFactory
    from zhiyuan.hours import services as hours

    hours.record_hours(
        volunteer,
        activity=ActivityFactory.create(),
        start=local("2026-03-01 09:00"),
        end=local("2026-03-01 12:00"),
        actor=team_leader,
    )
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.issue_certificate(volunteer, issuer=org(TEAM), actor=team_leader)
    assert refused.value.messages == [
        "郭亮社区志愿服务队 has recorded no confirmed hours of this volunteer."
    ]


def test_a_period_ending_before_it_starts_is_refused(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.issue_certificate(
            with_hours,
            issuer=org(TEAM),
            actor=team_leader,
            start=date(2026, 6, 1),
            end=date(2026, 5, 31),
        )
    assert refused.value.message_dict == {"end": ["The period ends before it starts."]}


def test_the_district_association_certifies_the_records_of_its_district(
    with_hours: Volunteer, district_admin: User, org: Callable[[str], Organization]
) -> None:
    certificate = services.issue_certificate(
        with_hours, issuer=org(ASSOCIATION), actor=district_admin
    )
    assert certificate.minutes == 420
    assert certificate.issuer_name == "岳阳楼区志愿者协会"
    assert [o.code for o in selectors.issuers_for(with_hours)] == [
        CITY_ASSOCIATION,
        ASSOCIATION,
        TEAM,
    ]


def test_an_organisation_that_recorded_nothing_certifies_nothing(
    with_hours: Volunteer, street_admin: User, city_admin: User, org: Callable[[str], Organization]
) -> None:
    """The street's centre stands above the team but did not record its hours: 谁记录谁证明."""
    with pytest.raises(ValidationError) as refused:
        services.issue_certificate(with_hours, issuer=org("430602001-SC"), actor=street_admin)
    assert refused.value.code == "no_hours"
    with pytest.raises(ValidationError):  # 云溪区's association: another district's records
        services.issue_certificate(with_hours, issuer=org(OTHER_ASSOCIATION), actor=city_admin)


def test_another_organisation_can_neither_issue_nor_see_nor_revoke(
    with_hours: Volunteer,
    team_leader: User,
    outsider: User,
    org: Callable[[str], Organization],
) -> None:
    with pytest.raises(PermissionDenied):
        services.issue_certificate(with_hours, issuer=org(TEAM), actor=outsider)
    assert not Certificate.objects.exists()
    certificate = services.issue_certificate(with_hours, issuer=org(TEAM), actor=team_leader)
    assert list(selectors.certificates(outsider)) == []
    assert list(selectors.certificates(team_leader)) == [certificate]
    with pytest.raises(PermissionDenied):
        services.revoke_certificate(certificate, actor=outsider, reason="写错了时长")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID


def test_a_registrar_issues_nothing(
    with_hours: Volunteer, registrar: User, org: Callable[[str], Organization]
) -> None:
    with pytest.raises(PermissionDenied):
        services.issue_certificate(with_hours, issuer=org(TEAM), actor=registrar)


def test_the_volunteers_request_is_issued_with_the_issuers_handler(
    with_hours: Volunteer, street_admin: User, team_leader: User, org: Callable[[str], Organization]
) -> None:
    team = org(TEAM)
    Organization.objects.filter(pk=team.pk).update(responsible_person="李建国")
    team.refresh_from_db()
    services.set_issuer_details(team, actor=street_admin, handler="王芳", contact="0730-8888123")
    certificate = services.request_certificate(with_hours, issuer=team)
    assert (certificate.person_in_charge, certificate.handler, certificate.contact) == (
        "李建国",
        "王芳",
        "0730-8888123",
    )
    assert certificate.issued_by is None
    assert certificate.requested_by_volunteer
    entry = AuditEntry.objects.get(action="certificate.issued")
    assert entry.actor is None
    assert entry.data["by_volunteer"] is True


def test_the_full_id_number_only_when_asked_and_logged(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> None:
    masked = services.request_certificate(with_hours, issuer=org(TEAM))
    full = services.request_certificate(with_hours, issuer=org(TEAM), full_number=True)
    assert masked.document_number == ""
    assert full.document_number == with_hours.document_number
    assert full.document_masked == masked.document_masked
    entries = AuditEntry.objects.filter(action="certificate.issued").order_by("pk")
    assert [e.data["full_number"] for e in entries] == [False, True]
    # The number is encrypted in the column and stays out of the audit entry.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document_number FROM certificates_certificate WHERE id = %s", [full.pk]
        )
        (raw,) = cursor.fetchone()
    assert raw.startswith(("g:", "s:"))
    assert with_hours.document_number not in raw
    assert with_hours.document_number not in str(list(entries.values_list("data", flat=True)))


def test_revoked_is_shown_as_revoked(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> None:
    certificate = services.issue_certificate(with_hours, issuer=org(TEAM), actor=team_leader)
    assert selectors.verify(certificate.number).verdict == Verdict.VALID
    revoked = services.revoke_certificate(certificate, actor=team_leader, reason="时段写错")
    assert revoked.status == CertificateStatus.REVOKED
    assert revoked.revoked_by == team_leader
    assert revoked.revocation_reason == "时段写错"
    check = selectors.verify(certificate.number)
    assert check.verdict == Verdict.REVOKED
    assert (check.issuer, check.name, check.hours) == (
        "郭亮社区志愿服务队",
        "欧**兰",
        Decimal("7.00"),
    )
    entry = AuditEntry.objects.get(action="certificate.revoked")
    assert entry.data == {"reason": "时段写错"}
    with translation.override("en"), pytest.raises(ValidationError) as again:
        services.revoke_certificate(certificate, actor=team_leader, reason="再撤一次")
    assert again.value.messages == ["This certificate is already revoked."]


def test_a_revocation_needs_a_reason(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> None:
    certificate = services.issue_certificate(with_hours, issuer=org(TEAM), actor=team_leader)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.revoke_certificate(certificate, actor=team_leader, reason="  ")
    assert refused.value.message_dict == {"reason": ["Say why the certificate is revoked."]}
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID


def test_a_certificate_is_never_changed(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> None:
    certificate = services.issue_certificate(with_hours, issuer=org(TEAM), actor=team_leader)
    certificate.minutes = 6000
    with pytest.raises(ValueError, match="never changed"):
        certificate.save()
    with pytest.raises(ValueError, match="never changed"):
        certificate.save(update_fields=["minutes", "status"])


def test_a_later_correction_does_not_change_an_issued_certificate(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> None:
    certificate = services.issue_certificate(with_hours, issuer=org(TEAM), actor=team_leader)
    from zhiyuan.hours import services as hours

    first = HourRecord.objects.filter(volunteer=with_hours).order_by("start").first()
    assert first is not None
    correction = hours.request_correction(
        first,
        actor=team_leader,
        by_volunteer=True,
        reason="只服务了一小时",
        start=first.start,
        end=local("2026-03-01 10:00"),
    )
    hours.confirm_records([correction], actor=User.objects.get(username="street_admin"))
    assert (
        services.issue_certificate(with_hours, issuer=org(TEAM), actor=team_leader).minutes == 300
    )
    certificate.refresh_from_db()
    assert certificate.minutes == 420
    assert selectors.verify(certificate.number).verdict == Verdict.VALID


def test_a_volunteer_asks_for_at_most_ten_certificates_a_day(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> None:
    for _ in range(services.DAILY_REQUESTS):
        services.request_certificate(with_hours, issuer=org(TEAM))
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.request_certificate(with_hours, issuer=org(TEAM))
    assert refused.value.messages == [
        "You have asked for 10 certificates today. Ask again tomorrow."
    ]
    # the issuer's staff are not limited
    services.issue_certificate(with_hours, issuer=org(TEAM), actor=team_leader)
    assert Certificate.objects.count() == 11
