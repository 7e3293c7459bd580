"""The reads the web pages and the API share: where the public may register, a registration's
history, registration bodies and their delegations, memberships and volunteers' requests."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.volunteers.people import OTHER_STREET, STATION, STREET
from zhiyuan.common.audit import log_action
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import permissions, selectors, services
from zhiyuan.volunteers.enums import RequestKind
from zhiyuan.volunteers.models import Delegation, RegistrationBody

pytestmark = pytest.mark.django_db

# The world's registration points as (body's organisation, registered through), in tree order.
WORLD_POINTS = [
    ("4306-VA", "4306-VA"),
    ("430602-VA", "430602-VA"),
    (STREET, STREET),
    (STREET, STATION),
    (OTHER_STREET, OTHER_STREET),
    ("430603-VA", "430603-VA"),
    ("430603001-SC", "430603001-SC"),
    ("YYETDZ-VA", "YYETDZ-VA"),
    ("430602402-SC", "430602402-SC"),
]
FAR_STATION = "430603001003-ST"  # 文桥社区's station, under another district


def codes(points: list[selectors.RegistrationPoint]) -> list[tuple[str, str]]:
    return [(point.body.organization.code, point.organization.code) for point in points]


def test_public_points_are_open_bodies_and_live_delegations_in_tree_order(
    django_assert_num_queries,
) -> None:
    # The generations, bodies, delegations, the districts' committees and their divisions;
    # then only the generations, while nothing changes (selectors.public_points).
    with django_assert_num_queries(5):
        points = selectors.public_registration_points()
    assert codes(points) == WORLD_POINTS
    with django_assert_num_queries(1):
        assert selectors.public_registration_points() == points


def test_the_apis_order_is_by_body_code_then_tree_order(body, org, city_admin) -> None:
    services.grant_delegation(body("4306-VA"), org(FAR_STATION), actor=city_admin)
    in_tree_order = codes(selectors.public_registration_points())
    by_body = codes(selectors.public_registration_points(by_body=True))
    assert in_tree_order[5:8] == [
        ("430603-VA", "430603-VA"),
        ("430603001-SC", "430603001-SC"),
        ("4306-VA", FAR_STATION),
    ]
    assert by_body[:3] == [
        ("4306-VA", "4306-VA"),
        ("4306-VA", FAR_STATION),
        ("430602-VA", "430602-VA"),
    ]
    assert sorted(in_tree_order) == sorted(by_body)


def test_the_search_matches_the_bodys_or_the_organisations_name() -> None:
    assert codes(selectors.public_registration_points(search="岳阳楼街道")) == [
        (STREET, STREET),
        (STREET, STATION),
    ]
    assert codes(selectors.public_registration_points(search="郭亮")) == [(STREET, STATION)]
    assert selectors.public_registration_points(search="没有这个地方") == []


def test_closed_bodies_and_revoked_delegations_take_no_registrations(body, street_admin) -> None:
    RegistrationBody.objects.filter(pk=body(OTHER_STREET).pk).update(is_active=False)
    services.revoke_delegation(Delegation.objects.get(), actor=street_admin)
    assert codes(selectors.public_registration_points()) == [
        point
        for point in WORLD_POINTS
        if point not in {(OTHER_STREET, OTHER_STREET), (STREET, STATION)}
    ]
    assert (
        selectors.public_registration_point(
            f"{body(OTHER_STREET).pk}:{body(OTHER_STREET).organization_id}"
        )
        is None
    )
    delegated = f"{body(STREET).pk}:{Delegation.objects.get().organization_id}"
    assert selectors.public_registration_point(delegated) is None


def test_a_point_is_found_by_its_key_only_while_it_takes_registrations(body, org) -> None:
    street, station = body(STREET), org(STATION)
    own = selectors.public_registration_point(f"{street.pk}:{street.organization_id}")
    assert own == selectors.RegistrationPoint(street, street.organization)
    delegated = selectors.public_registration_point(f"{street.pk}:{station.pk}")
    assert delegated == selectors.RegistrationPoint(street, station)
    assert str(delegated) == "郭亮社区志愿服务站 (岳阳楼街道志愿服务中心)"
    not_delegated = org("430602001002-ST")
    for key in (f"{street.pk}:{not_delegated.pk}", f"{street.pk}:", "1:2:3", "x:1", ""):
        assert selectors.public_registration_point(key) is None, key


def test_the_history_is_the_registrations_own_entries_oldest_first(
    registrar, street_admin, registered
) -> None:
    volunteer = registered(registrar)
    other = registered(registrar)
    services.suspend_registration(volunteer, actor=street_admin, reason="长期未参加活动")
    # Data that could leak: another registration's entries, and an entry about another kind
    # of object with the same id.
    services.suspend_registration(other, actor=street_admin, reason="长期未参加活动")
    same_id = Organization(pk=volunteer.pk, name="同号的组织")
    log_action(street_admin, "organization.updated", same_id)
    same_pk = AuditEntry.objects.filter(object_id=str(volunteer.pk))
    assert same_pk.exclude(object_type="volunteers.volunteer").exists()
    entries = selectors.history(volunteer)
    assert [(entry.action, entry.actor) for entry in entries] == [
        ("volunteer.registration.applied", registrar),
        ("volunteer.registration.confirmed", registrar),
        ("volunteer.registration.suspended", street_admin),
    ]
    newest_first = selectors.history(volunteer, newest_first=True)
    assert [entry.pk for entry in newest_first] == [entry.pk for entry in entries][::-1]


def test_bodies_and_delegations_are_those_in_the_users_subtrees(
    district_admin, street_admin, outsider, nobody, body, org
) -> None:
    assert [b.organization.code for b in selectors.registration_bodies(district_admin)] == [
        "430602-VA",
        STREET,
        OTHER_STREET,
    ]
    assert list(selectors.registration_bodies(street_admin)) == [body(STREET)]
    assert list(selectors.registration_bodies(outsider)) == [body(OTHER_STREET)]
    assert list(selectors.registration_bodies(nobody)) == []
    older = Delegation.objects.get()
    newer = services.grant_delegation(body(STREET), org("430602001002-ST"), actor=street_admin)
    for user in (district_admin, street_admin):
        assert list(selectors.delegations(user)) == [newer, older]
    for user in (outsider, nobody):
        assert list(selectors.delegations(user)) == []


def test_memberships_are_scoped_by_the_roles_each_interface_asks_for(
    registrar, team_leader, viewer, outsider, org, registered
) -> None:
    team = org("430602001001-TM")
    first = services.apply_for_team(registered(registrar), team, actor=registrar)
    second = services.apply_for_team(registered(registrar), team, actor=registrar)
    for user in (team_leader, viewer):  # the API's list: every role on the team or above it
        assert list(selectors.memberships(user)) == [second, first]
    assert list(selectors.memberships(team_leader, roles=permissions.LEADING)) == [second, first]
    assert list(selectors.memberships(viewer, roles=permissions.LEADING)) == []
    assert list(selectors.memberships(outsider)) == []


def test_requests_are_scoped_by_the_roles_each_interface_asks_for(
    registrar, checker, outsider, registered
) -> None:
    volunteer = registered(registrar)
    first = services.submit_request(volunteer, kind=RequestKind.CORRECTION, message="名字写错了")
    second = services.submit_request(volunteer, kind=RequestKind.CANCELLATION, message="搬家了")
    assert list(selectors.volunteer_requests(checker)) == [second, first]
    registering = permissions.REGISTERING
    assert list(selectors.volunteer_requests(registrar, roles=registering)) == [second, first]
    assert list(selectors.volunteer_requests(checker, roles=registering)) == []
    assert list(selectors.volunteer_requests(outsider)) == []


def test_a_transfer_goes_to_a_body_through_its_own_organisation_or_a_live_delegation(
    body, org, street_admin
) -> None:
    street, station = body(STREET), org(STATION)
    assert codes([selectors.transfer_point(street.pk)]) == [(STREET, STREET)]
    assert codes([selectors.transfer_point(street.pk, street.organization_id)]) == [
        (STREET, STREET)
    ]
    assert codes([selectors.transfer_point(street.pk, station.pk)]) == [(STREET, STATION)]
    refusals = []
    with translation.override("en"):
        for body_id, organization_id in [
            (0, None),
            (body(OTHER_STREET).pk, station.pk),  # no consent from that body
        ]:
            with pytest.raises(ValidationError) as caught:
                selectors.transfer_point(body_id, organization_id)
            refusals.append(caught.value.message_dict)
        services.revoke_delegation(
            Delegation.objects.get(body=street, organization=station), actor=street_admin
        )
        with pytest.raises(ValidationError) as caught:
            selectors.transfer_point(street.pk, station.pk)
        refusals.append(caught.value.message_dict)
    consent = {"organization": ["This organisation has no consent to register for the body."]}
    assert refusals == [{"body": ["No registration body has this id."]}, consent, consent]
