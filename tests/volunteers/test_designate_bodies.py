"""`zhiyuan designate_bodies`: the plan's standard registration bodies from the command line."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.factories import RegistrationBodyFactory
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.enums import OrgKind, OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import RegistrationBody

pytestmark = pytest.mark.django_db


def new_centre(org, code: str, name: str) -> Organization:
    centre = Organization(code=code, name=name, kind=OrgKind.SERVICE_CENTRE, level=OrgLevel.STREET)
    return Organization.objects.add_child(org("430602-GC"), instance=centre)


def run(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("designate_bodies", *args, stdout=out)
    return out.getvalue()


def test_new_centres_get_the_next_free_codes_in_tree_order(org) -> None:
    first = new_centre(org, "430602003-SC", "奇家岭街道志愿服务中心")
    second = new_centre(org, "430602004-SC", "枫桥湖街道志愿服务中心")
    output = run("--under", "430602-GC", "--prefix", "4306")
    assert output == "岳阳楼区发展志愿服务事业指导委员会: 2 registration bodies designated.\n"
    codes = dict(
        RegistrationBody.objects.filter(organization__in=[first, second]).values_list(
            "organization__code", "code"
        )
    )
    # 4306001…4306008 are the world's bodies; serials continue after them
    assert codes == {"430602003-SC": "4306009", "430602004-SC": "4306010"}
    entry = AuditEntry.objects.filter(action="registration_body.designated").latest("pk")
    assert (entry.actor, entry.data) == (None, {"code": "4306010"})


def test_running_again_designates_nothing(org) -> None:
    before = RegistrationBody.objects.count()
    assert run("--under", "4306-GC", "--prefix", "4306") == (
        "岳阳市发展志愿服务事业指导委员会: 0 registration bodies designated.\n"
    )
    assert RegistrationBody.objects.count() == before


def test_an_unknown_organisation_is_refused() -> None:
    with pytest.raises(CommandError, match=r"No active organisation with code 9999-GC\."):
        run("--under", "9999-GC", "--prefix", "4306")


@pytest.mark.parametrize("prefix", ["43-06", "4306001002", ""])
def test_a_malformed_prefix_is_refused(prefix: str) -> None:
    with pytest.raises(CommandError, match="--prefix takes 1 to 9 capital letters or digits"):
        run("--under", "4306-GC", "--prefix", prefix)


def test_a_clash_on_the_second_code_designates_none_at_all(org) -> None:
    new_centre(org, "430602003-SC", "奇家岭街道志愿服务中心")
    new_centre(org, "430602004-SC", "枫桥湖街道志愿服务中心")
    # a team's code that 4306X002, the second centre's code, would start
    RegistrationBodyFactory(organization=org("430602001-TM"), code="4306X0020")
    before = RegistrationBody.objects.count()
    with pytest.raises(CommandError, match="Code 4306X0020 is taken or starts the same way"):
        run("--under", "430602-GC", "--prefix", "4306X")
    assert RegistrationBody.objects.count() == before
