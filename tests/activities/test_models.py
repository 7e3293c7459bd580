"""The activities' tables hold their rules even when a write bypasses the services."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from tests.factories import ActivityFactory, SignUpFactory, SlotFactory
from zhiyuan.activities.enums import ActivityStatus, CategoryKind, SignUpStatus, Visibility
from zhiyuan.activities.models import Category

pytestmark = pytest.mark.django_db


def test_the_plans_categories_and_campaigns_are_seeded() -> None:
    categories = Category.objects.filter(kind=CategoryKind.CATEGORY)
    campaigns = Category.objects.filter(kind=CategoryKind.CAMPAIGN)
    assert [c.name for c in categories] == [
        "文化",
        "科普",
        "环境保护",
        "卫生健康",
        "治安",
        "红十字",
        "法律援助",
        "全民健身",
    ]
    assert [c.code for c in campaigns] == [
        "civility",
        "empty_nest_elderly",
        "migrant_workers",
        "disabled",
        "civilised_traffic",
        "community_service",
        "festivals",
    ]


def test_a_category_reads_in_the_readers_language() -> None:
    category = Category.objects.get(code="legal_aid")
    assert str(category) == "法律援助"
    with translation.override("en"):
        assert str(category) == "Legal aid"


def test_a_slot_ending_before_it_starts_is_refused_by_the_database() -> None:
    slot = SlotFactory()
    slot.ends_at = slot.starts_at - timedelta(minutes=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        slot.save()


def test_a_slot_ending_when_it_starts_is_refused_by_the_database() -> None:
    slot = SlotFactory()
    slot.ends_at = slot.starts_at
    with pytest.raises(IntegrityError), transaction.atomic():
        slot.save()


def test_one_volunteer_has_one_signup_row_per_slot() -> None:
    signup = SignUpFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SignUpFactory(slot=signup.slot, volunteer=signup.volunteer, status=SignUpStatus.CANCELLED)


@pytest.mark.parametrize(
    ("status", "position"),
    [(SignUpStatus.WAITLISTED, None), (SignUpStatus.CONFIRMED, 1), (SignUpStatus.PENDING, 3)],
)
def test_only_a_waitlisted_signup_has_a_place_in_the_queue(
    status: SignUpStatus, position: int | None
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SignUpFactory(status=status, waitlist_position=position)


def test_a_risky_activity_cannot_be_published_without_an_insurance_policy() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(carries_risk=True, status=ActivityStatus.PUBLISHED)
    draft = ActivityFactory(carries_risk=True, status=ActivityStatus.DRAFT)
    assert draft.insurance_policy_number == ""


def test_a_restricted_activity_names_its_audience() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(visibility=Visibility.TEAM, audience=None)


@pytest.mark.parametrize(("latitude", "longitude"), [(91, 113), (29, 181), (29, None)])
def test_coordinates_come_in_pairs_within_range(latitude: int, longitude: int | None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(latitude=latitude, longitude=longitude)
