"""The registrar's registration form and the correction form."""

import pytest
from django.urls import reverse

from tests.volunteers.people import synthetic_id
from zhiyuan.volunteers.enums import RegistrationChannel, RegistrationStatus
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def form_data(point: str, **overrides: str) -> dict[str, object]:
    data: dict[str, object] = {
        "point": point,
        "name": "欧阳·明",
        "document_type": "resident_id",
        "document_number": synthetic_id("19860606"),
        "mobile": "13711112222",
        "political_status": "public",
        "age_basis": "adult",
        "skills": ["first_aid", "legal"],
        "consent": "on",
    }
    data.update(overrides)
    return data


def test_registrar_records_an_application_through_the_delegated_station(
    registrar, body, org, login
) -> None:
    point = f"{body('430602001-SC').pk}:{org('430602001001-ST').pk}"
    response = login(registrar).post(reverse("volunteers:register"), form_data(point))
    volunteer = Volunteer.objects.get(name="欧阳·明")
    assert response["Location"] == reverse("volunteers:detail", args=[volunteer.pk])
    assert (volunteer.status, volunteer.channel, volunteer.registered_by) == (
        RegistrationStatus.APPLIED,
        RegistrationChannel.REGISTRAR,
        registrar,
    )
    assert volunteer.organization.code == "430602001001-ST"
    assert volunteer.skills == ["first_aid", "legal"]


def test_bad_form_shows_field_errors_and_writes_nothing(registrar, body, org, login) -> None:
    point = f"{body('430602001-SC').pk}:{org('430602001-SC').pk}"
    data = form_data(point, document_number="430602198606061234", mobile="1234", consent="")
    response = login(registrar).post(reverse("volunteers:register"), data)
    assert response.status_code == 200
    assert sorted(response.context["form"].errors) == ["consent", "document_number", "mobile"]
    assert not Volunteer.objects.filter(name="欧阳·明").exists()


def test_a_point_of_another_street_is_not_offered_or_taken(
    registrar, outsider, body, org, login
) -> None:
    foreign = f"{body('430602002-SC').pk}:{org('430602002-SC').pk}"
    response = login(registrar).post(reverse("volunteers:register"), form_data(foreign))
    assert "point" in response.context["form"].errors
    assert not Volunteer.objects.filter(name="欧阳·明").exists()
    assert login(outsider).get(reverse("volunteers:register")).status_code == 200


def test_users_without_a_registration_point_get_403(viewer, login) -> None:
    assert login(viewer).get(reverse("volunteers:register")).status_code == 403


def test_correction_keeps_masked_values_when_left_empty(registrar, body, org, login) -> None:
    number = synthetic_id("19860606")
    point = f"{body('430602001-SC').pk}:{org('430602001-SC').pk}"
    client = login(registrar)
    client.post(reverse("volunteers:register"), form_data(point, document_number=number))
    volunteer = Volunteer.objects.get(name="欧阳·明")
    url = reverse("volunteers:correct", args=[volunteer.pk])
    page = client.get(url).content.decode()
    assert number not in page and "13711112222" not in page
    data = {
        "name": "欧阳·明亮",
        "document_type": "resident_id",
        "political_status": "league_member",
        "age_basis": "adult",
        "birth_date": "1986-06-06",
    }
    assert client.post(url, data).status_code == 302
    volunteer.refresh_from_db()
    assert (volunteer.name, volunteer.political_status) == ("欧阳·明亮", "league_member")
    assert (volunteer.document_number, volunteer.mobile) == (number, "13711112222")
