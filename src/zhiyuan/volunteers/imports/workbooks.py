"""Spreadsheets around roster imports: the import template (ID and phone columns formatted as
text, drop-down lists for the choices) and the error report (every original row, its
problems beside it, the cells at fault marked), both safe against formula injection."""

import io
from typing import Any

import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext as _

from zhiyuan.volunteers import rules
from zhiyuan.volunteers.exports import WORKBOOK_OPTIONS, text_cell
from zhiyuan.volunteers.imports.cells import CHOICE_FIELDS, cell_text
from zhiyuan.volunteers.imports.files import file_bytes
from zhiyuan.volunteers.imports.messages import shown
from zhiyuan.volunteers.imports.reader import column_letter, open_roster
from zhiyuan.volunteers.models import RosterImport
from zhiyuan.volunteers.permissions import registration_points
from zhiyuan.volunteers.selectors import home_division_area

# The template's columns: the header as offices write it, and the field (reader.HEADER_ALIASES).
TEMPLATE_COLUMNS = [
    ("姓名", "name"),
    ("性别", "gender"),
    ("证件类型", "document_type"),
    ("身份证号", "document_number"),
    ("出生日期", "birth_date"),
    ("民族", "ethnicity"),
    ("政治面貌", "political_status"),
    ("学历", "education"),
    ("职业", "occupation"),
    ("工作单位或学校", "work_unit_name"),
    ("手机号", "mobile"),
    ("电子邮箱", "email"),
    ("居住社区", "home_division"),
    ("详细地址", "address_detail"),
    ("技能特长", "skills"),
    ("服务意向", "service_intentions"),
    ("服务时间", "available_times"),
    ("紧急联系人", "emergency_contact_name"),
    ("紧急联系人电话", "emergency_contact_phone"),
    ("注册依据", "age_basis"),
    ("监护人姓名", "guardian_name"),
    ("监护人关系", "guardian_relation"),
    ("监护人手机", "guardian_mobile"),
    ("学校同意书编号", "school_consent_reference"),
]
TEXT_FIELDS = {
    "document_number",
    "mobile",
    "emergency_contact_phone",
    "guardian_mobile",
    "home_division",
}
TEMPLATE_ROWS = 5000  # rows the drop-downs and text formats cover
REPORT_ROW_HEADER = "原行号"
REPORT_PROBLEMS_HEADER = "问题"


def template_xlsx(user: Any = None) -> bytes:
    """The import template: a 名册 sheet with the header row, the ID, phone and division-code
    columns formatted as text (so Excel keeps all 18 characters), drop-down lists for the
    choices (from a hidden 选项 sheet, in Chinese) and, for `user`, of the places people live
    in the districts where they register (`rules.place_names`: names the import reads back;
    a 12-digit code is still accepted), and a 说明 sheet."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    text = book.add_format({"num_format": "@"})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("名册")
    options = book.add_worksheet("选项")
    guide = book.add_worksheet("说明")
    for column, (title, field) in enumerate(TEMPLATE_COLUMNS):
        sheet.write_string(0, column, title, header)
        width = 20 if field in TEXT_FIELDS or field.endswith("name") else 12
        cell_format = (
            text if field in TEXT_FIELDS else date_format if field == "birth_date" else None
        )
        sheet.set_column(column, column, width, cell_format)
    sheet.freeze_panes(1, 0)
    with translation.override("zh-hans"):
        for list_column, (field, enum) in enumerate(CHOICE_FIELDS.items()):
            labels = [str(label) for _value, label in enum.choices]
            options.write_column(0, list_column, labels)
            _offer_list(sheet, field, list_column, len(labels), error_type="warning")
    _place_list(sheet, options, len(CHOICE_FIELDS), _user_places(user))
    options.hide()
    _write_guide(guide)
    book.close()
    return buffer.getvalue()


def _user_places(user: Any) -> list[str]:
    """The place names of the districts of `user`'s registration points, district by district."""
    if user is None:
        return []
    areas = {home_division_area(point.organization) for point in registration_points(user)}
    ordered = sorted((area for area in areas if area is not None), key=lambda area: area.code)
    return [label for area in ordered for label, _place in rules.place_names(area)]


def _place_list(sheet: Any, options: Any, list_column: int, places: list[str]) -> None:
    if not places:
        return
    options.write_column(0, list_column, [text_cell(place) for place in places])
    # "information", not "warning": a 12-digit code is welcome too.
    _offer_list(sheet, "home_division", list_column, len(places), error_type="information")


def _write_guide(guide: Any) -> None:
    lines = [
        _("How to fill in the roster"),
        _("Keep the header row; columns may be in any order, and unknown columns are ignored."),
        _(
            "姓名, 身份证号 and 手机号 are required. The ID column is formatted as text: type or "
            "paste the 18 characters; never let Excel turn them into a number."
        ),
        _(
            "Gender and date of birth are taken from a resident ID number; fill them in for "
            "other documents."
        ),
        _("Several skills, intentions or times: separate them with 、"),
        _(
            "居住社区: choose the community, village or street from the list, or write its "
            "12-digit division code."
        ),
        _(
            "People under 18: choose their basis of registration and fill in the guardian's "
            "details or the school's consent reference."
        ),
        _(
            "Everyone on the roster must have signed the registration form, including the "
            "consent to processing their ID number; each person then confirms their "
            "registration with a code sent to their own mobile."
        ),
    ]
    guide.set_column(0, 0, 110)
    for row, line in enumerate(lines):
        guide.write_string(row, 0, text_cell(line))


def error_report_xlsx(roster_import: RosterImport) -> bytes:
    """The roster with its problems: the original row number, every original cell (as text),
    and the problems of the row in a last column; cells at fault are marked in red. Fixed in
    place, the file can be uploaded again (the extra columns are ignored).
    Raises ValidationError once the file was deleted after the retention period."""
    sheet_data = open_roster(file_bytes(roster_import))
    by_row: dict[int, list[dict[str, Any]]] = {}
    for problem in roster_import.problems:
        by_row.setdefault(problem["row"], []).append(shown(problem))
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {**WORKBOOK_OPTIONS, "constant_memory": True})
    header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    plain = book.add_format({"num_format": "@"})
    fault = book.add_format({"num_format": "@", "bg_color": "#FFC7CE", "font_color": "#9C0006"})
    sheet = book.add_worksheet(_("Problems"))
    width = max(sheet_data.headers, default=-1) + 1
    titles = [REPORT_ROW_HEADER] + [sheet_data.headers.get(i, "") for i in range(width)]
    titles.append(REPORT_PROBLEMS_HEADER)
    for column, title in enumerate(titles):
        sheet.write_string(0, column, text_cell(title), header)
    sheet.set_column(1, width, 16)
    sheet.set_column(width + 1, width + 1, 60)
    columns_at_fault = {
        column: index
        for index, column in (
            (i, f"{column_letter(sheet_data.first_column + i)} {sheet_data.headers[i]}")
            for i in sheet_data.headers
        )
    }
    out = 1
    for number, cells in sheet_data.rows:
        if not any(str(value or "").strip() for value in cells):
            continue
        problems = sorted(
            by_row.get(number, []), key=lambda p: columns_at_fault.get(p["column"], width)
        )
        marked = {columns_at_fault.get(p["column"]) for p in problems}
        sheet.write_number(out, 0, number)
        for index in range(width):
            value = cells[index] if index < len(cells) else ""
            cell_format = fault if index in marked else plain
            sheet.write_string(out, index + 1, text_cell(_report_text(value)), cell_format)
        # The column by its header only: the report's letters are one to the right of the
        # original file's (its first column is the original row number).
        # A field without a column in the file is named in words, which may hold spaces.
        summary = "；".join(
            f"{_header_of(p['column']) if p['column'] in columns_at_fault else p['column']}："
            f"{p['message']}"
            for p in problems
        )
        sheet.write_string(out, width + 1, text_cell(summary), plain)
        out += 1
    sheet.freeze_panes(1, 1)
    book.close()
    return buffer.getvalue()


def _header_of(column: str) -> str:
    return column.partition(" ")[2] or column


def _report_text(value: Any) -> str:
    # Numbers are written as they were read (an ID stored as a number shows its lost digits).
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return cell_text(value)


def _offer_list(sheet: Any, field: str, list_column: int, count: int, *, error_type: str) -> None:
    """Let `field`'s column pick from the `count` options in column `list_column` of 选项."""
    column = next(i for i, (_t, f) in enumerate(TEMPLATE_COLUMNS) if f == field)
    letter = column_letter(list_column)
    source = f"=选项!${letter}$1:${letter}${count}"
    options = {"validate": "list", "source": source, "error_type": error_type}
    sheet.data_validation(1, column, TEMPLATE_ROWS, column, options)
