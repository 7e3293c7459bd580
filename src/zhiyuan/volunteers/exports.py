"""Spreadsheet exports of registered volunteers: the ledger (台账) as xlsx.

ID numbers and phones are masked (`zhiyuan.common.masking`) unless the exporting user asked for
full values, gave a reason and holds a role allowed to see that field on that row's organisation
(`permissions.REVEALING`); every export is logged, full ones with the fields shown and why
(MISSION: privacy by design). Cells are always written as strings or dates, never formulas, and
a text that a spreadsheet would read as a formula gets a leading apostrophe (`text_cell`).

Fast at any size (issue 10: 100,000 rows took 37.9 s, most of it translating labels cell by
cell): rows are read as tuples of values in chunks, choices' labels are resolved once per
export, organisations' names and the full-value decision once per pair of organisations, and
the cells are written by `common.xlsx`'s Rust writer. A ledger of more than
EXPORT_IMMEDIATE_ROWS rows is written in the background (`export_requests`) by the producer
registered here (`build_ledger_export`, kind LEDGER), and downloaded from "my exports".
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from xlsxwriter.worksheet import Worksheet

from zhiyuan.accounts.selectors import home_organization
from zhiyuan.common.audit import log_action
from zhiyuan.common.crypto import decryptor
from zhiyuan.common.exports import XLSX, ExportFile, Progress, export_params, exporter
from zhiyuan.common.masking import mask_document, mask_phone
from zhiyuan.common.models import Export
from zhiyuan.common.text import clean_note
from zhiyuan.common.xlsx import Table, write_table
from zhiyuan.organizations.access import covers
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import permissions, selectors
from zhiyuan.volunteers.enums import ActivityCategory, PersonalField, Skill
from zhiyuan.volunteers.models import Volunteer

LEDGER = "volunteers.ledger"
#: Rows fetched from the database at a time (a server-side cursor on PostgreSQL).
CHUNK_ROWS = 5000

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


def ledger_table() -> Table:
    """The ledger's sheet: its name, headers and widths in the current language; ID numbers
    and phones, like every column but the dates, are text."""
    return Table(
        sheet=_("Volunteer ledger"),
        headers=[_header(field) for field in LEDGER_FIELDS],
        widths=[
            _WIDTHS.get(field, 20 if field in EXPORT_REVEALS else 14) for field in LEDGER_FIELDS
        ],
        date_columns=frozenset(
            column
            for column, field in enumerate(LEDGER_FIELDS)
            if field in ("birth_date", "registered_on")
        ),
    )


# What one ledger row is read as: LEDGER_FIELDS's values, with ID numbers and phones as stored,
# sealed (`LedgerCells` opens them with a decryptor made once), lists of choices as stored
# (",a,b,"), the names of the two organisations, and the paths that decide where full values
# may be shown.
LEDGER_VALUES = (
    *LEDGER_FIELDS[:5],
    "document_number_stored",
    "mobile_stored",
    *LEDGER_FIELDS[7:10],
    "body__organization__name",
    "organization__name",
    *LEDGER_FIELDS[12:14],
    "skills_stored",
    "service_intentions_stored",
    "organization__path",
    "body__organization__path",
)
_DOCUMENT, _MOBILE = PersonalField.DOCUMENT_NUMBER.value, PersonalField.MOBILE.value


def ledger_values(queryset: QuerySet[Volunteer]) -> Any:
    """The rows of `queryset` as tuples of LEDGER_VALUES, in its order (for `LedgerCells`).
    The stored columns are read as the database holds them: no field converts them row by row."""
    stored = {
        f"{field}_stored": Cast(field, TextField())
        for field in (_DOCUMENT, _MOBILE, "skills", "service_intentions")
    }
    return queryset.annotate(**stored).values_list(*LEDGER_VALUES)


def _safe(value: Any) -> str | None:
    """`text_cell` of a text, None for an empty one (an empty cell)."""
    if not value:
        return None
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@dataclass(frozen=True)
class _At:
    """An organisation's place in the tree, for `organizations.access.covers`."""

    path: str


class _Known(dict[Any, Any]):
    """A dict that works a missing value out once, with `make`, and keeps it."""

    def __init__(self, make: Callable[[Any], Any], known: dict[Any, Any] | None = None) -> None:
        super().__init__(known or {})
        self.make = make

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.make(key)
        return value


class LedgerCells:
    """Turns ledger rows (tuples of LEDGER_VALUES) into cells. Everything that is the same for
    many rows is worked out once per export and looked up after: the labels of choices in the
    current language, the texts of lists of choices, organisations' names, and which full
    values a row of a given pair of organisations may show (issue 10: labels translated cell by
    cell took most of an export's time)."""

    def __init__(self, user: Any, reveal: dict[str, Any]) -> None:
        self.user = user
        self.reveal = reveal
        self.shown: set[str] = set()
        labels = {field: _labels(field) for field in LABELLED}
        self.gender, self.kind, self.political = (
            labels["gender"],
            labels["document_type"],
            labels["political_status"],
        )
        self.education, self.status = labels["education"], labels["status"]
        self.skills = _Known(lambda stored: _list_text(stored, Skill))
        self.intentions = _Known(lambda stored: _list_text(stored, ActivityCategory))
        self.names = _Known(_safe)
        self.revealing = _Known(self._revealed)
        self.open_document = decryptor(context=_context(_DOCUMENT))
        self.open_mobile = decryptor(context=_context(_MOBILE))

    def _revealed(self, paths: tuple[str, str]) -> tuple[str, ...]:
        """The fields whose full values a row registered through `paths[0]`, with a body at
        `paths[1]`, shows: those `user` may see there (`permissions.covers_registration`)."""
        path, body_path = paths
        shown = tuple(
            field
            for field, roles in self.reveal.items()
            if covers(self.user, _At(path), roles) or covers(self.user, _At(body_path), roles)
        )
        self.shown.update(shown)
        return shown

    def row(self, values: tuple[Any, ...]) -> list[Any]:
        (number, name, gender, birth, kind, document, mobile, political, education, unit) = values[
            :10
        ]
        (body, through, status, registered, skills, intentions, path, body_path) = values[10:]
        full = self.revealing[path, body_path] if self.reveal else ()
        document, mobile = self.open_document(document), self.open_mobile(mobile)
        return [
            _safe(number),
            _safe(name),
            self.gender[gender],
            birth,
            self.kind[kind],
            _safe(document if _DOCUMENT in full else mask_document(document)),
            _safe(mobile if _MOBILE in full else mask_phone(mobile)),
            self.political[political],
            self.education[education],
            _safe(unit),
            self.names[body],
            self.names[through],
            self.status[status],
            registered,
            self.skills[skills],
            self.intentions[intentions],
        ]


LABELLED = ("gender", "document_type", "political_status", "education", "status")


def _labels(field: str) -> _Known:
    """Stored value -> its label in the current language, made safe; a value no longer among
    the choices shows as it is (as `get_FOO_display` shows it)."""
    return _Known(_safe, {value: _safe(str(label)) for value, label in _choices(field)})


def _list_text(stored: str | None, choices: Any) -> str | None:
    """A ChoiceListField as stored (",a,b,") as its labels joined with 、 (`choice_labels`)."""
    return _safe(choice_labels([value for value in (stored or "").split(",") if value], choices))


def _choices(field: str) -> Any:
    return getattr(Volunteer._meta.get_field(field), "choices", None) or ()


def _context(field: str) -> str:
    return str(getattr(Volunteer._meta.get_field(field), "crypto_context"))  # noqa: B009


def may_reveal_any(user: Any) -> bool:
    """Whether `user` holds a role that may see a full ID number or phone somewhere."""
    return bool(permissions.revealable_anywhere(user, EXPORT_REVEALS))


def check_reveal(user: Any, *, full: bool, reason: str) -> None:
    """That `user` may export full values with `reason` (when `full`): raises ValidationError
    (key "reason"), PermissionDenied, as `ledger_xlsx` would."""
    _reveal_roles(user, full=full, reason=reason)


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
    user: Any,
    queryset: QuerySet[Volunteer],
    *,
    full: bool = False,
    reason: str = "",
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """The volunteers of `queryset` (already scoped to `user`, e.g. `selectors.ledger(user)`,
    and filtered) as an xlsx workbook: one header row, then one row per volunteer in the
    queryset's order, columns LEDGER_FIELDS. Dates are date cells (yyyy-mm-dd); everything
    else, ID numbers and phones included, is text. `progress(n)` is called after each row.

    ID numbers and phones are masked (43**************3X, 138****8000); with `full` and a
    `reason`, a row shows the full value of each field `user` may see on that row's
    organisation (permissions.REVEALING) and the rest stays masked.
    Raises ValidationError (key "reason"), PermissionDenied (no role may see full values).
    Audit: one "volunteer.ledger.exported" entry with the count, and for a full export the
    fields shown and the reason (never a value).
    """
    return _write_ledger(user, queryset, full=full, reason=reason, progress=progress)[0]


def _write_ledger(
    user: Any,
    queryset: QuerySet[Volunteer],
    *,
    full: bool,
    reason: str,
    progress: Callable[[int], None] | None,
) -> tuple[bytes, int]:
    reason = clean_note(reason, field="reason")
    reveal = _reveal_roles(user, full=full, reason=reason)
    cells = LedgerCells(user, reveal)
    rows = ledger_values(queryset).iterator(chunk_size=CHUNK_ROWS)
    count = 0

    def counted(done: int) -> None:
        nonlocal count
        count = done
        if progress is not None:
            progress(done)

    content = write_table(ledger_table(), map(cells.row, rows), on_row=counted)
    data: dict[str, Any] = {"count": count}
    if full:
        data.update(fields=sorted(cells.shown), reason=reason)
    _log_export(user, data)
    return content, count


def _log_export(user: Any, data: dict[str, Any]) -> None:
    subject: Model = user
    log_action(
        user, "volunteer.ledger.exported", subject, organization=home_organization(user), data=data
    )


# --- the ledger in the background ------------------------------------------------------------


def ledger_title() -> str:
    return _("Volunteer ledger")


def ledger_file_name(today: date) -> str:
    """志愿者台账-YYYYMMDD.xlsx, in the current language."""
    return f"{ledger_title()}-{today:%Y%m%d}.xlsx"


def filter_params(filters: selectors.LedgerFilter) -> dict[str, Any]:
    """`filters` as JSON values, kept with a background export (`filters_from_params`)."""
    return {
        "q": filters.q,
        "organization": filters.organization.pk if filters.organization else None,
        "organization_unresolved": filters.organization_unresolved,
        "body": filters.body,
        "age_min": filters.age_min,
        "age_max": filters.age_max,
        "status": filters.status,
        "political_status": filters.political_status,
        "gender": filters.gender,
        "age_band": filters.age_band,
        "skill": filters.skill,
        "registered_from": _iso(filters.registered_from),
        "registered_to": _iso(filters.registered_to),
    }


def filters_from_params(params: dict[str, Any]) -> selectors.LedgerFilter:
    """The LedgerFilter `filter_params` wrote; an organisation deleted since matches nothing."""
    organization = None
    if params.get("organization") is not None:
        organization = Organization.objects.filter(pk=params["organization"]).first()
    return selectors.LedgerFilter(
        q=params.get("q", ""),
        organization=organization,
        organization_unresolved=bool(params.get("organization_unresolved"))
        or (params.get("organization") is not None and organization is None),
        body=params.get("body"),
        age_min=params.get("age_min"),
        age_max=params.get("age_max"),
        status=params.get("status", ""),
        political_status=params.get("political_status", ""),
        gender=params.get("gender", ""),
        age_band=params.get("age_band", ""),
        skill=params.get("skill", ""),
        registered_from=_day(params.get("registered_from")),
        registered_to=_day(params.get("registered_to")),
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def ordered_ledger(user: Any, filters: selectors.LedgerFilter) -> QuerySet[Volunteer]:
    """`user`'s ledger filtered by `filters`, in the ledger page's order (newest first)."""
    return selectors.filter_ledger(selectors.ledger(user), filters).order_by("-applied_at", "-pk")


@exporter(LEDGER)
def build_ledger_export(export: Export, progress: Progress) -> ExportFile:
    """The ledger of a background export, read now through the requester's scope and roles
    (a role revoked since it was asked for is no longer used): `ledger_xlsx` with the
    export's filters, `full` and `reason`. Raises what `ledger_xlsx` raises."""
    params = export_params(export)
    user = export.requested_by
    content, count = _write_ledger(
        user,
        ordered_ledger(user, filters_from_params(params.get("filters", {}))),
        full=bool(params.get("full")),
        reason=str(params.get("reason", "")),
        progress=progress,
    )
    return ExportFile(content, ledger_file_name(timezone.localdate()), XLSX, count)
