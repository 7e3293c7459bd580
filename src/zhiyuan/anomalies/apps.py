from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnomaliesConfig(AppConfig):
    name = "zhiyuan.anomalies"
    verbose_name = _("Anomaly flags")
