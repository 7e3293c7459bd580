from django.db import models
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    CLI = "cli", _("Command line")
    TASK = "task", _("Background task")
    ADMIN = "admin", _("Platform admin")
    SYSTEM = "system", _("System")
