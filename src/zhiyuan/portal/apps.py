from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The volunteers' own site: self-registration and confirmation at /join/, "my
    registration" at /me/ with its phone-and-code session (`session`). It stands on the top
    layer and works through the public services and selectors of the apps below."""

    name = "zhiyuan.portal"
    label = "portal"
    verbose_name = _("Volunteers' own pages")
