"""What tests/api/test_schemathesis.py needs of recognition's endpoints: real objects their
paths name, and one successful call of each operation, as a user would make it."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from tests.factories import ActivityFactory
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.api.volunteer_auth import issue_token
from zhiyuan.hours import services as hours
from zhiyuan.organizations.models import Organization
from zhiyuan.recognition import services
from zhiyuan.recognition.models import StarAward
from zhiyuan.volunteers.models import Volunteer


def _served(hours_served: int) -> Volunteer:
    """A registered volunteer of 岳阳楼街道 with `hours_served` confirmed hours this year."""
    registrar = User.objects.get(username="registrar")
    leader = User.objects.get(username="team_leader")
    volunteer = people.registered(registrar, name="星级人")
    activity = ActivityFactory()
    start = timezone.make_aware(datetime.combine(date(timezone.localdate().year, 1, 2), time(8)))
    record = hours.record_hours(
        volunteer,
        activity=activity,
        start=start,
        end=start + timedelta(hours=hours_served),
        actor=leader,
    )
    hours.confirm_records([record], actor=leader)
    return volunteer


def _policy() -> None:
    services.set_policy(
        Organization.objects.get(code="4306-GC"),
        actor=None,
        yearly_hours=20,
        reminder_dates=["07-01"],
        star_hours=[1, 2, 3, 4, 5],
    )


def recognition_known_ids() -> dict[str, list[Any]]:
    """An award on notice, with an objection."""
    _policy()
    volunteer = _served(3)
    admin = User.objects.get(username="city_admin")
    award = services.review_award(services.apply_for_level(volunteer), actor=admin, approve=True)
    objection = services.lodge_objection(award, text="有异议")
    return {"star-awards": [award.pk], "star-objections": [objection.pk]}


def call_recognition_operations(call: Any) -> None:
    """The city sets its policy; the office reads the lists, proposes, reviews, answers an
    objection, awards after the notice and decides a flag; the volunteer reads their stars,
    applies and opts out; anyone reads the notices and objects."""
    city = Organization.objects.get(code="4306-GC").pk
    policy = {
        "organization": city,
        "yearly_hours": 20,
        "reminder_dates": ["07-01", "10-01"],
        "star_hours": [1, 2, 3, 4, 5],
    }
    call("city_admin", "PUT", "/recognition-policy/", policy)
    call("city_admin", "GET", "/recognition-policy/", organization=city)
    call("city_admin", "GET", "/hours-below/")
    call("city_admin", "GET", "/hours-below/units/")
    proposed = _served(3)
    call("city_admin", "GET", "/star-eligible/")
    made = call("city_admin", "POST", "/star-awards/", {"volunteer": proposed.pk}).json()
    call("city_admin", "GET", "/star-awards/")
    call("city_admin", "GET", "/star-awards/{id}/", id=made["id"])
    call("city_admin", "POST", "/star-awards/{id}/review/", {"approve": True}, id=made["id"])
    call("anonymous", "GET", "/public/star-notices/")
    call(
        "anonymous",
        "POST",
        "/public/star-notices/{id}/objections/",
        {"text": "有异议"},
        id=made["id"],
    )
    objections = call("city_admin", "GET", "/star-awards/{id}/objections/", id=made["id"]).json()
    answer = {"answer": "经核实无误", "upheld": False}
    call("city_admin", "POST", "/star-objections/{id}/answer/", answer, id=objections[0]["id"])
    StarAward.objects.filter(pk=made["id"]).update(
        notice_until=timezone.localdate() - timedelta(days=1)
    )
    call("city_admin", "POST", "/star-awards/{id}/grant/", id=made["id"])
    StarAward.objects.filter(pk=made["id"]).update(flagged_at=timezone.now(), flag_minutes=30)
    decision = {"keep": True, "reason": "核实无误"}
    call("city_admin", "POST", "/star-awards/{id}/flag/", decision, id=made["id"])

    applicant = _served(2)
    call.headers["star_volunteer"] = {
        "Authorization": f"Volunteer {issue_token(applicant.mobile_digest)}"
    }
    call("star_volunteer", "GET", "/volunteer/stars/")
    call("star_volunteer", "POST", "/volunteer/stars/", {"volunteer": applicant.pk})
    call("star_volunteer", "PUT", "/volunteer/reminders/", {"reminders": False})
