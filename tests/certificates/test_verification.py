"""The public check's rules (issue 13, item 4): genuine and valid, revoked, not found; a
certificate altered in the database fails; malformed and unknown numbers alike."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

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
