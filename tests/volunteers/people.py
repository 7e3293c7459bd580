"""Synthetic people, and the one way tests make volunteers.

`apply(actor, body, ...)` records an application through the services, as the registrar's form
does (status applied, no number, no SMS unless `send_confirmation=True`); `registered(...)`
also confirms it in person (status active, with a registration number); `confirm(volunteer,
actor)` confirms an application made earlier. Tests take them as the fixtures `apply`,
`registered` and `confirm` (tests/volunteers/conftest.py); helpers outside a test (threads,
parametrised lambdas) import them from here.

The people are synthetic, never a real person's: resident ID numbers get their check character
from `zhiyuan.common.identity` and their sequence numbers from a test counter, mobiles come from
the 199 range.
"""

from datetime import date
from itertools import count
from typing import Any

from zhiyuan.accounts.models import User
from zhiyuan.common.identity import resident_id_check_character
from zhiyuan.volunteers import services
from zhiyuan.volunteers.enums import RegistrationChannel
from zhiyuan.volunteers.models import RegistrationBody, Volunteer

STREET = "430602001-SC"  # 岳阳楼街道's centre, 4306003: registrar, checker, viewer, street_admin
OTHER_STREET = "430602002-SC"  # 三眼桥街道's centre, 4306004: outsider
STATION = "430602001001-ST"  # 郭亮社区志愿服务站: registers for STREET by delegation
IN_PERSON = "本人到场签字"  # the reason `confirm` records

_serial = count(1)
_mobiles = count()


def synthetic_id(birth: str = "19900101", *, area: str = "430602", male: bool = True) -> str:
    """A resident ID number (18 characters) born on `birth` (YYYYMMDD) in `area`, with a valid
    check character; the sequence number comes from a test counter (odd for men)."""
    number = next(_serial) % 500
    sequence = f"{number * 2 + (1 if male else 0):03d}"
    first17 = f"{area}{birth}{sequence}"
    return first17 + resident_id_check_character(first17)


def synthetic_mobile() -> str:
    """A valid mainland mobile number from the 199 range, unique within a test run."""
    return f"1990{next(_mobiles):07d}"


def person_data(**overrides: Any) -> dict[str, Any]:
    """Valid raw registration data (rules.PERSON_FIELDS) of an adult; override any field."""
    data: dict[str, Any] = {
        "name": "张志愿",
        "document_type": "resident_id",
        "document_number": synthetic_id(),
        "political_status": "public",
        "education": "undergraduate",
        "ethnicity": "01",
        "mobile": synthetic_mobile(),
        "skills": ["first_aid"],
        "service_intentions": ["community_service"],
        "available_times": ["weekend"],
    }
    data.update(overrides)
    return data


def apply(
    actor: User | None,
    body: str = STREET,
    *,
    through: str = "",
    name: str = "张志愿",
    birth: str = "19900101",
    male: bool = True,
    document_number: str = "",
    mobile: str = "",
    channel: str = RegistrationChannel.REGISTRAR,
    send_confirmation: bool = False,
    today: date | None = None,
    **person: Any,
) -> Volunteer:
    """An application of a synthetic person with the body of organisation `body` (a code),
    entered by `actor` (None with `channel=RegistrationChannel.SELF`) through organisation
    `through` (a code: the body's own by default, or one it delegated to).

    The person is born on `birth` (YYYYMMDD), a man unless `male=False`, unless
    `document_number` is given; `mobile` defaults to a fresh synthetic one; `person` overrides
    any other field of `person_data`. Raises what `services.register_volunteer` raises."""
    point = RegistrationBody.objects.select_related("organization").get(organization__code=body)
    organization = (
        point.delegations.get(organization__code=through).organization
        if through and through != body
        else point.organization
    )
    data = person_data(
        name=name,
        document_number=document_number or synthetic_id(birth, male=male),
        mobile=mobile or synthetic_mobile(),
        **person,
    )
    return services.register_volunteer(
        data,
        body=point,
        organization=organization,
        actor=actor,
        channel=channel,
        consent=True,
        send_confirmation=send_confirmation,
        today=today,
    ).volunteer


def confirm(volunteer: Volunteer, actor: User, *, reason: str = IN_PERSON) -> Volunteer:
    """The application `volunteer` confirmed in person by the registrar `actor` (status active,
    with the body's next registration number)."""
    return services.confirm_in_person(volunteer, actor=actor, reason=reason)


def registered(actor: User, body: str = STREET, **options: Any) -> Volunteer:
    """A registered volunteer: `apply(actor, body, **options)`, confirmed in person by `actor`."""
    return confirm(apply(actor, body, **options), actor)
