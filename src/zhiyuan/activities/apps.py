from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "zhiyuan.activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from zhiyuan.volunteers.hooks import registration_ended

        # A volunteer whose registration ends (suspended, cancelled) no longer holds places:
        # their sign-ups for slots not yet started are cancelled in the same transaction.
        registration_ended.connect(_release_signups, dispatch_uid="activities.release_signups")


def _release_signups(sender: Any, volunteer: Any, actor: Any, **kwargs: Any) -> None:
    from zhiyuan.activities.services import release_signups

    release_signups(volunteer, actor=actor)
