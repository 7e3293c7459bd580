"""The demo city: 岳阳市 from the shipped 2023 division codes, its standard structure, one
management area and demo users at every level (README, "Demo log-ins"), a synthetic population
of 岳阳楼区 (`demo.population`) and the past year of its activities and service hours
(`demo.year`).

The demo passwords are for the demo only; never load the demo into a production database.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from zhiyuan.accounts.models import Role, User
from zhiyuan.common.identity import resident_id_check_character
from zhiyuan.demo.clock import replaying
from zhiyuan.demo.models import DatabaseKind, DatabaseMark, GeneratedPopulation
from zhiyuan.demo.population import generate_population, mark_database
from zhiyuan.demo.year import load_demo_year, summary
from zhiyuan.divisions.importer import import_divisions
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.structure import build_structure, create_management_area
from zhiyuan.volunteers import permissions, services
from zhiyuan.volunteers.enums import AgeBasis, ConfirmationMethod, RegistrationChannel
from zhiyuan.volunteers.models import Delegation, RegistrationBody, Volunteer

DIVISIONS_FILE = (
    Path(__file__).resolve().parent.parent / "divisions" / "data" / "yueyang-430600-2023.csv"
)
CITY = "430600000000"
DEMO_PASSWORD = "zhiyuan-demo-2026"  # noqa: S105 - documented demo-only password
ETDZ_TOWNSHIPS = ["430602402000", "430602406000", "430602407000"]
# The demo's synthetic population (`demo.population`): 岳阳楼区, where the demo users work, with
# enough people for every table and chart to show real shapes and a start-up that stays quick.
POPULATION_DIVISION = "430602000000"
POPULATION = 4_000
POPULATION_SEED = 2026


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


def demo_interrupted() -> bool:
    """Whether this database holds a demo whose load did not finish (stopped by a Ctrl-C, say):
    marked a demo's, without its completion time. Each step of `load_demo` is idempotent or
    all-or-nothing, so loading it again finishes it."""
    return DatabaseMark.objects.filter(kind=DatabaseKind.DEMO, completed_at=None).exists()


def load_demo(say: Callable[[str], None] = lambda line: None) -> list[DemoUser]:
    """Load the demo city and users; idempotent. `say(line)` is told each step as it starts
    and what it made (`zhiyuan load_demo` prints them). Marks the database as a demo's, so that
    `zhiyuan generate_population` may add synthetic people to it. Returns the demo users."""
    mark_database(DatabaseKind.DEMO, note="zhiyuan load_demo")
    say("Importing the divisions of 岳阳市 (2023 statistical codes)…")
    import_divisions(DIVISIONS_FILE, source="china-division 2.7.0 (stats 2023)", year=2023)
    levels = dict(Division.objects.values_list("level").annotate(n=Count("pk")))
    say(
        f"  {sum(levels.values()):,} divisions: {levels.get(2, 0):,} city, "
        f"{levels.get(3, 0):,} county-level, {levels.get(4, 0):,} township-level, "
        f"{levels.get(5, 0):,} village-level"
    )
    city = Division.objects.get(code=CITY)
    say("Building the standard structure (committees, associations, centres, stations, teams)…")
    build_structure(city, actor=None)
    say(f"  {Organization.objects.count():,} organisations")
    say("Adding the management area 岳阳经济技术开发区…")
    create_management_area(
        "岳阳经济技术开发区",
        code="YYETDZ",
        parent_division=city,
        townships=list(Division.objects.filter(code__in=ETDZ_TOWNSHIPS)),
        actor=None,
    )
    say(f"  {Organization.objects.count():,} organisations with the management area")
    with transaction.atomic():
        for demo in DEMO_USERS:
            _ensure_user(demo)
    say(f"  {len(DEMO_USERS)} demo users")
    say("Designating the registration bodies and filling the demo ledger…")
    load_demo_volunteers()
    say(
        f"  {RegistrationBody.objects.count():,} registration bodies, "
        f"{Volunteer.objects.count():,} synthetic people in the ledger"
    )
    if not GeneratedPopulation.objects.exists():
        division = Division.objects.get(code=POPULATION_DIVISION)
        say(f"Generating a synthetic population for {division.name} (work units, targets, people)…")
        generate_population(division, volunteers=POPULATION, seed=POPULATION_SEED, say=say)
    say(f"  {Organization.objects.count():,} organisations in all")
    say("Living through a year of activities and service hours in 岳阳楼区…")
    if load_demo_year():
        made = summary()
        say(
            f"  {sum(made.activities.values())} activities "
            f"({made.activities.get('published', 0)} open for sign-up), "
            f"{sum(made.signups.values()):,} sign-ups, "
            f"{sum(made.records.values()):,} service records "
            f"({made.records.get('confirmed', 0):,} confirmed, "
            f"{made.records.get('pending', 0)} awaiting the leaders), "
            f"{made.counted_minutes // 60:,} hours counted for {made.volunteers} volunteers"
        )
    DatabaseMark.objects.filter(kind=DatabaseKind.DEMO).update(completed_at=timezone.now())
    return DEMO_USERS


# Synthetic people for the demo ledger: names made up, ID numbers built with valid check
# characters from made-up sequence numbers, mobiles from the 199 0000 range. Applications send
# no confirmation request; confirmations print their notice through the console SMS backend
# (never load the demo where a real SMS provider is configured). 陈小满 uses
# DEMO_VOLUNTEER_MOBILE so that "my registration" (/me/) can be tried with printed codes.
# The people who serve in the demo's year (`demo.year`) registered over a year before the load
# (REGISTERED_DAYS_AGO, two days apart), so that their hours follow their registration; those
# awaiting confirmation, confirmed in person and the minor registered on the day of the load.
REGISTERED_DAYS_AGO = 430
DEMO_VOLUNTEER_MOBILE = "13900000010"
_DEMO_PEOPLE = [
    # name, birth date, male, registered through, state
    ("陈小满", "19850214", False, "430602001-SC", "active"),
    ("李建国", "19580701", True, "430602001-SC", "active"),
    ("王芳", "19920309", False, "430602001-SC", "active"),
    ("张伟", "19880512", True, "430602001-SC", "active"),
    ("刘洋", "19990827", True, "430602001001-ST", "active"),
    ("杨静", "19761103", False, "430602001001-ST", "active"),
    ("赵磊", "20010115", True, "430602001001-ST", "active"),
    ("黄丽", "19670420", False, "430602001-SC", "in_person"),
    ("周杰", "19950618", True, "430602001-SC", "applied"),
    ("吴敏", "19830922", False, "430602001001-ST", "applied"),
    ("徐强", "19721230", True, "430602001-SC", "suspended"),
    ("孙燕", "19900101", False, "430602001-SC", "cancelled"),
    ("马丽娜", "19970707", False, "430602002-SC", "active"),
    ("阿依古丽·买买提", "19940416", False, "430602002-SC", "active"),
    ("朱明", "19600229", True, "430602002-SC", "active"),
    ("胡军", "19810808", True, "430602002-SC", "applied"),
    ("郭亮", "19780310", True, "430603001-SC", "active"),
    ("何琳", "20110905", False, "430602001-SC", "minor"),
]


def _demo_id(birth: str, male: bool, serial: int) -> str:
    first17 = f"430602{birth}{serial * 2 + (1 if male else 0):03d}"
    return first17 + resident_id_check_character(first17)


def load_demo_volunteers() -> int:
    """Designate the demo city's registration bodies (codes 4306001…), let 郭亮社区's station
    register for 岳阳楼街道's centre, and fill the ledger with synthetic people in every state.
    Idempotent: does nothing once demo volunteers exist. Returns the people added."""
    root = Organization.objects.get(code="4306-GC")
    services.designate_standard_bodies(root, prefix="4306", actor=None)
    street = RegistrationBody.objects.get(organization__code="430602001-SC")
    station = Organization.objects.get(code="430602001001-ST")
    if not Delegation.objects.filter(body=street, organization=station).exists():
        services.grant_delegation(street, station, actor=None, note="演示：社区代为登记")
    if Volunteer.objects.exists():
        return 0
    registrar = User.objects.get(username="street_registrar")
    now = timezone.now()
    for serial, (name, birth, male, through, state) in enumerate(_DEMO_PEOPLE, start=100):
        organization = Organization.objects.get(code=through)
        body = getattr(organization, "registration_body", None) or street
        back_then: AbstractContextManager[Any] = nullcontext()
        if state in ("active", "suspended", "cancelled"):
            days = REGISTERED_DAYS_AGO - 2 * (serial - 100)
            back_then = replaying(now - timedelta(days=days))
        data = {
            "name": name,
            "document_type": "resident_id",
            "document_number": _demo_id(birth, male, serial),
            "mobile": DEMO_VOLUNTEER_MOBILE if serial == 100 else f"1990000{serial:04d}",
            "political_status": ["public", "party_member", "league_member"][serial % 3],
            "education": ["undergraduate", "senior_secondary", "college"][serial % 3],
            "ethnicity": "05" if "·" in name else "01",
            "skills": [["first_aid"], ["teaching", "legal"], ["photography"], []][serial % 4],
            "service_intentions": [["community_service"], ["civility", "empty_nest_elderly"]][
                serial % 2
            ],
            "available_times": ["weekend"],
        }
        if state == "minor":
            data.update(
                age_basis=AgeBasis.GUARDIAN_CONSENT,
                guardian_name="何建华",
                guardian_relation="父亲",
                guardian_mobile="19900009999",
            )
        by_registrar = permissions.may_register_through(registrar, body, organization)
        with back_then:
            volunteer = services.register_volunteer(
                data,
                body=body,
                organization=organization,
                actor=registrar if by_registrar else None,
                channel=RegistrationChannel.REGISTRAR if by_registrar else RegistrationChannel.SELF,
                consent=True,
                send_confirmation=False,
            ).volunteer
            if state not in ("applied", "in_person"):
                volunteer = services.confirm_registration(
                    volunteer.pk, method=ConfirmationMethod.SMS_CODE, actor=None
                )
        if state == "in_person":
            services.confirm_in_person(volunteer, actor=registrar, reason="本人到服务中心签字确认")
        elif state == "suspended":
            services.suspend_registration(volunteer, actor=registrar, reason="连续一年未参加活动")
        elif state == "cancelled":
            services.cancel_registration(
                volunteer, actor=registrar, kind="volunteer_request", reason="本人申请注销"
            )
    return len(_DEMO_PEOPLE)


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
