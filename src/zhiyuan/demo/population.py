"""A synthetic population for a division of a demo or benchmark database (`zhiyuan
generate_population`, issue 11): work units with categories and headcounts, the resident
populations of its communities and villages, and registered volunteers (plus applications
awaiting confirmation) with the shapes real ones have, reproducibly from a seed.

How each part is written, and how it is marked as synthetic:

- the database must be marked as a demo's or a benchmark's (`models.DatabaseMark`), else
  nothing is written (`require_marked`);
- work units through `organizations.services.create_organization` (validated, audited), codes
  starting SYN (`SYN430602-U01`);
- headcounts (last year's and this year's: a history) and resident populations through the
  target-sheet import (`reports.imports.upload_targets` and `commit_targets`: the same checks,
  all rows or none, audited), their source naming the generator and the seed;
- the built-up urban area of the city, when it has none yet, through
  `reports.services.set_target_policy`: the generated division's streets (街道);
- consent for each community's station to register for its street's centre through
  `volunteers.services.grant_delegation`;
- the people through a bulk path as validated as the roster import's: every person through
  `volunteers.rules.clean_person` (the registration rules, unchanged), checked against the
  ledger (no second registration of a person), written with the import's table writer
  (`common.bulk.TableWriter`: encrypted ID numbers and phones, keyed digests, the tree-path
  copies `organization_path` and `body_organization_path`; COPY on PostgreSQL, executemany on
  SQLite), registration numbers taken from each body's locked yearly sequence as a
  confirmation takes them, one audit entry per person by one INSERT … SELECT per point. Their
  channel is "synthetic" (`RegistrationChannel.SYNTHETIC`).

Everything happens in one transaction: a refusal anywhere leaves nothing behind.
"""

import csv
import io
import multiprocessing
import os
import random
from bisect import bisect
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from itertools import accumulate
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.accounts.models import MOBILE_PURPOSE
from zhiyuan.common.audit import log_action_per_row
from zhiyuan.common.bulk import TableWriter, sqlite_page_cache
from zhiyuan.common.crypto import digester
from zhiyuan.demo import synthetic
from zhiyuan.demo.models import DatabaseKind, DatabaseMark, GeneratedPopulation
from zhiyuan.divisions.enums import DivisionLevel
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.enums import OrgKind, OrgLevel, UnitCategory
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.services import create_organization
from zhiyuan.reports import imports as target_imports
from zhiyuan.reports import selectors as report_selectors
from zhiyuan.reports.enums import ImportStatus
from zhiyuan.reports.services import set_target_policy
from zhiyuan.volunteers import rules
from zhiyuan.volunteers import selectors as volunteer_selectors
from zhiyuan.volunteers.enums import (
    HOLDING_STATUSES,
    AgeBasis,
    ConfirmationMethod,
    Education,
    PoliticalStatus,
    RegistrationChannel,
    RegistrationStatus,
)
from zhiyuan.volunteers.imports.check import young_collections_only
from zhiyuan.volunteers.models import (
    DOCUMENT_PURPOSE,
    Delegation,
    RegistrationBody,
    RegistrationNumberSequence,
    RegistrationPolicy,
    Volunteer,
)
from zhiyuan.volunteers.selectors import age_on
from zhiyuan.volunteers.services import format_number, grant_delegation

BATCH_SIZE = 2_000
SOURCE = "合成数据（generate_population，种子 {seed}）"
LEVELS = (DivisionLevel.PREFECTURE, DivisionLevel.COUNTY, DivisionLevel.TOWNSHIP)


# --- the mark ------------------------------------------------------------------------------


def mark_database(kind: str, *, note: str = "") -> DatabaseMark:
    """Mark this database as a demo's or a benchmark's (DatabaseKind), once per kind."""
    mark, _created = DatabaseMark.objects.get_or_create(
        kind=DatabaseKind(kind), defaults={"note": note}
    )
    return mark


def require_marked() -> None:
    """Raises ValidationError "not_marked" unless this database is marked as a demo's or a
    benchmark's: synthetic people never go into a database of real ones."""
    if not DatabaseMark.objects.exists():
        raise ValidationError(
            _(
                "This database is not marked as a demo or benchmark database, so no synthetic "
                "data is generated in it. Load the demo (zhiyuan load_demo) into an empty "
                "database, or use a benchmark's."
            ),
            code="not_marked",
        )


# --- the mixes -----------------------------------------------------------------------------

# (lowest age, highest age, share): volunteers are younger than the population: students and
# young workers, then the middle-aged, retirees; minors from 15 with their guardian's consent.
AGE_BANDS = ((15, 17, 3), (18, 22, 19), (23, 35, 30), (36, 59, 33), (60, 78, 15))
# By age group (minor, student, young, middle, old): political status and education shares.
POLITICAL = {
    "minor": {PoliticalStatus.LEAGUE_MEMBER: 40, PoliticalStatus.PUBLIC: 60},
    "student": {
        PoliticalStatus.LEAGUE_MEMBER: 55,
        PoliticalStatus.PARTY_MEMBER: 4,
        PoliticalStatus.PROBATIONARY_PARTY_MEMBER: 3,
        PoliticalStatus.PUBLIC: 38,
    },
    "young": {
        PoliticalStatus.LEAGUE_MEMBER: 22,
        PoliticalStatus.PARTY_MEMBER: 14,
        PoliticalStatus.PROBATIONARY_PARTY_MEMBER: 2,
        PoliticalStatus.PUBLIC: 62,
    },
    "middle": {
        PoliticalStatus.PARTY_MEMBER: 24,
        PoliticalStatus.DEMOCRATIC_PARTY: 1,
        PoliticalStatus.NON_PARTISAN: 1,
        PoliticalStatus.PUBLIC: 74,
    },
    "old": {PoliticalStatus.PARTY_MEMBER: 31, PoliticalStatus.PUBLIC: 69},
}
EDUCATION = {
    "minor": {Education.JUNIOR_SECONDARY: 55, Education.SENIOR_SECONDARY: 45},
    "student": {Education.UNDERGRADUATE: 45, Education.COLLEGE: 33, Education.SENIOR_SECONDARY: 22},
    "young": {
        Education.POSTGRADUATE: 8,
        Education.UNDERGRADUATE: 40,
        Education.COLLEGE: 28,
        Education.SENIOR_SECONDARY: 17,
        Education.JUNIOR_SECONDARY: 7,
    },
    "middle": {
        Education.POSTGRADUATE: 3,
        Education.UNDERGRADUATE: 20,
        Education.COLLEGE: 24,
        Education.SENIOR_SECONDARY: 29,
        Education.JUNIOR_SECONDARY: 20,
        Education.PRIMARY: 4,
    },
    "old": {
        Education.UNDERGRADUATE: 7,
        Education.COLLEGE: 10,
        Education.SENIOR_SECONDARY: 30,
        Education.JUNIOR_SECONDARY: 35,
        Education.PRIMARY: 18,
    },
}
OCCUPATIONS = {
    "minor": ("学生",),
    "student": ("学生",),
    "young": ("教师", "医生", "护士", "工人", "公务员", "工程师", "个体经营", "职员", "会计"),
    "middle": ("教师", "医生", "工人", "公务员", "个体经营", "职员", "农民", "社区工作者"),
    "old": ("退休", "退休", "退休", "农民"),
}
# GB/T 3304 codes: Han, and the minorities of Hunan (Tujia, Miao, Dong, Yao, Hui).
ETHNICITIES = {"01": 970, "15": 12, "06": 8, "12": 4, "13": 4, "03": 2}
STREETS = (
    "洞庭南路",
    "巴陵中路",
    "岳阳大道",
    "金鹗东路",
    "建湘路",
    "南湖大道",
    "五里牌路",
    "求索路",
)
SKILLS = ("first_aid", "teaching", "legal", "photography", "computing", "medical", "driving")
INTENTIONS = ("community_service", "civility", "empty_nest_elderly", "environment", "culture")
TIMES = ("weekend", "weekday_evening", "holidays", "weekday_daytime")

# Work units per county (and for the city itself): the category, and name endings.
UNIT_KINDS = {
    UnitCategory.PARTY_GOVERNMENT: (
        "人民政府办公室",
        "教育局",
        "民政局",
        "卫生健康局",
        "总工会",
        "妇女联合会",
    ),
    UnitCategory.ENTERPRISE_INSTITUTION: (
        "人民医院",
        "供电公司",
        "自来水公司",
        "农村商业银行",
        "城市建设投资有限公司",
        "中医医院",
    ),
    UnitCategory.CIVILISED_UNIT_SCHOOL: ("第一中学", "第二中学", "实验中学", "职业中专"),
}
HEADCOUNTS = {
    UnitCategory.PARTY_GOVERNMENT: (40, 400),
    UnitCategory.ENTERPRISE_INSTITUTION: (80, 2_500),
    UnitCategory.CIVILISED_UNIT_SCHOOL: (300, 3_500),
}
#: Age groups by the age they end below.
GROUPS = (("minor", 18), ("student", 23), ("young", 36), ("middle", 60))
REGISTRATION_DAYS = 3 * 365  # registrations spread over three years, more of them lately


def _weighted(shares: dict[Any, int]) -> tuple[list[Any], list[int]]:
    return list(shares), list(accumulate(shares.values()))


# --- the plan of a run ---------------------------------------------------------------------


@dataclass
class Place:
    """A community or village: its station, and where its people register."""

    division: Division
    station: Organization
    centre: Organization
    association: Organization | None
    population: int
    units: list[Organization] = field(default_factory=list)  # the county's and the city's


@dataclass
class Unit:
    organization: Organization
    category: str
    headcounts: tuple[int, int]  # last year's, this year's


@dataclass
class Point:
    """Where a person registers: for `body`, through `organization`, under `policy`."""

    body: RegistrationBody
    body_path: str
    organization: Organization
    policy: RegistrationPolicy


def generate_population(
    division: Division,
    *,
    volunteers: int,
    applications: int | None = None,
    seed: int = 1,
    today: date | None = None,
    say: Callable[[str], None] = lambda line: None,
    workers: int | None = None,
) -> GeneratedPopulation:
    """Generate `volunteers` registered volunteers (and `applications` awaiting confirmation,
    by default one for every twenty) living in `division` (a city, county or township) with
    their work units, headcounts and the divisions' resident populations; the same `seed`
    makes the same people on the same structure, whatever `workers` (processes that check and
    encode the people beside this one; default: two from PARALLEL_FROM people on, else none).
    Returns the run's record.
    Raises ValidationError: "not_marked" (`require_marked`), "level", "generated" (a run
    already covers part of the division), "structure" (no standard structure or registration
    bodies there), or the refusal of a generated person or figure (which would be a bug)."""
    require_marked()
    if division.level not in LEVELS:
        raise ValidationError(
            _("Generate a population for a city, a county or a township."), code="level"
        )
    if volunteers < 0 or (applications or 0) < 0:
        raise ValidationError(_("The numbers of people cannot be negative."), code="negative")
    applications = volunteers // 20 if applications is None else applications
    today = today or volunteer_selectors.local_today()
    _refuse_overlap(division)
    chooser = random.Random(seed)  # noqa: S311 - made-up people, reproducibly
    with transaction.atomic():
        places = _places(division, chooser)
        say(f"  {len(places):,} communities and villages")
        units = _work_units(division, places, chooser, seed=seed)
        say(f"  {len(units):,} work units")
        _import_targets(division, places, units, today, seed=seed)
        _mark_built_up_area(division)
        first_mobile = (
            GeneratedPopulation.objects.aggregate(
                n=Sum("volunteers", default=0) + Sum("applications", default=0)
            )["n"]
            or 0
        )
        run = GeneratedPopulation.objects.create(
            division=division,
            seed=seed,
            volunteers=volunteers,
            applications=applications,
            work_units=len(units),
            first_mobile=first_mobile,
        )
        people = _People(places, units, chooser, today=today, first_mobile=first_mobile)
        _write_people(people, volunteers, applications, today=today, say=say, workers=workers)
    return run


def _refuse_overlap(division: Division) -> None:
    for earlier in GeneratedPopulation.objects.select_related("division"):
        prefix = earlier.division.prefix
        if prefix.startswith(division.prefix) or division.prefix.startswith(prefix):
            raise ValidationError(
                _(
                    "A population was already generated for %(name)s here (seed %(seed)s); "
                    "generate into a fresh database, or for another area."
                )
                % {"name": earlier.division.name, "seed": earlier.seed},
                code="generated",
            )


def _org(code: str, organizations: dict[str, Organization]) -> Organization:
    found = organizations.get(code)
    if found is None:
        raise _missing(code)
    return found


def _missing(what: str) -> ValidationError:
    return ValidationError(
        _(
            "%(what)s is missing: build the standard structure (zhiyuan build_structure) "
            "and designate the registration bodies (zhiyuan designate_bodies) first."
        )
        % {"what": what},
        code="structure",
    )


def _population(name: str, chooser: random.Random) -> int:
    if name.endswith("社区"):
        return chooser.randint(3_000, 12_000)
    if name.endswith("村"):
        return chooser.randint(800, 3_500)
    return chooser.randint(1_000, 5_000)


def _places(division: Division, chooser: random.Random) -> list[Place]:
    """The communities and villages of `division` with their stations, centres, associations
    and resident populations."""
    villages = list(
        Division.objects.filter(
            code__startswith=division.prefix, level=DivisionLevel.VILLAGE, abolished=False
        )
        .select_related("parent")
        .order_by("code")
    )
    codes = {f"{v.prefix}-ST" for v in villages}
    codes |= {f"{v.parent.prefix}-SC" for v in villages if v.parent}
    codes |= {f"{v.code[:6]}-VA" for v in villages}
    organizations = {
        org.code: org
        for org in Organization.objects.filter(code__in=codes, is_active=True).select_related(
            "registration_body"
        )
    }
    places = []
    for village in villages:
        if village.parent is None or village.parent.level != DivisionLevel.TOWNSHIP:
            continue
        centre = _org(f"{village.parent.prefix}-SC", organizations)
        if getattr(centre, "registration_body", None) is None:
            raise _missing(f"{centre.code} (registration body)")
        association = organizations.get(f"{village.code[:6]}-VA")
        if association is not None and getattr(association, "registration_body", None) is None:
            association = None
        places.append(
            Place(
                village,
                _org(f"{village.prefix}-ST", organizations),
                centre,
                association,
                _population(village.name, chooser),
            )
        )
    if not places:
        raise ValidationError(
            _("%(name)s has no communities or villages to live in.") % {"name": division.name},
            code="structure",
        )
    return places


def _work_units(
    division: Division, places: list[Place], chooser: random.Random, *, seed: int
) -> list[Unit]:
    """Work units under each county's guidance committee (and the city's, for a city), or under
    the township's centre: created through the organisation service."""
    # (parent, code stem, name stem, level, the county whose people work there; "" the city)
    parents: list[tuple[Organization, str, str, int, str]] = []
    if division.level == DivisionLevel.TOWNSHIP:
        centre = places[0].centre
        parents.append((centre, division.code[:9], division.name, centre.level, division.code[:6]))
    else:
        counties = sorted({place.division.code[:6] for place in places})
        if division.level == DivisionLevel.PREFECTURE:
            counties.insert(0, division.code[:4])
        committees = Organization.objects.in_bulk([f"{c}-GC" for c in counties], field_name="code")
        names = dict(
            Division.objects.filter(code__in=[c.ljust(12, "0") for c in counties]).values_list(
                "code", "name"
            )
        )
        for county in counties:
            committee = committees.get(f"{county}-GC")
            if committee is not None:
                name = names[county.ljust(12, "0")]
                key = county if len(county) == 6 else ""
                parents.append((committee, county, name, committee.level, key))
    units: list[Unit] = []
    by_county: dict[str, list[Organization]] = defaultdict(list)
    for parent, stem, name, level, key in parents:
        serial = 0
        for category, endings in UNIT_KINDS.items():
            for ending in chooser.sample(endings, k=min(len(endings), 3 if level > 2 else 4)):
                serial += 1
                low, high = HEADCOUNTS[category]
                last_year = chooser.randint(low, high)
                this_year = max(1, round(last_year * chooser.uniform(0.9, 1.12)))
                organization = create_organization(
                    parent,
                    actor=None,
                    code=f"SYN{stem}-U{serial:02d}",
                    name=f"{name}{ending}",
                    kind=OrgKind.WORK_UNIT,
                    level=level,
                    unit_category=category,
                    responsible_department=_("Synthetic data (seed %(seed)s)") % {"seed": seed},
                )
                units.append(Unit(organization, category, (last_year, this_year)))
                by_county[key].append(organization)
    for place in places:
        place.units = by_county.get(place.division.code[:6], []) + by_county.get("", [])
    return units


def _import_targets(
    division: Division, places: list[Place], units: list[Unit], today: date, *, seed: int
) -> None:
    """Headcounts (last year's from 1 January last year, this year's from 1 January) and the
    resident populations of the villages, their townships and the counties (and city) the run
    covers whole, through the target-sheet import."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["单位代码", "区划代码", "人数", "常住人口", "起始日期", "来源"])
    source = SOURCE.format(seed=seed)
    last_year, this_year = date(today.year - 1, 1, 1), date(today.year, 1, 1)
    for unit in units:
        for day, figure in zip((last_year, this_year), unit.headcounts, strict=True):
            writer.writerow([unit.organization.code, "", figure, "", day.isoformat(), source])
    townships: dict[str, int] = defaultdict(int)
    for place in places:
        writer.writerow(["", place.division.code, "", place.population, last_year, source])
        townships[place.division.parent_id or ""] += place.population
    # Townships, and the counties (and city) the run covers whole: the sums of their villages.
    areas: dict[str, int] = defaultdict(int)
    for code, population in townships.items():
        areas[code] += population
        if division.level <= DivisionLevel.COUNTY:
            areas[code[:6].ljust(12, "0")] += population
        if division.level == DivisionLevel.PREFECTURE:
            areas[division.code] += population
    for code, population in sorted(areas.items()):
        writer.writerow(["", code, "", population, last_year.isoformat(), source])
    data = buffer.getvalue().encode("utf-8")
    upload = target_imports.upload_targets(
        data, actor=None, file_name="synthetic-targets.csv", valid_from=last_year, source=source
    )
    upload = target_imports.commit_targets(upload, actor=None)
    if upload.status != ImportStatus.IMPORTED:
        raise ValidationError(
            _("The generated targets were refused: %(problem)s") % {"problem": upload.problems[:1]},
            code="targets",
        )


def _mark_built_up_area(division: Division) -> None:
    """The city's built-up urban area, where it has none: the generated streets (街道)."""
    city = Organization.objects.filter(code=f"{division.code[:4]}-GC").first()
    if city is None or city.level != OrgLevel.CITY:
        return
    policy = report_selectors.target_policy_for(city)
    if report_selectors.built_up_area(policy):
        return
    streets = list(
        Division.objects.filter(
            code__startswith=division.prefix,
            level=DivisionLevel.TOWNSHIP,
            abolished=False,
            name__endswith="街道",
        ).order_by("code")
    )
    if streets:
        set_target_policy(city, actor=None, rates={}, built_up_area=streets)


# --- the people ----------------------------------------------------------------------------


class _People:
    """Generates the people of a run, one after the other, from one random stream."""

    def __init__(
        self,
        places: list[Place],
        units: list[Unit],
        chooser: random.Random,
        *,
        today: date,
        first_mobile: int,
    ) -> None:
        self.places = places
        self.chooser = chooser
        self.today = today
        self.first_mobile = first_mobile
        self.now = timezone.now()
        self.ids = synthetic.IdentityNumbers()
        # Some communities are keener than others: a community's share is its population
        # times a log-normal zeal, so completion rates spread as real ones do.
        self.place_weights = list(
            accumulate(p.population * chooser.lognormvariate(0, 0.6) for p in places)
        )
        self.unit_weights = {
            unit.organization.pk: max(unit.headcounts) for unit in units
        }  # larger units, more volunteers
        self.points: dict[tuple[int, int], Point] = {}
        # The registration policies by their organisation's path (`selectors.policy_for`,
        # resolved here in memory: one query, not one per registration point).
        self.policies = {
            policy.organization.path: policy
            for policy in RegistrationPolicy.objects.select_related("organization")
        }
        self.default_policy = RegistrationPolicy()
        self.delegated: set[tuple[int, int]] = set(
            Delegation.objects.filter(revoked_at__isnull=True).values_list(
                "body__organization_id", "organization_id"
            )
        )
        self.bands = [band[:2] for band in AGE_BANDS]
        self.band_weights = list(accumulate(band[2] for band in AGE_BANDS))
        self.mixes = {
            group: (_weighted(POLITICAL[group]), _weighted(EDUCATION[group])) for group in POLITICAL
        }
        self.ethnicities = _weighted(ETHNICITIES)

    def point(self, body_org: Organization, through: Organization) -> Point:
        key = (body_org.pk, through.pk)
        if key not in self.points:
            body = body_org.registration_body
            if through.pk != body_org.pk and key not in self.delegated:
                grant_delegation(body, through, actor=None, note="合成数据：社区代为登记")
                self.delegated.add(key)
            self.points[key] = Point(body, body_org.path, through, self.policy_for(through))
        return self.points[key]

    def policy_for(self, organization: Organization) -> RegistrationPolicy:
        """The policy of the nearest ancestor-or-self that has one, else the defaults."""
        step = Organization.steplen
        for end in range(len(organization.path), 0, -step):
            found = self.policies.get(organization.path[:end])
            if found is not None:
                return found
        return self.default_policy

    def birth(self) -> tuple[date, str]:
        """A date of birth and the person's age group."""
        low, high = self.bands[bisect(self.band_weights, self.chooser.random() * 100)]
        years = self.chooser.randint(low, high) + self.chooser.random()
        birth = self.today - timedelta(days=int(years * 365.2425))
        age = age_on(birth, self.today)
        if age < low:  # a day or two short of the band: a day earlier each time
            birth -= timedelta(days=2)
        elif age > high:
            birth += timedelta(days=2)
        age = age_on(birth, self.today)
        for group, below in GROUPS:
            if age < below:
                return birth, group
        return birth, "old"

    def pick(self, weighted: tuple[list[Any], list[int]]) -> Any:
        values, cumulative = weighted
        return values[bisect(cumulative, self.chooser.random() * cumulative[-1])]

    def person(self, index: int, *, pending: bool) -> tuple[Point, dict[str, Any], dict[str, Any]]:
        """The `index`-th person of the run: (where they register, raw person data as a form
        gives it, the registration's own fields)."""
        chooser = self.chooser
        place = self.places[bisect(self.place_weights, chooser.random() * self.place_weights[-1])]
        birth, group = self.birth()
        male = chooser.random() < 0.45
        number = self.ids.issue(place.division.code[:6], birth, male=male)
        political, education = self.mixes[group]
        mobile = synthetic.synthetic_mobile(self.first_mobile + index)
        raw: dict[str, Any] = {
            "name": synthetic.person_name(chooser),
            "document_type": "resident_id",
            "document_number": number,
            "ethnicity": self.pick(self.ethnicities),
            "political_status": self.pick(political),
            "education": self.pick(education),
            "occupation": chooser.choice(OCCUPATIONS[group]),
            "mobile": mobile,
            "home_division": place.division,
            "skills": chooser.sample(SKILLS, chooser.randint(0, 2)),
            "service_intentions": chooser.sample(INTENTIONS, chooser.randint(1, 3)),
            "available_times": chooser.sample(TIMES, chooser.randint(1, 2)),
        }
        if chooser.random() < 0.5:
            raw["address_detail"] = f"{chooser.choice(STREETS)}{chooser.randint(1, 999)}号"
        if chooser.random() < 0.3:
            raw["emergency_contact_name"] = synthetic.person_name(chooser)
            raw["emergency_contact_phone"] = synthetic.synthetic_mobile(
                (self.first_mobile + index) % 10_000_000, (synthetic.CONTACT_BLOCK,)
            )
        if group == "minor":
            raw.update(
                age_basis=AgeBasis.GUARDIAN_CONSENT,
                guardian_name=synthetic.person_name(chooser),
                guardian_relation=chooser.choice(("父亲", "母亲")),
                guardian_mobile=synthetic.synthetic_mobile(
                    (self.first_mobile + index) % 10_000_000, (synthetic.GUARDIAN_BLOCK,)
                ),
            )
        unit = self.work_unit(place, group)
        if unit is not None:
            raw["work_unit"] = unit
        roll = chooser.random()
        if roll < 0.65:
            point = self.point(place.centre, place.station)
        elif roll < 0.9 or place.association is None:
            point = self.point(place.centre, place.centre)
        else:
            point = self.point(place.association, place.association)
        return point, raw, self.dates(pending=pending, minor=group == "minor")

    def work_unit(self, place: Place, group: str) -> Organization | None:
        wanted = {
            "minor": (1.0, UnitCategory.CIVILISED_UNIT_SCHOOL),
            "student": (0.5, UnitCategory.CIVILISED_UNIT_SCHOOL),
            "young": (0.45, None),
            "middle": (0.45, None),
        }.get(group)
        if wanted is None or self.chooser.random() >= wanted[0]:
            return None
        fitting = [
            unit for unit in place.units if wanted[1] is None or unit.unit_category == wanted[1]
        ]
        if not fitting:
            return None
        weights = [self.unit_weights[unit.pk] for unit in fitting]
        return self.chooser.choices(fitting, weights=weights)[0]

    def dates(self, *, pending: bool, minor: bool) -> dict[str, Any]:
        """When the person applied and, unless `pending`, confirmed: more of them lately."""
        chooser = self.chooser
        if pending:
            applied = self.now - timedelta(minutes=chooser.randint(10, 45 * 24 * 60))
            return {"status": RegistrationStatus.APPLIED, "applied_at": applied}
        span = 300 if minor else REGISTRATION_DAYS
        day = self.today - timedelta(days=int(span * chooser.random() ** 1.8))
        # 08:00–21:00 in Asia/Shanghai (UTC+8 since 1991), as UTC: the day's 00:00–13:00.
        confirmed = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(
            minutes=chooser.randint(0, 13 * 60)
        )
        if confirmed >= self.now:
            confirmed = self.now - timedelta(minutes=1)
            day = timezone.localdate(confirmed)
        applied = confirmed - timedelta(minutes=chooser.randint(5, 6 * 24 * 60))
        return {
            "status": RegistrationStatus.ACTIVE,
            "applied_at": applied,
            "confirmed_at": confirmed,
            "registered_on": day,
        }


class _GeneratedVolunteers(TableWriter):
    """The volunteers' table as the generator writes it: the person (rules.PERSON_FIELDS), the
    digests, where and when they registered, the number."""

    def __init__(self) -> None:
        super().__init__(
            Volunteer,
            same={"channel": RegistrationChannel.SYNTHETIC},
            varying=[
                *rules.PERSON_FIELDS,
                "document_digest",
                "mobile_digest",
                "body",
                "organization",
                "organization_path",
                "body_organization_path",
                "status",
                "registration_number",
                "applied_at",
                "confirmed_at",
                "confirmation_method",
                "registered_on",
                "reregistered_year",
                "status_changed_at",
                "id_consent_at",
                "privacy_notice_version",
            ],
        )
        self.document_digest = digester(purpose=DOCUMENT_PURPOSE)  # models.document_digest
        self.mobile_digest = digester(purpose=MOBILE_PURPOSE)  # accounts.models.mobile_digest


class _Numbers:
    """Registration numbers from each body's yearly sequence, locked on first use as a
    confirmation locks it (`services.registration`), the last values written back at the end."""

    def __init__(self) -> None:
        self.sequences: dict[tuple[int, int], RegistrationNumberSequence] = {}

    def take(self, point: Point, year: int) -> str:
        key = (point.body.pk, year)
        sequence = self.sequences.get(key)
        if sequence is None:
            found, _created = RegistrationNumberSequence.objects.get_or_create(
                body=point.body, year=year
            )
            sequence = RegistrationNumberSequence.objects.select_for_update().get(pk=found.pk)
            self.sequences[key] = sequence
        sequence.last_value += 1
        return format_number(point.policy, point.body, year, sequence.last_value)

    def save(self) -> None:
        for sequence in self.sequences.values():
            sequence.save(update_fields=["last_value"])


#: From this many people on, the rules and the encryption run in forked worker processes.
PARALLEL_FROM = 20_000
#: Batches handed to the workers ahead of the one being written.
WINDOW = 4


def _write_people(
    people: _People,
    volunteers: int,
    applications: int,
    *,
    today: date,
    say: Callable[[str], None],
    workers: int | None = None,
) -> None:
    """Plan the people in order in this process (one random stream: the seed decides all),
    check and encode them (`_Encoder`) here or, for a large run, in `workers` forked processes
    (the same rows either way), and write each batch in order."""
    numbers = _Numbers()
    reregistration = volunteer_selectors.city_policy().reregistration_required
    before = Volunteer.objects.aggregate(last=Max("pk"))["last"] or 0
    total = volunteers + applications
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if total >= PARALLEL_FROM else 0
    global _ENCODER  # what forked workers inherit
    _ENCODER = encoder = _Encoder(people, today=today)

    def plan(batch: range) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
        planned = []
        for index in batch:
            point, raw, registration = people.person(index, pending=index >= volunteers)
            _register(registration, point, numbers, reregistration=reregistration, year=today.year)
            planned.append(
                (encoder.policy_index(point.policy), *_portable(raw, point, registration))
            )
        return planned

    batches = [
        range(start, min(total, start + BATCH_SIZE)) for start in range(0, total, BATCH_SIZE)
    ]
    try:
        with young_collections_only(), sqlite_page_cache(Volunteer):
            if workers:
                with multiprocessing.get_context("fork").Pool(workers) as pool:
                    waiting: deque[Any] = deque()
                    for batch in batches:
                        waiting.append(pool.apply_async(_encode, (plan(batch),)))
                        if len(waiting) > WINDOW:
                            _insert(encoder, waiting.popleft().get, say)
                    while waiting:
                        _insert(encoder, waiting.popleft().get, say)
            else:
                for batch in batches:
                    _insert(encoder, partial(_encode, plan(batch)), say)
            numbers.save()
    finally:
        _ENCODER = None
    _refuse_registered(after=before)
    _log_registrations(after=before)
    say(f"  {volunteers:,} registered volunteers, {applications:,} awaiting confirmation")


def _portable(
    raw: dict[str, Any], point: Point, registration: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The person and registration with their relations as keys, cheap to hand to a worker."""
    raw["home_division"] = raw["home_division"].code
    if "work_unit" in raw:
        raw["work_unit"] = raw["work_unit"].pk
    registration["body"] = point.body.pk
    registration["organization"] = point.organization.pk
    return raw, registration


class _Encoder:
    """Turns planned people into the table's database values: each through the registration
    rules (`_checked`), its digests, its encrypted fields (`_GeneratedVolunteers.values`).
    Made before the workers fork, so that they inherit it with the divisions, units and
    policies the plans name by key; it never uses the database."""

    def __init__(self, people: _People, *, today: date) -> None:
        self.table = _GeneratedVolunteers()
        self.today = today
        self.divisions = {place.division.code: place.division for place in people.places}
        self.units = {unit.pk: unit for place in people.places for unit in place.units}
        self.policies = [people.default_policy, *people.policies.values()]
        self.positions = {id(policy): i for i, policy in enumerate(self.policies)}
        self.inserted = 0

    def policy_index(self, policy: RegistrationPolicy) -> int:
        return self.positions[id(policy)]

    def encode(self, planned: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> list[list[Any]]:
        rows = []
        table = self.table
        for policy, raw, registration in planned:
            raw["home_division"] = self.divisions[raw["home_division"]]
            if "work_unit" in raw:
                raw["work_unit"] = self.units[raw["work_unit"]]
            row = _checked(raw, self.policies[policy], today=self.today)
            row.update(registration)
            row["document_digest"] = table.document_digest(row["document_number"])
            row["mobile_digest"] = table.mobile_digest(row["mobile"])
            rows.append(table.values(row))
        return rows


_ENCODER: _Encoder | None = None


def _encode(
    planned: list[tuple[int, dict[str, Any], dict[str, Any]]],
) -> list[list[Any]]:
    """A batch through the encoder (in a worker: the one it inherited). A refusal comes back
    as a RuntimeError with its messages (a ValidationError does not cross processes whole)."""
    assert _ENCODER is not None  # noqa: S101 - set before any batch is planned
    try:
        return _ENCODER.encode(planned)
    except ValidationError as error:
        raise RuntimeError(" ".join(error.messages)) from None


def _insert(
    encoder: _Encoder,
    encoded: Callable[[], list[list[Any]]],
    say: Callable[[str], None],
) -> None:
    """Write a batch once `encoded()` gives it (here, or from a worker), after the ledger
    check. Raises ValidationError "refused" for a person the rules refused."""
    try:
        rows = encoded()
    except RuntimeError as refused:
        raise ValidationError(
            _("A generated person was refused: %(errors)s") % {"errors": str(refused)},
            code="refused",
        ) from None
    try:
        with transaction.atomic():
            encoder.table.insert_values(rows)
    except IntegrityError:  # one registration per person: a holder of one of these ID numbers
        raise _already_registered() from None
    encoder.inserted += len(rows)
    if encoder.inserted % (50 * BATCH_SIZE) == 0:
        say(f"  {encoder.inserted:,} people")


def _checked(data: dict[str, Any], policy: RegistrationPolicy, *, today: date) -> dict[str, Any]:
    """The person through the registration rules, as every path registers them.
    Raises ValidationError (the rules')."""
    clean, _warnings = rules.clean_person(data, policy=policy, today=today)
    return clean


def _register(
    row: dict[str, Any], point: Point, numbers: _Numbers, *, reregistration: bool, year: int
) -> None:
    """The registration's own fields of a planned person (`row`: its dates and status): where,
    the path copies, the consent, and for a registered volunteer the next number."""
    row["organization_path"] = point.organization.path
    row["body_organization_path"] = point.body_path
    row["status_changed_at"] = row.get("confirmed_at") or row["applied_at"]
    row["id_consent_at"] = row["applied_at"]
    row["privacy_notice_version"] = point.policy.privacy_notice_version
    if row["status"] == RegistrationStatus.ACTIVE:
        row["registration_number"] = numbers.take(point, row["registered_on"].year)
        row["confirmation_method"] = ConfirmationMethod.SMS_CODE
        if reregistration and row["registered_on"].year < year:
            row["reregistered_year"] = year
    else:
        row["confirmation_method"] = ""


def _refuse_registered(*, after: int) -> None:
    """No generated person may be registered already (one person, one registration): one
    query over the run's rows against the registrations held before it. (Each batch against the
    whole ledger grew with the square of the run: 271 s of 448 at 500,000 on PostgreSQL, whose
    planner has no statistics yet for rows added in the same transaction.)"""
    held = Volunteer.objects.filter(pk__lte=after, status__in=HOLDING_STATUSES)
    generated = Volunteer.objects.filter(pk__gt=after, channel=RegistrationChannel.SYNTHETIC)
    if generated.filter(document_digest__in=held.values("document_digest")).exists():
        raise _already_registered()


def _already_registered() -> ValidationError:
    return ValidationError(
        _("A generated person is already registered here; nothing was generated."),
        code="registered",
    )


def _log_registrations(*, after: int) -> None:
    """One audit entry per generated person, as registrations write them: "confirmed" for the
    registered, "applied" for the applications, each with its registration point as the
    entry's organisation: two INSERT … SELECT in all."""
    mine = Volunteer.objects.filter(pk__gt=after, channel=RegistrationChannel.SYNTHETIC)
    for status, action in (
        (RegistrationStatus.ACTIVE, "volunteer.registration.confirmed"),
        (RegistrationStatus.APPLIED, "volunteer.registration.applied"),
    ):
        log_action_per_row(
            None,
            action,
            mine.filter(status=status),
            organization_field="organization",
            data={"channel": RegistrationChannel.SYNTHETIC},
            repr_around=("#", ""),
        )


def division_for(code: str) -> Division:
    """The division with the 12-digit `code`. Raises ValidationError "unknown_division"."""
    found = Division.objects.filter(code=code.strip()).first()
    if found is None:
        raise ValidationError(
            _("No division has the code %(code)s.") % {"code": code}, code="unknown_division"
        )
    return found


def synthetic_volunteers() -> Any:
    """The registrations the generator made."""
    return Volunteer.objects.filter(channel=RegistrationChannel.SYNTHETIC)
