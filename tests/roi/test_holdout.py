"""Invite holdouts: random, reproducible arms and an experiment's comparison."""

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from townhall.crm.models import Account, Contact, Ticket
from townhall.roi.holdout import arm_of, assign, create_campaign, evaluate, invite_list
from townhall.roi.models import HoldoutAssignment

pytestmark = pytest.mark.django_db


def accounts(n, start=0):
    return Account.objects.bulk_create(
        [
            Account(system="t", external_id=f"A{i}", name=f"Account {i}")
            for i in range(start, start + n)
        ]
    )


def test_arms_are_random_reproducible_and_stable():
    rows = accounts(2000)
    campaign = create_campaign(
        "q1", "Q1 invitations", holdout_share=0.2, started_on=date(2025, 1, 1)
    )
    counts = assign(campaign)
    # A binomial share: 4.5 standard deviations (0.040) fails about once in 150,000 runs
    # of a correct hash, and every time for a biased one (e.g. 0.25 or 0.15).
    assert abs(counts["holdout"] / 2000 - 0.2) < 4.5 * (0.2 * 0.8 / 2000) ** 0.5
    before = dict(campaign.assignments.values_list("account_id", "arm"))
    more = accounts(1, start=2000)  # a later account is assigned without moving anyone
    assert sum(assign(campaign).values()) == 1
    after = dict(campaign.assignments.values_list("account_id", "arm"))
    assert {k: after[k] for k in before} == before and more[0].pk in after
    assert all(arm_of(campaign, a.pk) == before[a.pk] for a in rows[:50])


def test_holdout_share_must_leave_two_real_arms():
    with pytest.raises(ValueError, match=r"between 0\.01 and 0\.5"):
        create_campaign("x", "X", holdout_share=0.9, started_on=date(2025, 1, 1))


def test_only_the_invited_arm_is_on_the_invite_list():
    rows = accounts(40)
    for account in rows:
        Contact.objects.create(
            system="t",
            external_id=f"C{account.pk}",
            account=account,
            email=f"c{account.pk}@x.example",
            name=f"C {account.pk}",
        )
    campaign = create_campaign("q2", "Q2", holdout_share=0.3, started_on=date(2025, 1, 1))
    assign(campaign)
    held = set(campaign.assignments.filter(arm="holdout").values_list("account_id", flat=True))
    listed = {email for email, _, _ in invite_list(campaign)}
    assert listed == {f"c{a.pk}@x.example" for a in rows if a.pk not in held}


def test_the_experiment_recovers_the_effect_of_being_invited():
    rows = accounts(400)
    start = date(2025, 1, 1)
    campaign = create_campaign("q3", "Q3", holdout_share=0.3, started_on=start)
    assign(campaign)
    arms = dict(campaign.assignments.values_list("account_id", "arm"))
    rng = np.random.default_rng(0)
    tickets = []
    for account in rows:
        rate = 2.0 - (0.5 if arms[account.pk] == HoldoutAssignment.Arm.INVITED else 0.0)
        for k in range(rng.poisson(rate * 6)):  # six months
            day = start + timedelta(days=int(rng.integers(0, 180)))
            tickets.append(
                Ticket(
                    system="t",
                    external_id=f"T{account.pk}-{k}",
                    account=account,
                    created_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
                )
            )
    Ticket.objects.bulk_create(tickets)
    result = evaluate(campaign, as_of=start + timedelta(days=180), n_bootstrap=300)
    estimate, low, high = result.tickets_effect
    truth = -0.5 * 6 / (180 / 30.44)  # −0.5 a month, measured over 180 days
    # The arms are random (a secret seed), so a 95% interval misses the truth one run in
    # twenty; the estimate within about three standard errors does not.
    assert abs(estimate - truth) < 0.25
    assert low < estimate < high < 0
    assert result.evidence == "experiment"
    assert "held out at random" in result.sentence


def test_the_command_creates_assigns_and_lists_invites(capsys):
    from django.core.management import call_command

    rows = accounts(30)
    Contact.objects.create(system="t", external_id="C1", account=rows[0], email="a@x.example")
    call_command(
        "roi",
        "holdout",
        "create",
        "spring",
        "Spring invites",
        "--share",
        "0.2",
        "--start",
        "2025-03-01",
    )
    call_command("roi", "holdout", "assign", "spring")
    call_command("roi", "holdout", "invites", "spring")
    out = capsys.readouterr().out
    assert "Created Spring invites: 20% of accounts held out." in out
    assert "email,name,account" in out
    assert HoldoutAssignment.objects.count() == 30
