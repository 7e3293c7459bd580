"""No public answer tells whether an ID number or a mobile is known (issue 9, item 6).

A stranger who types somebody's ID number into the registration page or the public API gets
the same page, status and message as for an unknown number; the application is accepted and
the duplicate is resolved when it is confirmed: the person who confirms it is told what to do
without being told where (or whether) the ID is registered, and the phone on file of the
registration that holds the ID is told that somebody tried, so that a person registered without
their knowledge finds out and can object.
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from tests.volunteers.people import person_data, synthetic_id
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.sms import SmsMessage
from zhiyuan.volunteers import services
from zhiyuan.volunteers.enums import RegistrationStatus
from zhiyuan.volunteers.models import RegistrationBody, Volunteer

pytestmark = pytest.mark.django_db

STREET = "430602001-SC"  # 岳阳楼街道志愿服务中心, where the holder is registered
OTHER_STREET = "430602002-SC"  # 三眼桥街道志愿服务中心, where the stranger applies
REGISTER = "/api/v1/public/registrations/"
CONFIRM = "/api/v1/public/registrations/confirm/"
# Two typed mobiles that are masked alike (137****0001): the pages may show the typed one.
MOBILE_A, MOBILE_B = "13712340001", "13755550001"
_TOKENS = re.compile(r'(name="(?:csrfmiddlewaretoken|ticket)" value="|"X-CSRFToken": ")[^"]+')


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page(response: Any) -> str:
    """A page's HTML with its per-request tokens (CSRF, the log-in ticket) blanked."""
    return _TOKENS.sub(r"\1…", response.content.decode())


@pytest.fixture
def holder(registrar: User, registered: Any) -> Volunteer:
    """A registered volunteer of 岳阳楼街道 whose phone on file is 13900000099."""
    return registered(registrar, name="赵明远", mobile="13900000099")


def _join(client: Client, body: RegistrationBody, capture: Any, **person: Any) -> Any:
    data = person_data(name="赵明远", **person)
    data = {name: value for name, value in data.items() if value is not None}
    data.update(point=f"{body.pk}:{body.organization.pk}", consent="on")
    with capture(execute=True):
        return client.post("/join/", data)


def test_the_registration_page_answers_alike_for_a_registered_and_a_new_id_number(
    holder: Volunteer, body: Any, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    point = body(OTHER_STREET)
    known, new = english(), english()
    answers = [
        _join(
            known,
            point,
            django_capture_on_commit_callbacks,
            document_number=holder.document_number,
            mobile=MOBILE_A,
        ),
        _join(
            new,
            point,
            django_capture_on_commit_callbacks,
            document_number=synthetic_id("19900101"),
            mobile=MOBILE_B,
        ),
    ]
    assert [(a.status_code, a.headers.get("Location")) for a in answers] == [
        (302, "/join/confirm/"),
        (302, "/join/confirm/"),
    ]
    pages = [known.get("/join/confirm/"), new.get("/join/confirm/")]
    assert [p.status_code for p in pages] == [200, 200]
    assert page(pages[0]) == page(pages[1])
    assert "137****0001" in page(pages[0])
    assert "岳阳楼" not in page(pages[0])
    # Each typed mobile got the same message; the holder's phone on file got nothing yet.
    assert [(sms.mobile, sms.template, sorted(sms.params)) for sms in outbox] == [
        (MOBILE_A, "registration_confirm", ["body", "code", "link", "minutes"]),
        (MOBILE_B, "registration_confirm", ["body", "code", "link", "minutes"]),
    ]


def test_the_public_api_answers_alike_for_a_registered_and_a_new_id_number(
    holder: Volunteer, body: Any, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    answers = []
    for number, mobile in ((holder.document_number, MOBILE_A), (synthetic_id(), MOBILE_B)):
        data = person_data(
            name="赵明远",
            document_number=number,
            mobile=mobile,
            body=body(OTHER_STREET).pk,
            consent=True,
        )
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(english().post(REGISTER, data, content_type="application/json"))
    assert [a.status_code for a in answers] == [201, 201]
    assert [{**a.json(), "id": "…"} for a in answers] == [
        {"id": "…", "status": "applied"},
        {"id": "…", "status": "applied"},
    ]
    assert [sms.mobile for sms in outbox] == [MOBILE_A, MOBILE_B]


def test_an_application_awaiting_confirmation_is_not_revealed_either(
    outsider: User, apply: Any, body: Any, django_capture_on_commit_callbacks: Any
) -> None:
    pending = apply(outsider, body=OTHER_STREET, name="赵明远", mobile="13900000098")
    client = english()
    answer = _join(
        client,
        body(OTHER_STREET),
        django_capture_on_commit_callbacks,
        document_number=pending.document_number,
        mobile=MOBILE_A,
    )
    assert (answer.status_code, answer.headers["Location"]) == (302, "/join/confirm/")
    assert Volunteer.objects.filter(document_digest=pending.document_digest).count() == 2


def test_confirming_a_duplicate_says_what_to_do_and_tells_the_phone_on_file(
    holder: Volunteer, body: Any, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    client = english()
    _join(
        client,
        body(OTHER_STREET),
        django_capture_on_commit_callbacks,
        document_number=holder.document_number,
        mobile=MOBILE_A,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/join/confirm/", {"code": outbox[-1].params["code"]})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "__all__": [
            "This registration cannot be completed online. If you registered before, log in to "
            "“My registration” with the mobile number you registered with: a message about this "
            "application went to it. If you no longer use that number, or never registered, "
            "bring your ID document to 三眼桥街道志愿服务中心."
        ]
    }
    assert "岳阳楼" not in response.content.decode()
    application = Volunteer.objects.exclude(pk=holder.pk).get()
    assert application.status == RegistrationStatus.CLOSED
    assert outbox[-1] == SmsMessage(
        "13900000099",
        "registration_attempt",
        {"point": "三眼桥街道志愿服务中心", "link": f"{settings.SITE_URL}/me/"},
    )
    entry = AuditEntry.objects.filter(action="volunteer.registration.attempted").get()
    assert (entry.object_id, entry.organization.code, entry.data) == (
        str(holder.pk),
        STREET,
        {"point": "三眼桥街道志愿服务中心"},
    )


def test_the_api_confirmation_of_a_duplicate_names_no_body_but_the_chosen_one(
    holder: Volunteer, body: Any, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    data = person_data(
        name="赵明远",
        document_number=holder.document_number,
        mobile=MOBILE_A,
        body=body(OTHER_STREET).pk,
        consent=True,
    )
    client = english()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(REGISTER, data, content_type="application/json")
    code = {"mobile": MOBILE_A, "code": outbox[-1].params["code"]}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONFIRM, code, content_type="application/json")
    assert response.status_code == 400
    assert "岳阳楼" not in response.content.decode()
    assert [sms.template for sms in outbox][-1] == "registration_attempt"


def test_the_phone_on_file_is_told_at_most_once_a_day(
    holder: Volunteer, body: Any, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    for mobile in (MOBILE_A, MOBILE_B):
        client = english()
        _join(
            client,
            body(OTHER_STREET),
            django_capture_on_commit_callbacks,
            document_number=holder.document_number,
            mobile=mobile,
        )
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/join/confirm/", {"code": outbox[-1].params["code"]})
    assert [sms.template for sms in outbox if sms.mobile == "13900000099"] == [
        "registration_attempt"
    ]
    assert AuditEntry.objects.filter(action="volunteer.registration.attempted").count() == 2


def test_the_closing_notice_of_other_applications_names_no_holder(
    registrar: User,
    outsider: User,
    apply: Any,
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    stranger = apply(outsider, body=OTHER_STREET, name="赵明远", mobile=MOBILE_A)
    mine = apply(registrar, name="赵明远", document_number=stranger.document_number)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_in_person(mine, actor=registrar, reason="本人到场签字")
    assert [sms for sms in outbox if sms.mobile == MOBILE_A] == [
        SmsMessage(MOBILE_A, "registration_closed", {"body": "三眼桥街道志愿服务中心"})
    ]


def test_the_office_still_learns_where_the_person_is_registered(
    holder: Volunteer, outsider: User, apply: Any
) -> None:
    """Registrars need the holder to ask for a transfer; they are not the public."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        apply(outsider, body=OTHER_STREET, document_number=holder.document_number)
    assert [e.code for e in caught.value.error_dict["document_number"]] == ["already_registered"]


# --- mobiles ----------------------------------------------------------------------------------


def test_confirming_by_mobile_answers_alike_for_a_known_and_an_unknown_mobile(
    registrar: User, apply: Any
) -> None:
    """Wrong codes for a mobile with an application awaiting its code answer as they do for
    a mobile nobody used, also once its code is locked by too many wrong tries."""
    apply(registrar, mobile=MOBILE_A, send_confirmation=True)
    answers: dict[str, list[tuple[int, str]]] = {MOBILE_A: [], MOBILE_B: []}
    for mobile, seen in answers.items():
        for _try in range(7):
            cache.clear()  # the per-address throttle is another test's
            response = english().post(CONFIRM, {"mobile": mobile, "code": "000000"})
            seen.append((response.status_code, response.content.decode()))
    assert answers[MOBILE_A] == answers[MOBILE_B]
    web = {}
    for mobile in (MOBILE_A, MOBILE_B):
        cache.clear()
        response = english().post("/join/confirm/", {"mobile": mobile, "code": "000000"})
        web[mobile] = (response.status_code, page(response).replace(mobile, "typed"))
    assert web[MOBILE_A] == web[MOBILE_B]


def test_the_log_in_by_mobile_answers_alike_for_a_known_and_an_unknown_mobile(
    holder: Volunteer,
) -> None:
    answers = []
    for mobile in ("13900000099", MOBILE_B):
        client = english()
        step = client.post("/me/login/", {"mobile": mobile})
        wrong = client.post(
            "/me/code/", {"ticket": step.context["form"]["ticket"].value(), "code": "000000"}
        )
        answers.append(
            [(r.status_code, page(r).replace("139****0099", "137****0001")) for r in (step, wrong)]
        )
    assert answers[0] == answers[1]
