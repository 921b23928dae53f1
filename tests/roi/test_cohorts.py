"""Cohorts without look-ahead, and the outcomes computed per cohort."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from townhall.core.models import Member
from townhall.core.records import Person
from townhall.core.services import ingest
from townhall.crm.models import Account, Contact, Deal, LinkStatus, Ticket
from townhall.roi.cohorts import (
    CohortRules,
    EngagementIndex,
    classify,
    cohort_rules,
    engagement_index,
)
from townhall.roi.outcomes import compute_outcomes, deal_outcomes

RULES = CohortRules(window_days=90, active_threshold=3)


def index_of(rows):
    return EngagementIndex(pd.DataFrame(rows, columns=["account_id", "day", "n"]))


def test_an_account_is_classified_only_by_what_happened_before_the_date():
    index = index_of(
        [(1, date(2025, 1, 10), 1), (1, date(2025, 3, 1), 5), (2, date(2024, 1, 5), 1)]
    )
    accounts = pd.Series([1, 1, 1, 2, 3])
    dates = pd.Series(
        [date(2025, 1, 10), date(2025, 2, 1), date(2025, 3, 2), date(2025, 3, 2), date(2025, 3, 2)]
    )
    cohorts = classify(accounts, dates, index=index, rules=RULES).tolist()
    # On the day of its first activity the account was not yet in: that day is not "before".
    assert cohorts == ["outside", "member", "active", "member", "outside"]


def test_activity_older_than_the_window_keeps_membership_but_not_activity():
    index = index_of([(1, date(2024, 6, 1), 50)])
    cohort = classify(pd.Series([1]), pd.Series([date(2025, 6, 1)]), index=index, rules=RULES)
    assert cohort.tolist() == ["member"]


def deals(cohort, statuses_days):
    return pd.DataFrame(
        [
            {"cohort": cohort, "status": status, "days": float(days), "amount": 100.0 * (i + 1)}
            for i, (status, days) in enumerate(statuses_days)
        ]
    )


def test_sales_cycle_without_censoring_is_the_plain_median_and_mean():
    frame = deals("active", [("won", d) for d in (10, 20, 30, 40, 50)] + [("lost", 60)] * 5)
    row = deal_outcomes(frame, min_cohort=5).set_index("cohort").loc["active"]
    assert row.win_rate == 0.5
    assert row.median_days_to_close == 50.0  # KM without censoring: the empirical median
    assert row.rmst_days == pytest.approx(np.mean([10, 20, 30, 40, 50] + [60] * 5))
    assert row.p_won_by_horizon == pytest.approx(0.5)
    assert row.median_amount == 300.0


def test_open_deals_are_censored_not_dropped_and_lost_deals_compete():
    closed = [("won", 30)] * 6
    frame = deals("member", closed + [("open", 200)] * 6)
    row = deal_outcomes(frame, min_cohort=5).set_index("cohort").loc["member"]
    # Half the deals won by day 30; the open ones are still running at 200 days.
    assert row.p_won_by_horizon == pytest.approx(0.5)
    assert row.rmst_days > 30
    losing = deal_outcomes(deals("member", closed + [("lost", 20)] * 6), min_cohort=5)
    assert losing.set_index("cohort").loc["member"].p_won_by_horizon == pytest.approx(0.5)


def test_small_cohorts_are_withheld_with_their_count():
    frame = deals("outside", [("won", 10)] * 3)
    row = deal_outcomes(frame, min_cohort=10).set_index("cohort").loc["outside"]
    assert row.withheld == "3 deals; at least 10 are needed"
    assert pd.isna(row.get("win_rate"))


@pytest.mark.django_db
def test_outcomes_from_the_crm_and_the_activity_stream(make_record):
    start = datetime(2025, 1, 1, tzinfo=UTC)
    accounts = []
    for n in range(24):
        account = Account.objects.create(system="t", external_id=f"A{n}", name=f"Acct {n}")
        accounts.append(account)
        email = f"p{n}@acct{n}.example"
        if n < 12:  # half the accounts have a person who is active in the community
            ingest(
                [
                    make_record(
                        actor=Person(external_id=f"u{n}", email=email),
                        occurred_at=start + timedelta(days=d),
                    )
                    for d in range(5)
                ]
            )
            member = Member.objects.get(primary_email=email)
            Contact.objects.create(
                system="t",
                external_id=f"C{n}",
                account=account,
                email=email,
                member=member,
                link_status=LinkStatus.AUTO,
            )
        won = n % 3 != 0
        Deal.objects.create(
            system="t",
            external_id=f"D{n}",
            account=account,
            status="won" if won else "lost",
            created_on=date(2025, 2, 1),
            closed_on=date(2025, 2, 1) + timedelta(days=20 + n),
            amount_base=Decimal(1000 + n),
        )
        Ticket.objects.create(
            system="t",
            external_id=f"T{n}",
            account=account,
            created_at=datetime(2025, 3, 5, tzinfo=UTC),
        )
    index = engagement_index()
    assert index.count(np.array([accounts[0].pk]), np.array([0]), np.array([10**6])).tolist() == [5]
    outcomes = compute_outcomes(as_of=date(2025, 12, 31), rules=RULES, min_cohort=5)
    deals_by = outcomes.deals.set_index("cohort")
    assert deals_by.loc["active", "deals"] == 12 and deals_by.loc["outside", "deals"] == 12
    assert deals_by.loc["member", "withheld"] == "0 deals; at least 5 are needed"
    assert deals_by.loc["active", "win_rate"] == pytest.approx(8 / 12)
    tickets_by = outcomes.tickets.set_index("cohort")
    # On 1 March the active accounts' last activity (5 January) is within 90 days.
    assert tickets_by.loc["active", "tickets_per_account_month"] == 1.0
    assert tickets_by.loc["outside", "tickets"] == 12


@pytest.mark.django_db
def test_accounts_with_no_people_are_outside_and_still_counted():
    lonely = Account.objects.create(system="t", external_id="L1", name="No people")
    Ticket.objects.create(
        system="t", external_id="TL1", account=lonely, created_at=datetime(2025, 3, 5, tzinfo=UTC)
    )
    index = engagement_index()
    cohort = classify(
        pd.Series([lonely.pk]), pd.Series([date(2025, 6, 1)]), index=index, rules=RULES
    )
    assert cohort.tolist() == ["outside"]
    outcomes = compute_outcomes(as_of=date(2025, 12, 31), rules=RULES, min_cohort=1)
    assert outcomes.tickets.set_index("cohort").loc["outside", "tickets"] == 1


def weighted_index_of(rows):
    return EngagementIndex(pd.DataFrame(rows, columns=["account_id", "day", "n", "points"]))


def test_decayed_points_halve_every_half_life_and_ignore_the_date_itself():
    index = weighted_index_of(
        [
            (1, date(2025, 1, 1), 4, 8.0),
            (1, date(2025, 4, 1), 1, 2.0),
            (2, date(2025, 1, 1), 1, 1.0),
        ]
    )
    ends = np.array([date(2025, 1, 1).toordinal(), date(2025, 4, 1).toordinal() + 90])
    values = index.decayed(np.array([1, 1]), ends, half_life=90.0)
    assert values[0] == 0.0  # nothing happened before 1 January
    # 8 points, 180 days old (two half-lives), plus 2 points, 90 days old.
    assert values[1] == pytest.approx(8 / 4 + 2 / 2)
    assert index.decayed(np.array([3]), ends[:1], half_life=90.0).tolist() == [0.0]


def test_decayed_points_stay_exact_over_decades_of_history():
    days = [date(2000, 1, 1) + timedelta(days=d) for d in range(0, 9000, 7)]
    index = weighted_index_of([(5, day, 1, 1.0) for day in days])
    end = date(2000, 1, 1).toordinal() + 30
    expected = sum(2 ** (-(end - day.toordinal()) / 90) for day in days if day.toordinal() < end)
    assert index.decayed(np.array([5]), np.array([end]), 90.0)[0] == pytest.approx(expected)


def test_the_default_rule_is_the_contributor_level_of_the_scoring_configuration(settings):
    rules = cohort_rules()
    assert (rules.active_level, rules.active_threshold, rules.half_life_days) == (
        "Contributor",
        10.0,
        90.0,
    )
    settings.TOWNHALL_SCORING = {
        "half_life_days": 30,
        "levels": {"Seen": 0, "Regular": 4, "Hero": 40},
        "superuser_level": "Hero",
    }
    rules = cohort_rules()
    assert (rules.active_level, rules.active_threshold, rules.half_life_days) == (
        "Hero",
        40.0,
        30.0,
    )
    settings.TOWNHALL_ROI_COHORTS = {"active_level": "Regular"}
    assert cohort_rules().active_threshold == 4.0
    settings.TOWNHALL_ROI_COHORTS = {"window_days": 60, "active_threshold": 5}
    plain = cohort_rules()
    assert (plain.window_days, plain.active_threshold, plain.half_life_days) == (60, 5.0, None)


def test_an_unknown_level_or_setting_is_refused_with_the_known_ones(settings):
    settings.TOWNHALL_ROI_COHORTS = {"active_level": "Guru"}
    with pytest.raises(ValueError, match=r"not one of the levels .*Contributor"):
        cohort_rules()
    settings.TOWNHALL_ROI_COHORTS = {"treshold": 3}
    with pytest.raises(ValueError, match=r"Unknown cohort setting.*treshold"):
        cohort_rules()


@pytest.mark.django_db
def test_by_default_activity_counts_with_its_scoring_weight(make_record):
    """Ten low-weight activities do not make an account active; ten heavy ones do."""
    from townhall.core.models import ActivityKind

    start = datetime(2025, 1, 1, tzinfo=UTC)
    people = {}
    for name, kind in (("light", "reaction"), ("heavy", "answer")):
        email = f"{name}@{name}.example"
        ingest(
            [
                make_record(
                    actor=Person(external_id=name, email=email),
                    kind=kind,
                    occurred_at=start + timedelta(days=d),
                )
                for d in range(10)
            ]
        )
        account = Account.objects.create(system="t", external_id=name, name=name)
        Contact.objects.create(
            system="t",
            external_id=name,
            account=account,
            email=email,
            member=Member.objects.get(primary_email=email),
            link_status=LinkStatus.AUTO,
        )
        people[name] = account.pk
    ActivityKind.objects.filter(slug="reaction").update(weight=0.2)
    ActivityKind.objects.filter(slug="answer").update(weight=3.0)
    rules = cohort_rules()
    on = pd.Series([date(2025, 1, 15)] * 2)
    cohorts = classify(
        pd.Series([people["light"], people["heavy"]]), on, index=engagement_index(), rules=rules
    )
    assert cohorts.tolist() == ["member", "active"]
    # Half a year later the heavy account's points have decayed below the threshold.
    later = classify(
        pd.Series([people["heavy"]]),
        pd.Series([date(2025, 9, 1)]),
        index=engagement_index(),
        rules=rules,
    )
    assert later.tolist() == ["member"]
    assert "Contributor" in rules.description
