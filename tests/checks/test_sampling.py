"""The sample: reproducible by its seed, allocated to the strata by largest remainder, refused
when larger than the population."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from zhiyuan.checks import sampling, services
from zhiyuan.checks.enums import ItemKind
from zhiyuan.volunteers.models import RegistrationBody


def test_allocation_gives_each_stratum_its_share_by_largest_remainder() -> None:
    # 5 of 15: quotas 1.0, 2.0, 0.33, 1.67 → floors 1, 2, 0, 1 and the one place left to the
    # largest remainder (1.67).
    sizes = {"a|import": 3, "a|registrar": 6, "a|self": 1, "b|registrar": 5}
    assert sampling.allocate(sizes, 5) == {
        "a|import": 1,
        "a|registrar": 2,
        "a|self": 0,
        "b|registrar": 2,
    }
    # equal remainders go to the first strata in key order
    assert sampling.allocate({"x": 1, "y": 1, "z": 1}, 2) == {"x": 1, "y": 1, "z": 0}
    assert sampling.allocate({"x": 4, "y": 0}, 4) == {"x": 4, "y": 0}


def test_rate_rounds_up_and_a_sample_larger_than_the_population_is_refused() -> None:
    assert sampling.sample_size(41, size=None, rate=Decimal("5")) == 3
    assert sampling.sample_size(40, size=None, rate=Decimal("5")) == 2
    with pytest.raises(ValidationError) as caught:
        sampling.sample_size(15, size=16, rate=None)
    error = caught.value.error_dict["sample_size"][0]
    assert error.code == "sample_too_large"
    assert error.params == {"size": 16, "population": 15}


def test_same_seed_same_sample_another_seed_another() -> None:
    strata = [sampling.Stratum("a", tuple(range(1, 101))), sampling.Stratum("b", (200, 201))]
    first = sampling.draw(strata, 10, seed=7)
    again = sampling.draw(list(reversed(strata)), 10, seed=7)
    other = sampling.draw(strata, 10, seed=8)
    assert first == again
    assert [ids for _s, ids in first] != [ids for _s, ids in other]


def test_the_campaigns_sample_is_stratified_exactly_and_redrawn_identically(
    population, open_check, body
) -> None:
    campaign = open_check(sample_size=5, seed=42)
    street, other = body("430602001-SC").code, body("430602002-SC").code
    assert campaign.population_size == 15
    assert [(s["key"], s["population"], s["allocated"]) for s in campaign.strata] == [
        (f"{street}|import", 3, 1),
        (f"{street}|registrar", 6, 2),
        (f"{street}|self", 1, 0),
        (f"{other}|registrar", 5, 2),
    ]
    items = list(campaign.items.order_by("position"))
    assert [item.stratum for item in items] == [
        f"{street}|import",
        f"{street}|registrar",
        f"{street}|registrar",
        f"{other}|registrar",
        f"{other}|registrar",
    ]
    assert all(item.kind == ItemKind.REGISTRATION for item in items)
    assert {item.channel for item in items} == {"import", "registrar"}
    redrawn = services.draw_sample(campaign)
    assert redrawn.population_digest == campaign.population_digest
    assert [d.object_id for d in redrawn.drawn] == [item.volunteer_id for item in items]
    # the same seed in another campaign draws the same people; another seed others
    same = open_check(sample_size=5, seed=42)
    assert [i.volunteer_id for i in same.items.order_by("position")] == [
        i.volunteer_id for i in items
    ]
    other_seed = open_check(sample_size=5, seed=43)
    assert [i.volunteer_id for i in other_seed.items.order_by("position")] != [
        i.volunteer_id for i in items
    ]
    assert RegistrationBody.objects.filter(code=street).exists()


def test_a_sample_larger_than_the_population_is_refused_with_its_size(
    population, open_check
) -> None:
    from zhiyuan.checks.models import Campaign

    with pytest.raises(ValidationError) as caught:
        open_check(sample_size=16)
    error = caught.value.error_dict["sample_size"][0]
    assert (error.code, error.params) == ("sample_too_large", {"size": 16, "population": 15})
    assert not Campaign.objects.exists()


def test_a_rate_samples_that_share_of_each_kind(population, open_check) -> None:
    campaign = open_check(sample_size=None, sample_rate=Decimal("20"), seed=1)
    assert campaign.items.count() == 3  # 20 % of 15
