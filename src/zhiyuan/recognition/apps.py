from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecognitionConfig(AppConfig):
    name = "zhiyuan.recognition"
    verbose_name = _("Recognition: the yearly hours, star levels and awards")
