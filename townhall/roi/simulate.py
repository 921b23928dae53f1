"""Simulated accounts with a known community effect and strong confounding.

Bigger accounts join the community far more often *and* file more tickets, so the raw
comparison says the community brings more tickets while it truly brings fewer. Used by
the correctness check (tests/roi) and the worked example in docs/roi.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SEGMENTS = ("SMB", "Mid-market", "Enterprise")
INDUSTRIES = ("Software", "Retail", "Finance", "Health")


@dataclass(frozen=True)
class Simulated:
    frame: pd.DataFrame
    true_att: float
    true_ate: float


def simulate_accounts(
    n: int = 2000,
    *,
    effect: float = -1.0,
    outcome_type: str = "continuous",
    confounding: float = 1.6,
    seed: int = 0,
) -> Simulated:
    """`n` accounts: covariates, who is in the community (`active`) and an outcome.

    continuous: `tickets_per_month` = 5 + 4·size + 2·enterprise + 0.4·prior_tickets
    + effect·active + noise, so the true effect is `effect` for everyone.
    binary: `renewed` with logit p = 0.3 − 1.1·size + 0.6·finance + effect·active (size
    makes renewal less likely and joining more likely); the true ATT and ATE are the
    average differences of the two potential probabilities.
    """
    rng = np.random.default_rng(seed)
    size = rng.normal(0, 1, n)  # log employees, standardized
    segment = np.where(size > 0.8, "Enterprise", np.where(size > -0.4, "Mid-market", "SMB"))
    industry = rng.choice(INDUSTRIES, n)
    prior_tickets = rng.poisson(np.exp(0.8 + 0.5 * size))
    logit = -0.8 + confounding * size + 0.6 * (segment == "Enterprise") + 0.1 * prior_tickets
    active = rng.random(n) < 1 / (1 + np.exp(-logit))
    frame = pd.DataFrame(
        {
            "account": np.arange(n),
            "size": size,
            "segment": segment,
            "industry": industry,
            "prior_tickets": prior_tickets,
            "active": active,
        }
    )
    if outcome_type == "continuous":
        base = 5 + 4 * size + 2 * (segment == "Enterprise") + 0.4 * prior_tickets
        frame["tickets_per_month"] = base + effect * active + rng.normal(0, 1.5, n)
        return Simulated(frame, effect, effect)
    base_logit = 0.3 - 1.1 * size + 0.6 * (industry == "Finance")
    p0 = 1 / (1 + np.exp(-base_logit))
    p1 = 1 / (1 + np.exp(-(base_logit + effect)))
    draw = rng.random(n)
    frame["renewed"] = np.where(active, draw < p1, draw < p0).astype(int)
    return Simulated(frame, float((p1 - p0)[active].mean()), float((p1 - p0).mean()))
