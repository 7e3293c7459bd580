"""Priority help (MISSION §4): who gets priority, where a request goes, the queue's order, one
taker, the outcome with the helpers' hours in the ledger (pending), the SMS, escalation."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.assistance.conftest import STATION, TAOHUASHAN, TEAM, details, texts
from tests.hours.conftest import days_ago
from zhiyuan.accounts.models import User
from zhiyuan.assistance import selectors, services
from zhiyuan.assistance.enums import HelpChannel, HelpStatus, Urgency
from zhiyuan.assistance.models import HelpRequest
from zhiyuan.common.models import AuditEntry
from zhiyuan.hours.enums import HourStatus
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import RegistrationStatus
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def _codes(request: HelpRequest) -> list[str]:
    return [route.organization.code for route in selectors.routes_of(request)]


# --- who gets priority, where it goes ---------------------------------------------------------


def test_a_registered_volunteer_asking_gets_priority_and_reaches_the_covering_station_and_team(
    volunteer: Volunteer, ask: Callable[..., HelpRequest]
) -> None:
    request = ask(volunteer)
    assert request.priority is True
    assert request.status == HelpStatus.OPEN
    assert request.organization.code == STATION
    assert _codes(request) == [STATION, TEAM]
    assert request.address == "郭亮社区3栋2单元401"
    entry = AuditEntry.objects.get(action="assistance.request.created")
    assert entry.actor is None
    assert entry.data == {
        "help_channel": "portal",
        "priority": True,
        "urgency": 1,
        "help_kind": "daily_living",
        "routes": [STATION, TEAM],
    }


def test_an_applicant_not_yet_confirmed_asks_without_priority(
    registrar: User, apply: Callable[..., Volunteer], ask: Callable[..., HelpRequest]
) -> None:
    applicant = apply(registrar)
    assert applicant.status == RegistrationStatus.APPLIED
    assert ask(applicant).priority is False


def test_a_suspended_volunteer_asks_without_priority(
    volunteer: Volunteer, ask: Callable[..., HelpRequest]
) -> None:
    Volunteer.objects.filter(pk=volunteer.pk).update(status=RegistrationStatus.SUSPENDED)
    volunteer.refresh_from_db()
    assert ask(volunteer).priority is False


def test_an_ended_registration_cannot_ask(
    volunteer: Volunteer, ask: Callable[..., HelpRequest]
) -> None:
    Volunteer.objects.filter(pk=volunteer.pk).update(status=RegistrationStatus.CANCELLED)
    volunteer.refresh_from_db()
    with pytest.raises(ValidationError) as raised:
        ask(volunteer)
    assert raised.value.error_dict["volunteer"][0].code == "registration"
    assert HelpRequest.objects.count() == 0


def test_an_office_enters_a_call_from_a_relative_on_the_volunteers_behalf(
    volunteer: Volunteer, registrar: User
) -> None:
    request = services.ask_for_help(
        volunteer,
        actor=registrar,
        channel=HelpChannel.PHONE,
        details=details(asked_by_name="张小红", asked_by_relation="女儿", urgency=Urgency.URGENT),
    )
    assert (request.priority, request.channel, request.entered_by) == (True, "phone", registrar)
    assert (request.asked_by_name, request.asked_by_relation) == ("张小红", "女儿")
    assert AuditEntry.objects.get(action="assistance.request.created").actor == registrar


def test_an_office_outside_the_volunteers_subtree_cannot_enter_a_request(
    volunteer: Volunteer, outsider: User, viewer: User
) -> None:
    for actor in (outsider, viewer):
        with pytest.raises(PermissionDenied):
            services.ask_for_help(
                volunteer, actor=actor, channel=HelpChannel.PHONE, details=details()
            )
    assert HelpRequest.objects.count() == 0


def test_a_request_goes_to_the_station_of_the_place_not_of_the_volunteer(
    volunteer: Volunteer, ask: Callable[..., HelpRequest]
) -> None:
    request = ask(volunteer, place=TAOHUASHAN)
    assert _codes(request) == ["430602002001-ST", "430602002001-TM"]


def test_a_street_without_a_station_of_its_own_goes_to_the_streets_team(
    volunteer: Volunteer, ask: Callable[..., HelpRequest]
) -> None:
    request = ask(volunteer, place="430602001000")
    assert _codes(request) == ["430602001-TM"]
    assert request.organization.code == "430602001-TM"


def test_a_community_whose_station_closed_falls_back_to_the_street(
    volunteer: Volunteer, ask: Callable[..., HelpRequest]
) -> None:
    Organization.objects.filter(code__in=[STATION, TEAM]).update(is_active=False)
    assert _codes(ask(volunteer)) == ["430602001-TM"]


# --- bad input -------------------------------------------------------------------------------


def test_bad_details_are_refused_field_by_field_and_nothing_is_written(
    volunteer: Volunteer, ask: Callable[..., HelpRequest]
) -> None:
    with pytest.raises(ValidationError) as raised:
        ask(
            volunteer,
            kind="flying",
            urgency=9,
            address="",
            place="430602000000",
            needed_at=timezone.now() - timedelta(days=1),
            description="请打电话13912345678",
            asked_by_name="张小红",
        )
    codes = {field: [e.code for e in errors] for field, errors in raised.value.error_dict.items()}
    assert codes == {
        "kind": ["invalid_choice"],
        "urgency": ["invalid_choice"],
        "address": ["required"],
        "division": ["level"],
        "needed_at": ["past"],
        "description": ["personal_number"],
        "asked_by_relation": ["relative"],
    }
    assert HelpRequest.objects.count() == 0


def test_the_same_help_asked_twice_while_open_is_refused_with_the_first_requests_number(
    volunteer: Volunteer, ask: Callable[..., HelpRequest]
) -> None:
    first = ask(volunteer)
    with pytest.raises(ValidationError) as raised:
        ask(volunteer)
    assert raised.value.code == "duplicate"
    assert raised.value.params == {"number": str(first.pk)}
    assert ask(volunteer, kind="escort").pk != first.pk


# --- the queue -------------------------------------------------------------------------------


def _aged(request: HelpRequest, hours: float) -> HelpRequest:
    HelpRequest.objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(hours=hours)
    )
    return request


def test_the_queue_serves_registered_volunteers_first_then_urgency_then_age(
    registrar: User,
    team_leader: User,
    apply: Callable[..., Volunteer],
    registered: Callable[..., Volunteer],
    ask: Callable[..., HelpRequest],
) -> None:
    applicant_urgent = _aged(ask(apply(registrar), urgency=Urgency.URGENT), 10)
    old_routine = _aged(ask(registered(registrar)), 5)
    new_urgent = _aged(ask(registered(registrar), urgency=Urgency.URGENT), 1)
    new_routine = _aged(ask(registered(registrar)), 2)
    soon = _aged(ask(registered(registrar), urgency=Urgency.SOON), 0.5)
    queue = [r.pk for r in selectors.queue(team_leader)]
    assert queue == [new_urgent.pk, soon.pk, old_routine.pk, new_routine.pk, applicant_urgent.pk]
    by_age = [r.pk for r in selectors.queue(team_leader, by_age=True)]
    assert by_age == [applicant_urgent.pk, old_routine.pk, new_routine.pk, new_urgent.pk, soon.pk]


# --- taking ----------------------------------------------------------------------------------


def test_a_team_leader_takes_a_request_for_the_team_and_the_volunteer_is_texted(
    volunteer: Volunteer, team_leader: User, ask: Callable[..., HelpRequest]
) -> None:
    request = services.take_request(ask(volunteer), actor=team_leader)
    assert (request.status, request.taken_by, request.taken_for.code) == (
        "taken",
        team_leader,
        TEAM,
    )
    assert texts() == [
        (
            volunteer.mobile,
            "help_taken",
            {"number": str(request.pk), "organization": "郭亮社区志愿服务队"},
        )
    ]


def test_a_request_taken_once_cannot_be_taken_again(
    volunteer: Volunteer, team_leader: User, street_admin: User, ask: Callable[..., HelpRequest]
) -> None:
    request = ask(volunteer)
    services.take_request(request, actor=team_leader)
    with pytest.raises(ValidationError) as raised:
        services.take_request(request, actor=street_admin)
    assert raised.value.code == "not_open"
    assert raised.value.params["organization"] == "郭亮社区志愿服务队"
    assert HelpRequest.objects.get(pk=request.pk).taken_by == team_leader
    assert AuditEntry.objects.filter(action="assistance.request.taken").count() == 1


def test_only_leaders_and_administrators_of_a_route_take_a_request(
    volunteer: Volunteer,
    outsider: User,
    registrar: User,
    ask: Callable[..., HelpRequest],
    org: Callable[[str], Organization],
) -> None:
    request = ask(volunteer)
    for actor in (outsider, registrar):
        with pytest.raises(PermissionDenied):
            services.take_request(request, actor=actor)
    street_admin = User.objects.get(username="street_admin")
    with pytest.raises(PermissionDenied):
        services.take_request(request, actor=street_admin, organization=org("430602002001-ST"))
    assert HelpRequest.objects.get(pk=request.pk).status == HelpStatus.OPEN


def test_the_volunteer_withdraws_an_open_request_but_not_a_taken_one(
    volunteer: Volunteer, team_leader: User, ask: Callable[..., HelpRequest]
) -> None:
    first = services.withdraw_request(ask(volunteer))
    assert first.status == HelpStatus.WITHDRAWN
    second = services.take_request(ask(volunteer), actor=team_leader)
    with pytest.raises(ValidationError) as raised:
        services.withdraw_request(second)
    assert raised.value.code == "not_open"


# --- the outcome -----------------------------------------------------------------------------


def test_the_outcome_records_the_helpers_hours_in_the_ledger_pending_confirmation(
    volunteer: Volunteer,
    team_leader: User,
    helpers: list[Volunteer],
    help_activity,
    ask: Callable[..., HelpRequest],
) -> None:
    request = services.take_request(ask(volunteer), actor=team_leader)
    done = services.record_outcome(
        request,
        actor=team_leader,
        outcome="买菜并送到家中",
        helpers=helpers,
        activity=help_activity,
        start=days_ago(0, 0) - timedelta(hours=2),
        end=days_ago(0, 0) - timedelta(minutes=30),
    )
    assert (done.status, done.outcome, done.done_by) == ("done", "买菜并送到家中", team_leader)
    records = HourRecord.objects.filter(help_link__request=done).order_by("volunteer_id")
    assert [
        (r.volunteer_id, r.status, r.minutes, r.organizer.code, r.content) for r in records
    ] == [(helper.pk, HourStatus.PENDING, 90, TEAM, "买菜并送到家中") for helper in helpers]
    assert AuditEntry.objects.filter(action="hours.record.created").count() == 2
    assert AuditEntry.objects.get(action="assistance.request.done").data == {
        "helpers": 2,
        "minutes": 180,
    }
    assert [t for _m, t, _p in texts()] == ["help_taken", "help_done"]


def test_an_outcome_without_helpers_records_no_hours(
    volunteer: Volunteer, team_leader: User, ask: Callable[..., HelpRequest]
) -> None:
    request = services.take_request(ask(volunteer), actor=team_leader)
    services.record_outcome(request, actor=team_leader, outcome="电话回访，已由家属解决")
    assert HourRecord.objects.count() == 0


def test_an_outcome_with_a_helper_outside_the_team_writes_nothing(
    volunteer: Volunteer,
    team_leader: User,
    helpers: list[Volunteer],
    help_activity,
    registered: Callable[..., Volunteer],
    registrar: User,
    ask: Callable[..., HelpRequest],
) -> None:
    stranger = registered(registrar, name="路人甲")
    request = services.take_request(ask(volunteer), actor=team_leader)
    with pytest.raises(ValidationError) as raised:
        services.record_outcome(
            request,
            actor=team_leader,
            outcome="买菜",
            helpers=[*helpers, stranger],
            activity=help_activity,
            start=days_ago(1, 9),
            end=days_ago(1, 10),
        )
    assert raised.value.error_dict["helpers"][0].code == "not_member"
    assert "路人甲" in raised.value.error_dict["helpers"][0].message % (
        raised.value.error_dict["helpers"][0].params
    )
    assert HourRecord.objects.count() == 0
    assert HelpRequest.objects.get(pk=request.pk).status == HelpStatus.TAKEN


def test_a_ledger_refusal_of_one_helper_undoes_the_whole_outcome(
    volunteer: Volunteer,
    team_leader: User,
    helpers: list[Volunteer],
    help_activity,
    ask: Callable[..., HelpRequest],
) -> None:
    from zhiyuan.hours import services as hours_services

    hours_services.record_hours(
        helpers[1], activity=help_activity, start=days_ago(1, 9), end=days_ago(1, 11), actor=None
    )
    request = services.take_request(ask(volunteer), actor=team_leader)
    with pytest.raises(ValidationError) as raised:
        services.record_outcome(
            request,
            actor=team_leader,
            outcome="买菜",
            helpers=helpers,
            activity=help_activity,
            start=days_ago(1, 10),
            end=days_ago(1, 12),
        )
    assert raised.value.code == "overlap"
    assert HourRecord.objects.count() == 1
    assert HelpRequest.objects.get(pk=request.pk).status == HelpStatus.TAKEN
    assert [t for _m, t, _p in texts()] == ["help_taken"]


def test_an_outcome_needs_the_activity_and_the_times_and_only_once(
    volunteer: Volunteer,
    team_leader: User,
    helpers: list[Volunteer],
    ask: Callable[..., HelpRequest],
) -> None:
    request = services.take_request(ask(volunteer), actor=team_leader)
    with pytest.raises(ValidationError) as raised:
        services.record_outcome(request, actor=team_leader, outcome="买菜", helpers=helpers)
    assert sorted(raised.value.error_dict) == ["activity", "end", "start"]
    with pytest.raises(ValidationError) as empty:
        services.record_outcome(request, actor=team_leader, outcome="  ")
    assert empty.value.error_dict["outcome"][0].code == "required"
    services.record_outcome(request, actor=team_leader, outcome="已解决")
    with pytest.raises(ValidationError) as again:
        services.record_outcome(request, actor=team_leader, outcome="再记一次")
    assert again.value.code == "not_taken"


def test_an_open_request_has_no_outcome_and_an_outsider_records_none(
    volunteer: Volunteer, team_leader: User, outsider: User, ask: Callable[..., HelpRequest]
) -> None:
    request = ask(volunteer)
    with pytest.raises(ValidationError):
        services.record_outcome(request, actor=team_leader, outcome="已解决")
    taken = services.take_request(request, actor=team_leader)
    with pytest.raises(PermissionDenied):
        services.record_outcome(taken, actor=outsider, outcome="已解决")


# --- escalation ------------------------------------------------------------------------------


def test_a_request_untaken_for_the_configured_hours_goes_to_the_street_office_once(
    volunteer: Volunteer,
    ask: Callable[..., HelpRequest],
    settings,
) -> None:
    settings.ASSISTANCE_ESCALATE_HOURS = 3
    late = _aged(ask(volunteer), 3.5)
    _aged(ask(volunteer, kind="escort"), 2.5)
    assert services.escalate_untaken_requests() == 1
    assert _codes(late) == [STATION, TEAM, "430602001-SC"]
    assert HelpRequest.objects.get(pk=late.pk).escalated_at is not None
    assert texts() == [
        (
            "13900000003",
            "help_escalated",
            {"number": str(late.pk), "station": "郭亮社区志愿服务站", "hours": "3"},
        )
    ]
    assert services.escalate_untaken_requests() == 0
    assert len(texts()) == 1


def test_a_place_no_station_or_team_covers_is_refused_and_nothing_written(
    volunteer: Volunteer, ask: Callable[..., HelpRequest]
) -> None:
    from zhiyuan.volunteers.selectors import TEAM_KINDS

    Organization.objects.filter(kind__in=TEAM_KINDS).update(is_active=False)
    with pytest.raises(ValidationError) as raised:
        ask(volunteer)
    assert raised.value.error_dict["division"][0].code == "uncovered"
    assert HelpRequest.objects.count() == 0


def test_the_escalation_is_a_registered_periodic_job() -> None:
    from zhiyuan.common.periodic import registered_jobs

    assert "escalate_untaken_help_requests" in registered_jobs()
