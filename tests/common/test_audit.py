import pytest
from django.core.management import call_command

from zhiyuan.common.audit import Change, log_actions, origin_scope
from zhiyuan.common.audit_origin import cli_origin
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_bulk_form_writes_one_entry_per_change(org, city_admin) -> None:
    stations = list(Organization.objects.filter(kind="service_station").order_by("code")[:3])
    with origin_scope("task"):
        written = log_actions(
            city_admin,
            [Change("organization.checked", s, s, {"n": i}) for i, s in enumerate(stations)],
        )
    assert written == 3
    entries = list(AuditEntry.objects.filter(action="organization.checked").order_by("object_id"))
    assert [e.object_id for e in entries] == sorted(str(s.pk) for s in stations)
    assert {e.origin for e in entries} == {"task"}
    assert {e.actor_id for e in entries} == {city_admin.pk}


def test_command_line_changes_are_marked_cli() -> None:
    # What the `zhiyuan` console script wraps every command in (`manage.main`); calling main()
    # itself would close the test's database connection when the command ends.
    with cli_origin():
        call_command(
            "create_management_area",
            "--name",
            "南湖风景区",
            "--code",
            "NHFJQ",
            "--parent-division",
            "430600",
            "--townships",
            "430603001000",
        )
    entry = AuditEntry.objects.get(
        action="organization.created", object_repr="南湖风景区发展志愿服务事业指导委员会"
    )
    assert entry.origin == "cli"
    assert entry.actor is None


def test_audit_log_shows_only_the_administered_subtree(login, street_admin, outsider, org) -> None:
    mine, theirs = org("430602001001-ST"), org("430602002001-ST")
    login(street_admin).post(f"/organizations/{mine.pk}/active/", {"active": "0"})
    login(outsider).post(f"/organizations/{theirs.pk}/active/", {"active": "0"})
    page = login(street_admin).get("/audit/").content.decode()
    assert "郭亮社区志愿服务站" in page
    assert '<th scope="row">组织已停用</th>' in page
    assert "桃花山社区志愿服务站" not in page
    assert 'href="/audit/"' in page


@pytest.mark.parametrize("persona", ["registrar", "viewer", "checker", "team_leader", "nobody"])
def test_non_administrators_see_no_audit_entries(
    persona: str, login, org, street_admin, request
) -> None:
    station = org("430602001001-ST")
    login(street_admin).post(f"/organizations/{station.pk}/active/", {"active": "0"})
    page = login(request.getfixturevalue(persona)).get("/audit/").content.decode()
    assert "organization.deactivated" not in page
    assert "组织已停用" not in page
    assert "您没有管理任何组织，因此没有可显示的内容。" in page
    assert 'href="/audit/"' not in page  # not in the navigation either


def test_large_text_toggle_sets_cookie_and_class(client) -> None:
    response = client.post("/prefs/large-text/", {"next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies["large_text"].value == "1"
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans" class="large-text">' in page
    response = client.post("/prefs/large-text/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_language_switch_to_english(client) -> None:
    assert "登录" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert "Mobile number or username" in page
    assert '<html lang="en"' in page


def test_pages_are_chinese_even_for_an_english_browser(client) -> None:
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans"' in page
    assert "手机号或用户名" in page


def test_unknown_page_answers_with_the_site_404(client) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page
    assert "志愿服务平台" in page


def test_the_per_row_form_writes_what_the_bulk_form_writes(org, city_admin) -> None:
    from zhiyuan.common.audit import log_action_per_row

    street = org("430602001-SC")
    stations = Organization.objects.filter(kind="service_station", path__startswith=street.path)
    with origin_scope("cli"):
        log_actions(
            city_admin,
            [Change("organization.checked", o, street, {"n": 1}) for o in stations.order_by("pk")],
        )
        log_action_per_row(
            city_admin,
            "organization.rechecked",
            stations,
            organization=street,
            data={"n": 1},
            repr_around=("站 ", "号"),
        )
    fields = ("actor", "object_type", "object_id", "organization", "data", "origin")
    bulk = list(
        AuditEntry.objects.filter(action="organization.checked").order_by("pk").values(*fields)
    )
    per_row = AuditEntry.objects.filter(action="organization.rechecked").order_by("pk")
    assert list(per_row.values(*fields)) == bulk
    assert len(bulk) == stations.count() > 1
    assert [e.object_repr for e in per_row] == [f"站 {o.pk}号" for o in stations.order_by("pk")]
    assert all(e.created_at is not None for e in per_row)


def test_the_per_row_form_can_give_each_entry_its_object_s_organisation(city_admin) -> None:
    from zhiyuan.common.audit import log_action_per_row
    from zhiyuan.volunteers.models import RegistrationBody

    bodies = RegistrationBody.objects.all()
    log_action_per_row(
        city_admin, "registration_body.checked", bodies, organization_field="organization"
    )

    entries = AuditEntry.objects.filter(action="registration_body.checked").order_by("pk")
    assert list(entries.values_list("object_id", "organization_id")) == [
        (str(body.pk), body.organization_id) for body in bodies.order_by("pk")
    ]
    assert len(entries) > 1


def _role_entries() -> list[dict]:
    fields = ("actor", "action", "object_type", "object_id", "object_repr", "organization")
    return list(
        AuditEntry.objects.filter(action="role.given").order_by("pk").values(*fields, "data")
    )


def test_an_object_created_with_its_entry_is_recorded_as_save_and_log_action_record_it(
    org, city_admin, nobody
) -> None:
    from zhiyuan.accounts.models import Role
    from zhiyuan.common.audit import create_with_entry, log_action, object_repr

    street = org("430602001-SC")
    saved = Role(user=nobody, organization=street, kind="viewer")
    saved.save()
    log_action(city_admin, "role.given", saved, organization=street, data={"n": 1})
    created = Role(user=nobody, organization=street, kind="checker")
    with origin_scope("api"):
        create_with_entry(created, city_admin, "role.given", organization=street, data={"n": 1})
    assert created.pk is not None and not created._state.adding
    assert Role.objects.get(pk=created.pk).kind == "checker"
    first, second = _role_entries()
    named = object_repr(created)
    assert second == {**first, "object_id": str(created.pk), "object_repr": named}
    assert AuditEntry.objects.filter(action="role.given").latest("pk").origin == "api"


def test_a_refused_object_leaves_no_entry_and_the_transaction_usable(org, city_admin) -> None:
    from django.db import IntegrityError

    from zhiyuan.accounts.models import Role
    from zhiyuan.common.audit import create_with_entry

    taken = Role.objects.select_related("user", "organization").first()
    twin = Role(user=taken.user, organization=taken.organization, kind=taken.kind)
    with pytest.raises(IntegrityError):
        create_with_entry(twin, city_admin, "role.given", organization=taken.organization)
    assert twin.pk is None
    assert _role_entries() == []  # the test's transaction still answers
