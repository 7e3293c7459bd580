from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkplanConfig(AppConfig):
    name = "zhiyuan.workplan"
    verbose_name = _("The work plan")
