"""How recognition's audit entries read (common.audit_display): awards by volunteer and level
where the reader sees them, and the data keys the recognition services write."""

from typing import Any

from django.utils.translation import gettext_lazy

from zhiyuan.common.audit_display import Shown, data_keys, object_type
from zhiyuan.recognition import selectors


def _numeric(ids: list[str]) -> list[str]:
    return [i for i in ids if i.isdigit()]


def name_awards(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.awards(reader).filter(pk__in=_numeric(ids))
    return {str(award.pk): Shown(str(award)) for award in found}


object_type("recognition.staraward", gettext_lazy("Star award"), name_awards)
object_type("recognition.objection", gettext_lazy("Objection to an award"))
object_type("recognition.awardbar", gettext_lazy("Bar from awards"))
object_type("recognition.recognitionpolicy", gettext_lazy("Recognition policy"))
object_type("recognition.hourreminder", gettext_lazy("Yearly-hours reminder"))
data_keys(
    {
        "stars": gettext_lazy("stars"),
        "notice_from": gettext_lazy("notice from"),
        "notice_until": gettext_lazy("notice until"),
        "objection": gettext_lazy("objection"),
        "award": gettext_lazy("award"),
        "barred_until": gettext_lazy("barred until"),
        "reminder_day": gettext_lazy("reminder date"),
        "yearly_hours": gettext_lazy("hours expected a year"),
        "reminder_dates": gettext_lazy("reminder dates"),
        "star_hours": gettext_lazy("hours for one to five stars"),
        "notice_working_days": gettext_lazy("public notice in working days"),
        "bar_months": gettext_lazy("months a spot check bars from awards"),
    }
)
