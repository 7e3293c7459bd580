"""Documents of the plan's attachments, in Chinese: Attachment 2, the registration-number
allocation table (注册编号分配表), as xlsx and PDF; Attachment 4, the registration form of a
registered volunteer (注册志愿者登记表), as a PDF laid out like the paper form.

PDFs go through `zhiyuan.common.pdf` (embedded TrueType fonts, each character in the first font
of its chain that has it, "page n of N" footers): every text is a `pdf.paragraph`, never a bare
string in a table cell, which ReportLab would draw in one font. They raise its FontUnavailable
when no font can be used.
ID numbers and phones on the form are masked unless the caller checked that the user may see
them and logged it (`reveal`).
"""

from datetime import date
from io import BytesIO
from typing import Any

import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Paragraph, Spacer, Table, TableStyle

from zhiyuan.common import pdf
from zhiyuan.common.audit import log_action
from zhiyuan.common.crypto import DecryptionError
from zhiyuan.common.masking import mask_document, mask_phone
from zhiyuan.common.text import clean_note
from zhiyuan.divisions.enums import PREFIX_LENGTH
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.enums import OrgLevel
from zhiyuan.volunteers import permissions
from zhiyuan.volunteers.allocation import AllocationRow
from zhiyuan.volunteers.enums import ActivityCategory, AgeBasis, AvailableTime, Skill
from zhiyuan.volunteers.exports import WORKBOOK_OPTIONS, choice_labels, text_cell, write_text_row
from zhiyuan.volunteers.models import Delegation, Volunteer

LINE = colors.black
LABEL_BACKGROUND = colors.HexColor("#f2f2f2")
SECTION_BACKGROUND = colors.HexColor("#e4e4e4")
MUTED = colors.HexColor("#555555")


def allocation_title() -> str:
    return _("Registration number allocation table")


def registration_form_title() -> str:
    return _("Registration form of a registered volunteer")


# --- Attachment 2: the allocation table ---------------------------------------------------


def allocation_headers(year: int) -> list[str]:
    return [
        _("No."),
        _("Body code"),
        _("Registration body"),
        _("Level"),
        _("Number format (example)"),
        _("Numbers issued in %(year)s") % {"year": year},
        _("Registered volunteers"),
        _("Registers through it (delegations)"),
    ]


def delegation_label(delegation: Delegation) -> str:
    return f"{delegation.organization.name}（{delegation.organization.code}）"


def _level(row: AllocationRow) -> str:
    return str(OrgLevel(row.body.organization.level).label)


def _delegations(row: AllocationRow, separator: str) -> str:
    return separator.join(delegation_label(d) for d in row.delegations)


def allocation_table_xlsx(rows: list[AllocationRow], *, year: int, today: date) -> bytes:
    """Attachment 2 as an xlsx workbook: a title row, a row with the year and date, the header
    row (allocation_headers), then one row per body. Codes and number formats are text cells
    (leading zeros stay); counts are numbers; delegations are one cell, one per line."""
    buffer = BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    sheet = workbook.add_worksheet(allocation_title()[:31].strip())
    title = workbook.add_format({"bold": True, "font_size": 16, "align": "center"})
    head = workbook.add_format(
        {"bold": True, "border": 1, "bg_color": "#EAEEF2", "text_wrap": True, "valign": "vcenter"}
    )
    text = workbook.add_format({"num_format": "@", "border": 1, "valign": "top"})
    wrapped = workbook.add_format(
        {"num_format": "@", "border": 1, "valign": "top", "text_wrap": True}
    )
    number = workbook.add_format({"border": 1, "valign": "top"})
    headers = allocation_headers(year)
    for column, width in enumerate([6, 12, 30, 14, 20, 14, 14, 48]):
        sheet.set_column(column, column, width)
    sheet.merge_range(0, 0, 0, len(headers) - 1, text_cell(allocation_title()), title)
    sheet.write_string(
        1, 0, text_cell(_("Year: %(year)s · Date: %(date)s") % {"year": year, "date": today})
    )
    write_text_row(sheet, 2, headers, head)
    for index, row in enumerate(rows, start=1):
        line = index + 2
        sheet.write_number(line, 0, index, number)
        sheet.write_string(line, 1, text_cell(row.body.code), text)
        sheet.write_string(line, 2, text_cell(row.body.organization.name), wrapped)
        sheet.write_string(line, 3, text_cell(_level(row)), text)
        sheet.write_string(line, 4, text_cell(row.example), text)
        sheet.write_number(line, 5, row.issued, number)
        sheet.write_number(line, 6, row.registered, number)
        sheet.write_string(line, 7, text_cell(_delegations(row, "\n")), wrapped)
    sheet.freeze_panes(3, 0)
    workbook.close()
    return buffer.getvalue()


def _grid(*, header_rows: int = 1) -> TableStyle:
    """Lines and shading; every cell is a Paragraph (pdf.paragraph: each character in its font)."""
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, LINE),
            ("BOX", (0, 0), (-1, -1), 1, LINE),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), LABEL_BACKGROUND),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
    )


def _attachment_heading(number: int, title: str) -> list[Flowable]:
    mark = pdf.paragraph_style("attachment", size=12, leading=16)
    heading = pdf.paragraph_style("title", size=20, leading=28, alignment=1)
    return [
        pdf.paragraph(_("Attachment %(n)s") % {"n": number}, mark),
        pdf.paragraph(title, heading),
        Spacer(1, 3 * mm),
    ]


def allocation_table_pdf(rows: list[AllocationRow], *, year: int, today: date) -> bytes:
    """Attachment 2 as a PDF (A4 landscape; the header row repeats on every page).
    Raises zhiyuan.common.pdf.FontUnavailable when no font can be used."""
    cell = pdf.paragraph_style("cell", size=9)
    centred = pdf.paragraph_style("centred", size=9, alignment=1)
    number = pdf.paragraph_style("number", size=9, alignment=2)
    meta = pdf.paragraph_style("meta", size=10, alignment=2)
    table_rows: list[list[Any]] = [[pdf.paragraph(h, centred) for h in allocation_headers(year)]]
    for index, row in enumerate(rows, start=1):
        table_rows.append(
            [
                pdf.paragraph(str(index), centred),
                pdf.paragraph(row.body.code, cell),
                pdf.paragraph(row.body.organization.name, cell),
                pdf.paragraph(_level(row), cell),
                pdf.paragraph(row.example, cell),
                pdf.paragraph(str(row.issued), number),
                pdf.paragraph(str(row.registered), number),
                [pdf.paragraph(delegation_label(d), cell) for d in row.delegations],
            ]
        )
    widths = [12, 24, 56, 26, 36, 22, 22, 69]
    table = Table(table_rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(_grid())
    story: list[Flowable] = [
        *_attachment_heading(2, allocation_title()),
        pdf.paragraph(
            _("Year: %(year)s · Date: %(date)s") % {"year": year, "date": date_format(today)}, meta
        ),
        Spacer(1, 2 * mm),
        table if rows else pdf.paragraph(_("No registration bodies in your area."), cell),
        Spacer(1, 3 * mm),
        pdf.paragraph(
            _(
                "The example is the body's first number of the year. Numbers are issued when the "
                "person confirms the registration, in order and without gaps per body and year; "
                "they are unique city-wide and never reused."
            ),
            pdf.paragraph_style("note", size=8.5, color=MUTED),
        ),
    ]
    return pdf.render_pdf(
        story,
        title=allocation_title(),
        pagesize=landscape(A4),
        footer=allocation_title() + " · " + date_format(today),
    )


# --- Attachment 4: the registration form ---------------------------------------------------

# Columns in mm: label, value, label, value, label, value, photo (180 mm, A4 less margins).
FORM_WIDTHS = [21, 33, 21, 32, 21, 25, 27]
PHOTO_SIZE = (25 * mm, 35 * mm)  # a one-inch ID photo


class _Form:
    """Builds the rows of the form's table and the spans and shading that go with them."""

    def __init__(self) -> None:
        chinese = (get_language() or "").startswith("zh")
        # English words are long for the label columns: a smaller size keeps "Confirmation"
        # and "Undergraduate" whole in Noto Sans's Latin letters.
        self.label_style = pdf.paragraph_style("label", size=9.5 if chinese else 8.5, alignment=1)
        if not chinese:
            self.label_style.wordWrap = None  # break English labels between words only
        self.value_style = pdf.paragraph_style("value", size=10 if chinese else 9)
        self.section_style = pdf.paragraph_style("section", size=10.5, alignment=1)
        self.rows: list[list[Any]] = []
        self.commands: list[tuple[Any, ...]] = []

    def label(self, text: str) -> Paragraph:
        return pdf.paragraph(text, self.label_style)

    def value(self, text: Any) -> Paragraph:
        return pdf.paragraph("" if text is None else str(text), self.value_style)

    def add(self, cells: list[Any], *, spans: tuple[tuple[int, int], ...] = ()) -> int:
        """A row of seven cells (None where a span covers); `spans` are (first, last) columns.
        Label cells (columns 0, 2, 4 holding a label) are shaded by the caller's pattern."""
        index = len(self.rows)
        self.rows.append([cell if cell is not None else "" for cell in cells])
        for first, last in spans:
            self.commands.append(("SPAN", (first, index), (last, index)))
        return index

    def shade(self, row: int, *columns: int) -> None:
        for column in columns:
            self.commands.append(("BACKGROUND", (column, row), (column, row), LABEL_BACKGROUND))

    def section(self, title: str) -> None:
        index = self.add([pdf.paragraph(title, self.section_style)] + [None] * 6, spans=((0, 6),))
        self.commands.append(("BACKGROUND", (0, index), (-1, index), SECTION_BACKGROUND))

    def pair(self, label: str, value: Any) -> None:
        """One label and a value across the rest of the row."""
        index = self.add([self.label(label), self.value(value)] + [None] * 5, spans=((1, 6),))
        self.shade(index, 0)

    def two(self, first: tuple[str, Any], second: tuple[str, Any]) -> None:
        """Two label-value pairs: the first value over columns 1–3, the second over 5–6."""
        cells = [self.label(first[0]), self.value(first[1]), None, None]
        cells += [self.label(second[0]), self.value(second[1]), None]
        index = self.add(cells, spans=((1, 3), (5, 6)))
        self.shade(index, 0, 4)

    def table(self) -> Table:
        table = Table(
            self.rows,
            colWidths=[w * mm for w in FORM_WIDTHS],
            rowHeights=None,
            repeatRows=0,
        )
        style = TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, LINE),
                ("BOX", (0, 0), (-1, -1), 1.4, LINE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
        for command in self.commands:
            style.add(*command)
        table.setStyle(style)
        return table


def division_path(division: Division | None) -> str:
    """The division's name with those above it (province to village), e.g.
    湖南省岳阳市岳阳楼区岳阳楼街道郭亮社区; one query."""
    if division is None:
        return ""
    codes = [division.code[:n].ljust(12, "0") for n in PREFIX_LENGTH.values()]
    chain = Division.objects.filter(code__in=set(codes), level__lte=division.level)
    names = [d.name for d in sorted(chain, key=lambda d: d.level)]
    return "".join(names) or division.name


def _photo(volunteer: Volunteer, form: _Form) -> Any:
    """The volunteer's photo scaled into the photo box, or the box's caption."""
    caption = pdf.paragraph(
        _("Photo"), pdf.paragraph_style("photo", size=9, color=MUTED, alignment=1)
    )
    if not volunteer.photo:
        return caption
    try:
        with volunteer.photo.open("rb") as file:
            content = BytesIO(file.read())
        image = Image(content, width=PHOTO_SIZE[0], height=PHOTO_SIZE[1], kind="proportional")
        image.hAlign = "CENTER"
    except (OSError, ValueError, SyntaxError, DecryptionError):
        # A missing or unreadable file must not stop the form; the box stays for a paper photo.
        return caption
    return image


def _masked(value: str, *, reveal: bool, document: bool = False) -> str:
    if not value or reveal:
        return value
    return mask_document(value) if document else mask_phone(value)


def _person_rows(form: _Form, volunteer: Volunteer, *, reveal: bool) -> None:
    form.section(_("Personal details"))
    first = form.add(
        [
            form.label(pgettext("person", "Name")),
            form.value(volunteer.name),
            form.label(_("Gender")),
            form.value(volunteer.get_gender_display()),
            form.label(_("Date of birth")),
            form.value(volunteer.birth_date.isoformat()),
            _photo(volunteer, form),
        ]
    )
    form.add(
        [
            form.label(_("Ethnicity")),
            form.value(volunteer.get_ethnicity_display()),
            form.label(_("Political status")),
            form.value(volunteer.get_political_status_display()),
            form.label(_("Education")),
            form.value(volunteer.get_education_display()),
            None,
        ]
    )
    form.add(
        [
            form.label(_("ID document type")),
            form.value(volunteer.get_document_type_display()),
            form.label(_("ID number")),
            form.value(_masked(volunteer.document_number, reveal=reveal, document=True)),
            None,
            None,
            None,
        ],
        spans=((3, 5),),
    )
    form.add(
        [
            form.label(_("Mobile")),
            form.value(_masked(volunteer.mobile, reveal=reveal)),
            form.label(_("Email")),
            form.value(volunteer.email),
            None,
            None,
            None,
        ],
        spans=((3, 5),),
    )
    form.commands.append(("SPAN", (6, first), (6, first + 3)))
    form.commands.append(("ALIGN", (6, first), (6, first), "CENTER"))
    for row in range(first, first + 4):
        form.shade(row, 0, 2)
    form.shade(first, 4)
    form.shade(first + 1, 4)
    form.two(
        (_("Work unit or school"), volunteer.work_unit_name),
        (_("Occupation"), volunteer.occupation),
    )
    form.pair(_("Home division"), division_path(volunteer.home_division))
    form.pair(_("Address"), volunteer.address_detail)
    emergency = form.add(
        [
            form.label(_("Emergency contact")),
            form.value(volunteer.emergency_contact_name),
            None,
            None,
            form.label(_("Contact phone")),
            form.value(_masked(volunteer.emergency_contact_phone, reveal=reveal)),
            None,
        ],
        spans=((1, 3), (5, 6)),
    )
    form.shade(emergency, 0, 4)


def _service_rows(form: _Form, volunteer: Volunteer) -> None:
    form.section(_("Volunteer service"))
    form.pair(_("Skills"), choice_labels(volunteer.skills, Skill))
    form.pair(
        _("Service intentions"), choice_labels(volunteer.service_intentions, ActivityCategory)
    )
    form.pair(_("Available times"), choice_labels(volunteer.available_times, AvailableTime))


def _has_guardian(volunteer: Volunteer) -> bool:
    """A minor registered with the guardian's consent: the guardian's row and signature."""
    return volunteer.age_basis == AgeBasis.GUARDIAN_CONSENT or bool(volunteer.guardian_name)


def _registration_rows(form: _Form, volunteer: Volunteer, *, reveal: bool) -> None:
    form.section(_("Registration"))
    registered_on = volunteer.registered_on.isoformat() if volunteer.registered_on else ""
    form.two(
        (_("Registration number"), volunteer.registration_number or ""),
        (_("Registration date"), registered_on),
    )
    form.two(
        (_("Registration body"), volunteer.body.organization.name),
        (_("Status"), volunteer.get_status_display()),
    )
    form.two(
        (_("Registered through"), volunteer.organization.name),
        (_("Confirmation"), volunteer.get_confirmation_method_display()),
    )
    form.pair(_("Age basis"), volunteer.get_age_basis_display())
    if _has_guardian(volunteer):
        guardian = form.add(
            [
                form.label(_("Guardian")),
                form.value(volunteer.guardian_name),
                form.label(_("Relation")),
                form.value(volunteer.guardian_relation),
                form.label(_("Guardian's mobile")),
                form.value(_masked(volunteer.guardian_mobile, reveal=reveal)),
                None,
            ],
            spans=((5, 6),),
        )
        form.shade(guardian, 0, 2, 4)
    if volunteer.age_basis == AgeBasis.SCHOOL_CONSENT or volunteer.school_consent_reference:
        form.pair(_("School consent reference"), volunteer.school_consent_reference)


def _consent_rows(form: _Form, volunteer: Volunteer) -> None:
    form.section(_("Consent to processing personal information"))
    consented = timezone.localtime(volunteer.id_consent_at)
    form.pair(
        _("Consent record"),
        _(
            "Read the privacy notice (version %(version)s) and gave separate consent to the "
            "processing of the ID number on %(time)s."
        )
        % {"version": volunteer.privacy_notice_version, "time": f"{consented:%Y-%m-%d %H:%M}"},
    )
    sign = pdf.paragraph_style("sign", size=10, leading=16)
    dated = pdf.paragraph_style("dated", size=10, leading=16, alignment=2)

    def signed(label: str) -> list[Flowable]:
        """A box to sign (or seal) in, with the date line at its foot."""
        return [
            pdf.paragraph(label, sign),
            Spacer(1, 12 * mm),
            pdf.paragraph(_("Date: ____ / __ / __"), dated),
        ]

    form.add(
        [
            signed(
                _("Signature of the volunteer and the guardian:")
                if _has_guardian(volunteer)
                else _("Signature of the volunteer:")
            ),
            None,
            None,
            signed(_("Registration body (seal):")),
            None,
            None,
            None,
        ],
        spans=((0, 2), (3, 6)),
    )


def registration_form_pdf(volunteer: Volunteer, *, reveal: bool = False) -> bytes:
    """Attachment 4 for one registration: an A4 form of bordered rows (personal details with a
    photo box, volunteer service, registration, guardian where a minor registered with
    consent, the consent record, signature and seal).

    With `reveal` False (the default) the ID number and phones are masked
    (43**************3X, 138****8000); the caller decides and logs a reveal.
    Raises zhiyuan.common.pdf.FontUnavailable when no font can be used.
    """
    form = _Form()
    _person_rows(form, volunteer, reveal=reveal)
    _service_rows(form, volunteer)
    _registration_rows(form, volunteer, reveal=reveal)
    _consent_rows(form, volunteer)
    note = pdf.paragraph_style("note", size=8.5, color=MUTED)
    today = timezone.localdate()
    story: list[Flowable] = [*_attachment_heading(4, registration_form_title()), form.table()]
    if not reveal:
        story += [
            Spacer(1, 2 * mm),
            pdf.paragraph(_("ID numbers and phone numbers are partly hidden."), note),
        ]
    return pdf.render_pdf(
        story,
        title=registration_form_title(),
        footer=_("Printed on %(date)s") % {"date": date_format(today)},
    )


# Every masked value of the form: revealing it needs a role for each (permissions.REVEALING).
FORM_REVEALS = ("document_number", "mobile", "guardian_mobile", "emergency_contact_phone")


def may_reveal_form(user: Any, volunteer: Volunteer) -> bool:
    """Whether `user` may print `volunteer`'s form with full values: a role allowed to see each
    of FORM_REVEALS on the volunteer's organisation (administrators and registrars)."""
    return permissions.may_reveal(user, volunteer, FORM_REVEALS)


def print_registration_form(
    volunteer: Volunteer, *, actor: Any, reveal: bool = False, reason: str = ""
) -> bytes:
    """`registration_form_pdf` for `actor`, logged: "volunteer.form.printed" with whether full
    values were printed and, if so, why (never a value).
    Raises PermissionDenied (reveal without the roles), ValidationError (key "reason": reveal
    without a reason), FontUnavailable (nothing is logged then)."""
    reason = clean_note(reason, field="reason")
    if reveal and not may_reveal_form(actor, volunteer):
        raise PermissionDenied(_("Your roles do not allow full ID numbers or phones."))
    if reveal:
        permissions.reason_to_see_full_values(reason)
    content = registration_form_pdf(volunteer, reveal=reveal)
    data: dict[str, Any] = {"revealed": reveal}
    if reveal:
        data["reason"] = reason
    log_action(
        actor, "volunteer.form.printed", volunteer, organization=volunteer.organization, data=data
    )
    return content
