"""The ledger's xlsx export: exact columns, masking by default, full values only with a role
and a reason, one audit entry per export, no formula injection; and its download view."""

from datetime import date, datetime
from io import BytesIO
from urllib.parse import quote

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from tests.factories import UserFactory
from tests.volunteers.people import OTHER_STREET, STATION, synthetic_mobile
from zhiyuan.accounts.models import Role
from zhiyuan.common.masking import mask_document, mask_phone
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.volunteers import selectors
from zhiyuan.volunteers.exports import ledger_xlsx, text_cell
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db
EXPORTED = "volunteer.ledger.exported"
HEADER = [
    "Registration number",
    "Name",
    "Gender",
    "Date of birth",
    "ID document type",
    "ID number",
    "Mobile",
    "Political status",
    "Education",
    "Work unit or school (name)",
    "Registration body",
    "Registered through",
    "Status",
    "Registration date",
    "Skills",
    "Service intentions",
]


def read(content: bytes) -> list[list[object]]:
    """The cells' values; date cells as dates (openpyxl reads them as naive datetimes)."""
    sheet = openpyxl.load_workbook(BytesIO(content)).active
    return [
        [cell.value.date() if isinstance(cell.value, datetime) else cell.value for cell in row]
        for row in sheet.iter_rows()
    ]


def export(user, queryset=None, **options) -> list[list[object]]:
    with translation.override("en"):
        queryset = selectors.ledger(user) if queryset is None else queryset
        return read(ledger_xlsx(user, queryset, **options))


def exports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=EXPORTED).order_by("pk"))


def masked_rows(active: Volunteer, applied: Volunteer, *, work_unit: str) -> list[list[object]]:
    """The masked ledger's rows (in English, newest first) of `mine`: the application through
    the station, then the registered volunteer, whose work unit is `work_unit` as exported."""
    year = timezone.localdate().year
    return [
        [
            None,
            "䶮·阿卜杜",
            "Male",
            date(1985, 11, 30),
            "Resident identity card",
            mask_document(applied.document_number),
            mask_phone(applied.mobile),
            "The public",
            "Undergraduate",
            None,
            "岳阳楼街道志愿服务中心",
            "郭亮社区志愿服务站",
            "Applied, awaiting confirmation",
            None,
            "First aid",
            "Community service",
        ],
        [
            f"4306003{year % 100:02d}000001",
            "王芳",
            "Female",
            date(1990, 3, 15),
            "Resident identity card",
            mask_document(active.document_number),
            mask_phone(active.mobile),
            "League member",
            "Undergraduate",
            work_unit,
            "岳阳楼街道志愿服务中心",
            "岳阳楼街道志愿服务中心",
            "Active",
            timezone.localdate(),
            "First aid、Teaching and tutoring",
            "Culture、Community service",
        ],
    ]


@pytest.fixture
def mine(registrar, apply, registered):
    """A registered volunteer of 岳阳楼街道 and an application through its station."""
    active = registered(
        registrar,
        name="王芳",
        birth="19900315",
        male=False,
        mobile=synthetic_mobile(),
        work_unit_name="岳阳市第一中学",
        political_status="league_member",
        skills=["first_aid", "teaching"],
        service_intentions=["community_service", "culture"],
    )
    applied = apply(registrar, through=STATION, name="䶮·阿卜杜", birth="19851130")
    return active, applied


@pytest.fixture
def theirs(outsider, registered):
    """A registered volunteer of another street (三眼桥街道), which must not leak."""
    return registered(outsider, OTHER_STREET, name="赵外街")


def test_a_masked_export_has_the_ledger_columns_and_masked_numbers(registrar, mine, theirs) -> None:
    active, applied = mine
    rows = export(registrar)
    assert rows[0] == HEADER
    assert rows[1:] == masked_rows(active, applied, work_unit="岳阳市第一中学")
    [entry] = exports()
    assert (entry.actor, entry.data) == (registrar, {"count": 2})
    assert entry.organization.code == "430602001-SC"
    assert entry.object_type == "accounts.user"


def test_id_and_phone_cells_are_text(registrar, mine) -> None:
    with translation.override("en"):
        content = ledger_xlsx(registrar, selectors.ledger(registrar), full=True, reason="保险")
    sheet = openpyxl.load_workbook(BytesIO(content)).active
    for cell in ("F2", "G2", "F3", "G3", "A3"):
        assert sheet[cell].data_type == "s", cell
        assert sheet[cell].number_format == "@", cell
    assert sheet["D2"].number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize(
    "start", ['=HYPERLINK("http://example.com/x","点我")', "+1+1", "-2+3", "@SUM(A1)"]
)
def test_a_value_that_looks_like_a_formula_is_written_as_inert_text(
    registrar, start: str, registered
) -> None:
    registered(registrar, work_unit_name=start)
    with translation.override("en"):
        content = ledger_xlsx(registrar, selectors.ledger(registrar))
    sheet = openpyxl.load_workbook(BytesIO(content)).active
    assert sheet["J2"].value == "'" + start
    assert sheet["J2"].data_type == "s"
    assert b"<f>" not in content  # no formula anywhere in the workbook


def test_text_cells_neutralise_every_formula_start() -> None:
    assert [text_cell(v) for v in ("=1", "+1", "-1", "@a", "\t=1", "\r=1")] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "'\t=1",
        "'\r=1",
    ]
    assert [text_cell(v) for v in ("岳阳", "1=1", "", None, 42)] == ["岳阳", "1=1", "", "", "42"]


def test_a_full_export_shows_the_numbers_and_logs_the_reason(registrar, mine) -> None:
    active, applied = mine
    rows = export(registrar, full=True, reason="  活动 保险\n投保 ")
    assert [row[5:7] for row in rows[1:]] == [
        [applied.document_number, applied.mobile],
        [active.document_number, active.mobile],
    ]
    [entry] = exports()
    assert entry.data == {
        "count": 2,
        "fields": ["document_number", "mobile"],
        "reason": "活动 保险 投保",
    }
    assert active.document_number not in str(entry.data)
    assert active.mobile not in str(entry.data)


def test_a_full_export_without_a_reason_is_refused_and_writes_nothing(registrar, mine) -> None:
    with pytest.raises(ValidationError) as error:
        export(registrar, full=True, reason=" ")
    assert list(error.value.message_dict) == ["reason"]
    assert exports() == []


def test_a_viewer_cannot_export_full_values(viewer, mine) -> None:
    with pytest.raises(PermissionDenied):
        export(viewer, full=True, reason="保险")
    assert exports() == []


def test_a_checker_sees_full_phones_but_masked_ids(checker, mine) -> None:
    active, _applied = mine
    rows = export(checker, full=True, reason="抽查")
    assert rows[2][5:7] == [mask_document(active.document_number), active.mobile]
    assert exports()[0].data == {"count": 2, "fields": ["mobile"], "reason": "抽查"}


def test_full_values_only_where_a_role_allows_them(mine, theirs, registrar) -> None:
    """A registrar of one street who only views another sees full numbers in their own
    street's rows only."""
    active, _applied = mine
    user = UserFactory()
    Role.objects.create(user=user, organization=active.organization, kind=RoleKind.REGISTRAR)
    Role.objects.create(user=user, organization=theirs.organization, kind=RoleKind.VIEWER)
    rows = {row[1]: row[5:7] for row in export(user, full=True, reason="核对")[1:]}
    assert rows["王芳"] == [active.document_number, active.mobile]
    assert rows["赵外街"] == [mask_document(theirs.document_number), mask_phone(theirs.mobile)]


def test_the_export_takes_a_constant_number_of_queries(
    registrar, mine, django_assert_max_num_queries, registered
) -> None:
    for _ in range(5):
        registered(registrar)
    queryset = selectors.ledger(registrar)
    # roles (scope), the rows, the home organisation, the audit entry
    with django_assert_max_num_queries(5):
        ledger_xlsx(registrar, queryset)


# --- the download view --------------------------------------------------------------------


URL = "/volunteers/bodies/export/ledger/"


@pytest.fixture
def english(login):
    def make(user):
        client = login(user)
        client.cookies["django_language"] = "en"
        return client

    return make


def test_the_view_downloads_the_filtered_ledger(english, registrar, mine) -> None:
    response = english(registrar).get(URL, {"status": "active"})
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"Volunteer ledger-{timezone.localdate():%Y%m%d}.xlsx"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert "no-store" in response["Cache-Control"]
    assert [row[1] for row in read(response.content)[1:]] == ["王芳"]
    assert exports()[0].data == {"count": 1}


def test_the_chinese_file_name_is_encoded_for_every_browser(login, registrar) -> None:
    with translation.override("zh-hans"):
        title = translation.gettext("Volunteer ledger")
    assert title == "志愿者台账"
    response = login(registrar).get(URL)
    name = f"{title}-{timezone.localdate():%Y%m%d}.xlsx"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"


def test_the_view_filters_by_name_and_organisation(english, registrar, mine) -> None:
    client = english(registrar)
    by_name = read(client.get(URL, {"q": "王"}).content)
    by_org = read(client.get(URL, {"org": "430602001001-ST"}).content)
    assert [row[1] for row in by_name[1:]] == ["王芳"]
    assert [row[1] for row in by_org[1:]] == ["䶮·阿卜杜"]


def test_another_street_exports_none_of_my_volunteers(english, outsider, mine, theirs) -> None:
    rows = read(english(outsider).get(URL).content)
    assert [row[1] for row in rows[1:]] == ["赵外街"]
    # an organisation outside the scope is one the outsider cannot see: nothing matches it
    # (rather than an export of everything that looks filtered)
    rows = read(english(outsider).get(URL, {"org": "430602001-SC"}).content)
    assert [row[1] for row in rows[1:]] == []


def test_a_viewer_downloads_masked_values(english, viewer, mine) -> None:
    active, _applied = mine
    rows = read(english(viewer).get(URL, {"status": "active"}).content)
    assert rows[1][5:7] == [mask_document(active.document_number), mask_phone(active.mobile)]


def test_without_a_role_there_is_nothing_to_export(english, nobody, client) -> None:
    assert english(nobody).get(URL).status_code == 403
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert exports() == []


def test_a_viewer_may_not_ask_for_full_values(english, viewer, mine) -> None:
    client = english(viewer)
    assert client.get(URL, {"full": "1"}).status_code == 403
    assert client.post(URL, {"reason": "保险"}).status_code == 403
    assert exports() == []


def test_a_full_export_asks_for_a_reason_then_downloads(english, registrar, mine) -> None:
    active, _applied = mine
    client = english(registrar)
    page = client.get(URL, {"full": "1", "status": "active"})
    assert page.status_code == 200
    assert "Why do you need the full values?" in page.content.decode()
    assert exports() == []
    refused = client.post(f"{URL}?status=active", {"reason": ""})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    response = client.post(f"{URL}?status=active", {"reason": "活动保险"})
    assert response.status_code == 200
    assert read(response.content)[1][5:7] == [active.document_number, active.mobile]
    [entry] = exports()
    assert entry.data == {"count": 1, "fields": ["document_number", "mobile"], "reason": "活动保险"}


def test_only_roles_that_may_see_full_numbers_are_offered_the_full_export(
    registrar, street_admin, checker, viewer, team_leader, nobody
) -> None:
    from zhiyuan.volunteers.exports import may_reveal_any

    assert [may_reveal_any(u) for u in (registrar, street_admin, checker)] == [True, True, True]
    assert [may_reveal_any(u) for u in (viewer, team_leader, nobody)] == [False, False, False]
