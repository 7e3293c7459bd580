"""Station and team standards: the plan's items until a city sets its own, assessments with
their date, assessor and evidence (type-checked, size-limited, encrypted at rest, served only in
scope), the pages and the API, refusals that write nothing, and the audit entries."""

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from knox.models import AuthToken
from PIL import Image

from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.models import Organization
from zhiyuan.reports.standards import selectors, services
from zhiyuan.reports.standards.models import StandardAssessment, StandardItem

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
STATION = "430602001001-ST"  # 郭亮社区's station, in 岳阳楼街道
TEAM = "430602001001-TM"
OTHER_STATION = "430602002001-ST"  # 桃花山社区's, in 三眼桥街道 (outsider's)
CITY = "4306-GC"


def png(width: int = 4, height: int = 4) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, "PNG")
    return buffer.getvalue()


def upload(data: bytes, name: str = "门牌.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def refusal(error: ValidationError) -> dict[str, list[str]]:
    with translation.override("en"):
        return {key: [str(m) for m in value] for key, value in error.message_dict.items()}


def test_a_station_has_the_plans_six_haves_and_a_team_its_five_haves() -> None:
    station = Organization.objects.get(code=STATION)
    team = Organization.objects.get(code=TEAM)
    assert selectors.items_for(station, "station").codes == [
        *("rules", "place", "team", "ledgers", "projects", "signage")
    ]
    assert selectors.items_for(team, "team").codes == [
        *("organisation", "people", "place", "activities", "rules")
    ]
    assert selectors.items_for(station, "station").owner is None
    found = selectors.checklist(station, timezone.localdate())
    assert found is not None
    assert [line.item.name for line in found.lines][:2] == [
        "有一套志愿者管理制度",
        "有一个志愿活动专用场所",
    ]
    assert [line.met for line in found.lines] == [None] * 6
    assert (
        selectors.checklist(Organization.objects.get(code="430602001-SC"), timezone.localdate())
        is None
    )


def test_an_assessment_keeps_its_date_assessor_and_evidence_encrypted(street_admin: User) -> None:
    station = Organization.objects.get(code=STATION)
    today = timezone.localdate()
    data = png()
    row = services.assess_item(
        station,
        actor=street_admin,
        item="signage",
        met=True,
        assessed_on=today - timedelta(days=1),
        note="门口挂牌",
        evidence=upload(data),
    )
    row.refresh_from_db()
    assert (row.met, row.assessed_by, row.note, row.evidence_name) == (
        True,
        street_admin,
        "门口挂牌",
        "门牌.png",
    )
    assert (row.evidence_type, row.evidence_size) == ("image/png", len(data))
    on_disk = Path(row.evidence.storage.path(row.evidence.name)).read_bytes()
    assert b"PNG" not in on_disk and data not in on_disk
    with row.evidence.open("rb") as kept:
        assert kept.read() == data
    entry = AuditEntry.objects.get(action="reports.standard.assessed")
    assert entry.data == {
        "standard": "station",
        "item": "signage",
        "met": True,
        "assessed_on": (today - timedelta(days=1)).isoformat(),
        "evidence": True,
    }
    assert entry.organization_id == station.pk


def test_a_later_assessment_replaces_an_earlier_one_from_its_date(street_admin: User) -> None:
    station = Organization.objects.get(code=STATION)
    today = timezone.localdate()
    services.assess_item(
        station, actor=street_admin, item="place", met=True, assessed_on=today - timedelta(days=5)
    )
    services.assess_item(
        station, actor=street_admin, item="place", met=False, assessed_on=today - timedelta(days=1)
    )
    on = {day: selectors.checklist(station, today - timedelta(days=day)) for day in (6, 3, 0)}
    assert [on[day].lines[1].met for day in (6, 3, 0)] == [None, True, False]  # type: ignore[union-attr]
    assert StandardAssessment.objects.filter(organization=station).count() == 2


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"item": "nothing"}, {"item": ["Choose an item of the standard."]}),
        ({"met": "yes"}, {"met": ["Say whether the item is met."]}),
        ({"days": -1}, {"assessed_on": ["An assessment cannot be dated in the future."]}),
        ({"note": "联系 13800138000"}, None),
        (
            {"evidence": b"MZ\x90\x00 not a photo"},
            {"evidence": ["Choose a JPEG or PNG photo or a PDF of at most 10 MB."]},
        ),
        (
            {"evidence": b"%PDF-" + b"0" * (10 * 1024 * 1024)},
            {"evidence": ["Choose a JPEG or PNG photo or a PDF of at most 10 MB."]},
        ),
        (
            {"evidence": b""},
            {"evidence": ["Choose a JPEG or PNG photo or a PDF of at most 10 MB."]},
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_and_writes_nothing(
    street_admin: User, options: dict, expected: dict | None
) -> None:
    station = Organization.objects.get(code=STATION)
    days = options.pop("days", 0)
    raw = options.pop("evidence", None)
    arguments = {"item": "rules", "met": True, "note": "", **options}
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.assess_item(
            station,
            actor=street_admin,
            assessed_on=timezone.localdate() - timedelta(days=days),
            evidence=None if raw is None else upload(raw, "x.pdf"),
            **arguments,
        )
    if expected is not None:
        assert refusal(refused.value) == expected
    else:
        assert list(refused.value.message_dict) == ["note"]
    assert not StandardAssessment.objects.exists()
    assert not AuditEntry.objects.filter(action="reports.standard.assessed").exists()


def test_a_pdf_is_kept_and_a_file_name_holding_an_id_number_is_not(street_admin: User) -> None:
    with translation.override("en"):
        row = services.assess_item(
            Organization.objects.get(code=STATION),
            actor=street_admin,
            item="ledgers",
            met=True,
            assessed_on=timezone.localdate(),
            evidence=upload(b"%PDF-1.4\n%%EOF\n", "台账-110105198506028123.pdf"),
        )
    assert (row.evidence_type, row.evidence_name) == ("application/pdf", "evidence.pdf")


def test_only_administrators_of_the_station_assess_it(viewer: User, outsider: User) -> None:
    station = Organization.objects.get(code=STATION)
    for user in (viewer, outsider):
        with pytest.raises(PermissionDenied):
            services.assess_item(
                station, actor=user, item="rules", met=True, assessed_on=timezone.localdate()
            )
    assert not StandardAssessment.objects.exists()


def test_a_citys_first_change_copies_the_plans_list(city_admin: User) -> None:
    city = Organization.objects.get(code=CITY)
    item = services.save_item(
        city, actor=city_admin, standard="station", name="有志愿者之家", short_name="之家"
    )
    codes = list(
        StandardItem.objects.filter(organization=city, standard="station").values_list(
            "code", flat=True
        )
    )
    assert codes == ["rules", "place", "team", "ledgers", "projects", "signage", "item7"]
    assert item.code == "item7" and item.position == 7
    station = Organization.objects.get(code=STATION)
    assert selectors.items_for(station, "station").codes[-1] == "item7"
    assert selectors.items_for(station, "team").owner is None  # the five haves are untouched
    services.move_item(city, actor=city_admin, standard="station", code="item7", offset=-1)
    assert selectors.items_for(station, "station").codes[-2:] == ["item7", "signage"]
    entries = AuditEntry.objects.filter(action__startswith="reports.standard_item.")
    assert [(e.action, e.data) for e in entries.order_by("pk")] == [
        (
            "reports.standard_item.added",
            {"standard": "station", "item": "item7", "item_name": "有志愿者之家"},
        ),
        (
            "reports.standard_item.moved",
            {"standard": "station", "item": "item7", "item_position": 6},
        ),
    ]


def test_a_list_keeps_at_least_one_item_and_only_a_city_sets_it(
    city_admin: User, district_admin: User
) -> None:
    city = Organization.objects.get(code=CITY)
    codes = [item.code for item in selectors.plan_items("team")]
    for code in codes[:-1]:
        services.set_item_in_use(city, actor=city_admin, standard="team", code=code, in_use=False)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.set_item_in_use(
            city, actor=city_admin, standard="team", code=codes[-1], in_use=False
        )
    assert refusal(refused.value) == {"code": ["A standard keeps at least one item."]}
    assert selectors.items_for(city, "team").codes == ["rules"]
    with pytest.raises(PermissionDenied):
        services.save_item(
            city, actor=district_admin, standard="team", name="有经费", short_name="经费"
        )
    district = Organization.objects.get(code="430602-GC")
    with pytest.raises(PermissionDenied):
        services.save_item(
            district, actor=district_admin, standard="team", name="有经费", short_name="经费"
        )


# --- pages -----------------------------------------------------------------------------------


def test_the_organisation_page_leads_to_the_checklist(street_admin: User, login: Login) -> None:
    client = login(street_admin)
    station = Organization.objects.get(code=STATION)
    page = client.get(f"/organizations/{station.pk}/").content.decode()
    assert f'href="/reports/standards/{station.pk}/" id="standard-checklist"' in page
    centre = Organization.objects.get(code="430602001-SC")
    assert "standard-checklist" not in client.get(f"/organizations/{centre.pk}/").content.decode()
    assert client.get(f"/reports/standards/{centre.pk}/").status_code == 404


def test_an_administrator_assesses_on_the_page_with_a_photo(
    street_admin: User, login_en: Login
) -> None:
    station = Organization.objects.get(code=STATION)
    client = login_en(street_admin)
    response = client.post(
        f"/reports/standards/{station.pk}/assess/",
        {
            "item": "place",
            "met": "1",
            "assessed_on": timezone.localdate().isoformat(),
            "note": "",
            "evidence": upload(png(), "活动室.png"),
        },
    )
    assert response.status_code == 302
    row = StandardAssessment.objects.get()
    page = client.get(f"/reports/standards/{station.pk}/").content.decode()
    assert "1 of 6 items met today." in page
    assert f'href="/reports/standards/evidence/{row.pk}/"' in page
    evidence = client.get(f"/reports/standards/evidence/{row.pk}/")
    assert evidence.status_code == 200
    assert b"".join(evidence.streaming_content) == png()


def test_a_bad_file_on_the_page_is_refused_with_its_message(
    street_admin: User, login_en: Login
) -> None:
    station = Organization.objects.get(code=STATION)
    with translation.override("en"):
        response = login_en(street_admin).post(
            f"/reports/standards/{station.pk}/assess/",
            {
                "item": "place",
                "met": "0",
                "assessed_on": timezone.localdate().isoformat(),
                "evidence": upload(b"<script>alert(1)</script>", "x.png"),
            },
        )
    assert response.status_code == 400
    assert "Choose a JPEG or PNG photo or a PDF of at most 10 MB." in response.content.decode()
    assert not StandardAssessment.objects.exists()


def test_another_streets_station_and_evidence_are_not_found(
    street_admin: User, outsider: User, viewer: User, login: Login
) -> None:
    station = Organization.objects.get(code=STATION)
    row = services.assess_item(
        station,
        actor=street_admin,
        item="rules",
        met=True,
        assessed_on=timezone.localdate(),
        note="制度上墙",
        evidence=upload(png()),
    )
    client = login(outsider)
    for path in (f"/reports/standards/{station.pk}/", f"/reports/standards/evidence/{row.pk}/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "制度上墙" not in response.content.decode("utf-8", "replace")
    denied = client.post(
        f"/reports/standards/{station.pk}/assess/",
        {"item": "rules", "met": "0", "assessed_on": timezone.localdate().isoformat()},
    )
    assert denied.status_code == 404
    other = Organization.objects.get(code=OTHER_STATION)
    assert client.get(f"/reports/standards/{other.pk}/").status_code == 200
    refused = login(viewer).post(
        f"/reports/standards/{station.pk}/assess/",
        {"item": "rules", "met": "0", "assessed_on": timezone.localdate().isoformat()},
    )
    assert refused.status_code == 403
    assert StandardAssessment.objects.count() == 1


def test_the_city_edits_its_lists_on_its_page(
    city_admin: User, district_admin: User, login_en: Login
) -> None:
    city = Organization.objects.get(code=CITY)
    client = login_en(city_admin)
    page = client.get(f"/reports/standards/lists/{city.pk}/").content.decode()
    assert "The plan's list" in page and "Visible signage" in page
    response = client.post(
        f"/reports/standards/lists/{city.pk}/save/",
        {
            "standard": "team",
            "code": "",
            "team-new-name": "有经费保障",
            "team-new-short_name": "经费",
        },
    )
    assert response.status_code == 302
    assert selectors.items_for(city, "team").codes[-1] == "item6"
    bad = client.post(
        f"/reports/standards/lists/{city.pk}/save/",
        {
            "standard": "team",
            "code": "rules",
            "team-rules-name": "",
            "team-rules-short_name": "制度",
        },
    )
    assert bad.status_code == 400
    assert (
        StandardItem.objects.get(organization=city, code="rules", standard="team").name == "有制度"
    )
    assert login_en(district_admin).get(f"/reports/standards/lists/{city.pk}/").status_code == 404


# --- the API ---------------------------------------------------------------------------------


def token_client(user: User) -> Client:
    _, token = AuthToken.objects.create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")


def test_the_api_reads_and_records_a_teams_checklist(
    street_admin: User, outsider: User, viewer: User
) -> None:
    team = Organization.objects.get(code=TEAM)
    client = token_client(street_admin)
    url = f"/api/v1/standards/{team.pk}/"
    created = client.post(
        f"{url}assessments/",
        {
            "item": "people",
            "met": True,
            "assessed_on": timezone.localdate().isoformat(),
            "note": "12 人",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json() | {"id": 0} == {
        "id": 0,
        "item": "people",
        "met": True,
        "assessed_on": timezone.localdate().isoformat(),
        "assessed_by": street_admin.name,
        "note": "12 人",
        "evidence": None,
    }
    body = client.get(url).json()
    assert (body["standard"], body["met"], body["all_met"]) == ("team", 1, False)
    assert [(i["code"], i["met"]) for i in body["items"]] == [
        ("organisation", None),
        ("people", True),
        ("place", None),
        ("activities", None),
        ("rules", None),
    ]
    assert token_client(outsider).get(url).status_code == 404
    assert (
        token_client(viewer)
        .post(
            f"{url}assessments/",
            {"item": "people", "met": False, "assessed_on": timezone.localdate().isoformat()},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    future = client.post(
        f"{url}assessments/",
        {
            "item": "people",
            "met": False,
            "assessed_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert future.status_code == 400
    assert future.json() == {"assessed_on": ["An assessment cannot be dated in the future."]}
    assert StandardAssessment.objects.count() == 1
