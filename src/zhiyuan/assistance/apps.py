from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "zhiyuan.assistance"
    verbose_name = _("Priority help for volunteers")
