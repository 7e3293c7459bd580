from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleKind(models.TextChoices):
    """Roles a user holds on an organisation; each covers that organisation's subtree."""

    ADMINISTRATOR = "administrator", _("Administrator")
    REGISTRAR = "registrar", _("Registrar")
    TEAM_LEADER = "team_leader", _("Team leader")
    CHECKER = "checker", _("Checker")
    VIEWER = "viewer", _("Viewer")
