"""Importing units' categories and headcounts and divisions' resident populations from a
spreadsheet, with the roster import's conventions:

1. `upload_targets` keeps the file (it holds no personal data) and checks it at once: the dry
   run. Every row is checked and its problems kept as (row as the spreadsheet shows it, column,
   message in no language: `volunteers.imports.messages`), with warnings that do not stop it
   and the changes it would make.
2. `commit_targets` checks it again inside one transaction and writes every change or none:
   one problem anywhere and nothing is written.

Rows: a unit by its organisation code (单位代码) with its category (单位类别) and/or headcount
(人数), or a division by its 12-digit code (区划代码) with its resident population (常住人口);
an optional date from which the figure holds (起始日期, else the upload's) and source (来源).
A unit or division outside the area the uploader administers refuses that row, as does a
negative or non-numeric figure, each with its own message. A headcount below the volunteers
already counted for the unit is accepted with a warning.

Files are read like rosters, by `common.spreadsheets.table_rows`: xlsx through
`read_first_sheet` (guarded, in a contained process), CSV as UTF-8 or GB18030.
"""

import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiyuan.common import locks
from zhiyuan.common.audit import Change, log_action, log_actions
from zhiyuan.common.spreadsheets import WorkbookLimits, table_rows
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.enums import UnitCategory
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.services import update_organization
from zhiyuan.reports import counting, permissions, selectors
from zhiyuan.reports.enums import ImportStatus, TargetBasis, basis_of
from zhiyuan.reports.models import Headcount, ResidentPopulation, TargetImport
from zhiyuan.reports.services import MAX_FIGURE, TARGETS_LOCK, clean_source
from zhiyuan.volunteers.exports import WORKBOOK_OPTIONS, text_cell
from zhiyuan.volunteers.imports.cells import cell_text
from zhiyuan.volunteers.imports.messages import kept
from zhiyuan.volunteers.imports.reader import header_key

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 30
HEADER_SEARCH_ROWS = 20
LIMITS = WorkbookLimits(
    cells=MAX_ROWS * MAX_COLUMNS, strings=MAX_ROWS * MAX_COLUMNS, unpacked_bytes=64 * 1024 * 1024
)

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "unit": (
        "单位代码",
        "组织代码",
        "机构代码",
        "unitcode",
        "organisationcode",
        "organizationcode",
    ),
    "division": ("区划代码", "行政区划代码", "统计用区划代码", "divisioncode"),
    "name": ("单位名称", "名称", "单位", "社区", "name"),
    "category": ("单位类别", "类别", "单位类型", "category", "unitcategory"),
    "headcount": ("人数", "在册人数", "职工人数", "在职人数", "在册职工人数", "headcount"),
    "population": ("常住人口", "常住人口数", "人口", "residentpopulation", "population"),
    "valid_from": ("起始日期", "生效日期", "统计日期", "validfrom", "date"),
    "source": ("来源", "数据来源", "source"),
}
_HEADERS = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
COLUMN_LABELS = {
    "unit": gettext_lazy("unit code"),
    "division": gettext_lazy("division code"),
    "category": gettext_lazy("category"),
    "headcount": gettext_lazy("headcount"),
    "population": gettext_lazy("resident population"),
    "valid_from": gettext_lazy("valid from"),
    "source": gettext_lazy("source"),
}
#: Short names offices write for the categories (besides the labels in either language).
CATEGORY_WORDS = {
    "党政机关": UnitCategory.PARTY_GOVERNMENT,
    "人民团体": UnitCategory.PARTY_GOVERNMENT,
    "党政机关、人民团体": UnitCategory.PARTY_GOVERNMENT,
    "企事业单位": UnitCategory.ENTERPRISE_INSTITUTION,
    "企业": UnitCategory.ENTERPRISE_INSTITUTION,
    "事业单位": UnitCategory.ENTERPRISE_INSTITUTION,
    "文明单位": UnitCategory.CIVILISED_UNIT_SCHOOL,
    "学校": UnitCategory.CIVILISED_UNIT_SCHOOL,
    "高校": UnitCategory.CIVILISED_UNIT_SCHOOL,
    "文明村镇": UnitCategory.CIVILISED_VILLAGE,
    "社区": UnitCategory.CIVILISED_VILLAGE,
    "文明村镇（社区）": UnitCategory.CIVILISED_VILLAGE,
}
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_EXCEL_EPOCH = date(1899, 12, 30)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")


class TargetFileError(ValidationError):
    """The file as a whole cannot be read (format, header, columns)."""


# --- reading ---------------------------------------------------------------------------------


@dataclass
class Sheet:
    header_row: int
    columns: dict[int, str]
    rows: list[tuple[int, list[Any]]]


def read_sheet(data: bytes) -> Sheet:
    """The file's header and rows. Raises TargetFileError saying what to do."""
    if len(data) > MAX_BYTES:
        raise TargetFileError(_("The file is larger than 5 MB; a target sheet is far smaller."))
    rows = table_rows(data, limits=LIMITS, max_columns=MAX_COLUMNS, error=TargetFileError)
    return _with_header(rows)


def _with_header(rows: Iterator[tuple[int, list[Any]]]) -> Sheet:
    seen: list[tuple[int, list[Any]]] = []
    best: tuple[int, int, dict[int, str]] | None = None
    for number, values in rows:
        seen.append((number, values))
        columns: dict[int, str] = {}
        for index, value in enumerate(values):
            name = _HEADERS.get(header_key(value))
            if name and name not in columns.values():
                columns[index] = name
        if len(columns) >= 2 and (best is None or len(columns) > best[0]):
            best = (len(columns), number, columns)
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        raise TargetFileError(
            _(
                "No header row found: one of the first rows must name the columns, e.g. "
                "单位代码, 单位类别, 人数, or 区划代码, 常住人口. Download the template to see them."
            )
        )
    _count, header_row, columns = best
    names = set(columns.values())
    if not names & {"unit", "division"} or not names & {"category", "headcount", "population"}:
        raise TargetFileError(
            _(
                "The header must name a unit code (单位代码) or a division code (区划代码), and "
                "a category (单位类别), a headcount (人数) or a resident population (常住人口)."
            )
        )
    data = [(n, v) for n, v in seen if n > header_row]
    for number, values in rows:
        if len(data) >= MAX_ROWS:
            raise TargetFileError(
                _("The file has more than %(rows)s rows; split it.") % {"rows": MAX_ROWS}
            )
        data.append((number, values))
    return Sheet(header_row, columns, data)


# --- cells -----------------------------------------------------------------------------------


class Refused(Exception):
    def __init__(self, message: Any, params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message, self.params = message, params or {}


def parse_figure(value: Any) -> int | None:
    """A headcount or population cell as a whole number; None when empty. Raises Refused,
    saying whether it was negative, not a whole number, or not a number at all."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Refused(gettext_lazy("“%(value)s” is not a number."), {"value": cell_text(value)})
    text = cell_text(value).replace(" ", "")
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Refused(
            gettext_lazy("“%(value)s” is not a number: enter digits only, e.g. 120."),
            {"value": text[:40]},
        ) from None
    if not number.is_finite():
        raise Refused(gettext_lazy("“%(value)s” is not a number."), {"value": text[:40]})
    if number < 0:
        raise Refused(
            gettext_lazy("%(value)s is negative: a headcount or population is 0 or more."),
            {"value": text[:40]},
        )
    if number != number.to_integral_value():
        raise Refused(
            gettext_lazy("%(value)s is not a whole number of people."), {"value": text[:40]}
        )
    if number > MAX_FIGURE:
        raise Refused(gettext_lazy("%(value)s is too large to be right."), {"value": text[:40]})
    return int(number)


def parse_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
        return _EXCEL_EPOCH + timedelta(days=int(value))
    text = cell_text(value)
    if not text:
        return None
    match = _DATE_TEXT.fullmatch(text)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise Refused(gettext_lazy("This is not a date. Enter it as YYYY-MM-DD."))


def _category_words() -> dict[str, str]:
    """Every way a category may be written, as compared (`header_key`): its value, its label in
    either language, and the short names of CATEGORY_WORDS."""
    words = {header_key(word): str(category.value) for word, category in CATEGORY_WORDS.items()}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for category in UnitCategory:
                words[header_key(str(category.label))] = str(category.value)
    for category in UnitCategory:
        words[header_key(category.value)] = str(category.value)
    return words


def parse_category(value: Any) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    found = _category_words().get(header_key(text))
    if found is None:
        raise Refused(
            gettext_lazy("Unknown category “%(value)s”: write one of %(choices)s."),
            {"value": text[:40], "choices": "、".join(str(c.label) for c in UnitCategory)},
        )
    return found


# --- checking --------------------------------------------------------------------------------


@dataclass
class Outcome:
    """A check's result: problems (refuse the file), warnings, planned changes, rows read."""

    problems: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0

    def problem(
        self, row: int, column: str, message: Any, params: dict[str, Any] | None = None
    ) -> None:
        self.problems.append({"row": row, "column": column, **kept(message, params)})

    def warning(
        self, row: int, column: str, message: Any, params: dict[str, Any] | None = None
    ) -> None:
        self.warnings.append({"row": row, "column": column, **kept(message, params)})


class _Checker:
    """Checks rows against the database and the actor's rights; remembers what the file
    already set, so a unit or division named twice for one date is a problem."""

    def __init__(self, actor: Any, default_date: date, default_source: str) -> None:
        self.actor = actor
        self.default_date = default_date
        self.default_source = default_source
        self.today = selectors.local_today()
        self.outcome = Outcome()
        self.seen: dict[tuple[str, str, date | None], int] = {}
        self.units: dict[str, Organization | None] = {}
        self.divisions: dict[str, Division | None] = {}

    def unit(self, code: str) -> Organization | None:
        if code not in self.units:
            found = Organization.objects.filter(code=code, is_active=True).first()
            if found is not None and not permissions.may_set_headcount(self.actor, found):
                found = None
            self.units[code] = found
        return self.units[code]

    def division(self, code: str) -> Division | None:
        if code not in self.divisions:
            found = Division.objects.filter(code=code, abolished=False).first()
            if found is not None and not permissions.may_set_population(self.actor, found):
                found = None
            self.divisions[code] = found
        return self.divisions[code]

    def check(self, sheet: Sheet) -> Outcome:
        for number, values in sheet.rows:
            cells = {
                name: values[i] if i < len(values) else None for i, name in sheet.columns.items()
            }
            if all(cell_text(v) == "" for v in cells.values()):
                continue
            self.outcome.rows += 1
            self._row(number, cells)
        self._counted_warnings()
        return self.outcome

    def _row(self, number: int, cells: dict[str, Any]) -> None:
        outcome = self.outcome
        values: dict[str, Any] = {}
        for name, parse in (
            ("headcount", parse_figure),
            ("population", parse_figure),
            ("valid_from", parse_date),
            ("category", parse_category),
        ):
            try:
                values[name] = parse(cells.get(name))
            except Refused as refused:
                outcome.problem(number, name, refused.message, refused.params)
                values[name] = None
        day = values["valid_from"] or self.default_date
        if values["valid_from"] and day > self.today:
            outcome.problem(
                number,
                "valid_from",
                gettext_lazy("A figure cannot hold from a date in the future."),
            )
        try:
            source = clean_source(cell_text(cells.get("source"))) or self.default_source
        except ValidationError:
            outcome.problem(
                number,
                "source",
                gettext_lazy("Name where the figure comes from, without ID or phone numbers."),
            )
            source = self.default_source
        unit_code, division_code = cell_text(cells.get("unit")), cell_text(cells.get("division"))
        if not unit_code and not division_code:
            outcome.problem(number, "unit", gettext_lazy("Give a unit code or a division code."))
            return
        category = values["category"]
        if unit_code:
            self._unit_row(number, unit_code, category, values["headcount"], day, source)
        elif category is not None or values["headcount"] is not None:
            outcome.problem(
                number, "unit", gettext_lazy("A category or headcount needs the unit's code.")
            )
        if division_code:
            self._division_row(number, division_code, values["population"], day, source)
        elif values["population"] is not None:
            outcome.problem(
                number,
                "division",
                gettext_lazy("A resident population needs the division's 12-digit code."),
            )

    def _once(self, number: int, column: str, key: tuple[str, str, date | None]) -> bool:
        if key in self.seen:
            self.outcome.problem(
                number,
                column,
                gettext_lazy("Already given in row %(row)s."),
                {"row": self.seen[key]},
            )
            return False
        self.seen[key] = number
        return True

    def _unit_row(
        self,
        number: int,
        code: str,
        category: str | None,
        headcount: int | None,
        day: date,
        source: str,
    ) -> None:
        outcome = self.outcome
        unit = self.unit(code)
        if unit is None:
            outcome.problem(
                number,
                "unit",
                gettext_lazy("No unit with code %(code)s in the area you administer."),
                {"code": code[:40]},
            )
            return
        current = selectors.target_category(unit)
        if category is not None and self._once(number, "category", ("category", code, None)):
            if category != current:
                outcome.changes.append(
                    {
                        "row": number,
                        "kind": "category",
                        "organization": unit.pk,
                        "code": unit.code,
                        "name": unit.name,
                        "old": unit.unit_category,
                        "new": category,
                    }
                )
            current = category
        if headcount is None:
            return
        if not current:
            outcome.problem(
                number,
                "headcount",
                gettext_lazy("This organisation has no unit category: give one in 单位类别."),
            )
        elif basis_of(current) == TargetBasis.POPULATION:
            outcome.problem(
                number,
                "headcount",
                gettext_lazy(
                    "A community's or village's target is a share of its resident population: give 区划代码 and 常住人口 instead."
                ),
            )
        elif self._once(number, "headcount", ("headcount", code, day)):
            found = selectors.headcounts_on([unit.pk], day).get(unit.pk)
            if found is None or found.headcount != headcount:
                outcome.changes.append(
                    {
                        "row": number,
                        "kind": "headcount",
                        "organization": unit.pk,
                        "code": unit.code,
                        "name": unit.name,
                        "valid_from": day.isoformat(),
                        "old": found.headcount if found else None,
                        "new": headcount,
                        "source": source,
                    }
                )

    def _division_row(
        self, number: int, code: str, population: int | None, day: date, source: str
    ) -> None:
        outcome = self.outcome
        code = code.strip()
        if not (len(code) == 12 and code.isascii() and code.isdigit()):
            outcome.problem(
                number,
                "division",
                gettext_lazy("A division code has 12 digits, e.g. 430602001001."),
            )
            return
        division = self.division(code)
        if division is None:
            outcome.problem(
                number,
                "division",
                gettext_lazy("No division with code %(code)s in the area you administer."),
                {"code": code},
            )
            return
        if population is None:
            return
        if self._once(number, "population", ("population", code, day)):
            found = selectors.populations_on([code], day).get(code)
            if found is None or found.population != population:
                outcome.changes.append(
                    {
                        "row": number,
                        "kind": "population",
                        "division": code,
                        "name": division.name,
                        "valid_from": day.isoformat(),
                        "old": found.population if found else None,
                        "new": population,
                        "source": source,
                    }
                )

    def _counted_warnings(self) -> None:
        """A headcount below the registered volunteers its unit already counts: a warning."""
        figures = {c["organization"]: c for c in self.outcome.changes if c["kind"] == "headcount"}
        if not figures:
            return
        counted = dict(
            counting.counted_on(self.today)
            .filter(work_unit_id__in=list(figures))
            .order_by()
            .values_list("work_unit_id")
            .annotate(count=Count("pk"))
        )
        for unit_id, change in figures.items():
            if change["new"] < counted.get(unit_id, 0):
                self.outcome.warning(
                    change["row"],
                    "headcount",
                    gettext_lazy(
                        "The headcount %(figure)s is below the %(counted)s registered volunteers "
                        "already counted for this unit. It will be imported: check the figure."
                    ),
                    {"figure": change["new"], "counted": counted[unit_id]},
                )


def check_sheet(sheet: Sheet, *, actor: Any, valid_from: date, source: str) -> Outcome:
    return _Checker(actor, valid_from, source).check(sheet)


# --- upload and commit -----------------------------------------------------------------------


def upload_targets(
    data: bytes, *, actor: Any, file_name: str, valid_from: date, source: str = ""
) -> TargetImport:
    """Keep the file and check it (the dry run). A file that cannot be read is kept as failed
    with its message. Raises PermissionDenied when `actor` administers nothing, ValidationError
    for a future `valid_from` or a bad `source`."""
    roots = permissions.administered_roots(actor)
    if not roots:
        raise PermissionDenied(_("Only administrators import targets."))
    if valid_from > selectors.local_today():
        raise ValidationError(
            {"valid_from": [_("A figure cannot hold from a date in the future.")]}
        )
    source = clean_source(source) or file_name[:200]
    upload = TargetImport(
        organization=roots[0],
        file_name=file_name[:255],
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
        valid_from=valid_from,
        source=source,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _apply_check(upload, actor)
    with transaction.atomic():
        upload.save()
        log_action(
            actor,
            "reports.targets.checked",
            upload,
            organization=upload.organization,
            data={
                "rows": upload.row_count,
                "problems": len(upload.problems),
                "changes": len(upload.changes),
            },
        )
    return upload


def _apply_check(upload: TargetImport, actor: Any) -> Outcome | None:
    try:
        sheet = read_sheet(bytes(upload.content))
    except TargetFileError as error:
        upload.status = ImportStatus.FAILED
        upload.problems = [{"row": 0, "column": "", **kept(error.message, error.params)}]
        upload.warnings, upload.changes, upload.row_count = [], [], 0
        return None
    outcome = check_sheet(sheet, actor=actor, valid_from=upload.valid_from, source=upload.source)
    upload.problems, upload.warnings, upload.changes = (
        outcome.problems,
        outcome.warnings,
        outcome.changes,
    )
    upload.row_count = outcome.rows
    upload.status = ImportStatus.REFUSED if outcome.problems else ImportStatus.CHECKED
    return outcome


def commit_targets(upload: TargetImport, *, actor: Any) -> TargetImport:
    """Check `upload` again and write all its changes in one transaction, or none when any
    row has a problem now (the import is then kept as refused, with them). Raises
    PermissionDenied unless `actor` uploaded it (or is platform staff, or the operator),
    ValidationError when it was already imported or could not be read."""
    if actor is not None and not actor.is_superuser and upload.uploaded_by_id != actor.pk:
        raise PermissionDenied(_("Only the person who uploaded this file may import it."))
    if upload.status not in (ImportStatus.CHECKED, ImportStatus.REFUSED):
        raise ValidationError(_("This file was already imported, or could not be read."))
    with transaction.atomic():
        locks.hold(TARGETS_LOCK)
        upload = TargetImport.objects.select_for_update().get(pk=upload.pk)
        if upload.status not in (ImportStatus.CHECKED, ImportStatus.REFUSED):
            raise ValidationError(_("This file was already imported, or could not be read."))
        _apply_check(upload, actor)
        if upload.status != ImportStatus.CHECKED:
            upload.save()
            return upload
        _write(upload, actor)
        upload.status = ImportStatus.IMPORTED
        upload.imported_at = timezone.now()
        upload.save()
        log_action(
            actor,
            "reports.targets.imported",
            upload,
            organization=upload.organization,
            data={"rows": upload.row_count, "changes": len(upload.changes)},
        )
    return upload


def _write(upload: TargetImport, actor: Any) -> None:
    """Write the planned changes (categories first: a headcount's basis depends on them), with
    an audit entry each."""
    user = actor if actor is not None and actor.is_authenticated else None
    units = Organization.objects.in_bulk(
        [c["organization"] for c in upload.changes if "organization" in c]
    )
    for change in upload.changes:
        if change["kind"] == "category":
            update_organization(
                units[change["organization"]], actor=actor, unit_category=change["new"]
            )
    audit: list[Change] = []
    for change in upload.changes:
        day = date.fromisoformat(change.get("valid_from", "1900-01-01"))
        if change["kind"] == "headcount":
            unit = units[change["organization"]]
            Headcount.objects.update_or_create(
                organization=unit,
                valid_from=day,
                defaults={
                    "headcount": change["new"],
                    "source": change["source"],
                    "recorded_by": user,
                },
            )
            data = {
                "headcount": change["new"],
                "valid_from": change["valid_from"],
                "previous": change["old"],
                "data_source": change["source"],
            }
            audit.append(Change("reports.headcount.recorded", unit, unit, data))
        elif change["kind"] == "population":
            division = Division.objects.get(pk=change["division"])
            ResidentPopulation.objects.update_or_create(
                division=division,
                valid_from=day,
                defaults={
                    "population": change["new"],
                    "source": change["source"],
                    "recorded_by": user,
                },
            )
            serving = permissions.serving_organizations(division)
            data = {
                "population": change["new"],
                "valid_from": change["valid_from"],
                "previous": change["old"],
                "data_source": change["source"],
            }
            audit.append(
                Change(
                    "reports.population.recorded", division, serving[0] if serving else None, data
                )
            )
    log_actions(actor, audit)


# --- the template ----------------------------------------------------------------------------

TEMPLATE_HEADER = (
    "单位代码",
    "区划代码",
    "名称",
    "单位类别",
    "人数",
    "常住人口",
    "起始日期",
    "来源",
)


def template_rows(actor: Any) -> list[list[Any]]:
    """The units of `actor`'s administered area with their figures in force today: one row
    per unit with a headcount, one per division of a community or village."""
    today = selectors.local_today()
    units = [
        unit
        for root in permissions.administered_roots(actor)
        for unit in selectors.target_units(root)
    ]
    categories = {unit.pk: selectors.target_category(unit) for unit in units}
    headcounts = selectors.headcounts_on([u.pk for u in units], today)
    through = Organization.jurisdiction.through.objects.filter(
        organization_id__in=[u.pk for u in units]
    ).select_related("division")
    divisions: dict[int, list[Division]] = {}
    for link in through.order_by("division_id"):
        divisions.setdefault(link.organization_id, []).append(link.division)
    codes = [d.code for found in divisions.values() for d in found]
    populations = selectors.populations_on(codes, today)
    rows: list[list[Any]] = []
    for unit in units:
        category = categories[unit.pk]
        label = str(UnitCategory(category).label)
        if basis_of(category) == TargetBasis.HEADCOUNT:
            found = headcounts.get(unit.pk)
            rows.append(
                [unit.code, "", unit.name, label, found.headcount if found else "", "", "", ""]
            )
            continue
        for division in divisions.get(unit.pk, []):
            population = populations.get(division.code)
            figure = population.population if population else ""
            rows.append([unit.code, division.code, division.name, label, "", figure, "", ""])
    return rows


def template_xlsx(actor: Any) -> bytes:
    """The target sheet's template as xlsx: the header, then `template_rows`. Codes are text
    cells (a 12-digit code must not become a number)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    sheet = workbook.add_worksheet("targets")
    head = workbook.add_format({"bold": True, "bg_color": "#EAEEF2", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    for column, width in enumerate((18, 16, 30, 22, 10, 12, 12, 24)):
        sheet.set_column(column, column, width, text if column in (0, 1, 6, 7) else None)
    for column, label in enumerate(TEMPLATE_HEADER):
        sheet.write_string(0, column, label, head)
    for line, row in enumerate(template_rows(actor), start=1):
        for column, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(line, column, value)
            elif value:
                sheet.write_string(line, column, text_cell(value), text)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
