"""Drawing a spot check's sample, reproducibly (plan §三(二)3: 电话抽查; MISSION §4).

The population is read in a fixed order (stratum key, then id) and each stratum's share is drawn
with `random.Random(seed)`: the same seed over the same population always draws the same sample,
whoever draws it, and a different seed another. The sample is allocated to the strata in
proportion to their sizes with largest-remainder rounding (Hamilton's method): stratum h of N_h
people gets floor(n × N_h / N), and the places left go one each to the strata with the largest
remainders (n × N_h mod N), ties to the first stratum in key order. Integers throughout: exact.
"""

import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Stratum:
    """A stratum: its key (e.g. "4306003|registrar"), its population's ids in ascending order,
    and the count allocated to it."""

    key: str
    ids: tuple[int, ...]
    allocated: int = 0


def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Split a sample of `n` over strata of `sizes` (key → population) in proportion, with
    largest-remainder rounding; returns key → count, summing to `n`. Raises ValueError when `n`
    exceeds the population (callers refuse first, `required_size`)."""
    total = sum(sizes.values())
    if n > total:
        raise ValueError("The sample exceeds the population.")
    if total == 0:
        return {key: 0 for key in sizes}
    keys = sorted(sizes)
    counts = {key: n * sizes[key] // total for key in keys}
    left = n - sum(counts.values())
    by_remainder = sorted(keys, key=lambda key: (-(n * sizes[key] % total), key))
    for key in by_remainder[:left]:
        counts[key] += 1
    return counts


def sample_size(population: int, *, size: int | None, rate: Decimal | None) -> int:
    """The sample's size: `size`, or `rate` percent of `population` rounded up (a rate of 5 %
    of 41 registrations checks 3). Raises ValidationError ({"sample_size": …}) when the sample
    is larger than the population, naming the population's size."""
    if size is None:
        size = int(
            (Decimal(population) * Decimal(rate or 0) / 100).to_integral_value(
                rounding=ROUND_CEILING
            )
        )
    if size > population:
        raise ValidationError(
            {
                "sample_size": ValidationError(
                    _(
                        "The sample (%(size)s) is larger than the population: %(population)s "
                        "to choose from."
                    ),
                    code="sample_too_large",
                    params={"size": size, "population": population},
                )
            }
        )
    return size


def draw(strata: Iterable[Stratum], n: int, seed: int) -> list[tuple[Stratum, list[int]]]:
    """Draw `n` ids over `strata` (allocated by `allocate`) with one `random.Random(seed)`
    stream, strata in key order, each stratum's ids in ascending order: each stratum with its
    allocation and the ids drawn, in the order drawn."""
    ordered = sorted(strata, key=lambda stratum: stratum.key)
    counts = allocate({stratum.key: len(stratum.ids) for stratum in ordered}, n)
    generator = random.Random(seed)  # noqa: S311 - reproducible sampling, not a secret
    drawn: list[tuple[Stratum, list[int]]] = []
    for stratum in ordered:
        ids = sorted(stratum.ids)
        chosen = generator.sample(ids, counts[stratum.key])
        drawn.append((Stratum(stratum.key, tuple(ids), counts[stratum.key]), chosen))
    return drawn


def population_digest(strata: Sequence[Stratum]) -> str:
    """SHA-256 over the population as drawn from (each stratum's key and ordered ids): equal
    digests prove a redraw saw the same population."""
    digest = hashlib.sha256()
    for stratum in sorted(strata, key=lambda s: s.key):
        digest.update(stratum.key.encode())
        digest.update(b":")
        digest.update(",".join(str(pk) for pk in sorted(stratum.ids)).encode())
        digest.update(b";")
    return digest.hexdigest()
