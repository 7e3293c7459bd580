"""Award campaigns under concurrency (PostgreSQL, real threads): eight nominations racing for a
street's last three places make exactly three (the quotas' rows are locked before counting),
and one reviewer's score sent four times at once is kept once."""

from django.core.exceptions import ValidationError
from django.utils import translation

from tests.awards.conftest import (
    STREET,
    campaign_days_ago,
    give_quota,
    nominate,
    open_city_campaign,
    user,
    volunteer,
)
from tests.concurrency import at_once, postgres_only
from zhiyuan.awards import services
from zhiyuan.awards.models import Nomination, Score

pytestmark = postgres_only


def test_eight_nominations_for_three_places_make_three(world_tx: None) -> None:
    campaign = open_city_campaign()
    give_quota(campaign, STREET, 3)
    people = [volunteer(name="并发" + "甲乙丙丁戊己庚辛"[n]) for n in range(8)]

    def work(index: int) -> str:
        # Each thread starts in the default language (Chinese): the refusal is read in English.
        with translation.override("en"):
            try:
                nominate(campaign, people[index])
            except ValidationError as error:
                return " ".join(error.messages)
        return "made"

    outcomes = at_once(8, work)
    assert outcomes.count("made") == 3
    assert Nomination.objects.filter(campaign=campaign).count() == 3
    refused = [o for o in outcomes if o != "made"]
    assert len(refused) == 5
    assert all("3 of 3" in message for message in refused)


def test_one_score_sent_four_times_at_once_is_kept_once(world_tx: None) -> None:
    _campaign, rows = campaign_days_ago(7)
    reviewer = user("city_admin")

    def work(index: int) -> str:
        try:
            services.score_nomination(rows[0], actor=reviewer, score="88")
        except ValidationError:
            return "refused"
        return "scored"

    outcomes = at_once(4, work)
    assert sorted(outcomes) == ["refused", "refused", "refused", "scored"]
    assert Score.objects.filter(nomination=rows[0]).count() == 1
