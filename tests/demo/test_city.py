import pytest
from django.core.management import call_command
from django.db.models import Count

from zhiyuan.accounts.models import Role, User
from zhiyuan.demo.city import DEMO_PASSWORD, POPULATION
from zhiyuan.demo.models import DatabaseMark
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import RegistrationBody, Volunteer
from zhiyuan.volunteers.selectors import registered_volunteers


@pytest.mark.slow  # the real city's 2,049 divisions and their organisations: seconds
def test_demo_city_is_the_real_yueyang(
    empty_db_tx: None, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("load_demo", if_empty=True)
    assert [Division.objects.filter(level=n).count() for n in (2, 3, 4, 5)] == [1, 10, 138, 1899]
    assert Organization.objects.filter(kind="service_station").count() == 1899
    area = Organization.objects.get(code="YYETDZ-GC")
    assert area.is_management_area
    assert sorted(area.jurisdiction.values_list("code", flat=True)) == [
        "430602402000",
        "430602406000",
        "430602407000",
    ]
    street_admin = User.objects.get(username="street_admin")
    assert street_admin.check_password(DEMO_PASSWORD)
    assert Role.objects.get(user=street_admin).organization.name == "岳阳楼街道志愿服务中心"
    out = capsys.readouterr().out
    assert "street_admin" in out and DEMO_PASSWORD in out
    call_command("load_demo", if_empty=True)
    assert "the demo was not loaded again" in capsys.readouterr().out
    # The standard structure, the management area's three, the population's nine work units.
    assert Organization.objects.count() == 4107 + 3 + 9
    # Bodies, a delegation and a ledger in every state; only confirmed people count.
    assert RegistrationBody.objects.get(organization__code="430602001-SC").code.startswith("4306")
    by_hand = Volunteer.objects.exclude(channel="synthetic")
    statuses = dict(by_hand.values_list("status").annotate(n=Count("pk")))
    assert statuses == {"active": 13, "applied": 3, "suspended": 1, "cancelled": 1}
    assert registered_volunteers(by_hand).count() == 13
    numbers = list(
        by_hand.exclude(registration_number=None).values_list("registration_number", flat=True)
    )
    assert len(set(numbers)) == len(numbers) == 15
    # The demo's synthetic population of 岳阳楼区 (demo.population), in a database marked as a demo.
    assert list(DatabaseMark.objects.values_list("kind", flat=True)) == ["demo"]
    synthetic = Volunteer.objects.filter(channel="synthetic")
    assert registered_volunteers(synthetic).count() == POPULATION == 4_000
    assert synthetic.filter(status="applied").count() == 200
    assert set(synthetic.values_list("home_division__code", flat=True).distinct()) <= set(
        Division.objects.filter(code__startswith="430602", level=5).values_list("code", flat=True)
    )
