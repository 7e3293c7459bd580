"""The standards a station and a team are built to (plan §三(一)): which organisations carry
which standard, and the plan's items, which a city may replace with its own list (other cities
use "eight haves" or "ten ones")."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiyuan.organizations.enums import OrgKind


class Standard(models.TextChoices):
    """六个有 for service stations, 五有 for service teams."""

    STATION = "station", _("Six haves of a service station")
    TEAM = "team", _("Five haves of a service team")


#: The standard each kind of organisation is built to.
STANDARD_OF_KIND = {
    OrgKind.SERVICE_STATION: Standard.STATION,
    OrgKind.SERVICE_TEAM: Standard.TEAM,
    OrgKind.GENERAL_SERVICE_TEAM: Standard.TEAM,
}


def standard_of(kind: str) -> str:
    """The Standard value an organisation of `kind` is built to, "" for none."""
    found = STANDARD_OF_KIND.get(OrgKind(kind)) if kind in OrgKind.values else None
    return found.value if found else ""


@dataclass(frozen=True)
class PlanItem:
    """An item as the plan words it: its code (what assessments name), its name and the short
    name a table's column is headed with, in Chinese as the plan writes them and in English."""

    code: str
    name: str
    short_name: str
    name_en: str
    short_name_en: str


#: The plan's items (plan §三(一)), in its order: the list of every city that has not set its own.
PLAN_ITEMS: dict[str, tuple[PlanItem, ...]] = {
    Standard.STATION: (
        PlanItem(
            "rules",
            "有一套志愿者管理制度",
            "管理制度",
            "A set of volunteer-management rules",
            "Rules",
        ),
        PlanItem(
            "place",
            "有一个志愿活动专用场所",
            "专用场所",
            "A place dedicated to volunteer activities",
            "Place",
        ),
        PlanItem("team", "有一支志愿者队伍", "志愿者队伍", "A team of volunteers", "Team"),
        PlanItem(
            "ledgers",
            "有注册志愿者、志愿服务活动和服务对象的台账",
            "台账",
            "Ledgers of registered volunteers, activities and service recipients",
            "Ledgers",
        ),
        PlanItem(
            "projects",
            "有相对固定的服务项目",
            "服务项目",
            "Relatively fixed service projects",
            "Projects",
        ),
        PlanItem("signage", "有明显标识", "明显标识", "Visible signage", "Signage"),
    ),
    Standard.TEAM: (
        PlanItem("organisation", "有组织", "组织", "An organisation", "Organisation"),
        PlanItem("people", "有人员", "人员", "People", "People"),
        PlanItem(
            "place",
            "有服务场所（对象）",
            "服务场所（对象）",
            "A service place (or recipients)",
            "Place or recipients",
        ),
        PlanItem("activities", "有活动", "活动", "Activities", "Activities"),
        PlanItem("rules", "有制度", "制度", "Rules", "Rules"),
    ),
}
