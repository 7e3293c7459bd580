"""The audit log page (/audit/): filters by dates, person and organisation besides the action;
each entry's object by its current name, linked, where the reader may see it, never named
when it lies outside the reader's scope; data in words, in the reader's language."""

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from zhiyuan.accounts.models import User
from zhiyuan.common.audit import log_action
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.models import Organization

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _on(entry: AuditEntry, day: str) -> AuditEntry:
    moment = timezone.make_aware(datetime.fromisoformat(f"{day} 10:00"))
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=moment)
    return entry


@pytest.fixture
def world(
    registrar: User,
    street_admin: User,
    outsider: User,
    org: Callable[[str], Organization],
    apply: Callable[..., Any],
) -> dict[str, AuditEntry]:
    """Entries on three days, by the registrar and the street's administrator, in the street's
    centre and in 郭亮社区's station; and one of another street."""
    AuditEntry.objects.all().delete()
    station = org("430602001001-ST")
    volunteer = apply(registrar, name="王审计")
    applied = AuditEntry.objects.get(action="volunteer.registration.applied")
    theirs = apply(outsider, "430602002-SC", name="孙外街")
    return {
        "applied": _on(applied, "2026-03-01"),
        "station": _on(
            log_action(street_admin, "organization.updated", station, organization=station),
            "2026-03-05",
        ),
        "printed": _on(
            log_action(
                registrar,
                "volunteer.form.printed",
                volunteer,
                organization=volunteer.organization,
                data={"revealed": False},
            ),
            "2026-03-09",
        ),
        "theirs": AuditEntry.objects.get(
            action="volunteer.registration.applied", object_id=str(theirs.pk)
        ),
    }


def _rows(page: Any) -> list[int]:
    return [entry.pk for entry, _shown, _details in page.context["rows"]]


def test_the_log_filters_by_dates_person_and_organisation(
    world: dict[str, AuditEntry],
    street_admin: User,
    registrar: User,
    login: Callable[[User], Client],
) -> None:
    client = english(login(street_admin))
    every = [world[name].pk for name in ("printed", "station", "applied")]
    assert _rows(client.get("/audit/")) == every
    assert _rows(client.get("/audit/", {"from": "2026-03-02", "to": "2026-03-09"})) == every[:2]
    assert _rows(client.get("/audit/", {"to": "2026-03-05"})) == every[1:]
    assert _rows(client.get("/audit/", {"person": registrar.pk})) == [every[0], every[2]]
    assert _rows(client.get("/audit/", {"org": "郭亮社区志愿服务站"})) == [world["station"].pk]
    assert _rows(client.get("/audit/", {"org": "430602001001-ST", "person": registrar.pk})) == []


def test_the_person_choices_name_only_who_acted_in_the_readers_entries(
    world: dict[str, AuditEntry],
    street_admin: User,
    registrar: User,
    outsider: User,
    login: Callable[[User], Client],
) -> None:
    page = login(street_admin).get("/audit/")
    # by name: 王街道, 陈登记
    assert [person.pk for person in page.context["people"]] == [street_admin.pk, registrar.pk]
    assert outsider.name not in page.content.decode()


def test_objects_are_named_and_linked_in_the_readers_language(
    world: dict[str, AuditEntry], street_admin: User, login: Callable[[User], Client]
) -> None:
    volunteer = AuditEntry.objects.get(pk=world["printed"].pk).object_id
    station = Organization.objects.get(code="430602001001-ST")
    html = english(login(street_admin)).get("/audit/").content.decode()
    assert f'<a href="/volunteers/{volunteer}/">王审计 · Application {volunteer}</a>' in html
    assert (
        f'<a href="/organizations/{station.pk}/">郭亮社区志愿服务站 (430602001001-ST)</a>' in html
    )
    assert "full ID numbers and phones: no" in html
    assert "revealed" not in html
    chinese = login(street_admin).get("/audit/").content.decode()
    assert f"王审计 · 注册申请 {volunteer}" in chinese


def test_an_object_outside_the_readers_scope_is_never_named(
    world: dict[str, AuditEntry],
    street_admin: User,
    login: Callable[[User], Client],
    org: Callable[[str], Organization],
) -> None:
    theirs = world["theirs"]
    # An entry placed in the reader's street about a registration of another street.
    AuditEntry.objects.filter(pk=theirs.pk).update(organization=org("430602001-SC"))
    html = english(login(street_admin)).get("/audit/").content.decode()
    assert f"Registration #{theirs.object_id}" in html
    assert "孙外街" not in html
    assert f'href="/volunteers/{theirs.object_id}/"' not in html


def test_old_entries_stored_in_chinese_read_in_english(
    world: dict[str, AuditEntry], street_admin: User, login: Callable[[User], Client]
) -> None:
    AuditEntry.objects.filter(pk=world["applied"].pk).update(object_repr="注册申请 36")
    html = english(login(street_admin)).get("/audit/").content.decode()
    assert "注册申请" not in html


def test_the_filters_keep_to_the_page_links(
    world: dict[str, AuditEntry], street_admin: User, login: Callable[[User], Client]
) -> None:
    station = world["station"].organization
    for _ in range(60):
        log_action(street_admin, "organization.updated", station, organization=station)
    page = login(street_admin).get("/audit/", {"action": "organization.", "from": "2000-01-01"})
    html = page.content.decode()
    assert re.search(r'href="\?action=organization\.&amp;from=2000-01-01&amp;page=2"', html)


def test_new_entries_keep_no_translated_name(registrar: User, apply: Callable[..., Any]) -> None:
    volunteer = apply(registrar)
    entry = AuditEntry.objects.get(action="volunteer.registration.applied", object_id=volunteer.pk)
    assert entry.object_repr == f"Application {volunteer.pk}"
