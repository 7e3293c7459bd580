"""How the awards app's audit entries read (common.audit_display): campaigns and nominations by
name where the reader sees them, and the data keys the awards services write."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhiyuan.awards import selectors
from zhiyuan.common.audit_display import Shown, data_keys, object_type


def _numeric(ids: list[str]) -> list[str]:
    return [i for i in ids if i.isdigit()]


def name_campaigns(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.campaigns(reader).filter(pk__in=_numeric(ids))
    return {
        str(row.pk): Shown(str(row), reverse("awards:campaign", args=[row.pk])) for row in found
    }


def name_nominations(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.nominations(reader).filter(pk__in=_numeric(ids))
    return {
        str(row.pk): Shown(
            f"{row.category.name}: {row.nominee_name}",
            reverse("awards:nomination", args=[row.pk]),
        )
        for row in found
    }


object_type("awards.campaign", _("Award campaign"), name_campaigns)
object_type("awards.nomination", _("Nomination"), name_nominations)
object_type("awards.objection", _("Objection to a shortlist"))
data_keys(
    {
        "category": _("category"),
        "nominations_close": _("nominations close"),
        "review_ends": _("review ends"),
        "notice_days": _("notice period in working days"),
        "categories": _("categories"),
        "unit": _("unit"),
        "places": _("places"),
        "campaign": _("campaign"),
        "hours_minutes": _("counted minutes when nominated"),
        "score": _("score"),
        "shortlisted": _("shortlisted per category"),
        "notice_starts": _("notice from"),
        "notice_ends": _("notice until"),
        "nomination": _("nomination"),
        "upheld": _("upheld"),
        "award_number": _("award number"),
        "awarded": _("awards"),
        "fixed_on": _("results fixed on"),
    }
)
