from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "zhiyuan.awards"
    verbose_name = _("Award campaigns")
