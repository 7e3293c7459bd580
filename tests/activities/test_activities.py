"""An activity's life: created as a draft, published with its checks (slots in the future,
places, the insurance of a risky one), changed, cancelled (those signed up told by SMS) and
finished; every step audited. Messages are read in English (`refusal`)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from tests.activities.conftest import at, details
from tests.factories import SlotFactory
from zhiyuan.accounts.models import User
from zhiyuan.activities import services
from zhiyuan.activities.enums import ActivityStatus, SignUpStatus, Visibility
from zhiyuan.activities.models import Activity, Category, SignUp, Slot
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.sms import SmsMessage
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db
Draft = Callable[..., Activity]
OpenSlot = Callable[..., Slot]
NewVolunteer = Callable[..., Volunteer]
Org = Callable[[str], Organization]
PERSONAL_NUMBER = (
    "Do not write ID numbers or mobile numbers here: this text is kept and shown in clear."
)


def refusal(call: Callable[[], Any]) -> dict[str, list[str]] | list[str]:
    """The messages of the ValidationError `call` raises, in English."""
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        call()
    error = caught.value
    return error.message_dict if hasattr(error, "error_dict") else error.messages


def actions(activity: Activity) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="activities.activity", object_id=str(activity.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def add(activity: Activity, start: float = 24, hours: float = 3, capacity: Any = 10) -> Slot:
    return services.add_slot(
        activity,
        actor=User.objects.get(username="team_leader"),
        starts_at=at(start),
        ends_at=at(start + hours),
        capacity=capacity,
    )


# --- creating and changing ----------------------------------------------------------------


def test_a_team_leader_creates_a_draft_of_their_team(
    draft: Draft, team_leader: User, org: Org
) -> None:
    activity = draft(
        campaigns=[Category.objects.get(code="civility")], description="带孩子来\r\n  读书  "
    )
    assert (activity.status, activity.organizer, activity.created_by) == (
        ActivityStatus.DRAFT,
        org("430602001001-TM"),
        team_leader,
    )
    assert [c.code for c in activity.campaigns.all()] == ["civility"]
    assert activity.description == "带孩子来\n读书"
    assert actions(activity) == ["activity.created"]


def test_only_the_organisers_administrators_and_leaders_create(
    outsider: User, registrar: User, viewer: User, district_admin: User, org: Org
) -> None:
    team = org("430602001001-TM")
    for user in (outsider, registrar, viewer):
        with pytest.raises(PermissionDenied):
            services.create_activity(team, actor=user, details=details())
    assert not Activity.objects.exists()
    assert services.create_activity(team, actor=district_admin, details=details()).organizer == team


def test_a_draft_needs_a_title_a_category_a_place_and_an_address(
    team_leader: User, org: Org
) -> None:
    team = org("430602001001-TM")
    assert refusal(
        lambda: services.create_activity(team, actor=team_leader, details={"title": "  "})
    ) == {
        "title": ["Give the activity a title."],
        "category": ["This field is required."],
        "address": ["This field is required."],
        "division": ["This field is required."],
    }
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": "读书会 联系 139 1234 5678"}, {"title": [PERSONAL_NUMBER]}),
        ({"description": "电话13912345678"}, {"description": [PERSONAL_NUMBER]}),
        ({"address": "活动室\x00"}, {"address": ["Remove control characters from this text."]}),
        (
            {"latitude": "29.37"},
            {"longitude": ["Give both the latitude and the longitude, or neither."]},
        ),
        ({"latitude": "91", "longitude": "113"}, {"latitude": ["Enter a number from -90 to 90."]}),
        (
            {"geofence_radius": 200},
            {"geofence_radius": ["A check-in radius needs the place's coordinates."]},
        ),
        (
            {"minimum_age": "18.5"},
            {"minimum_age": ["Enter a whole number of places (0 for none)."]},
        ),
        ({"skills": ["flying"]}, {"skills": ["Choose skills from the list."]}),
        (
            {"visibility": Visibility.TEAM},
            {"audience": ["Choose the organisation or team whose volunteers sign up."]},
        ),
        ({"needs_approval": "yes"}, {"needs_approval": ["Answer yes or no."]}),
    ],
)
def test_details_are_checked_field_by_field(
    draft: Draft, team_leader: User, changes: dict[str, Any], expected: dict[str, list[str]]
) -> None:
    activity = draft()
    assert (
        refusal(lambda: services.update_activity(activity, actor=team_leader, details=changes))
        == expected
    )
    activity.refresh_from_db()
    assert (activity.title, activity.latitude, activity.visibility) == (
        "周末社区读书会",
        None,
        Visibility.PUBLIC,
    )


def test_a_category_must_be_a_category_and_campaigns_campaigns(
    draft: Draft, team_leader: User
) -> None:
    activity = draft()
    civility = Category.objects.get(code="civility")
    culture = Category.objects.get(code="culture")
    assert refusal(
        lambda: services.update_activity(
            activity, actor=team_leader, details={"category": civility, "campaigns": [culture]}
        )
    ) == {
        "category": ["Choose a service category."],
        "campaigns": ["Choose special campaigns from the list."],
    }


def test_a_restricted_activity_is_for_the_organisers_line(
    draft: Draft, team_leader: User, org: Org
) -> None:
    activity = draft()
    other = org("430602002-SC")
    assert refusal(
        lambda: services.update_activity(
            activity,
            actor=team_leader,
            details={"visibility": Visibility.SUBTREE, "audience": other},
        )
    ) == {"audience": ["Choose the organiser, an organisation above it or one inside it."]}
    street = org("430602001-SC")
    assert refusal(
        lambda: services.update_activity(
            activity, actor=team_leader, details={"visibility": Visibility.TEAM, "audience": street}
        )
    ) == {"audience": ["Choose a service team or station."]}
    changed = services.update_activity(
        activity, actor=team_leader, details={"visibility": Visibility.SUBTREE, "audience": street}
    )
    assert (changed.visibility, changed.audience) == (Visibility.SUBTREE, street)


def test_a_change_records_the_fields_it_changed(draft: Draft, team_leader: User) -> None:
    activity = draft()
    services.update_activity(
        activity,
        actor=team_leader,
        details={
            "title": "周末社区读书会",
            "minimum_age": 16,
            "campaigns": [Category.objects.get(code="festivals")],
        },
    )
    entry = AuditEntry.objects.get(action="activity.changed")
    assert entry.data == {"fields": ["campaigns", "minimum_age"]}


# --- slots ----------------------------------------------------------------------------------


def test_a_slot_may_cross_midnight(draft: Draft) -> None:
    activity = draft()
    day = timezone.localdate() + timedelta(days=2)
    start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    start += timedelta(hours=22)
    slot = services.add_slot(
        activity,
        actor=User.objects.get(username="team_leader"),
        starts_at=start,
        ends_at=start + timedelta(hours=4),
        capacity=5,
    )
    local_end = timezone.localtime(slot.ends_at)
    assert (local_end.date() - day, f"{local_end:%H:%M}") == (timedelta(days=1), "02:00")
    assert str(slot).endswith(f"{day:%Y-%m-%d} 22:00–{local_end:%Y-%m-%d} 02:00")


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (24, 0, {"ends_at": ["The end must be after the start."]}),
        (24, -1, {"ends_at": ["The end must be after the start."]}),
        (24, 25, {"ends_at": ["A slot lasts at most 24 hours: add several slots."]}),
        (-1, 3, {"starts_at": ["A slot cannot start in the past."]}),
    ],
)
def test_a_slot_has_a_sane_time(
    draft: Draft, start: float, hours: float, expected: dict[str, list[str]]
) -> None:
    activity = draft()
    assert refusal(lambda: add(activity, start, hours)) == expected
    assert not Slot.objects.exists()


def test_a_slot_time_needs_a_time_zone(draft: Draft, team_leader: User) -> None:
    activity = draft()
    naive = timezone.now().replace(tzinfo=None) + timedelta(days=1)
    assert refusal(
        lambda: services.add_slot(
            activity,
            actor=team_leader,
            starts_at=naive,
            ends_at=naive + timedelta(hours=1),
            capacity=1,
        )
    ) == {
        "starts_at": ["Give a date and time with its time zone."],
        "ends_at": ["Give a date and time with its time zone."],
    }


@pytest.mark.parametrize("capacity", [2.5, "2.5", "-1", -1, "二", "", None, True, "１０"])
def test_a_capacity_is_a_whole_number(draft: Draft, capacity: Any) -> None:
    activity = draft()
    assert refusal(lambda: add(activity, capacity=capacity)) == {
        "capacity": ["Enter a whole number of places (0 for none)."]
    }


@pytest.mark.parametrize(("capacity", "places"), [(0, 0), ("12", 12), (3.0, 3)])
def test_a_whole_capacity_is_taken(draft: Draft, capacity: Any, places: int) -> None:
    assert add(draft(), capacity=capacity).capacity == places


def test_a_capacity_has_a_ceiling(draft: Draft) -> None:
    assert refusal(lambda: add(draft(), capacity=100_001)) == {
        "capacity": ["At most 100000 places."]
    }


# --- publishing -----------------------------------------------------------------------------


def test_publishing_opens_the_activity(draft: Draft, team_leader: User) -> None:
    activity = draft()
    add(activity)
    published = services.publish_activity(activity, actor=team_leader)
    assert (published.status, published.published_by) == (ActivityStatus.PUBLISHED, team_leader)
    assert published.published_at is not None
    assert actions(activity) == ["activity.created", "activity.slot.added", "activity.published"]


def test_an_activity_without_slots_is_not_published(draft: Draft, team_leader: User) -> None:
    activity = draft()
    assert refusal(lambda: services.publish_activity(activity, actor=team_leader)) == {
        "slots": ["Add a slot: when the activity takes place, and its places."]
    }
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.DRAFT


def test_a_slot_in_the_past_at_publication_is_named(draft: Draft, team_leader: User) -> None:
    activity = draft()
    add(activity)
    past = SlotFactory(activity=activity, starts_at=at(-2), ends_at=at(-1))
    assert refusal(lambda: services.publish_activity(activity, actor=team_leader)) == {
        "slots": [f"This slot has already started: change or remove it. {past}"]
    }
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.DRAFT


def test_an_activity_whose_slots_have_no_places_is_not_published(
    draft: Draft, team_leader: User
) -> None:
    activity = draft()
    add(activity, capacity=0)
    assert refusal(lambda: services.publish_activity(activity, actor=team_leader)) == {
        "slots": ["Give one slot at least some places."]
    }


def test_a_passed_deadline_is_not_published(draft: Draft, team_leader: User) -> None:
    activity = draft(signup_deadline=at(-1))
    add(activity)
    assert refusal(lambda: services.publish_activity(activity, actor=team_leader)) == {
        "signup_deadline": ["The sign-up deadline has passed: change it."]
    }


def test_a_risky_activity_needs_its_insurance_to_be_published(
    draft: Draft, team_leader: User
) -> None:
    """志愿服务条例 第十七条: volunteers of a risky activity are insured against accidents."""
    activity = draft(carries_risk=True)
    slot = add(activity, start=24 * 3)
    assert refusal(lambda: services.publish_activity(activity, actor=team_leader)) == {
        "insurer": [
            "An activity carrying risk needs the insurer of the volunteers' accident insurance."
        ],
        "insurance_policy_number": [
            "An activity carrying risk needs the policy number of the volunteers' accident insurance."
        ],
        "insurance_valid_until": ["Give the date the insurance is valid until."],
    }
    last_day = timezone.localtime(slot.ends_at).date()
    services.update_activity(
        activity,
        actor=team_leader,
        details={
            "insurer": "中国人寿岳阳分公司",
            "insurance_policy_number": "PA2026-0001",
            "insurance_valid_until": last_day - timedelta(days=1),
        },
    )
    assert refusal(lambda: services.publish_activity(activity, actor=team_leader)) == {
        "insurance_valid_until": [f"The insurance ends before the last slot ({last_day})."]
    }
    services.update_activity(
        activity, actor=team_leader, details={"insurance_valid_until": last_day}
    )
    assert services.publish_activity(activity, actor=team_leader).status == ActivityStatus.PUBLISHED


def test_a_published_risky_activity_keeps_its_insurance(
    open_slot: OpenSlot, team_leader: User
) -> None:
    activity = open_slot().activity
    assert refusal(
        lambda: services.update_activity(
            activity, actor=team_leader, details={"carries_risk": True}
        )
    ) == {
        "insurer": [
            "An activity carrying risk needs the insurer of the volunteers' accident insurance."
        ],
        "insurance_policy_number": [
            "An activity carrying risk needs the policy number of the volunteers' accident insurance."
        ],
        "insurance_valid_until": ["Give the date the insurance is valid until."],
    }
    activity.refresh_from_db()
    assert activity.carries_risk is False


def test_an_activity_is_published_once(open_slot: OpenSlot, team_leader: User) -> None:
    activity = open_slot().activity
    assert refusal(lambda: services.publish_activity(activity, actor=team_leader)) == [
        "This activity is already published."
    ]


def test_another_streets_administrator_cannot_publish(draft: Draft, outsider: User) -> None:
    activity = draft()
    add(activity)
    with pytest.raises(PermissionDenied):
        services.publish_activity(activity, actor=outsider)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.DRAFT


# --- cancelling and finishing ---------------------------------------------------------------


def test_cancelling_tells_everyone_signed_up_once(
    open_slot: OpenSlot,
    volunteer: NewVolunteer,
    team_leader: User,
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    slot = open_slot(capacity=1)
    second = add(slot.activity, start=30)
    first, waiting, gone = volunteer(), volunteer(), volunteer()
    services.sign_up(slot, first)
    services.sign_up(second, first)
    services.sign_up(slot, waiting)
    services.cancel_signup(services.sign_up(second, gone))
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_activity(slot.activity, actor=team_leader, reason="暴雨预警")

    assert sorted(m.mobile for m in outbox) == sorted([first.mobile, waiting.mobile])
    assert {m.template for m in outbox} == {"activity_cancelled"}
    assert outbox[0].params["activity"] == "周末社区读书会"
    assert set(SignUp.objects.values_list("status", "reason")) == {
        (SignUpStatus.CANCELLED, "暴雨预警")
    } | {(SignUpStatus.CANCELLED, "")}
    entry = AuditEntry.objects.get(action="activity.cancelled")
    assert entry.data == {"reason": "暴雨预警", "signups": 3}
    slot.activity.refresh_from_db()
    assert (slot.activity.status, slot.activity.cancellation_reason) == (
        ActivityStatus.CANCELLED,
        "暴雨预警",
    )


def test_cancelling_needs_a_reason(open_slot: OpenSlot, team_leader: User) -> None:
    activity = open_slot().activity
    assert refusal(lambda: services.cancel_activity(activity, actor=team_leader, reason=" ")) == {
        "reason": ["Say why the activity is cancelled."]
    }


def test_a_cancelled_activity_takes_no_sign_ups_nor_changes(
    open_slot: OpenSlot, volunteer: NewVolunteer, team_leader: User
) -> None:
    slot = open_slot()
    services.cancel_activity(slot.activity, actor=team_leader, reason="场地维修")
    slot.refresh_from_db()
    assert refusal(lambda: services.sign_up(slot, volunteer())) == [
        "This activity is not open for sign-up."
    ]
    assert refusal(
        lambda: services.update_activity(slot.activity, actor=team_leader, details={"title": "新"})
    ) == ["This activity was cancelled."]


def test_an_activity_finishes_after_its_last_slot(team_leader: User, draft: Draft) -> None:
    activity = draft()
    slot = add(activity)
    services.publish_activity(activity, actor=team_leader)
    assert refusal(lambda: services.finish_activity(activity, actor=team_leader)) == [
        "The activity can be finished once its last slot has ended."
    ]
    Slot.objects.filter(pk=slot.pk).update(starts_at=at(-3), ends_at=at(-1))
    assert services.finish_activity(activity, actor=team_leader).status == ActivityStatus.FINISHED


def test_the_periodic_job_finishes_ended_activities_only(open_slot: OpenSlot) -> None:
    ended, running, later = open_slot(), open_slot(), open_slot()
    Slot.objects.filter(pk=ended.pk).update(starts_at=at(-3), ends_at=at(-1))
    Slot.objects.filter(pk=running.pk).update(starts_at=at(-1), ends_at=at(1))
    from zhiyuan.common.periodic import run_jobs

    assert run_jobs(["finish_ended_activities"]) == {"finish_ended_activities": "ok"}
    statuses = {
        slot.pk: Activity.objects.get(pk=slot.activity_id).status
        for slot in (ended, running, later)
    }
    assert statuses == {
        ended.pk: ActivityStatus.FINISHED,
        running.pk: ActivityStatus.PUBLISHED,
        later.pk: ActivityStatus.PUBLISHED,
    }
    assert AuditEntry.objects.filter(action="activity.finished", actor=None).count() == 1
    assert services.finish_ended_activities() == 0
