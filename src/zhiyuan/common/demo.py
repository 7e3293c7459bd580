"""The demo city: 岳阳市 from the shipped 2023 division codes, its standard structure, one
management area and demo users at every level (README, "Demo log-ins").

The demo passwords are for the demo only; never load the demo into a production database.
"""

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from zhiyuan.accounts.enums import RoleKind
from zhiyuan.accounts.models import Role, User
from zhiyuan.divisions.importer import import_divisions
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.structure import build_structure, create_management_area

DIVISIONS_FILE = (
    Path(__file__).resolve().parent.parent / "divisions" / "data" / "yueyang-430600-2023.csv"
)
CITY = "430600000000"
DEMO_PASSWORD = "zhiyuan-demo-2026"  # noqa: S105 - documented demo-only password
ETDZ_TOWNSHIPS = ["430602402000", "430602406000", "430602407000"]


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    org_code: str
    role: str
    mobile: str = ""
    staff: bool = False


DEMO_USERS = [
    DemoUser("platform", "平台管理员", "", "", staff=True),
    DemoUser("city_admin", "周文明", "4306-GC", RoleKind.ADMINISTRATOR, "13900000001"),
    DemoUser("city_checker", "吴核查", "4306-GC", RoleKind.CHECKER),
    DemoUser("district_admin", "李区管", "430602-GC", RoleKind.ADMINISTRATOR, "13900000002"),
    DemoUser("etdz_admin", "赵开发", "YYETDZ-GC", RoleKind.ADMINISTRATOR),
    DemoUser("street_admin", "王街道", "430602001-SC", RoleKind.ADMINISTRATOR, "13900000003"),
    DemoUser("street_registrar", "陈登记", "430602001-SC", RoleKind.REGISTRAR, "13900000004"),
    DemoUser("other_street_admin", "孙三眼", "430602002-SC", RoleKind.ADMINISTRATOR),
    DemoUser("community_admin", "刘社区", "430602001001-ST", RoleKind.ADMINISTRATOR, "13900000005"),
    DemoUser("team_leader", "刘队长", "430602001001-TM", RoleKind.TEAM_LEADER, "13900000005"),
]


def database_is_empty() -> bool:
    return not Division.objects.exists() and not User.objects.exists()


def load_demo() -> list[DemoUser]:
    """Load the demo city and users; idempotent. Returns the demo users."""
    import_divisions(DIVISIONS_FILE, source="china-division 2.7.0 (stats 2023)", year=2023)
    city = Division.objects.get(code=CITY)
    build_structure(city, actor=None)
    create_management_area(
        "岳阳经济技术开发区",
        code="YYETDZ",
        parent_division=city,
        townships=list(Division.objects.filter(code__in=ETDZ_TOWNSHIPS)),
        actor=None,
    )
    with transaction.atomic():
        for demo in DEMO_USERS:
            _ensure_user(demo)
    return DEMO_USERS


def _ensure_user(demo: DemoUser) -> None:
    user = User.objects.filter(username=demo.username).first()
    if user is None:
        user = User(username=demo.username, name=demo.name, mobile=demo.mobile)
        user.is_staff = user.is_superuser = demo.staff
        user.set_password(DEMO_PASSWORD)
        user.save()
    if demo.org_code:
        org = Organization.objects.get(code=demo.org_code)
        Role.objects.get_or_create(user=user, organization=org, kind=demo.role)
