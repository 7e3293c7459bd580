from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.IntegerChoices):
    """Levels of the statistical division codes (统计用区划代码)."""

    PROVINCE = 1, _("Province")
    PREFECTURE = 2, _("Prefecture-level city")
    COUNTY = 3, _("County level")
    TOWNSHIP = 4, _("Township level")
    VILLAGE = 5, _("Village level")


# Significant code digits per level: 2 province + 2 prefecture + 2 county + 3 township + 3 village.
PREFIX_LENGTH = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
