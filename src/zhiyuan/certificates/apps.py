from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "zhiyuan.certificates"
    verbose_name = _("Service-record certificates")
