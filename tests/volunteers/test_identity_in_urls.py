"""ID numbers and mobiles never travel in a URL: typed into the ledger's name search (a GET
form), they are not searched, not shown back and not passed on to the page's links; the
page sends the user to the box that looks them up by POST."""

from collections.abc import Callable
from io import BytesIO

import openpyxl
import pytest
from django.test import Client

from zhiyuan.accounts.models import User
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def _english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.parametrize(
    "typed",
    [
        lambda v: v.document_number,
        lambda v: v.document_number.lower(),
        lambda v: v.mobile,
        lambda v: f"{v.name} {v.mobile[:3]}-{v.mobile[3:7]}-{v.mobile[7:]}",
    ],
)
def test_an_id_number_or_mobile_in_the_name_search_goes_nowhere(
    registrar: User, login: Login, typed, registered
) -> None:
    volunteer = registered(registrar, birth="19870605")
    client = _english(login(registrar))
    response = client.get("/volunteers/", {"q": typed(volunteer), "status": "active", "page": "2"})
    assert (response.status_code, response["Location"]) == (302, "/volunteers/?status=active")
    page = client.get(response["Location"])
    html = page.content.decode()
    assert [str(m) for m in page.context["messages"]] == [
        "ID numbers and mobiles are never searched through the address bar: type them into the "
        "box for whole ID numbers or mobiles."
    ]
    assert volunteer.document_number not in html and volunteer.mobile not in html
    assert volunteer.mobile[-8:] not in html


def test_the_export_ignores_an_id_number_in_its_query_string(
    registrar: User, login: Login, registered
) -> None:
    volunteer = registered(registrar, birth="19870606")
    registered(registrar, name="另一人")
    client = login(registrar)
    searched = client.get("/volunteers/bodies/export/ledger/", {"q": volunteer.document_number})
    assert searched.status_code == 200
    sheet = openpyxl.load_workbook(BytesIO(searched.content)).active
    assert sheet is not None
    assert sheet.max_row == 3  # the header and both registrations: nothing was searched


def test_a_registration_number_shaped_like_a_mobile_is_still_searched(
    registrar: User, login: Login, registered
) -> None:
    volunteer = registered(registrar, name="长编号")
    Volunteer.objects.filter(pk=volunteer.pk).update(registration_number="13800138000")
    response = login(registrar).get("/volunteers/", {"q": "13800138000"})
    assert response.status_code == 200
    assert [v.name for v in response.context["page"]] == ["长编号"]


def test_a_name_search_still_works(registrar: User, login: Login, registered) -> None:
    registered(registrar, name="欧阳志愿")
    registered(registrar, name="张志愿")
    response = login(registrar).get("/volunteers/", {"q": "欧阳"})
    assert [v.name for v in response.context["page"]] == ["欧阳志愿"]
