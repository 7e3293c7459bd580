"""Every anomaly rule fires on a planted case, naming exactly its evidence and the people
responsible, and stays quiet on the clean fixture (issue 14: "every anomaly rule fires on a
planted case and stays quiet on a clean fixture")."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.anomalies.conftest import (
    Clean,
    confirmed_by_recorder,
    local,
    registered,
    user,
    write_record,
)
from tests.factories import ActivityFactory
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.anomalies.enums import FlagState, Rule
from zhiyuan.anomalies.models import Flag
from zhiyuan.anomalies.services import detect_anomalies
from zhiyuan.hours.enums import HourSource
from zhiyuan.volunteers.enums import RegistrationChannel
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def only_flag(rule: str) -> Flag:
    flags = list(Flag.objects.all())
    assert [f.rule for f in flags] == [rule]
    return flags[0]


def evidence(flag: Flag) -> tuple[set[int], set[int]]:
    return (
        set(flag.record_links.values_list("record_id", flat=True)),
        set(flag.volunteer_links.values_list("volunteer_id", flat=True)),
    )


def people_of(flag: Flag) -> set[tuple[str, str]]:
    return {(p.user.username, p.role) for p in flag.people.select_related("user")}


def test_the_clean_fixture_raises_no_flag(clean: Clean):
    run = detect_anomalies()

    assert run.found == dict.fromkeys(Rule.values, 0)
    assert Flag.objects.count() == 0


def test_overlapping_hours(clean: Clean):
    first = clean.records[0]  # 2026-03-02 09:00–12:00
    late = write_record(clean.volunteers[0], clean.activity, local("2026-03-02 11:00"), 60)

    detect_anomalies()

    flag = only_flag(Rule.OVERLAPPING_HOURS)
    assert evidence(flag) == ({first.pk, late.pk}, {clean.volunteers[0].pk})
    assert flag.facts == {"day": "2026-03-02"}
    assert people_of(flag) == {
        ("team_leader", "recorder"),
        ("street_admin", "confirmer"),
        ("registrar", "registrar"),
    }
    assert flag.organization.code == "430602001001-TM"


def test_a_day_over_twelve_hours(clean: Clean):
    volunteer = clean.volunteers[1]
    morning = write_record(volunteer, clean.activity, local("2026-04-01 06:00"), 360)
    evening = write_record(volunteer, clean.activity, local("2026-04-01 13:00"), 420)

    detect_anomalies()

    flag = only_flag(Rule.LONG_DAY)
    assert evidence(flag) == ({morning.pk, evening.pk}, {volunteer.pk})
    assert flag.facts == {"day": "2026-04-01", "minutes": 780}


def test_exactly_twelve_hours_is_no_long_day(clean: Clean):
    write_record(clean.volunteers[1], clean.activity, local("2026-04-01 06:00"), 720)

    assert detect_anomalies().found[Rule.LONG_DAY] == 0


@override_settings(ANOMALY_BULK_IDENTICAL=3)
def test_many_identical_records_entered_in_bulk(clean: Clean):
    start = local("2026-04-02 09:00")
    made = [
        write_record(v, clean.activity, start, 120, source=HourSource.BACKFILL)
        for v in clean.volunteers
    ]

    detect_anomalies()

    flag = only_flag(Rule.BULK_IDENTICAL)
    assert evidence(flag) == ({r.pk for r in made}, {v.pk for v in clean.volunteers})
    assert flag.facts["count"] == 3


@override_settings(ANOMALY_BULK_IDENTICAL=3)
def test_two_identical_records_are_not_a_bulk(clean: Clean):
    start = local("2026-04-02 09:00")
    for v in clean.volunteers[:2]:
        write_record(v, clean.activity, start, 120)

    assert detect_anomalies().found[Rule.BULK_IDENTICAL] == 0


def test_a_leader_confirming_the_hours_they_entered_for_others_is_no_anomaly(clean: Clean):
    # 谁记录谁证明: the team that organised the activity records and confirms its hours.
    for volunteer in clean.volunteers:
        confirmed_by_recorder(
            write_record(volunteer, clean.activity, local("2026-04-03 09:00"), 60)
        )

    assert detect_anomalies().found[Rule.SELF_CONFIRMED] == 0
    assert Flag.objects.count() == 0


def test_hours_confirmed_by_the_volunteer_they_belong_to(clean: Clean):
    """The street's administrator is also a registered volunteer (an account with the
    registration's mobile): their record, entered by the team leader, confirmed by themselves
    before the account took that number (the ledger refuses it after)."""
    admin = user("street_admin")
    volunteer = registered(name=admin.name)
    record = confirmed_by_recorder(
        write_record(volunteer, clean.activity, local("2026-04-03 09:00"), 60), "street_admin"
    )
    admin.mobile = volunteer.mobile
    admin.save(update_fields=["mobile", "mobile_digest"])

    detect_anomalies()

    flag = only_flag(Rule.SELF_CONFIRMED)
    assert evidence(flag) == ({record.pk}, {volunteer.pk})
    assert flag.facts == {"day": timezone.localdate(record.decided_at).isoformat()}
    assert people_of(flag) == {
        ("team_leader", "recorder"),
        ("street_admin", "confirmer"),
        ("registrar", "registrar"),
    }


def test_a_record_confirmed_by_an_account_with_another_number_is_not_the_volunteers_own(
    clean: Clean,
):
    admin = user("street_admin")
    volunteer = registered(name=admin.name)  # the same name, not the same number: not told apart
    confirmed_by_recorder(
        write_record(volunteer, clean.activity, local("2026-04-03 09:00"), 60), "street_admin"
    )
    assert admin.mobile_digest not in ("", volunteer.mobile_digest)

    assert detect_anomalies().found[Rule.SELF_CONFIRMED] == 0


def test_check_ins_outside_the_geofence(clean: Clean, outside_checkin):
    record = outside_checkin()

    detect_anomalies()

    flag = only_flag(Rule.OUTSIDE_GEOFENCE)
    assert evidence(flag) == ({record.pk}, {clean.volunteers[1].pk})
    assert flag.facts["farthest_m"] == 2400
    assert ("team_leader", "checker_in") in people_of(flag)


def test_hours_of_a_child_under_14(clean: Clean):
    # Registered (wrongly) with a birth date making them 13 on the day of the record.
    child = registered(name="小明")
    Volunteer.objects.filter(pk=child.pk).update(birth_date="2012-04-05")
    young = write_record(child, clean.activity, local("2026-04-04 09:00"), 60)  # 13
    write_record(child, clean.activity, local("2026-04-05 09:00"), 60)  # 14 that day

    detect_anomalies()

    flag = only_flag(Rule.UNDER_AGE)
    assert evidence(flag) == ({young.pk}, {child.pk})
    assert flag.facts == {"birth_year": 2012}


def test_hours_before_the_registration(clean: Clean):
    volunteer = clean.volunteers[0]
    Volunteer.objects.filter(pk=volunteer.pk).update(registered_on="2026-03-05")

    detect_anomalies()

    flag = only_flag(Rule.BEFORE_REGISTRATION)
    # Its record of 2026-03-02 precedes the registration; that of 03-09 does not.
    assert evidence(flag) == ({clean.records[0].pk}, {volunteer.pk})
    assert flag.facts == {"registered_on": "2026-03-05"}


@override_settings(ANOMALY_BURST_REGISTRATIONS=4)
def test_a_burst_of_registrations_from_one_registrar(clean: Clean):
    hour = timezone.localtime().replace(minute=5, second=0, microsecond=0)
    burst = [registered(name=f"批量{'甲乙丙丁戊'[n]}") for n in range(4)]
    Volunteer.objects.filter(pk__in=[v.pk for v in burst]).update(applied_at=hour)
    Volunteer.objects.filter(pk__in=[v.pk for v in clean.volunteers]).update(
        applied_at=hour - timedelta(days=30)
    )

    detect_anomalies()

    flag = only_flag(Rule.REGISTRAR_BURST)
    assert evidence(flag) == (set(), {v.pk for v in burst})
    assert people_of(flag) == {("registrar", "registrar")}
    # The street's centre registered them: its superiors see the flag, the centre does not.
    assert flag.organization.code == "430602001-SC"


@override_settings(ANOMALY_BURST_REGISTRATIONS=3)
def test_a_burst_of_registrations_from_one_address(clean: Clean):
    same = [
        registered(name=f"同址{'甲乙丙'[n]}", address_detail=address)
        for n, address in enumerate(["南湖大道 1 号", "南湖大道1号", "南湖大道１号"])
    ]
    registered(name="别处", address_detail="南湖大道 2 号")
    Volunteer.objects.update(channel=RegistrationChannel.SELF)  # no registrar's burst

    detect_anomalies()

    flag = only_flag(Rule.ADDRESS_BURST)
    assert evidence(flag) == (set(), {v.pk for v in same})


def test_a_volunteer_whose_mobile_is_a_registrars_phone(clean: Clean):
    registrar = user("registrar")
    registrar.mobile = "19912345678"
    registrar.save()
    victim = registered(name="被注册", mobile="19912345678")

    detect_anomalies()

    flag = only_flag(Rule.REGISTRAR_PHONE)
    assert evidence(flag) == (set(), {victim.pk})
    assert people_of(flag) == {("registrar", "registrar")}


def test_a_registrar_registering_themselves_is_not_flagged(clean: Clean):
    registrar = user("registrar")
    registrar.mobile = "19912345678"
    registrar.save()
    registered(name=registrar.name, mobile="19912345678")

    assert detect_anomalies().found[Rule.REGISTRAR_PHONE] == 0


@override_settings(ANOMALY_SHARED_MOBILE=3)
def test_many_people_sharing_one_mobile(clean: Clean):
    shared = [registered(name=f"共用{'甲乙丙'[n]}", mobile="19900000777") for n in range(3)]
    for n in range(2):  # a couple sharing a number is below the threshold
        registered(name=f"家庭{'甲乙'[n]}", mobile="19900000888")

    detect_anomalies()

    flag = only_flag(Rule.SHARED_MOBILE)
    assert evidence(flag) == (set(), {v.pk for v in shared})
    assert flag.facts == {"count": 3}


def test_a_second_run_adds_nothing_and_a_closed_flag_stays_closed(clean: Clean):
    write_record(clean.volunteers[0], clean.activity, local("2026-03-02 11:00"), 60)
    first = detect_anomalies()
    flag = Flag.objects.get()
    from zhiyuan.anomalies.services import close_flag

    close_flag(flag, actor=user("district_admin"), reason="电话核实：补录重复")
    second = detect_anomalies()

    assert first.total_created == 1
    assert second.total_created == 0
    assert second.found[Rule.OVERLAPPING_HOURS] == 1
    flag.refresh_from_db()
    assert flag.state == FlagState.CLOSED
    assert Flag.objects.count() == 1


def test_new_evidence_is_a_new_flag(clean: Clean):
    write_record(clean.volunteers[0], clean.activity, local("2026-03-02 11:00"), 60)
    detect_anomalies()
    write_record(clean.volunteers[1], clean.activity, local("2026-03-03 10:00"), 60)

    run = detect_anomalies()

    assert run.total_created == 1
    assert Flag.objects.filter(rule=Rule.OVERLAPPING_HOURS).count() == 2


__all__ = ["ActivityFactory", "RegistrationChannel", "User", "people"]
