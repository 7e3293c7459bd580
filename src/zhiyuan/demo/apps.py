from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo city (岳阳市) and its demo users: `zhiyuan load_demo`. It sits on the top layer
    and seeds through the public services of the apps below, like any other caller."""

    name = "zhiyuan.demo"
    label = "demo"
    verbose_name = _("Demo city")
