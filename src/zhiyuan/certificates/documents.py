"""The certificate as an A4 PDF (志愿服务记录证明; 民政部令第67号 第十九条 lists what it states):
the title, the number, the statement, a table of the person (name, ID type and number, masked
unless the volunteer asked), the registration number, the period, the hours (total, and per
activity when asked) and the service content; the issuer, its person in charge, the handler,
the contact and the date of issue beside a box for the seal (the issuer's own seal image
printed in it when it uploaded one); and a QR code of the public check's URL.

Laid out with ReportLab through `common.pdf` (every character in the first font of the chain
that has it, the TrueType font embedded), as every PDF of the platform.
"""

from io import BytesIO
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, KeepTogether, Spacer, Table, TableStyle

from zhiyuan.certificates import selectors
from zhiyuan.certificates.models import Certificate
from zhiyuan.common import pdf
from zhiyuan.common.identity import DocumentType
from zhiyuan.hours import rules

LINE = colors.black
LABEL_BACKGROUND = colors.HexColor("#f2f2f2")
MUTED = colors.HexColor("#555555")
REVOKED = colors.HexColor("#b00020")
SEAL_SIZE = 42 * mm  # a round official seal is 42 mm across
QR_SIZE = 30 * mm
WIDTH = 180 * mm  # A4 less the 15 mm margins


def title() -> str:
    return _("Certificate of volunteer service record")


def file_name(certificate: Certificate) -> str:
    return f"{certificate.number}.pdf"


def period_text(certificate: Certificate) -> str:
    """ "2026-01-01 – 2026-06-30", one end open ("until …", "from …"), or "all records"."""
    start, end = certificate.period_start, certificate.period_end
    if start and end:
        return f"{date_format(start, 'Y-m-d')} – {date_format(end, 'Y-m-d')}"
    if start:
        return _("from %(date)s") % {"date": date_format(start, "Y-m-d")}
    if end:
        return _("until %(date)s") % {"date": date_format(end, "Y-m-d")}
    return _("all records up to the date of issue")


def hours_text(minutes: int) -> str:
    return _("%(hours)s hours") % {"hours": f"{rules.hours(minutes):.2f}"}


def _statement(certificate: Certificate) -> str:
    return _(
        "This is to certify that %(name)s, registered volunteer number %(number)s, served "
        "%(hours)s of volunteer service recorded by %(issuer)s (%(period)s), as confirmed in "
        "its records of volunteer service."
    ) % {
        "name": certificate.name,
        "number": certificate.registration_number or "—",
        "hours": hours_text(certificate.minutes),
        "issuer": certificate.issuer_name,
        "period": period_text(certificate),
    }


def _grid(rows: list[list[Any]], widths: list[float], *, head: bool = False) -> Table:
    table = Table(rows, colWidths=[w * mm for w in widths], hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, LINE),
        ("BOX", (0, 0), (-1, -1), 1, LINE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if head:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), LABEL_BACKGROUND))
    else:
        commands += [
            ("BACKGROUND", (0, 0), (0, -1), LABEL_BACKGROUND),
            ("BACKGROUND", (2, 0), (2, -1), LABEL_BACKGROUND),
        ]
    table.setStyle(TableStyle(commands))
    return table


def _person(certificate: Certificate) -> Table:
    cell = pdf.paragraph_style("cell", size=10.5, leading=14)
    label = pdf.paragraph_style("label", size=10.5, leading=14)

    def p(text: str, style: Any = cell) -> Any:
        return pdf.paragraph(text, style)

    number = certificate.document_number or certificate.document_masked
    rows = [
        [
            p(_("Name"), label),
            p(certificate.name),
            p(_("ID type"), label),
            p(str(DocumentType(certificate.document_type).label)),
        ],
        [
            p(_("ID number"), label),
            p(number),
            p(_("Registration number"), label),
            p(certificate.registration_number or "—"),
        ],
        [
            p(_("Period"), label),
            p(period_text(certificate)),
            p(_("Total hours"), label),
            p(hours_text(certificate.minutes)),
        ],
        [p(_("Service content"), label), p(certificate.content), "", ""],
    ]
    table = _grid(rows, [28, 62, 30, 60])
    table.setStyle(TableStyle([("SPAN", (1, 3), (3, 3))]))
    return table


def _activities(certificate: Certificate) -> list[Flowable]:
    if not certificate.per_activity:
        return []
    head = pdf.paragraph_style("head", size=10, alignment=1)
    cell = pdf.paragraph_style("cell", size=10, leading=13)
    right = pdf.paragraph_style("right", size=10, leading=13, alignment=2)
    rows = [[pdf.paragraph(text, head) for text in (_("Activity"), _("Records"), _("Hours"))]]
    for line in certificate.activities:
        rows.append(
            [
                pdf.paragraph(str(line["title"]), cell),
                pdf.paragraph(str(line["records"]), right),
                pdf.paragraph(f"{rules.hours(int(line['minutes'])):.2f}", right),
            ]
        )
    heading = pdf.paragraph_style("subheading", size=11, leading=16)
    return [
        Spacer(1, 4 * mm),
        pdf.paragraph(_("Hours per activity"), heading),
        _grid(rows, [120, 25, 35], head=True),
    ]


def _seal_box(seal: bytes | None) -> Any:
    if seal is None:
        return pdf.paragraph(
            _("Seal of the issuer"), pdf.paragraph_style("seal", size=9, alignment=1, color=MUTED)
        )
    image = Image(BytesIO(seal), width=SEAL_SIZE, height=SEAL_SIZE, kind="proportional")
    image.hAlign = "CENTER"
    return image


def _issuer(certificate: Certificate, seal: bytes | None) -> Table:
    meta = pdf.paragraph_style("meta", size=10.5, leading=17)
    lines = [
        (_("Issuer"), certificate.issuer_name),
        (_("Person in charge"), certificate.person_in_charge or "—"),
        (_("Handler"), certificate.handler or "—"),
        (_("Contact"), certificate.contact or "—"),
        (_("Date of issue"), date_format(certificate.issued_on, "Y-m-d")),
    ]
    text = [pdf.paragraph(f"{label}：{value}", meta) for label, value in lines]
    table = Table(
        [[text, _seal_box(seal)]],
        colWidths=[180 * mm - SEAL_SIZE - 8 * mm, SEAL_SIZE + 8 * mm],
        rowHeights=[SEAL_SIZE + 8 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (0, 0), "BOTTOM"),
                ("VALIGN", (1, 0), (1, 0), "MIDDLE"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
            ]
            + ([] if seal else [("BOX", (1, 0), (1, 0), 0.5, MUTED)])
        )
    )
    return table


def _qr(url: str) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    return drawing


def _check(certificate: Certificate, url: str) -> Table:
    note = pdf.paragraph_style("check", size=9, leading=13, color=MUTED)
    text = [
        pdf.paragraph(
            _(
                "Scan the code, or open the address below and enter the certificate number, to "
                "check that this certificate is genuine and valid."
            ),
            note,
        ),
        pdf.paragraph(url, note),
    ]
    table = Table(
        [[_qr(url), text]], colWidths=[QR_SIZE + 6 * mm, WIDTH - QR_SIZE - 6 * mm], hAlign="LEFT"
    )
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)])
    )
    return table


def certificate_pdf(certificate: Certificate, *, check_url: str) -> bytes:
    """The certificate's A4 PDF, with a QR code of `check_url` (the public check's absolute
    URL for its number). A revoked certificate prints "Revoked" in its heading. Raises
    common.pdf.FontUnavailable when no font can be used."""
    heading = pdf.paragraph_style("title", size=22, leading=32, alignment=1)
    number = pdf.paragraph_style("number", size=10, alignment=2, color=MUTED)
    body = pdf.paragraph_style("body", size=12, leading=21, firstLineIndent=24)
    story: list[Flowable] = [
        pdf.paragraph(title(), heading),
        pdf.paragraph(_("No. %(number)s") % {"number": certificate.number}, number),
    ]
    if certificate.is_revoked:
        revoked = pdf.paragraph_style("revoked", size=14, alignment=1, color=REVOKED)
        story.append(pdf.paragraph(_("Revoked: this certificate is no longer valid."), revoked))
    story += [
        Spacer(1, 6 * mm),
        pdf.paragraph(_statement(certificate), body),
        Spacer(1, 5 * mm),
        _person(certificate),
        *_activities(certificate),
        Spacer(1, 10 * mm),
        KeepTogether([_issuer(certificate, selectors.seal_image(certificate))]),
        Spacer(1, 8 * mm),
        KeepTogether([_check(certificate, check_url)]),
    ]
    return pdf.render_pdf(story, title=title(), footer=certificate.number)
