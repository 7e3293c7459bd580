from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecognitionConfig(AppConfig):
    name = "zhiyuan.recognition"
    verbose_name = _("Recognition: the yearly hours, star levels and awards")

    def ready(self) -> None:
        from zhiyuan.hours.hooks import corrections_confirmed

        corrections_confirmed.connect(flag_after_corrections, dispatch_uid="recognition.flag")


def flag_after_corrections(sender: Any, *, records: Any, **kwargs: Any) -> None:
    """A confirmed correction may take a volunteer below an award's threshold: flag it
    (`services.flag_awards_after_correction`), in the confirming transaction."""
    from zhiyuan.recognition.services import flag_awards_after_correction

    volunteers = {record.volunteer_id: record.volunteer for record in records}
    flag_awards_after_correction([volunteers[pk] for pk in sorted(volunteers)])
