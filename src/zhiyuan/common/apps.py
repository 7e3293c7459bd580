from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "zhiyuan.common"
    label = "common"
    verbose_name = _("Common")

    def ready(self) -> None:
        from zhiyuan.common import generations

        # Models with a GENERATION bump it on every save and delete (common.generations).
        generations.connect_signals()
