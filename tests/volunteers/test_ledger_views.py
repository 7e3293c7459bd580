"""The ledger pages: scoped list and filters, detail with history, lifecycle actions, reveal."""

import pytest
from django.urls import reverse

from tests.volunteers.people import OTHER_STREET, synthetic_id
from zhiyuan.common.models import AuditEntry
from zhiyuan.volunteers import services
from zhiyuan.volunteers.enums import RegistrationStatus

pytestmark = pytest.mark.django_db


def test_ledger_lists_only_the_users_subtree(registrar, outsider, city_admin, login, apply) -> None:
    mine = apply(registrar, name="赵一")
    theirs = apply(outsider, OTHER_STREET, name="钱二")
    url = reverse("volunteers:ledger")
    assert [v.pk for v in login(registrar).get(url).context["page"]] == [mine.pk]
    assert [v.pk for v in login(outsider).get(url).context["page"]] == [theirs.pk]
    assert {v.pk for v in login(city_admin).get(url + "?q=赵").context["page"]} == {mine.pk}


def test_detail_of_another_street_is_404(registrar, outsider, login, apply) -> None:
    volunteer = apply(registrar)
    assert login(outsider).get(reverse("volunteers:detail", args=[volunteer.pk])).status_code == 404
    assert (
        login(registrar).get(reverse("volunteers:detail", args=[volunteer.pk])).status_code == 200
    )


def test_detail_masks_id_and_phone(registrar, login, apply) -> None:
    number = synthetic_id("19751212")
    volunteer = apply(registrar, document_number=number, mobile="13698765432")
    html = login(registrar).get(reverse("volunteers:detail", args=[volunteer.pk])).content.decode()
    assert number not in html and "13698765432" not in html
    assert f"{number[:2]}{'*' * 14}{number[-2:]}" in html
    assert "136****5432" in html


def test_filters_by_status_gender_age_band_and_skill(registrar, login, apply, registered) -> None:
    young = apply(registrar, birth="20000101", male=False, skills=["legal"])
    old = registered(registrar, birth="19500101", skills=["first_aid"])
    client = login(registrar)

    def found(query: str) -> set[int]:
        return {v.pk for v in client.get(reverse("volunteers:ledger") + query).context["page"]}

    assert found("?status=active") == {old.pk}
    assert found("?gender=female") == {young.pk}
    assert found("?age_band=60-") == {old.pk}
    assert found("?age_band=18-35") == {young.pk}
    assert found("?skill=legal") == {young.pk}


def test_find_by_whole_id_number_is_posted_and_scoped(registrar, outsider, login, apply) -> None:
    number = synthetic_id("19830303")
    volunteer = apply(registrar, document_number=number)
    url = reverse("volunteers:ledger")
    assert [
        v.pk for v in login(registrar).post(url, {"identity": number.lower()}).context["page"]
    ] == [volunteer.pk]
    assert list(login(outsider).post(url, {"identity": number}).context["page"]) == []


def test_in_person_confirmation_from_the_detail_page(registrar, login, apply) -> None:
    volunteer = apply(registrar)
    client = login(registrar)
    response = client.post(
        reverse("volunteers:confirm-in-person", args=[volunteer.pk]), {"reason": ""}
    )
    volunteer.refresh_from_db()
    assert volunteer.status == RegistrationStatus.APPLIED
    client.post(
        reverse("volunteers:confirm-in-person", args=[volunteer.pk]),
        {"reason": "本人到中心签字确认"},
    )
    volunteer.refresh_from_db()
    assert volunteer.status == RegistrationStatus.ACTIVE
    assert response.status_code == 302


def test_viewer_sees_no_actions_and_cannot_act(registrar, viewer, login, apply) -> None:
    volunteer = apply(registrar)
    client = login(viewer)
    html = client.get(reverse("volunteers:detail", args=[volunteer.pk])).content.decode()
    assert reverse("volunteers:confirm-in-person", args=[volunteer.pk]) not in html
    response = client.post(
        reverse("volunteers:confirm-in-person", args=[volunteer.pk]), {"reason": "本人到场确认"}
    )
    assert response.status_code == 403


def test_reveal_shows_once_and_logs_who_why(registrar, login, apply) -> None:
    number = synthetic_id("19910911")
    volunteer = apply(registrar, document_number=number)
    response = login(registrar).post(
        reverse("volunteers:reveal", args=[volunteer.pk]),
        {"field": "document_number", "reason": "核对身份"},
    )
    assert number in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.filter(action="volunteer.personal_data.viewed").latest("pk")
    assert entry.data == {"field": "document_number", "reason": "核对身份"}
    assert number not in str(entry.data) and number not in entry.object_repr


def test_progress_counts_and_bulk_message(
    registrar, login, outbox, django_capture_on_commit_callbacks, apply, registered
) -> None:
    registered(registrar)
    apply(registrar)
    client = login(registrar)
    rows = client.get(reverse("volunteers:progress")).context["rows"]
    assert [(r["code"], r["applied"], r["confirmed"]) for r in rows] == [("430602001-SC", 1, 1)]
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("volunteers:send-confirmations"), {"expected": "1"})
    assert [m.template for m in outbox] == ["registration_confirm"]


def test_history_details_are_described_in_words() -> None:
    from django.utils import translation

    from zhiyuan.volunteers.history import describe

    with translation.override("en"):
        assert describe({"method": "in_person", "number": "430600326000001"}) == (
            "confirmation: In person, recorded by a registrar; registration number: 430600326000001"
        )
        assert describe({"fields": ["name", "mobile"], "channel": "import"}) == (
            "fields: name、mobile; channel: Imported from a roster"
        )


def test_reregistration_is_offered_only_where_the_policy_requires_it(
    registrar, street_admin, org, login, registered
) -> None:
    volunteer = registered(registrar)
    url = reverse("volunteers:detail", args=[volunteer.pk])
    action = reverse("volunteers:reregister", args=[volunteer.pk])
    assert action not in login(registrar).get(url).content.decode()
    services.set_policy(org("430602001-SC"), actor=street_admin, reregistration_required=True)
    assert action in login(registrar).get(url).content.decode()


def test_a_photo_is_checked_stored_under_a_random_name_and_served_in_scope(
    registrar, outsider, viewer, login, settings, tmp_path, apply
) -> None:
    import io as _io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    volunteer = apply(registrar, name="冯照片")
    picture = _io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(picture, format="PNG")
    upload = reverse("volunteers:photo-upload", args=[volunteer.pk])
    client = login(registrar)
    client.post(upload, {"photo": SimpleUploadedFile("冯照片.txt", b"not an image")})
    volunteer.refresh_from_db()
    assert not volunteer.photo
    assert (
        login(viewer)
        .post(upload, {"photo": SimpleUploadedFile("a.png", picture.getvalue())})
        .status_code
        == 403
    )
    client.post(upload, {"photo": SimpleUploadedFile("冯照片.png", picture.getvalue())})
    volunteer.refresh_from_db()
    assert volunteer.photo.name.startswith("volunteer-photos/") and "冯" not in volunteer.photo.name
    served = client.get(reverse("volunteers:photo", args=[volunteer.pk]))
    assert (served.status_code, served["Content-Type"], served.content) == (
        200,
        "image/png",
        picture.getvalue(),
    )
    assert login(outsider).get(reverse("volunteers:photo", args=[volunteer.pk])).status_code == 404
    assert AuditEntry.objects.filter(action="volunteer.photo.changed").count() == 1


def test_the_ledger_page_decrypts_no_personal_number(registrar, login, monkeypatch, apply) -> None:
    from zhiyuan.common import crypto

    apply(registrar)
    opened: list[str] = []
    real = crypto.decrypt
    monkeypatch.setattr(
        crypto,
        "decrypt",
        lambda value, *, context: opened.append(context) or real(value, context=context),
    )
    assert login(registrar).get(reverse("volunteers:ledger")).status_code == 200
    assert [c for c in opened if c.startswith("volunteers.")] == []
