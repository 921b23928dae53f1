"""Support deflection: measured on self-service successes, beside the industry formulas."""

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from townhall.core.models import Member
from townhall.core.records import ActivityRecord, Person
from townhall.core.services import ingest
from townhall.crm.models import Account, Contact, LinkStatus, Ticket
from townhall.roi.deflection import Assumptions, deflection_report

pytestmark = pytest.mark.django_db


def activity(n, person, kind, day, **properties):
    return ActivityRecord(
        source="community",
        external_id=f"{kind}-{n}",
        kind=kind,
        actor=person,
        occurred_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        properties=properties,
    )


def test_months_with_answers_found_have_fewer_tickets_and_formulas_state_assumptions():
    rng = np.random.default_rng(4)
    start = date(2025, 1, 1)
    records, tickets, n = [], [], 0
    for a in range(120):
        account = Account.objects.create(
            system="t", external_id=f"A{a}", name=f"A{a}", segment="SMB"
        )
        person = Person(external_id=f"p{a}", email=f"p{a}@a{a}.example")
        ingest([activity(f"join{a}", person, "reply", start - timedelta(days=30))])
        member = Member.objects.get(primary_email=f"p{a}@a{a}.example")
        Contact.objects.create(
            system="t",
            external_id=f"C{a}",
            account=account,
            email=member.primary_email,
            member=member,
            link_status=LinkStatus.AUTO,
        )
        for month in range(6):
            first = date(2025, 1 + month, 1)
            found = rng.random() < 0.4
            records.append(activity(n, person, "reply", first + timedelta(days=3)))
            n += 1
            if found:
                kind, extra = (
                    ("viewed", {"solved": True}) if rng.random() < 0.5 else ("solved-too", {})
                )
                records.append(activity(n, person, kind, first + timedelta(days=1), **extra))
                n += 1
            for k in range(rng.poisson(1.0 if found else 2.0)):
                day = first + timedelta(days=int(rng.integers(2, 28)))
                tickets.append(
                    Ticket(
                        system="t",
                        external_id=f"T{a}-{month}-{k}",
                        account=account,
                        created_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
                    )
                )
    ingest(records)
    Ticket.objects.bulk_create(tickets)
    report = deflection_report(start=start, end=date(2025, 7, 1), n_bootstrap=60)
    assert report.months == 6
    estimate = report.measured
    low, high = estimate.adjusted_ci
    assert low <= -1.0 <= high and high < 0
    assert report.measured_sentence.startswith("Tickets in the next 30 days:")
    names = [f["name"] for f in report.formulas]
    assert names == [
        "Survey-based deflection",
        "Accepted-solution view ratio",
        "Deflection from solution views",
    ]
    survey = report.formulas[0]
    assert survey["value"] == pytest.approx(report.successes_per_month * 0.5 * 0.3)
    assert "survey figures" in survey["assumptions"] and survey["unit"] == "tickets a month"
    custom = deflection_report(
        start=start,
        end=date(2025, 7, 1),
        n_bootstrap=20,
        assumptions=Assumptions(views_per_deflection=5),
    )
    assert custom.formulas[2]["value"] == pytest.approx(custom.solution_views_per_month / 5)
