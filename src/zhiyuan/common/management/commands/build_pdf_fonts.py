from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from zhiyuan.common import pdf_fonts


class Command(BaseCommand):
    help = (
        "Build the PDF font (Noto Sans CJK SC with TrueType outlines) in PDF_FONT_DIR if it is not "
        "there: half a minute once, on deploy, so that no request waits for it."
    )
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = pdf_fonts.build(Path(settings.PDF_FONT_DIR))
        except pdf_fonts.SourceMissing as exc:
            raise CommandError(f"Cannot build the PDF font: {exc}.") from None
        self.stdout.write(f"The PDF font is {path}.")
