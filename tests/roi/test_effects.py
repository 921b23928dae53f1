"""The correctness check of estimate_effect: simulated accounts with a known effect and
confounding strong enough that the naive comparison has the wrong sign."""

import numpy as np
import pandas as pd
import pytest

from townhall.roi import estimate_effect
from townhall.roi.simulate import simulate_accounts

COVARIATES = ["size", "segment", "industry", "prior_tickets"]


def test_adjusted_interval_covers_the_truth_when_the_naive_sign_is_wrong():
    sim = simulate_accounts(2000, effect=-1.0, seed=1)
    result = estimate_effect(
        sim.frame,
        treatment="active",
        outcome="tickets_per_month",
        covariates=COVARIATES,
        n_bootstrap=100,
    )
    assert result.ok
    assert result.naive > 0 > sim.true_att  # the raw comparison points the wrong way
    low, high = result.adjusted_ci
    assert low <= sim.true_att <= high
    assert high < 0  # and the adjusted one says the community reduces tickets
    assert result.estimand == "ATT" and "doubly robust" in result.method


def test_binary_outcome_effect_is_a_difference_of_probabilities_covering_the_truth():
    sim = simulate_accounts(3000, effect=0.8, outcome_type="binary", seed=2)
    result = estimate_effect(
        sim.frame,
        treatment="active",
        outcome="renewed",
        covariates=COVARIATES,
        outcome_type="binary",
        n_bootstrap=100,
    )
    assert result.naive < 0 < sim.true_att
    low, high = result.adjusted_ci
    assert low <= sim.true_att <= high
    assert "points" in result.sentence(treated="active accounts")


def test_average_effect_over_everyone_on_request():
    sim = simulate_accounts(2000, effect=-1.0, seed=3)
    result = estimate_effect(
        sim.frame,
        treatment="active",
        outcome="tickets_per_month",
        covariates=COVARIATES,
        estimand="ATE",
        n_bootstrap=100,
    )
    low, high = result.adjusted_ci
    assert low <= sim.true_ate <= high


def test_weighting_balances_the_covariates():
    sim = simulate_accounts(2000, seed=4)
    result = estimate_effect(
        sim.frame,
        treatment="active",
        outcome="tickets_per_month",
        covariates=COVARIATES,
        n_bootstrap=20,
    )
    size = result.balance.set_index("covariate").loc["size"]
    assert abs(size.smd_before) > 0.5
    assert abs(size.smd_after) < 0.1
    assert set(result.balance.covariate) >= {"segment=Enterprise", "industry=Retail"}


def test_tiny_cohorts_are_withheld_with_a_plain_reason():
    sim = simulate_accounts(200, seed=5)
    frame = pd.concat([sim.frame[~sim.frame.active], sim.frame[sim.frame.active].head(8)])
    result = estimate_effect(
        frame, treatment="active", outcome="tickets_per_month", covariates=COVARIATES
    )
    assert not result.ok and result.adjusted is None
    assert "8 in the group" in result.withheld
    assert result.sentence().startswith("No estimate for tickets_per_month: 8 in the group")


def test_poor_overlap_is_trimmed_with_a_warning():
    sim = simulate_accounts(2000, confounding=4.0, seed=6)
    result = estimate_effect(
        sim.frame,
        treatment="active",
        outcome="tickets_per_month",
        covariates=COVARIATES,
        n_bootstrap=20,
    )
    assert result.n_trimmed > 0
    assert any("no comparable units" in warning for warning in result.warnings)


def test_resampling_accounts_not_rows_widens_the_interval_for_repeated_rows():
    sim = simulate_accounts(600, seed=7)
    # Five contacts per account, all with the account's data: rows are not independent.
    contacts = sim.frame.loc[np.repeat(sim.frame.index, 5)].reset_index(drop=True)
    kwargs = {
        "treatment": "active",
        "outcome": "tickets_per_month",
        "covariates": COVARIATES,
        "n_bootstrap": 100,
    }
    by_row = estimate_effect(contacts, **kwargs)
    by_account = estimate_effect(contacts, cluster="account", **kwargs)
    width = lambda r: r.adjusted_ci[1] - r.adjusted_ci[0]  # noqa: E731
    assert width(by_account) > 1.5 * width(by_row)


def test_rows_without_an_outcome_are_left_out_and_said_so():
    sim = simulate_accounts(500, seed=8)
    sim.frame.loc[:9, "tickets_per_month"] = None
    result = estimate_effect(
        sim.frame,
        treatment="active",
        outcome="tickets_per_month",
        covariates=["size"],
        n_bootstrap=20,
    )
    assert result.n_treated + result.n_control == 490
    assert any("10 rows without a value" in warning for warning in result.warnings)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="size"), "no column 'size'"),
        (lambda f: f.assign(active=f.active.astype(int) * 2), "must be 0/1"),
        (lambda f: f.assign(tickets_per_month=f.tickets_per_month), "binary outcome"),
    ],
)
def test_input_that_cannot_be_analysed_gets_a_clear_error(change, message):
    frame = change(simulate_accounts(100, seed=9).frame)
    with pytest.raises(ValueError, match=message):
        estimate_effect(
            frame,
            treatment="active",
            outcome="tickets_per_month",
            covariates=["size"],
            outcome_type="binary" if message == "binary outcome" else "continuous",
        )


def test_influence_function_interval_agrees_with_the_bootstrap_and_covers_the_truth():
    sim = simulate_accounts(3000, effect=-1.0, seed=11)
    kwargs = {
        "treatment": "active",
        "outcome": "tickets_per_month",
        "covariates": COVARIATES,
        "cluster": "account",
    }
    boot = estimate_effect(sim.frame, n_bootstrap=150, **kwargs)
    fast = estimate_effect(sim.frame, n_bootstrap=0, **kwargs)
    assert fast.adjusted == boot.adjusted
    low, high = fast.adjusted_ci
    assert low <= sim.true_att <= high
    width = lambda r: r.adjusted_ci[1] - r.adjusted_ci[0]  # noqa: E731
    assert 0.7 < width(fast) / width(boot) < 1.4
    assert "influence-function interval" in fast.method


def test_groups_a_covariate_separates_completely_are_withheld_not_estimated():
    sim = simulate_accounts(400, seed=13)
    frame = sim.frame.assign(flag=sim.frame.active.astype(int))  # the covariate is the treatment
    result = estimate_effect(
        frame, treatment="active", outcome="tickets_per_month", covariates=["flag"], n_bootstrap=10
    )
    assert not result.ok and "separate the two groups completely" in result.withheld
