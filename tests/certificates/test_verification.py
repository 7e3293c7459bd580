"""The public check's rules (issue 13, item 4): genuine and valid, revoked, not found; a
certificate altered in the database fails; malformed and unknown numbers alike."""

import importlib
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.apps import apps

from zhiyuan.accounts.models import User
from zhiyuan.certificates import selectors, services
from zhiyuan.certificates.enums import Verdict
from zhiyuan.certificates.models import Certificate
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

TEAM = "430602001001-TM"


@pytest.fixture
def certificate(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> Certificate:
    return services.issue_certificate(
        with_hours, issuer=org(TEAM), actor=team_leader, start=date(2026, 1, 1)
    )


def test_a_genuine_certificate_shows_the_issuer_date_masked_name_and_hours(
    certificate: Certificate,
) -> None:
    check = selectors.verify(certificate.number)
    assert check == selectors.Verification(
        Verdict.VALID,
        number=certificate.number,
        issuer="郭亮社区志愿服务队",
        issued_on=certificate.issued_on,
        name="欧**兰",
        hours=Decimal("7.00"),
        period_start=date(2026, 1, 1),
        period_end=None,
    )


def test_the_number_is_found_as_typed_or_scanned(certificate: Certificate) -> None:
    typed = certificate.number.lower().replace("-", " ")
    assert selectors.verify(f"  {typed} ").verdict == Verdict.VALID
    assert selectors.verify(certificate.number.replace("-", "")).verdict == Verdict.VALID


@pytest.mark.parametrize(
    "field, value",
    [
        ("minutes", 4200),
        ("record_count", 30),
        ("name", "欧阳秀"),
        ("issuer_name", "岳阳市志愿者协会"),
        ("issued_on", date(2025, 1, 1)),
        ("period_start", date(2025, 1, 1)),
        ("activities", []),
    ],
)
def test_a_certificate_altered_in_the_database_fails(
    certificate: Certificate, field: str, value: object
) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(**{field: value})
    assert selectors.verify(certificate.number) == selectors.Verification(Verdict.NOT_FOUND)


def test_a_changed_number_fails_under_the_old_and_the_new_number(
    certificate: Certificate,
) -> None:
    forged = certificate.number[:-4] + "2222"
    Certificate.objects.filter(pk=certificate.pk).update(number=forged)
    assert selectors.verify(forged) == selectors.Verification(Verdict.NOT_FOUND)
    assert selectors.verify(certificate.number) == selectors.Verification(Verdict.NOT_FOUND)


def test_a_certificate_moved_to_another_volunteer_fails(
    certificate: Certificate, registrar: User
) -> None:
    from tests.volunteers import people

    other = people.registered(registrar)
    Certificate.objects.filter(pk=certificate.pk).update(volunteer=other)
    assert selectors.verify(certificate.number).verdict == Verdict.NOT_FOUND


@pytest.mark.parametrize(
    "tampered",
    [
        # set back to valid as a revocation never happened
        {"status": "valid", "revoked_at": None, "revoked_by": None, "revocation_reason": ""},
        # set back to valid, the rest of the revocation left as it was written
        {"status": "valid", "revoked_at": None},
    ],
)
def test_a_revoked_certificate_set_back_to_valid_in_the_database_fails(
    certificate: Certificate, team_leader: User, tampered: dict[str, object]
) -> None:
    services.revoke_certificate(certificate, actor=team_leader, reason="时段写错")
    assert selectors.verify(certificate.number).verdict == Verdict.REVOKED
    Certificate.objects.filter(pk=certificate.pk).update(**tampered)
    assert selectors.verify(certificate.number) == selectors.Verification(Verdict.NOT_FOUND)


def test_a_revocation_whose_time_or_reason_was_changed_fails(
    certificate: Certificate, team_leader: User
) -> None:
    revoked = services.revoke_certificate(certificate, actor=team_leader, reason="时段写错")
    assert revoked.revoked_at is not None
    moved = Certificate.objects.filter(pk=certificate.pk)
    moved.update(revoked_at=revoked.revoked_at + timedelta(days=30))
    assert selectors.verify(certificate.number) == selectors.Verification(Verdict.NOT_FOUND)
    moved.update(revoked_at=revoked.revoked_at)
    assert selectors.verify(certificate.number).verdict == Verdict.REVOKED
    moved.update(revocation_reason="另有原因")
    assert selectors.verify(certificate.number) == selectors.Verification(Verdict.NOT_FOUND)


def test_revoking_a_certificate_altered_in_the_database_keeps_it_failing(
    certificate: Certificate, team_leader: User
) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(minutes=6000)
    services.revoke_certificate(certificate, actor=team_leader, reason="时长被改")
    stored = Certificate.objects.get(pk=certificate.pk)
    assert stored.status == "revoked"
    assert stored.digest == certificate.digest  # not computed again over the altered hours
    assert selectors.verify(certificate.number) == selectors.Verification(Verdict.NOT_FOUND)


def test_the_migration_gives_intact_certificates_the_digest_over_their_revocation(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> None:
    issue = partial(services.issue_certificate, with_hours, issuer=org(TEAM), actor=team_leader)
    valid, revoked, altered = issue(), issue(), issue()
    services.revoke_certificate(revoked, actor=team_leader, reason="时段写错")
    for certificate in Certificate.objects.all():  # as the first scheme wrote them
        first = selectors.mac(selectors.statement_of(certificate))
        Certificate.objects.filter(pk=certificate.pk).update(digest=first)
    Certificate.objects.filter(pk=altered.pk).update(minutes=6000)
    old = dict(Certificate.objects.values_list("pk", "digest"))
    migration = importlib.import_module(
        "zhiyuan.certificates.migrations.0002_digest_covers_revocation"
    )
    migration.cover_revocation(apps, None)
    assert selectors.verify(valid.number).verdict == Verdict.VALID
    assert selectors.verify(revoked.number).verdict == Verdict.REVOKED
    assert selectors.verify(altered.number) == selectors.Verification(Verdict.NOT_FOUND)
    assert Certificate.objects.get(pk=altered.pk).digest == old[altered.pk]
    # the migration ran twice changes nothing more; reversed, the first scheme's digests again
    migration.cover_revocation(apps, None)
    assert selectors.verify(valid.number).verdict == Verdict.VALID
    migration.uncover_revocation(apps, None)
    assert dict(Certificate.objects.values_list("pk", "digest")) == old


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ZY2026-AAAA-AAAA-AAAA",  # well-formed, unknown
        "ZY2026-0000-AAAA-AAAA",  # 0 is not in the alphabet
        "430602199001010435",  # an ID number: never looked up
        "' OR 1=1 --",
        "Z" * 5000,
        None,
        "ZY2026-ＡＡＡＡ-AAAA-AAAA",
    ],
)
def test_malformed_and_unknown_numbers_answer_alike(
    certificate: Certificate, text: object, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        assert selectors.verify(text) == selectors.Verification(Verdict.NOT_FOUND)
