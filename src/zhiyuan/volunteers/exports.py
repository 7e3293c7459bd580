"""Spreadsheet exports of registered volunteers: the ledger (台账) as xlsx.

ID numbers and phones are masked (`zhiyuan.common.masking`) unless the exporting user asked for
full values, gave a reason and holds a role allowed to see that field on that row's organisation
(`permissions.REVEALING`); every export is logged, full ones with the fields shown and why
(MISSION: privacy by design). Cells are always written as strings or dates, never formulas, and
a text that a spreadsheet would read as a formula gets a leading apostrophe (`text_cell`).
"""

from collections.abc import Iterable
from datetime import date
from io import BytesIO
from typing import Any

import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from xlsxwriter.worksheet import Worksheet

from zhiyuan.accounts.selectors import home_organization
from zhiyuan.common.audit import log_action
from zhiyuan.common.masking import mask_document, mask_phone
from zhiyuan.common.text import clean_note
from zhiyuan.volunteers import permissions
from zhiyuan.volunteers.enums import ActivityCategory, PersonalField, Skill
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.selectors import LIST_DEFERRED

# Spreadsheets start a formula (or DDE call) with these (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The fields a full export may show, and the ledger columns that hold them.
EXPORT_REVEALS = (PersonalField.DOCUMENT_NUMBER.value, PersonalField.MOBILE.value)
LEDGER_FIELDS = (
    "registration_number",
    "name",
    "gender",
    "birth_date",
    "document_type",
    "document_number",
    "mobile",
    "political_status",
    "education",
    "work_unit_name",
    "body",
    "organization",
    "status",
    "registered_on",
    "skills",
    "service_intentions",
)
_WIDTHS = {"name": 12, "birth_date": 12, "registered_on": 12, "work_unit_name": 28, "body": 26}
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


def text_cell(value: Any) -> str:
    """`value` as cell text that no spreadsheet runs: one starting like a formula
    (= + - @, tab, carriage return) gets a leading apostrophe, e.g. `'=HYPERLINK(…)`."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_text_row(sheet: Worksheet, row: int, values: Iterable[Any], cell_format: Any) -> None:
    for column, value in enumerate(values):
        sheet.write_string(row, column, text_cell(value), cell_format)


def choice_labels(values: list[str], choices: Any) -> str:
    """The labels of a ChoiceListField's `values` (`choices` a TextChoices class), joined with
    、; a value no longer among the choices shows as it is."""
    known = dict(choices.choices)
    return "、".join(str(known.get(value, value)) for value in values)


def _header(field: str) -> str:
    return str(capfirst(getattr(Volunteer._meta.get_field(field), "verbose_name", field)))


class _LedgerSheet:
    """Writes ledger rows to one worksheet, row by row (XlsxWriter's constant-memory mode)."""

    def __init__(self, workbook: xlsxwriter.Workbook, user: Any, reveal: dict[str, Any]) -> None:
        self.sheet = workbook.add_worksheet(_("Volunteer ledger")[:31].strip())
        self.text = workbook.add_format({"num_format": "@"})
        self.day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        bold = workbook.add_format({"bold": True, "bg_color": "#EAEEF2", "border": 1})
        self.user = user
        self.reveal = reveal
        self.shown: set[str] = set()
        self.row = 1
        for column, field in enumerate(LEDGER_FIELDS):
            width = _WIDTHS.get(field, 20 if field in EXPORT_REVEALS else 14)
            self.sheet.set_column(column, column, width, self.text)
        write_text_row(self.sheet, 0, [_header(field) for field in LEDGER_FIELDS], bold)
        self.sheet.freeze_panes(1, 0)

    def _personal(self, volunteer: Volunteer, field: str) -> str:
        roles = self.reveal.get(field)
        if roles is not None and permissions.covers_registration(self.user, volunteer, roles):
            self.shown.add(field)
            return str(getattr(volunteer, field))
        value = getattr(volunteer, field)
        return mask_document(value) if field == PersonalField.DOCUMENT_NUMBER else mask_phone(value)

    def _values(self, volunteer: Volunteer) -> list[Any]:
        return [
            volunteer.registration_number or "",
            volunteer.name,
            volunteer.get_gender_display(),
            volunteer.birth_date,
            volunteer.get_document_type_display(),
            self._personal(volunteer, PersonalField.DOCUMENT_NUMBER),
            self._personal(volunteer, PersonalField.MOBILE),
            volunteer.get_political_status_display(),
            volunteer.get_education_display(),
            volunteer.work_unit_name,
            volunteer.body.organization.name,
            volunteer.organization.name,
            volunteer.get_status_display(),
            volunteer.registered_on,
            choice_labels(volunteer.skills, Skill),
            choice_labels(volunteer.service_intentions, ActivityCategory),
        ]

    def add(self, volunteer: Volunteer) -> None:
        for column, value in enumerate(self._values(volunteer)):
            if isinstance(value, date):
                self.sheet.write_datetime(self.row, column, value, self.day)
            elif value is None or value == "":
                self.sheet.write_blank(self.row, column, None, self.text)
            else:
                self.sheet.write_string(self.row, column, text_cell(value), self.text)
        self.row += 1

    def finish(self) -> None:
        self.sheet.autofilter(0, 0, max(self.row - 1, 1), len(LEDGER_FIELDS) - 1)


def may_reveal_any(user: Any) -> bool:
    """Whether `user` holds a role that may see a full ID number or phone somewhere."""
    return bool(permissions.revealable_anywhere(user, EXPORT_REVEALS))


def _reveal_roles(user: Any, *, full: bool, reason: str) -> dict[str, Any]:
    """What a full export may show: field -> roles, for the fields `user` may see somewhere.
    Raises ValidationError (key "reason") without a reason, PermissionDenied without a role
    that may see any of them."""
    if not full:
        return {}
    permissions.reason_to_see_full_values(reason)
    allowed = permissions.revealable_anywhere(user, EXPORT_REVEALS)
    if not allowed:
        raise PermissionDenied(_("Your roles do not allow full ID numbers or phones."))
    return allowed


def ledger_xlsx(
    user: Any, queryset: QuerySet[Volunteer], *, full: bool = False, reason: str = ""
) -> bytes:
    """The volunteers of `queryset` (already scoped to `user`, e.g. `selectors.ledger(user)`,
    and filtered) as an xlsx workbook: one header row, then one row per volunteer in the
    queryset's order, columns LEDGER_FIELDS. Dates are date cells (yyyy-mm-dd); everything
    else, ID numbers and phones included, is text.

    ID numbers and phones are masked (43**************3X, 138****8000); with `full` and a
    `reason`, a row shows the full value of each field `user` may see on that row's
    organisation (permissions.REVEALING) and the rest stays masked.
    Raises ValidationError (key "reason"), PermissionDenied (no role may see full values).
    Audit: one "volunteer.ledger.exported" entry with the count, and for a full export the
    fields shown and the reason (never a value).
    """
    reason = clean_note(reason, field="reason")
    reveal = _reveal_roles(user, full=full, reason=reason)
    buffer = BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, **WORKBOOK_OPTIONS})
    ledger = _LedgerSheet(workbook, user, reveal)
    rows = queryset.select_related("body__organization", "organization").defer(*LIST_DEFERRED)
    for volunteer in rows.iterator(chunk_size=2000):
        ledger.add(volunteer)
    ledger.finish()
    workbook.close()
    data: dict[str, Any] = {"count": ledger.row - 1}
    if full:
        data.update(fields=sorted(ledger.shown), reason=reason)
    _log_export(user, data)
    return buffer.getvalue()


def _log_export(user: Any, data: dict[str, Any]) -> None:
    subject: Model = user
    log_action(
        user, "volunteer.ledger.exported", subject, organization=home_organization(user), data=data
    )
