"""The work plan's vocabulary (plan §四 工作步骤): the levels a step applies to, what a step links
to, the states of a report and of a board's cell, and the plan's own steps."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class StepLevel(models.TextChoices):
    """Who reports a step: the districts (their guidance committees, management areas
    included), the streets and townships (their service centres), the communities and villages
    (their service stations) and the units (work units at any level)."""

    DISTRICT = "district", _("Districts")
    STREET = "street", _("Streets and townships")
    COMMUNITY = "community", _("Communities and villages")
    UNIT = "unit", _("Units")


def level_labels(levels: Iterable[str]) -> str:
    """The levels' labels in the reader's language, joined as that language lists things:
    "街道（乡镇）、社区（村）" or "Streets and townships, Communities and villages"."""
    separator = "、" if (get_language() or "zh").startswith("zh") else ", "
    return separator.join(str(StepLevel(level).label) for level in levels)


class StepLink(models.TextChoices):
    """What a report of the step links to: the six-haves checklists of the stations it claims
    built to standard (plan §四(二)), or a reporting round's submissions of Attachments 5–7
    (plan §四(四))."""

    NONE = "", _("Nothing")
    STATIONS = "stations", _("Stations built to the six haves")
    ROUND = "round", _("Attachments 5–7 handed in through a reporting round")


class ReportStatus(models.TextChoices):
    REPORTED = "reported", _("Awaiting review")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class CellState(models.TextChoices):
    """Where an organisation stands on a step on a day, one state each, in this order of
    precedence: done (an accepted report, whenever); late (the due date passed without an
    accepted report, whatever is pending or was returned); returned (the last report was
    returned, not yet due); pending (reported, awaiting the superior, not yet due); missing
    (nothing reported, not yet due)."""

    DONE = "done", _("Done")
    LATE = "late", _("Late")
    RETURNED = "returned", _("Returned")
    PENDING = "pending", _("Awaiting review")
    MISSING = "missing", _("Not reported")


@dataclass(frozen=True)
class PlanStep:
    """A step as the plan words it: its code, name (Chinese, English), what it asks for, the
    day of the campaign's year it is due on (month, day), the levels it applies to and what
    its reports link to."""

    code: str
    name: str
    name_en: str
    description: str
    due: tuple[int, int]
    levels: tuple[str, ...]
    link: str = StepLink.NONE


ALL_LEVELS = tuple(StepLevel.values)
AREAS_AND_UNITS = (StepLevel.DISTRICT.value, StepLevel.STREET.value, StepLevel.UNIT.value)

#: The plan's steps (plan §四), in its order. The plan dates two: mid-May (5月中旬前: the 15th)
#: and 15 June (6月15日前). Stations and recruitment are due with the tables that count them
#: (Attachments 5 and 6, 15 June); the special campaigns run to the year's end.
PLAN_STEPS: tuple[PlanStep, ...] = (
    PlanStep(
        "preparation",
        "准备部署：明确责任部门和人员并上报",
        "Preparation: name the responsible department and person and report them",
        "明确落实本项工作的部门和人员，制定志愿者招募、注册工作方案和推进时间表，"
        "并将相关责任人、联系方式和有关资料报团市委志愿者工作部。",
        (5, 15),
        AREAS_AND_UNITS,
    ),
    PlanStep(
        "stations",
        "规范建站：按“六个有”标准建立志愿服务站",
        "Stations built to the six-haves standard",
        "街道（乡镇）、社区（村）及公共场所按“六个有”标准建立规范的志愿服务中心和志愿服务站。",
        (6, 15),
        (StepLevel.STREET.value, StepLevel.COMMUNITY.value),
        StepLink.STATIONS,
    ),
    PlanStep(
        "recruitment",
        "宣传招募：招募注册志愿者，未建队单位成立志愿服务队",
        "Publicity and recruitment: recruit and register volunteers; units form a team",
        "加大志愿者注册宣传；还未建立志愿服务队的单位要成立志愿服务队；领导干部带头注册。",
        (6, 15),
        ALL_LEVELS,
    ),
    PlanStep(
        "archives",
        "建档立册：附件5—7报团市委志愿者工作部",
        "Archives: hand in Attachments 5–7 on paper and electronically",
        "建立志愿者和活动档案，实行动态管理；附件5、6、7于6月15日前将纸质件和电子文档各一份"
        "报团市委志愿者工作部。",
        (6, 15),
        AREAS_AND_UNITS,
        StepLink.ROUND,
    ),
    PlanStep(
        "activities",
        "开展活动：专项志愿服务活动",
        "Run the special volunteer-service campaigns",
        "扎实做好讲文明树新风、关爱空巢老人、关爱农民工、关爱残疾人、文明交通、社区服务等"
        "专项志愿服务活动，收集保存服务记录、影像资料。",
        (12, 31),
        ALL_LEVELS,
    ),
)
