"""Invite holdouts: the experiment that needs no adjustment.

A campaign holds back a random share of accounts from a community invitation (or a
nudge). The arm of each account comes from a hash of the campaign's seed and the
account's id, so it is random with respect to everything about the account,
reproducible, and stable when more accounts are assigned later. Who is then invited is
exported for the company's email tool (`invite_list`); the report compares the arms'
outcomes after the campaign started — the effect of *being invited* (intention to
treat), with the share that actually joined beside it. Evidence: experiment.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from django.db import transaction

from townhall.crm.models import Account, Contact, Renewal, Ticket
from townhall.roi.cohorts import EngagementIndex, engagement_index
from townhall.roi.models import HoldoutAssignment, HoldoutCampaign


def create_campaign(
    slug: str, name: str, *, holdout_share: float, started_on: date
) -> HoldoutCampaign:
    """A new campaign; the holdout share must leave both arms meaningful (1–50 %)."""
    if not 0.01 <= holdout_share <= 0.5:
        raise ValueError("holdout_share must be between 0.01 and 0.5")
    return HoldoutCampaign.objects.create(
        slug=slug,
        name=name,
        holdout_share=holdout_share,
        seed=secrets.token_hex(16),
        started_on=started_on,
    )


def arm_of(campaign: HoldoutCampaign, account_id: int) -> str:
    """The account's arm: a uniform number from the hash, below the share → holdout."""
    digest = hashlib.sha256(f"{campaign.seed}:{account_id}".encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    return (
        HoldoutAssignment.Arm.HOLDOUT
        if draw < campaign.holdout_share
        else HoldoutAssignment.Arm.INVITED
    )


@transaction.atomic
def assign(campaign: HoldoutCampaign, accounts: list[int] | None = None) -> dict[str, int]:
    """Assign accounts (default: every account) not assigned yet; returns counts per arm."""
    ids = accounts if accounts is not None else list(Account.objects.values_list("pk", flat=True))
    known = set(campaign.assignments.values_list("account_id", flat=True))
    rows = [
        HoldoutAssignment(campaign=campaign, account_id=pk, arm=arm_of(campaign, pk))
        for pk in ids
        if pk not in known
    ]
    HoldoutAssignment.objects.bulk_create(rows, batch_size=2000)
    counts = dict.fromkeys(HoldoutAssignment.Arm.values, 0)
    for row in rows:
        counts[row.arm] += 1
    return counts


def invite_list(campaign: HoldoutCampaign) -> list[tuple[str, str, str]]:
    """(email, name, account) of the contacts to invite: the invited arm only."""
    invited = campaign.assignments.filter(arm=HoldoutAssignment.Arm.INVITED).values("account_id")
    contacts = (
        Contact.objects.filter(account_id__in=invited).exclude(email="").select_related("account")
    )
    return [
        (c.email, c.name, c.account.name if c.account else "") for c in contacts.order_by("email")
    ]


@dataclass
class HoldoutResult:
    campaign: str
    invited: int
    held_out: int
    joined_invited: float
    joined_holdout: float
    tickets_invited: float | None
    tickets_holdout: float | None
    tickets_effect: tuple[float, float, float] | None  # estimate, low, high
    renewal_invited: float | None
    renewal_holdout: float | None
    renewal_effect: tuple[float, float, float] | None
    sentence: str
    evidence: str = "experiment"


def _difference(
    a: np.ndarray, b: np.ndarray, *, n_bootstrap: int, seed: int
) -> tuple[float, float, float] | None:
    """Difference of means with a percentile bootstrap (arms resampled separately)."""
    if len(a) < 10 or len(b) < 10:
        return None
    rng = np.random.default_rng(seed)
    draws = [
        rng.choice(a, len(a)).mean() - rng.choice(b, len(b)).mean() for _ in range(n_bootstrap)
    ]
    low, high = np.percentile(draws, [2.5, 97.5])
    return float(a.mean() - b.mean()), float(low), float(high)


def evaluate(
    campaign: HoldoutCampaign,
    *,
    as_of: date,
    n_bootstrap: int = 1000,
    index: EngagementIndex | None = None,
) -> HoldoutResult:
    """Compare the arms after the campaign started: joining, tickets a month, renewals."""
    index = index or engagement_index()
    arms = pd.DataFrame(
        list(campaign.assignments.values_list("account_id", "arm")), columns=["account_id", "arm"]
    )
    invited = arms[arms.arm == HoldoutAssignment.Arm.INVITED].account_id.to_numpy()
    held = arms[arms.arm == HoldoutAssignment.Arm.HOLDOUT].account_id.to_numpy()
    start, end = campaign.started_on.toordinal(), as_of.toordinal() + 1

    def joined(ids: np.ndarray) -> float:
        if not len(ids):
            return float("nan")
        return float(
            (index.count(ids, np.full(len(ids), start), np.full(len(ids), end)) > 0).mean()
        )

    months = max((as_of - campaign.started_on).days / 30.44, 1e-9)
    tickets = pd.DataFrame(
        list(
            Ticket.objects.filter(
                account__holdout_assignments__campaign=campaign,
                created_at__date__gte=campaign.started_on,
                created_at__date__lte=as_of,
            ).values_list("account_id", flat=True)
        ),
        columns=["account_id"],
    )
    per_account = tickets.account_id.value_counts()
    rate = lambda ids: np.array([per_account.get(i, 0) / months for i in ids], dtype=float)  # noqa: E731
    renewals = pd.DataFrame(
        list(
            Renewal.objects.filter(
                account__holdout_assignments__campaign=campaign,
                period_start__gte=campaign.started_on,
            )
            .exclude(outcome="open")
            .values_list("account_id", "outcome")
        ),
        columns=["account_id", "outcome"],
    )
    renewed = (
        renewals.assign(renewed=(renewals.outcome == "renewed").astype(float))
        .groupby("account_id")
        .renewed.mean()
    )
    renew = lambda ids: renewed.reindex(ids).dropna().to_numpy()  # noqa: E731
    t_effect = _difference(rate(invited), rate(held), n_bootstrap=n_bootstrap, seed=1)
    r_invited, r_held = renew(invited), renew(held)
    r_effect = _difference(r_invited, r_held, n_bootstrap=n_bootstrap, seed=2)
    parts = [
        f"{campaign.name}: {len(invited)} accounts invited, {len(held)} held out at random; "
        f"{joined(invited):.0%} of the invited and {joined(held):.0%} of the held-out accounts' "
        "people took part since."
    ]
    if t_effect:
        parts.append(
            f"Being invited changed tickets a month by {t_effect[0]:+.2f} ({t_effect[1]:+.2f} to "
            f"{t_effect[2]:+.2f}, 95% interval)."
        )
    if r_effect:
        parts.append(
            f"Renewal rate {r_effect[0] * 100:+.1f} points ({r_effect[1] * 100:+.1f} to "
            f"{r_effect[2] * 100:+.1f})."
        )
    if not t_effect and not r_effect:
        parts.append("Too few accounts in an arm to compare outcomes yet (10 a side needed).")
    return HoldoutResult(
        campaign=campaign.name,
        invited=len(invited),
        held_out=len(held),
        joined_invited=joined(invited),
        joined_holdout=joined(held),
        tickets_invited=float(rate(invited).mean()) if len(invited) else None,
        tickets_holdout=float(rate(held).mean()) if len(held) else None,
        tickets_effect=t_effect,
        renewal_invited=float(r_invited.mean()) if len(r_invited) else None,
        renewal_holdout=float(r_held.mean()) if len(r_held) else None,
        renewal_effect=r_effect,
        sentence=" ".join(parts),
    )
