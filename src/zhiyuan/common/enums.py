from django.db import models
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    CLI = "cli", _("Command line")
    TASK = "task", _("Background task")
    ADMIN = "admin", _("Platform admin")
    SYSTEM = "system", _("System")


class ExportStatus(models.TextChoices):
    """A large export's steps (`common.exports`): queued for the worker, being written, ready
    to download (until its link expires), or failed."""

    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
