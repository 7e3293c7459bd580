"""Reporting a step done, and the superior's acceptance or return, with the history kept."""

from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from freezegun import freeze_time

from tests.reports.test_standards import png, upload
from tests.workplan.conftest import (
    BIANHE,
    CITY,
    DISTRICT,
    GUOLIANG,
    STREET,
    Plan,
    add_unit,
    org,
    report,
)
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.reports.rounds.models import ReportingRound, RoundMember, Submission
from zhiyuan.reports.standards import services as standards
from zhiyuan.workplan import selectors, services
from zhiyuan.workplan.enums import ReportStatus
from zhiyuan.workplan.models import StepReport

pytestmark = pytest.mark.django_db


def _step(city_admin: User, levels: list[str], link: str = "", due: date = date(2026, 6, 15)):
    return services.save_step(
        org(CITY), actor=city_admin, name="步骤", due_date=due, levels=levels, link=link
    )


def test_a_unit_outside_the_steps_levels_is_refused_with_the_levels_named(
    city_admin: User, street_admin: User
) -> None:
    step = _step(city_admin, ["street", "community"])
    unit = add_unit(STREET, "U-WP-1", "市三中")
    with pytest.raises(ValidationError) as caught:
        report(step, unit, street_admin)
    assert caught.value.message_dict == {
        "organization": [
            "This step is not asked of 市三中: it applies to Streets and townships, "
            "Communities and villages only."
        ]
    }
    with pytest.raises(ValidationError) as caught:  # a district's committee, and a team
        report(step, org(DISTRICT), None)  # type: ignore[arg-type]
    assert "This step is not asked of" in caught.value.message_dict["organization"][0]
    with pytest.raises(ValidationError):
        report(step, org("430602001001-TM"), street_admin)
    assert not StepReport.objects.exists()


def test_only_the_organisations_administrators_report_it(
    city_admin: User, outsider: User, viewer: User
) -> None:
    step = _step(city_admin, ["street"])
    for actor in (outsider, viewer):
        with pytest.raises(PermissionDenied):
            report(step, org(STREET), actor)
    assert not StepReport.objects.exists()


def test_a_report_keeps_its_person_the_phone_encrypted_and_the_evidence(
    city_admin: User, street_admin: User
) -> None:
    step = _step(city_admin, ["street"])
    made = report(step, org(STREET), street_admin, evidence=upload(png(), "责任人名单.png"))
    made.refresh_from_db()
    assert (made.responsible_person, made.contact_phone, made.status) == (
        "张责任",
        "19900001111",
        ReportStatus.REPORTED,
    )
    assert (made.evidence_name, made.evidence_type) == ("责任人名单.png", "image/png")
    on_disk = Path(made.evidence.storage.path(made.evidence.name)).read_bytes()
    assert b"PNG" not in on_disk and png() not in on_disk
    with made.evidence.open("rb") as kept:
        assert kept.read() == png()
    assert "19900001111" not in str(AuditEntry.objects.get(action="workplan.report.made").data)


def test_bad_reports_are_refused_by_field(city_admin: User, street_admin: User) -> None:
    step = _step(city_admin, ["street"])
    with pytest.raises(ValidationError) as caught:
        services.report_step(
            step,
            org(STREET),
            actor=street_admin,
            responsible_person="",
            contact_phone="12345",
            evidence=upload(b"<script>", "x.png"),
        )
    assert caught.value.message_dict == {
        "responsible_person": ["Name the person responsible."],
        "contact_phone": ["Give the responsible person's mobile number."],
    }
    with pytest.raises(ValidationError) as caught:
        report(step, org(STREET), street_admin, evidence=upload(b"<script>", "x.png"))
    assert caught.value.message_dict == {
        "evidence": ["Choose a JPEG or PNG photo or a PDF of at most 10 MB."]
    }
    assert not StepReport.objects.exists()


def test_return_then_report_again_then_accept_keeps_the_history(
    city_admin: User, street_admin: User, district_admin: User
) -> None:
    step = _step(city_admin, ["street"])
    street = org(STREET)
    first = report(step, street, street_admin)
    with pytest.raises(ValidationError) as caught:
        report(step, street, street_admin)
    assert caught.value.message_dict == {
        "step": ["This step has already been reported and awaits review."]
    }
    with pytest.raises(ValidationError) as caught:
        services.return_report(first, actor=district_admin, reason=" ")
    assert caught.value.message_dict == {"reason": ["Say why the report is returned."]}
    services.return_report(first, actor=district_admin, reason="缺少盖章文件")
    second = report(step, street, street_admin, note="已补充")
    services.accept_report(second, actor=district_admin)
    history = selectors.reports_of(step, street)
    assert [(r.status, r.return_reason, r.decided_by) for r in history] == [
        (ReportStatus.RETURNED, "缺少盖章文件", district_admin),
        (ReportStatus.ACCEPTED, "", district_admin),
    ]
    with pytest.raises(ValidationError) as caught:
        services.accept_report(second, actor=district_admin)
    assert caught.value.message_dict == {"status": ["This report has already been decided."]}
    with pytest.raises(ValidationError) as caught:
        report(step, street, street_admin)
    assert caught.value.message_dict == {
        "step": ["This step has already been reported and accepted."]
    }
    assert list(
        AuditEntry.objects.filter(action__startswith="workplan.report")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "workplan.report.made",
        "workplan.report.returned",
        "workplan.report.made",
        "workplan.report.accepted",
    ]


def test_only_an_administrator_above_decides_and_never_on_their_own_report(
    city_admin: User, street_admin: User, district_admin: User
) -> None:
    step = _step(city_admin, ["street", "community"])
    own = report(step, org(STREET), street_admin)
    with pytest.raises(PermissionDenied):  # a role on the street itself is not above it
        services.accept_report(own, actor=street_admin)
    station = report(step, org(GUOLIANG), street_admin)
    with pytest.raises(ValidationError) as caught:  # above the station, but made the report
        services.accept_report(station, actor=street_admin)
    assert caught.value.message_dict == {
        "actor": ["Another administrator decides on a report you made yourself."]
    }
    services.accept_report(station, actor=district_admin)
    assert [r.pk for r in selectors.awaiting_decision(district_admin)] == [own.pk]
    assert selectors.awaiting_decision(street_admin) == []


def test_a_report_after_the_due_date_is_marked_late(city_admin: User, street_admin: User) -> None:
    step = _step(city_admin, ["street"], due=date(2026, 5, 15))
    with freeze_time("2026-05-15 15:59:00"):  # 23:59 in Asia/Shanghai: on time
        on_time = report(step, org(STREET), street_admin)
    assert not on_time.late
    StepReport.objects.all().delete()
    with freeze_time("2026-05-15 16:01:00"):  # 00:01 on the 16th
        assert report(step, org(STREET), street_admin).late


def test_a_stations_step_links_to_the_claimed_stations_checklists(
    city_admin: User, street_admin: User
) -> None:
    step = _step(city_admin, ["street"], link="stations")
    guoliang, bianhe = org(GUOLIANG), org(BIANHE)
    for item in ("rules", "place", "team", "ledgers", "projects", "signage"):
        standards.assess_item(
            guoliang, actor=street_admin, item=item, met=True, assessed_on=date(2026, 1, 5)
        )
    standards.assess_item(
        bianhe, actor=street_admin, item="rules", met=True, assessed_on=date(2026, 1, 5)
    )
    with pytest.raises(ValidationError) as caught:
        report(step, org(STREET), street_admin, stations=[org("430602002001-ST")])
    assert caught.value.message_dict == {
        "stations": ["Choose service stations in 岳阳楼街道志愿服务中心's area."]
    }
    made = report(step, org(STREET), street_admin)  # all of its stations by default
    states = selectors.station_states(made.stations.all(), day=date(2026, 2, 1))
    assert [(s.station.code, s.met, s.total, s.all_met) for s in states] == [
        (GUOLIANG, 6, 6, True),
        (BIANHE, 1, 6, False),
    ]


def test_a_plain_step_claims_no_stations(city_admin: User, street_admin: User) -> None:
    step = _step(city_admin, ["street"])
    with pytest.raises(ValidationError) as caught:
        report(step, org(STREET), street_admin, stations=[org(GUOLIANG)])
    assert caught.value.message_dict == {"stations": ["This step does not claim stations."]}


def test_the_fixture_holds_what_its_docstring_says(plan: Plan) -> None:
    assert [
        (r.step.name, r.organization.code, r.status)
        for r in StepReport.objects.order_by("pk").select_related("step", "organization")
    ] == [
        ("准备部署", STREET, "accepted"),
        ("准备部署", GUOLIANG, "reported"),
        ("准备部署", "U-WP-SCHOOL", "returned"),
        ("规范建站", STREET, "returned"),
        ("规范建站", GUOLIANG, "reported"),
    ]


def test_the_archiving_step_shows_the_rounds_submission_state(
    city_admin: User, street_admin: User
) -> None:
    city, street, other = org(CITY), org(STREET), org("430602002-SC")
    opened = ReportingRound.objects.create(
        organization=city,
        title="附件5—7",
        tables=["attachment5"],
        reference_date=date(2026, 6, 1),
        due_date=date(2026, 6, 15),
        submitter_level="streets",
    )
    for member in (street, other):
        RoundMember.objects.create(round=opened, organization=member)
    Submission.objects.create(round=opened, organization=street, sequence=1)
    with pytest.raises(ValidationError) as caught:  # a plain step names no round
        services.save_step(
            city,
            actor=city_admin,
            name="x",
            due_date=date(2026, 6, 15),
            levels=["street"],
            round=opened,
        )
    assert caught.value.message_dict == {
        "round": ["Only a step linking to a reporting round names one."]
    }
    step = services.save_step(
        city,
        actor=city_admin,
        name="建档立册",
        due_date=date(2026, 6, 15),
        levels=["street", "unit"],
        link="round",
        round=opened,
    )
    unit = add_unit(STREET, "U-WP-2", "市四中")
    assert [selectors.round_state(city_admin, step, found) for found in (street, other, unit)] == [
        "on-time",
        "missing",
        "not-asked",
    ]
    assert selectors.round_state(street_admin, step, other) == "not-asked"  # not in their scope


def test_the_contacts_mobile_is_shown_in_full_for_a_reason_and_audited(
    city_admin: User, street_admin: User, district_admin: User, viewer: User
) -> None:
    step = _step(city_admin, ["street"])
    made = report(step, org(STREET), street_admin)
    with pytest.raises(PermissionDenied):
        services.reveal_contact(made, actor=viewer, reason="核实")
    with pytest.raises(ValidationError) as caught:
        services.reveal_contact(made, actor=district_admin, reason="")
    assert caught.value.message_dict == {"reason": ["Say why you need the number."]}
    assert services.reveal_contact(made, actor=district_admin, reason="电话核实") == "19900001111"
    entry = AuditEntry.objects.get(action="workplan.report.contact_viewed")
    assert (entry.actor, entry.data) == (district_admin, {"step": step.code, "reason": "电话核实"})
