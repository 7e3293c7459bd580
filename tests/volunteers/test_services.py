"""Registration, confirmation with registration numbers, and the lifecycle (services)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from tests.volunteers.people import OTHER_STREET, person_data, synthetic_id
from zhiyuan.common.models import AuditEntry
from zhiyuan.volunteers import permissions, selectors, services
from zhiyuan.volunteers.enums import (
    AgeBasis,
    CancellationKind,
    ConfirmationMethod,
    RegistrationChannel,
    RegistrationStatus,
)
from zhiyuan.volunteers.models import RegistrationPolicy, Volunteer

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 29)


def last_code(outbox) -> str:
    return outbox[-1].params["code"]


def test_application_is_applied_with_no_number_and_texts_a_code(
    registrar, outbox, django_capture_on_commit_callbacks, apply
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        volunteer = apply(registrar, birth="19850317", send_confirmation=True)
    assert volunteer.status == RegistrationStatus.APPLIED
    assert volunteer.registration_number is None
    assert volunteer.birth_date == date(1985, 3, 17)
    assert volunteer.gender == "male"
    assert volunteer.registered_by == registrar
    assert [m.template for m in outbox] == ["registration_confirm"]
    assert outbox[0].params["body"] == "岳阳楼街道志愿服务中心"
    assert outbox[0].params["link"].startswith("http")
    assert not selectors.registered_volunteers().filter(pk=volunteer.pk).exists()


def test_confirming_with_the_code_issues_consecutive_numbers_per_body_and_year(
    registrar, body, outbox, django_capture_on_commit_callbacks, apply
) -> None:
    numbers = []
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            volunteer = apply(registrar, send_confirmation=True)
        volunteer = services.confirm_with_code(volunteer, last_code(outbox))
        numbers.append(volunteer.registration_number)
    code = body("430602001-SC").code
    year = timezone.localdate().year % 100
    start = int(numbers[0][-6:])
    assert numbers == [f"{code}{year:02d}{start + i:06d}" for i in range(3)]
    assert volunteer.status == RegistrationStatus.ACTIVE
    assert volunteer.confirmation_method == ConfirmationMethod.SMS_CODE
    assert selectors.registered_volunteers().filter(pk=volunteer.pk).exists()


def test_a_wrong_code_confirms_nothing(
    registrar, django_capture_on_commit_callbacks, apply
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        volunteer = apply(registrar, send_confirmation=True)
    with pytest.raises(ValidationError) as error:
        services.confirm_with_code(volunteer, "000000" if True else "")
    volunteer.refresh_from_db()
    assert error.value.code in {"invalid_code"}
    assert volunteer.status == RegistrationStatus.APPLIED


def test_a_person_registered_elsewhere_is_refused_naming_the_body_only(
    registrar, outsider, outbox, django_capture_on_commit_callbacks, apply
) -> None:
    number = synthetic_id("19920704")
    with django_capture_on_commit_callbacks(execute=True):
        first = apply(registrar, document_number=number, name="李四", send_confirmation=True)
    services.confirm_with_code(first, last_code(outbox))
    with pytest.raises(ValidationError) as error:
        apply(outsider, OTHER_STREET, document_number=number)
    message = error.value.message_dict["document_number"][0]
    assert message == (
        "此人已在 岳阳楼街道志愿服务中心 注册。每人在全市只能注册一次，"
        "请联系 岳阳楼街道志愿服务中心 办理注册转移。"
    )
    assert number not in message and "李四" not in message


def test_of_two_pending_applications_the_first_confirmed_wins(
    registrar, outsider, outbox, django_capture_on_commit_callbacks, apply
) -> None:
    number = synthetic_id("19880808")
    with django_capture_on_commit_callbacks(execute=True):
        first = apply(registrar, document_number=number, send_confirmation=True)
    first_code = last_code(outbox)
    with django_capture_on_commit_callbacks(execute=True):
        second = apply(outsider, OTHER_STREET, document_number=number, send_confirmation=True)
    second_code = last_code(outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_with_code(second, second_code)
    first.refresh_from_db()
    assert first.status == RegistrationStatus.CLOSED
    assert outbox[-2].template == "registration_closed"
    with pytest.raises(ValidationError):
        services.confirm_with_code(first, first_code)


def test_in_person_confirmation_needs_a_reason_and_is_counted_per_registrar(
    registrar, apply
) -> None:
    volunteer = apply(registrar)
    with pytest.raises(ValidationError):
        services.confirm_in_person(volunteer, actor=registrar, reason="")
    services.confirm_in_person(volunteer, actor=registrar, reason="本人到服务中心签字确认")
    counts = selectors.in_person_confirmations(Volunteer.objects.all())
    assert counts == [
        {"confirmed_by__name": "陈登记", "confirmed_by__username": "registrar", "count": 1}
    ]


def test_a_registrar_of_another_street_cannot_confirm_or_register_here(
    registrar, outsider, apply
) -> None:
    volunteer = apply(registrar)
    with pytest.raises(PermissionDenied):
        services.confirm_in_person(volunteer, actor=outsider, reason="本人到场确认")
    with pytest.raises(PermissionDenied):
        apply(outsider)


@pytest.mark.parametrize("persona", ["outsider", "checker", "viewer", "team_leader", "nobody"])
def test_confirming_directly_needs_a_registering_role_over_the_registration(
    request, registrar, apply, registered, persona: str
) -> None:
    """`confirm_registration` with an actor checks it like `confirm_in_person` does: it
    confirmed another street's application, and named the body holding a person's ID."""
    volunteer = apply(registrar)
    holder = registered(registrar)
    twin = apply(registrar, channel="self", document_number=holder.document_number)
    actor = request.getfixturevalue(persona)
    entries = AuditEntry.objects.count()
    for pk in (volunteer.pk, twin.pk):
        with pytest.raises(PermissionDenied):
            services.confirm_registration(
                pk, method=ConfirmationMethod.IN_PERSON, actor=actor, reason="本人到场签字"
            )
    assert list(
        Volunteer.objects.filter(pk__in=[volunteer.pk, twin.pk])
        .order_by("pk")
        .values_list("status", "registration_number")
    ) == [("applied", None), ("applied", None)]
    assert AuditEntry.objects.count() == entries


def test_delegated_station_registers_for_the_street_body(team_leader, registrar) -> None:
    points = permissions.registration_points(registrar)
    assert [(p.body.organization.code, p.organization.code) for p in points] == [
        ("430602001-SC", "430602001-SC"),
        ("430602001-SC", "430602001001-ST"),
    ]


@pytest.mark.parametrize(
    ("birth", "basis", "extra", "error"),
    [
        ("20130101", AgeBasis.GUARDIAN_CONSENT, {}, "too_young"),
        ("20110101", AgeBasis.ADULT, {}, "minor_needs_basis"),
        ("20110101", AgeBasis.GUARDIAN_CONSENT, {}, "guardian_missing"),
        ("20110101", AgeBasis.OWN_INCOME, {}, "too_young_for_own_income"),
        ("20100101", AgeBasis.OWN_INCOME, {}, None),
        (
            "20110101",
            AgeBasis.GUARDIAN_CONSENT,
            {
                "guardian_name": "王母",
                "guardian_relation": "母亲",
                "guardian_mobile": "13912345678",
            },
            None,
        ),
        ("19900101", AgeBasis.OWN_INCOME, {}, "adult_basis"),
        (
            "20110101",
            AgeBasis.SCHOOL_CONSENT,
            {"work_unit_name": "岳阳市第一中学"},
            "school_consent_missing",
        ),
        (
            "20110101",
            AgeBasis.SCHOOL_CONSENT,
            {"work_unit_name": "岳阳市第一中学", "school_consent_reference": "一中团委〔2026〕3号"},
            None,
        ),
    ],
)
def test_age_rules(birth, basis, extra, error, registrar, body) -> None:
    point = body("430602001-SC")
    data = person_data(document_number=synthetic_id(birth), age_basis=basis, **extra)
    call = lambda: services.register_volunteer(  # noqa: E731
        data,
        body=point,
        organization=point.organization,
        actor=registrar,
        channel=RegistrationChannel.REGISTRAR,
        consent=True,
        today=TODAY,
    )
    if error is None:
        assert call().volunteer.age_basis == basis
    else:
        with pytest.raises(ValidationError) as raised:
            call()
        assert [e.code for e in raised.value.error_dict["age_basis"]] == [error]
        assert not Volunteer.objects.filter(document_digest__isnull=False, name="x").exists()


def test_typed_birth_date_and_gender_that_disagree_with_the_id_are_refused(
    registrar, apply
) -> None:
    with pytest.raises(ValidationError) as raised:
        apply(registrar, birth="19900101", male=True, birth_date="1990-01-02", gender="female")
    codes = {field: [e.code for e in errors] for field, errors in raised.value.error_dict.items()}
    assert codes == {"birth_date": ["birth_date_mismatch"], "gender": ["gender_mismatch"]}


def test_without_consent_nothing_is_written(registrar, body) -> None:
    before = Volunteer.objects.count()
    point = body("430602001-SC")
    with pytest.raises(ValidationError) as raised:
        services.register_volunteer(
            person_data(),
            body=point,
            organization=point.organization,
            actor=registrar,
            channel=RegistrationChannel.REGISTRAR,
            consent=False,
        )
    assert list(raised.value.message_dict) == ["consent"]
    assert Volunteer.objects.count() == before


def test_lifecycle_keeps_number_through_suspension_transfer_and_cancellation(
    registrar, street_admin, outsider, city_admin, body, registered
) -> None:
    volunteer = registered(registrar, send_confirmation=True)
    number = volunteer.registration_number
    volunteer = services.suspend_registration(volunteer, actor=registrar, reason="长期未参加")
    assert not selectors.registered_volunteers().filter(pk=volunteer.pk).exists()
    volunteer = services.reinstate_registration(volunteer, actor=registrar)
    other = body("430602002-SC")
    volunteer = services.transfer_registration(
        volunteer, actor=street_admin, body=other, organization=other.organization
    )
    assert volunteer.registration_number == number
    with pytest.raises(PermissionDenied):
        services.suspend_registration(volunteer, actor=registrar, reason="x")
    volunteer = services.cancel_registration(
        volunteer, actor=outsider, kind=CancellationKind.REFUSAL_OF_DUTIES, reason="拒不履行义务"
    )
    assert volunteer.status == RegistrationStatus.CANCELLED
    actions = list(
        AuditEntry.objects.filter(object_type="volunteers.volunteer", object_id=str(volunteer.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "volunteer.registration.applied",
        "volunteer.confirmation.requested",
        "volunteer.registration.confirmed",
        "volunteer.registration.suspended",
        "volunteer.registration.reinstated",
        "volunteer.registration.transferred",
        "volunteer.registration.cancelled",
    ]


def test_reregistration_counts_only_where_the_city_requires_it(registrar, org, registered) -> None:
    volunteer = registered(registrar)
    Volunteer.objects.filter(pk=volunteer.pk).update(registered_on=date(2025, 3, 1))
    counted = lambda: selectors.registered_volunteers().filter(pk=volunteer.pk).exists()  # noqa: E731
    assert counted()
    RegistrationPolicy.objects.create(organization=org("4306-GC"), reregistration_required=True)
    assert not counted()
    services.reregister(volunteer, actor=registrar)
    assert counted()


def test_revealing_a_full_id_needs_a_role_and_a_reason_and_is_logged(
    registrar, viewer, checker, apply
) -> None:
    number = synthetic_id("19700505")
    volunteer = apply(registrar, document_number=number)
    with pytest.raises(PermissionDenied):
        services.reveal_personal_data(volunteer, "document_number", actor=viewer, reason="核对")
    with pytest.raises(PermissionDenied):
        services.reveal_personal_data(volunteer, "document_number", actor=checker, reason="核对")
    assert services.reveal_personal_data(volunteer, "mobile", actor=checker, reason="电话抽查")
    shown = services.reveal_personal_data(
        volunteer, "document_number", actor=registrar, reason="核对身份"
    )
    assert shown == number
    entry = AuditEntry.objects.filter(action="volunteer.personal_data.viewed").latest("pk")
    assert (entry.actor, entry.data) == (
        registrar,
        {"field": "document_number", "reason": "核对身份"},
    )


def test_id_and_phone_are_encrypted_in_the_table(registrar, apply) -> None:
    number = synthetic_id("19660606")
    volunteer = apply(registrar, document_number=number, mobile="13712345678")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document_number, mobile FROM volunteers_volunteer WHERE id = %s", [volunteer.pk]
        )
        stored = cursor.fetchone()
    assert number not in stored[0] and "13712345678" not in stored[1]


def test_missing_consent_is_reported_with_the_rules_errors(registrar, body) -> None:
    point = body("430602001-SC")
    with pytest.raises(ValidationError) as raised:
        services.register_volunteer(
            person_data(mobile="12345"),
            body=point,
            organization=point.organization,
            actor=registrar,
            channel=RegistrationChannel.REGISTRAR,
            consent=False,
        )
    assert sorted(raised.value.message_dict) == ["consent", "mobile"]


def test_an_application_closed_at_confirmation_stays_closed_and_says_why(
    registrar, outsider, outbox, django_capture_on_commit_callbacks, apply, confirm
) -> None:
    """A correction gave an application the ID of someone registered elsewhere meanwhile."""
    holder_number = synthetic_id("19770707")
    holder = apply(outsider, OTHER_STREET, document_number=holder_number)
    with django_capture_on_commit_callbacks(execute=True):
        late = apply(registrar, send_confirmation=True)
    code = last_code(outbox)
    confirm(holder, outsider)
    Volunteer.objects.filter(pk=late.pk).update(
        document_number=holder_number, document_digest=holder.document_digest
    )
    with pytest.raises(ValidationError) as raised:
        services.confirm_with_code(late, code)
    # The person is told what to do, naming the body they chose, never the holder's.
    assert raised.value.code == "already_registered"
    assert "岳阳楼街道志愿服务中心" in raised.value.message
    assert "三眼桥" not in raised.value.message
    late.refresh_from_db()
    assert late.status == RegistrationStatus.CLOSED


def test_viewers_and_checkers_have_no_registration_points(viewer, checker, team_leader) -> None:
    assert permissions.registration_points(viewer) == []
    assert permissions.registration_points(checker) == []
    assert permissions.registration_points(team_leader) == []


def test_only_registering_roles_send_a_confirmation_request(
    registrar, viewer, outsider, apply
) -> None:
    volunteer = apply(registrar)
    for user in (viewer, outsider):
        with pytest.raises(PermissionDenied):
            services.send_confirmation_request(volunteer, actor=user)
