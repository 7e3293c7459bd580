"""The office pages of activities: the subtree's list, creating and publishing, slots, a slot's
roster (names and masked phones only), decisions on sign-ups, a leader's group, files. Another
street's administrator sees none of it."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.activities.test_signups import member
from tests.factories import GUOLIANG, TEAM
from tests.volunteers import people
from tests.volunteers.people import OTHER_STREET
from zhiyuan.accounts.models import User
from zhiyuan.activities import services
from zhiyuan.activities.enums import ActivityStatus, SignUpStatus
from zhiyuan.activities.models import Activity, Attachment, Category, SignUp, Slot
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
OpenSlot = Callable[..., Slot]
NewVolunteer = Callable[..., Volunteer]


def text(response: Any) -> str:
    return response.content.decode()


def test_the_list_shows_the_subtrees_activities_only(
    open_slot: OpenSlot, login: Login, street_admin: User, outsider: User, team_leader: User
) -> None:
    slot = open_slot()
    ours = text(login(street_admin).get("/activities/"))
    assert slot.activity.title in ours and f"/activities/{slot.activity.pk}/" in ours
    theirs = login(outsider).get("/activities/")
    assert slot.activity.title not in text(theirs)
    assert login(outsider).get(f"/activities/{slot.activity.pk}/").status_code == 404
    assert login(outsider).get(f"/activities/slots/{slot.pk}/").status_code == 404


def test_the_list_reads_in_few_queries(
    open_slot: OpenSlot, login: Login, street_admin: User, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        open_slot()
    client = login(street_admin)
    with django_assert_max_num_queries(17):
        response = client.get("/activities/")
    assert text(response).count('class="badge activity-published"') == 5


def test_the_list_filters_by_category_and_status(
    open_slot: OpenSlot, draft: Callable[..., Activity], login: Login, street_admin: User
) -> None:
    published = open_slot(title="环保行动", category=Category.objects.get(code="environment"))
    kept = draft(title="读书草稿")
    client = login(street_admin)
    by_category = text(client.get("/activities/?category=environment"))
    assert published.activity.title in by_category and kept.title not in by_category
    drafts = text(client.get("/activities/?status=draft"))
    assert kept.title in drafts and published.activity.title not in drafts


def test_the_next_page_keeps_the_filters(
    draft: Callable[..., Activity], login: Login, street_admin: User
) -> None:
    for _ in range(51):
        draft()
    first = text(login(street_admin).get("/activities/?status=draft&q=读书"))
    assert "?status=draft&amp;q=%E8%AF%BB%E4%B9%A6&amp;page=2" in first


def test_a_leader_creates_adds_a_slot_across_midnight_and_publishes(
    login: Login, team_leader: User
) -> None:
    client = login(team_leader)
    form = client.get("/activities/new/")
    assert 'name="title"' in text(form)
    response = client.post(
        "/activities/new/",
        {
            "title": "夜间巡逻",
            "category": Category.objects.get(code="public_security").pk,
            "division": GUOLIANG,
            "address": "郭亮社区东门",
            "visibility": "public",
            "minimum_age": "18",
        },
    )
    activity = Activity.objects.get(title="夜间巡逻")
    assert response["Location"] == f"/activities/{activity.pk}/"
    day = timezone.localdate() + timedelta(days=2)
    client.post(
        f"/activities/{activity.pk}/slots/add/",
        {"day": day.isoformat(), "start": "22:00", "end": "02:00", "capacity": "6"},
    )
    slot = activity.slots.get()
    assert (timezone.localtime(slot.ends_at) - timezone.localtime(slot.starts_at)) == timedelta(
        hours=4
    )
    client.post(f"/activities/{activity.pk}/publish/")
    activity.refresh_from_db()
    assert (activity.status, activity.minimum_age) == (ActivityStatus.PUBLISHED, 18)


def test_a_form_shows_the_services_refusals(login: Login, team_leader: User) -> None:
    client = login(team_leader)
    client.cookies["django_language"] = "en"
    response = client.post(
        "/activities/new/",
        {
            "title": "联系13912345678",
            "category": Category.objects.get(code="culture").pk,
            "division": GUOLIANG,
            "address": "活动室",
            "visibility": "public",
        },
    )
    assert response.status_code == 200
    assert (
        "Do not write ID numbers or mobile numbers here: this text is kept and shown in clear."
        in text(response)
    )
    assert not Activity.objects.exists()


def test_a_fractional_capacity_is_refused_on_the_page(
    draft: Callable[..., Activity], login: Login, team_leader: User
) -> None:
    activity = draft()
    client = login(team_leader)
    client.cookies["django_language"] = "en"
    day = timezone.localdate() + timedelta(days=2)
    response = client.post(
        f"/activities/{activity.pk}/slots/add/",
        {"day": day.isoformat(), "start": "09:00", "end": "11:00", "capacity": "2.5"},
        follow=True,
    )
    assert "Enter a whole number of places (0 for none)." in text(response)
    assert not Slot.objects.exists()


def test_publishing_a_risky_activity_without_insurance_names_the_problem(
    draft: Callable[..., Activity], login: Login, team_leader: User
) -> None:
    activity = draft(carries_risk=True)
    services.add_slot(
        activity,
        actor=team_leader,
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=2),
        capacity=3,
    )
    client = login(team_leader)
    client.cookies["django_language"] = "en"
    response = client.post(f"/activities/{activity.pk}/publish/", follow=True)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.DRAFT
    assert (
        "An activity carrying risk needs the policy number of the volunteers&#x27; accident "
        "insurance." in text(response)
    )


def test_the_roster_shows_names_and_masked_phones_only(
    open_slot: OpenSlot, login: Login, team_leader: User, outsider: User
) -> None:
    """A volunteer of another street signed up for our public activity: the organiser sees
    their name and masked phone through the sign-up, not their registration."""
    slot = open_slot()
    elsewhere = people.registered(outsider, OTHER_STREET, name="外街志愿者")
    services.sign_up(slot, elsewhere)
    page = text(login(team_leader).get(f"/activities/slots/{slot.pk}/"))
    assert "外街志愿者" in page
    assert f"{elsewhere.mobile[:3]}****{elsewhere.mobile[-4:]}" in page
    assert elsewhere.mobile not in page and elsewhere.document_number not in page
    assert elsewhere.registration_number not in page
    assert login(team_leader).get(f"/volunteers/{elsewhere.pk}/").status_code == 404


def test_the_organiser_approves_and_rejects_on_the_roster(
    open_slot: OpenSlot, volunteer: NewVolunteer, login: Login, team_leader: User, outsider: User
) -> None:
    slot = open_slot(needs_approval=True)
    first, second = services.sign_up(slot, volunteer()), services.sign_up(slot, volunteer())
    url = f"/activities/slots/{slot.pk}/signups/"
    assert login(outsider).post(f"{url}{first.pk}/", {"action": "approve"}).status_code == 404
    client = login(team_leader)
    client.post(f"{url}{first.pk}/", {"action": "approve"})
    client.post(f"{url}{second.pk}/", {"action": "reject", "reason": "人数已满"})
    assert dict(SignUp.objects.values_list("pk", "status")) == {
        first.pk: SignUpStatus.CONFIRMED,
        second.pk: SignUpStatus.REJECTED,
    }


def test_lowering_places_below_the_confirmed_is_explained_on_the_page(
    open_slot: OpenSlot, volunteer: NewVolunteer, login: Login, team_leader: User
) -> None:
    slot = open_slot(capacity=3)
    services.sign_up(slot, volunteer())
    services.sign_up(slot, volunteer())
    client = login(team_leader)
    client.cookies["django_language"] = "en"
    response = client.post(f"/activities/slots/{slot.pk}/capacity/", {"capacity": "1"}, follow=True)
    assert (
        "2 volunteers are confirmed for this slot: the capacity cannot be lower than 2. "
        "Cancel sign-ups first." in text(response)
    )
    slot.refresh_from_db()
    assert slot.capacity == 3


def test_each_act_on_an_activity_says_how_it_went(
    open_slot: OpenSlot, volunteer: NewVolunteer, login: Login, team_leader: User
) -> None:
    """A refused act shows the service's reason and changes nothing; a done one says so."""
    slot = open_slot()
    signup = services.sign_up(slot, volunteer())
    extra = services.add_slot(
        slot.activity,
        actor=team_leader,
        starts_at=slot.starts_at + timedelta(days=1),
        ends_at=slot.ends_at + timedelta(days=1),
        capacity=2,
    )
    client = login(team_leader)
    client.cookies["django_language"] = "en"

    def said(url: str, data: dict[str, str] | None = None) -> list[str]:
        response = client.post(url, data or {}, follow=True)
        return [str(message) for message in response.context["messages"]]

    assert said(f"/activities/{slot.activity_id}/finish/") == [
        "The activity can be finished once its last slot has ended."
    ]
    assert said(f"/activities/slots/{slot.pk}/remove/") == [
        "Volunteers have signed up for this slot: cancel the activity instead."
    ]
    assert said(f"/activities/slots/{slot.pk}/signups/{signup.pk}/", {"action": "drop"}) == [
        "Choose what to do with the sign-up."
    ]
    assert said(f"/activities/slots/{extra.pk}/remove/") == ["Slot removed."]
    assert list(Slot.objects.values_list("pk", flat=True)) == [slot.pk]
    assert Activity.objects.get().status == ActivityStatus.PUBLISHED
    assert SignUp.objects.get().status == SignUpStatus.CONFIRMED


def test_a_leader_signs_up_team_members_on_the_group_page(
    open_slot: OpenSlot, volunteer: NewVolunteer, login: Login, team_leader: User
) -> None:
    slot = open_slot(capacity=5)
    one, two = member(volunteer(name="组员甲")), member(volunteer(name="组员乙"))
    client = login(team_leader)
    page = text(client.get(f"/activities/slots/{slot.pk}/group/"))
    assert "组员甲" in page and "组员乙" in page
    response = client.post(
        f"/activities/slots/{slot.pk}/group/",
        {"team": one.memberships.get().team_id, "volunteer": [one.pk, two.pk]},
    )
    assert response["Location"] == f"/activities/slots/{slot.pk}/"
    assert set(slot.signups.values_list("volunteer_id", flat=True)) == {one.pk, two.pk}


def test_files_are_served_inside_the_scope_only(
    draft: Callable[..., Activity],
    login: Login,
    team_leader: User,
    outsider: User,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    activity = draft()
    client = login(team_leader)
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(
        f"/activities/{activity.pk}/attachments/add/",
        {"kind": "document", "file": SimpleUploadedFile("签到表.pdf", b"%PDF-1.4\n%%EOF\n")},
    )
    kept = Attachment.objects.get()
    response = client.get(f"/activities/attachments/{kept.pk}/")
    assert (response.status_code, b"".join(response.streaming_content)) == (
        200,
        b"%PDF-1.4\n%%EOF\n",
    )
    assert login(outsider).get(f"/activities/attachments/{kept.pk}/").status_code == 404


def test_another_streets_administrator_changes_nothing(
    open_slot: OpenSlot, login: Login, outsider: User
) -> None:
    slot = open_slot()
    client = login(outsider)
    for url, data in [
        (f"/activities/{slot.activity.pk}/cancel/", {"reason": "捣乱"}),
        (f"/activities/{slot.activity.pk}/edit/", {"title": "改"}),
        (f"/activities/slots/{slot.pk}/capacity/", {"capacity": "1"}),
    ]:
        assert client.post(url, data).status_code == 404
    slot.refresh_from_db()
    slot.activity.refresh_from_db()
    assert (slot.capacity, slot.activity.status, slot.activity.title) == (
        10,
        ActivityStatus.PUBLISHED,
        "周末社区读书会",
    )


def test_the_divisions_offered_are_the_organisers(login: Login, team_leader: User) -> None:
    page = text(login(team_leader).get("/activities/new/"))
    assert f'<option value="{GUOLIANG}">' in page
    assert Division.objects.get(code=GUOLIANG).name in page
    # The team leader's one organisation is chosen for them.
    assert f'name="organizer" value="{Organization.objects.get(code=TEAM).pk}"' in page


def test_the_audit_log_names_and_links_activities_and_sign_ups(
    open_slot: OpenSlot, volunteer: NewVolunteer, login: Login, street_admin: User, outsider: User
) -> None:
    slot = open_slot()
    services.sign_up(slot, volunteer(name="赵六"))
    page = text(login(street_admin).get("/audit/"))
    assert f'<a href="/activities/{slot.activity_id}/">周末社区读书会</a>' in page
    assert f'<a href="/activities/slots/{slot.pk}/">赵六 · 周末社区读书会</a>' in page
    assert '<th scope="row">activity.signup.created</th>' not in page  # it reads in words
    assert "周末社区读书会" not in text(login(outsider).get("/audit/"))
