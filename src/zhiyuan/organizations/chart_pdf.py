"""The organisation chart (plan Attachment 1) as a paginated A4 PDF.

The tree is drawn down to street/township level, each row with the organisation's kind and its
subtree's counts per level; community-level stations and teams appear as counts, or are listed
when the chart is a street's own (or smaller).
"""

from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from zhiyuan.common import pdf
from zhiyuan.organizations.chart import LEVELS, ChartNode, OrganizationChart
from zhiyuan.organizations.enums import OrgKind, OrgLevel

PAGE = landscape(A4)
RED = colors.HexColor("#c8102e")
LEVEL_BACKGROUND = {
    OrgLevel.CITY: colors.HexColor("#fbe4e7"),
    OrgLevel.DISTRICT: colors.HexColor("#fff1e5"),
}
# Column widths in mm: name, kind, four levels, community stations / teams (257 mm in all).
WIDTHS = [92 * mm, 45 * mm, 21 * mm, 21 * mm, 21 * mm, 21 * mm, 36 * mm]
INDENT = 5 * mm


def _kind_label(node: ChartNode) -> str:
    label = str(OrgKind(node.kind).label) if node.kind in OrgKind.values else node.kind
    if node.is_management_area:
        label += " · " + _("Management area")
    if not node.is_active:
        label += " · " + _("Inactive")
    return label


def _stations_and_teams(node: ChartNode) -> str:
    kinds = node.kind_counts(OrgLevel.COMMUNITY)
    stations, teams = kinds[OrgKind.SERVICE_STATION], kinds[OrgKind.SERVICE_TEAM]
    return f"{stations} / {teams}" if stations or teams else ""


def _header(chart: OrganizationChart, today: date) -> list[Flowable]:
    title = pdf.paragraph_style("title", size=18, leading=24, color=RED, alignment=1)
    body = pdf.paragraph_style("meta", size=10)
    head = pdf.paragraph_style("totals", size=9)
    number = pdf.paragraph_style("total", size=9, alignment=2)
    scope_names = "、".join(root.name for root in chart.roots)
    totals = [
        [pdf.paragraph(str(label), head) for label in OrgLevel.labels],
        [pdf.paragraph(str(chart.totals[v]), number) for v in LEVELS],
    ]
    table = Table(totals, colWidths=[40 * mm] * len(LEVELS), hAlign="LEFT")
    table.setStyle(_grid_style(header_rows=1))
    return [
        pdf.paragraph(_("Volunteer service organisation chart"), title),
        Spacer(1, 3 * mm),
        pdf.paragraph(_("Scope: %(names)s") % {"names": scope_names}, body),
        pdf.paragraph(_("Date: %(date)s") % {"date": date_format(today)}, body),
        pdf.paragraph(_("Organisations per level"), body),
        Spacer(1, 1 * mm),
        table,
        Spacer(1, 5 * mm),
    ]


def _grid_style(*, header_rows: int) -> TableStyle:
    """Lines and shading; every cell is a Paragraph (pdf.paragraph: each character in its font,
    numbers right-aligned by their style)."""
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#d0d7de")),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#eaeef2")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]
    )


def _tree_table(chart: OrganizationChart) -> Table:
    name_styles: dict[int, ParagraphStyle] = {}
    cell_style = pdf.paragraph_style("cell", size=8.5)
    number = pdf.paragraph_style("number", size=8.5, alignment=2)
    head = pdf.paragraph_style("head", size=8.5)
    header: list[Paragraph] = [
        pdf.paragraph(_("Organisation"), head),
        pdf.paragraph(_("Kind"), head),
        *(pdf.paragraph(str(label), head) for label in OrgLevel.labels),
        pdf.paragraph(_("Community stations / teams"), head),
    ]
    rows: list[list[Paragraph]] = [header]
    commands: list[tuple[object, ...]] = []
    deepest = OrgLevel.COMMUNITY if chart.is_street_or_below else OrgLevel.STREET
    for node, depth in chart.walk():
        if node.level > deepest:
            continue
        if depth not in name_styles:
            name_styles[depth] = pdf.paragraph_style(
                f"name{depth}", size=9, leftIndent=depth * INDENT
            )
        rows.append(
            [
                pdf.paragraph(node.name, name_styles[depth]),
                pdf.paragraph(_kind_label(node), cell_style),
                *(pdf.paragraph(str(node.counts[level] or ""), number) for level in LEVELS),
                pdf.paragraph(_stations_and_teams(node), number),
            ]
        )
        background = LEVEL_BACKGROUND.get(OrgLevel(node.level))
        if background is not None:
            commands.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), background))
    table = Table(rows, colWidths=WIDTHS, repeatRows=1)
    style = _grid_style(header_rows=1)
    for command in commands:
        style.add(*command)
    table.setStyle(style)
    return table


def chart_pdf(chart: OrganizationChart, *, today: date) -> bytes:
    """The chart as a PDF (A4 landscape, paginated, header row repeated on every page).

    Raises zhiyuan.common.pdf.FontUnavailable when no font can be used.
    """
    story: list[Flowable] = _header(chart, today)
    if chart.roots:
        story.append(_tree_table(chart))
    else:
        story.append(pdf.paragraph(_("No organisations in your scope."), pdf.paragraph_style()))
    return pdf.render_pdf(
        story,
        title=_("Volunteer service organisation chart"),
        pagesize=PAGE,
        footer=_("Volunteer service organisation chart") + " · " + date_format(today),
    )
