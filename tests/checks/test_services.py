"""The checker's work, the cases that follow and their decisions, the volunteer's own reports,
the rates, and who may do what."""

import hashlib
from datetime import timedelta
from decimal import Decimal
from typing import cast

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone, translation

from tests.factories import ActivityFactory
from tests.volunteers import people
from zhiyuan.activities.models import Activity
from zhiyuan.checks import selectors, services
from zhiyuan.checks.enums import CaseKind, CaseSource, CaseStatus, Decision, Outcome
from zhiyuan.checks.models import Case, CheckItem, ReportLinkUse
from zhiyuan.common.models import AuditEntry
from zhiyuan.hours import selectors as hours_selectors
from zhiyuan.hours import services as hours_services
from zhiyuan.hours.enums import HourStatus
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.models import Organization
from zhiyuan.recognition.models import AwardBar
from zhiyuan.volunteers import services as volunteer_services
from zhiyuan.volunteers.enums import RegistrationStatus
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.report_links import report_link


def _street_items(campaign):
    """The items on registrations of 岳阳楼街道's body (the checker's street)."""
    return list(campaign.items.filter(body__organization__code=people.STREET).order_by("position"))


def test_a_denial_opens_a_case_whose_decision_cancels_the_registration_with_history(
    population, open_check, checker, street_admin, district_admin
) -> None:
    campaign = open_check()
    item = _street_items(campaign)[0]
    assert services.assign_items(campaign, checker=checker, actor=district_admin) == 3
    phone = services.reveal_phone(item, actor=checker)
    assert phone == item.volunteer.mobile
    viewed = AuditEntry.objects.get(action="volunteer.personal_data.viewed")
    assert (viewed.actor, viewed.data) == (
        checker,
        {"field": "mobile", "reason": f"spot check {campaign.pk}/{item.position}"},
    )
    services.record_outcome(
        item, actor=checker, outcome=Outcome.DENIES_REGISTRATION, note="本人称从未注册"
    )
    case = Case.objects.get(item=item)
    assert (case.kind, case.source, case.status, case.organization.code) == (
        CaseKind.NOT_REGISTERED,
        CaseSource.CHECK,
        CaseStatus.OPEN,
        people.STREET,
    )
    number = Volunteer.objects.get(pk=item.volunteer_id).registration_number
    decided = services.decide_case(
        case, actor=street_admin, decision=Decision.REGISTRATION_CANCELLED, note="核实为代注册"
    )
    assert (decided.status, decided.decision, decided.decided_by) == (
        CaseStatus.CLOSED,
        Decision.REGISTRATION_CANCELLED,
        street_admin,
    )
    volunteer = Volunteer.objects.get(pk=item.volunteer_id)
    assert (volunteer.status, volunteer.registration_number) == (
        RegistrationStatus.CANCELLED,
        number,  # kept, never reused
    )
    history = list(
        AuditEntry.objects.filter(object_type="volunteers.volunteer", object_id=str(volunteer.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert history[-1] == "volunteer.registration.cancelled"
    assert "volunteer.registration.confirmed" in history


def test_a_denial_of_hours_is_decided_through_the_ledgers_correction_path(
    checker, district_admin, street_admin, team_leader, registrar
) -> None:
    volunteer = people.registered(registrar)
    activity = cast(Activity, ActivityFactory())
    start = timezone.now().replace(microsecond=0) - timedelta(days=2)
    made = hours_services.record_hours(
        volunteer, activity=activity, start=start, end=start + timedelta(hours=3), actor=team_leader
    )
    hours_services.confirm_records([made], actor=team_leader)
    campaign = services.open_campaign(
        Organization.objects.get(code=people.STREET),
        actor=district_admin,
        title="时长抽查",
        subject="hours",
        period_start=timezone.localdate() - timedelta(days=7),
        period_end=timezone.localdate(),
        sample_size=1,
        seed=3,
    )
    item = campaign.items.get()
    assert (item.hour_record, item.organizer) == (made, activity.organizer)
    services.record_outcome(item, actor=checker, outcome=Outcome.DENIES_HOURS, note="当天不在")
    case = Case.objects.get(item=item)
    assert (case.kind, case.hour_record, case.organization) == (
        CaseKind.HOURS_DENIED,
        made,
        activity.organizer,
    )
    decided = services.decide_case(
        case, actor=street_admin, decision=Decision.HOURS_REJECTED, note="无签到记录"
    )
    void = decided.correction
    assert void is not None
    assert (void.corrects, void.start == void.end, void.status) == (made, True, HourStatus.PENDING)
    assert void.correction_reason.endswith("无签到记录")
    bar = AwardBar.objects.get(volunteer=volunteer)
    assert (bar.source, bar.reason, bar.until) == (
        f"checks.case:{case.pk}",
        "无签到记录",
        timezone.localdate() + timedelta(days=settings.CHECKS_AWARD_BAR_DAYS),
    )
    hours_services.confirm_records([void], actor=team_leader)  # the second person
    assert hours_selectors.total_minutes(hours_selectors.counted(volunteer.hour_records.all())) == 0
    assert HourRecord.objects.get(pk=made.pk).status == HourStatus.CONFIRMED  # never changed


def test_outcomes_needing_a_note_or_attempts_are_refused_without_them(
    population, open_check, checker, district_admin
) -> None:
    campaign = open_check()
    item = _street_items(campaign)[0]
    with pytest.raises(ValidationError) as refused:
        services.record_outcome(item, actor=checker, outcome=Outcome.DENIES_REGISTRATION)
    assert refused.value.error_dict["note"][0].code == "note_required"
    with pytest.raises(ValidationError) as refused:
        services.record_outcome(item, actor=checker, outcome=Outcome.DETAILS_WRONG, note="生日错")
    assert "wrong_fields" in refused.value.error_dict
    with override_settings(CHECKS_UNREACHABLE_ATTEMPTS=2):
        services.record_attempt(item, actor=checker, method="call", reached=False)
        with pytest.raises(ValidationError) as refused:
            services.record_outcome(item, actor=checker, outcome=Outcome.UNREACHABLE)
        assert refused.value.error_dict["outcome"][0].params == {"needed": 2, "missed": 1}
        services.record_attempt(item, actor=checker, method="visit", reached=False)
        services.record_outcome(item, actor=checker, outcome=Outcome.UNREACHABLE)
    item.refresh_from_db()
    assert (item.outcome, item.attempts.count()) == (Outcome.UNREACHABLE, 2)
    assert not Case.objects.exists()
    with pytest.raises(ValidationError) as refused:
        services.record_outcome(item, actor=checker, outcome=Outcome.CONFIRMED)
    assert refused.value.code == "done"


def test_a_case_is_not_closed_without_a_decision(
    population, open_check, checker, street_admin
) -> None:
    campaign = open_check()
    item = _street_items(campaign)[0]
    services.record_outcome(
        item,
        actor=checker,
        outcome=Outcome.DETAILS_WRONG,
        note="生日错",
        wrong_fields=["birth_date"],
    )
    case = Case.objects.get(item=item)
    assert (case.kind, case.wrong_fields) == (CaseKind.DETAILS_WRONG, ["birth_date"])
    with pytest.raises(ValidationError) as refused:
        services.decide_case(case, actor=street_admin, decision="", note="已处理")
    assert refused.value.error_dict["decision"][0].code == "decision_required"
    with pytest.raises(ValidationError):
        services.decide_case(
            case, actor=street_admin, decision=Decision.REGISTRATION_CANCELLED, note="x"
        )
    with pytest.raises(ValidationError) as refused:
        services.decide_case(case, actor=street_admin, decision=Decision.DISPUTED, note="有签字表")
    assert "evidence" in refused.value.error_dict
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN
    services.decide_case(
        case,
        actor=street_admin,
        decision=Decision.DETAILS_CORRECTED,
        note="已更正出生日期",
        corrections={"name": "张改正"},
    )
    assert Volunteer.objects.get(pk=item.volunteer_id).name == "张改正"


def test_a_non_checker_cannot_record_outcomes_nor_another_checkers_items(
    population, open_check, checker, registrar, street_admin, district_admin
) -> None:
    campaign = open_check()
    item = _street_items(campaign)[0]
    for actor in (registrar, street_admin, district_admin):
        with pytest.raises(PermissionDenied):
            services.record_outcome(item, actor=actor, outcome=Outcome.CONFIRMED)
        with pytest.raises(PermissionDenied):
            services.reveal_phone(item, actor=actor)
    other_item = campaign.items.exclude(body__organization__code=people.STREET).first()
    with pytest.raises(PermissionDenied):  # the checker's role covers their street only
        services.record_outcome(other_item, actor=checker, outcome=Outcome.CONFIRMED)
    with pytest.raises(ValidationError) as refused:
        services.assign_items(campaign, checker=checker, actor=district_admin, items=[other_item])
    assert "checker" in refused.value.error_dict
    assert not AuditEntry.objects.filter(action="volunteer.personal_data.viewed").exists()


def test_only_the_city_or_a_district_opens_a_check_and_another_district_cannot_see_it(
    population, open_check, street_admin, etdz_admin, outsider, city_admin, checker
) -> None:
    with pytest.raises(PermissionDenied):
        open_check(actor=street_admin)
    with pytest.raises(PermissionDenied):
        open_check(actor=etdz_admin)  # a district-level area, but not over 岳阳楼区
    campaign = open_check()
    assert list(selectors.campaigns(city_admin)) == [campaign]
    assert list(selectors.campaigns(etdz_admin)) == []
    assert list(selectors.campaigns(outsider)) == []  # a street below does not see the district's
    assert selectors.checkable_item(etdz_admin, campaign.items.first().pk) is None
    item = _street_items(campaign)[0]
    services.record_outcome(item, actor=checker, outcome=Outcome.DENIES_REGISTRATION, note="否认")
    assert list(selectors.cases(etdz_admin)) == []
    assert list(selectors.cases(outsider)) == []
    assert [c.item for c in selectors.cases(street_admin)] == [item]


def test_the_volunteers_own_reports_open_cases_and_count_in_the_rates(
    population, open_check, checker, street_admin, outbox, django_capture_on_commit_callbacks
) -> None:
    volunteer = population["registrar"][0]
    case = services.report_not_me(volunteer, message="我没有注册过")
    assert services.report_not_me(volunteer) == case  # once while open
    assert (case.source, case.kind, case.organization.code) == (
        CaseSource.VOLUNTEER,
        CaseKind.NOT_REGISTERED,
        people.STREET,
    )
    campaign = open_check()
    street = _street_items(campaign)
    services.record_outcome(street[0], actor=checker, outcome=Outcome.CONFIRMED)
    services.record_outcome(street[1], actor=checker, outcome=Outcome.CONFIRMED)
    services.record_outcome(
        street[2], actor=checker, outcome=Outcome.DENIES_REGISTRATION, note="否认注册"
    )
    district = campaign.organization
    rates = {rate.organization.code: rate for rate in selectors.body_rates(district)}
    rate = rates[people.STREET]
    # 3 checked + 1 report = 4; confirmed 2 (50.0 %); denials 1 + 1 = 2 (50.0 %)
    assert (rate.checked, rate.confirmed, rate.denials, rate.reports) == (4, 2, 2, 1)
    assert (rate.confirmed_rate, rate.denial_rate, rate.flagged) == (
        Decimal("50.0"),
        Decimal("50.0"),
        True,
    )
    assert people.OTHER_STREET not in rates  # nothing checked there yet
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_case(
            case, actor=street_admin, decision=Decision.REGISTRATION_CANCELLED, note="本人否认"
        )
    assert [(m.mobile, m.template, m.params) for m in outbox] == [
        (
            volunteer.mobile,
            "check_case_decided",
            {"case": str(case.pk), "decision": "registration_cancelled"},
        )
    ]


def test_an_sms_link_reports_once_and_then_answers_that_it_was_used(
    population, street_admin
) -> None:
    volunteer = population["registrar"][0]
    token = report_link(volunteer.pk).rstrip("/").rsplit("/", 1)[1]
    case = services.report_through_link(volunteer, None, token=token, message="不是我")
    assert (case.kind, case.source, case.finding) == (
        CaseKind.NOT_REGISTERED,
        CaseSource.VOLUNTEER,
        "不是我",
    )
    use = ReportLinkUse.objects.get()
    assert (use.case, use.token_digest) == (case, hashlib.sha256(token.encode()).hexdigest())
    with translation.override("en"), pytest.raises(ValidationError) as again:
        services.report_through_link(volunteer, None, token=token)
    assert again.value.code == "link_used"
    assert again.value.messages == [
        "This link was already used to make a report. Log in to “My reports” to follow what "
        "happens next."
    ]
    # still used once the case is decided: the link opens no second case
    services.decide_case(
        case, actor=street_admin, decision=Decision.DETAILS_CORRECTED, note="本人到场核实"
    )
    with pytest.raises(ValidationError):
        services.report_through_link(volunteer, None, token=token)
    assert Case.objects.count() == 1
    assert ReportLinkUse.objects.count() == 1
    # another link (another message) is a link of its own
    other = report_link(population["registrar"][1].pk).rstrip("/").rsplit("/", 1)[1]
    services.report_through_link(population["registrar"][1], None, token=other)
    assert ReportLinkUse.objects.count() == 2


def test_a_link_whose_report_is_refused_stays_unused(population, registrar) -> None:
    volunteer = population["registrar"][0]
    token = report_link(volunteer.pk).rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(ValidationError) as refused:
        services.report_through_link(volunteer, None, token=token, message="x" * 501)
    assert "message" in refused.value.message_dict
    assert not ReportLinkUse.objects.exists() and not Case.objects.exists()
    assert services.report_through_link(volunteer, None, token=token).kind == (
        CaseKind.NOT_REGISTERED
    )


def test_rates_are_exact_half_up(population, open_check, checker) -> None:
    # one denial in three: 33.3 %; two confirmed in three: 66.7 % (half up)
    campaign = open_check()
    street = _street_items(campaign)
    services.record_outcome(street[0], actor=checker, outcome=Outcome.CONFIRMED)
    services.record_outcome(street[1], actor=checker, outcome=Outcome.CONFIRMED)
    services.record_outcome(
        street[2], actor=checker, outcome=Outcome.DENIES_REGISTRATION, note="否认"
    )
    rate = selectors.body_rates(campaign.organization)[0]
    assert (rate.confirmed_rate, rate.denial_rate) == (Decimal("66.7"), Decimal("33.3"))


def test_a_flagged_body_can_be_required_to_confirm_in_person(
    district_admin, street_admin, registrar
) -> None:
    from zhiyuan.volunteers.models import RegistrationBody

    street = RegistrationBody.objects.get(organization__code=people.STREET)
    before = people.apply(registrar)
    with pytest.raises(PermissionDenied):
        services.require_in_person(street, actor=street_admin, reason="否认率高")
    services.require_in_person(street, actor=district_admin, reason="否认率高")
    after = people.apply(registrar, send_confirmation=True)
    with pytest.raises(ValidationError) as refused:
        volunteer_services.confirm_registration(after.pk, method="sms_code", actor=None)
    assert refused.value.code == "in_person_required"
    people.confirm(after, registrar)  # in person: accepted
    volunteer_services.confirm_registration(before.pk, method="sms_code", actor=None)
    assert Volunteer.objects.get(pk=before.pk).status == RegistrationStatus.ACTIVE


def test_items_untouched_are_left_for_the_checker(population, open_check, checker) -> None:
    campaign = open_check()
    assert CheckItem.objects.filter(campaign=campaign, outcome="").count() == 5


def test_a_finding_disputed_with_evidence_no_longer_counts_as_a_denial(
    population, open_check, checker, street_admin
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    campaign = open_check()
    item = _street_items(campaign)[0]
    services.record_outcome(item, actor=checker, outcome=Outcome.DENIES_REGISTRATION, note="否认")
    assert selectors.body_rates(campaign.organization)[0].denials == 1
    evidence = SimpleUploadedFile("signed.pdf", b"%PDF-1.4\n% the signed Attachment 4 form\n")
    case = services.decide_case(
        Case.objects.get(item=item),
        actor=street_admin,
        decision=Decision.DISPUTED,
        note="本人签字的登记表在档",
        evidence=evidence,
    )
    assert str(case.evidence.name).endswith(".pdf")
    with case.evidence.open("rb") as handle:
        assert handle.read().startswith(b"%PDF-1.4")
    rate = selectors.body_rates(campaign.organization)[0]
    assert (rate.checked, rate.denials, rate.denial_rate) == (1, 0, Decimal("0.0"))
    assert Volunteer.objects.get(pk=item.volunteer_id).status == RegistrationStatus.ACTIVE
