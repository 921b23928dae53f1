"""The ROI findings on a synthetic CRM whose true effects are known (townhall.roi.synthetic)."""

from datetime import date

import pytest

from townhall.roi.analyses import all_findings
from townhall.roi.synthetic import seed_crm


@pytest.mark.django_db
def test_findings_recover_the_true_effects_with_their_evidence_level():
    truth = seed_crm(260, seed=3)
    findings = {
        (f.question, f.estimate.treatment if f.estimate else "", f.evidence): f
        for f in all_findings(as_of=date(2025, 12, 31), n_bootstrap=60)
    }
    by_question = {}
    for (question, _, evidence), finding in findings.items():
        by_question.setdefault(question, []).append((evidence, finding))

    did = next(
        f for e, f in by_question["Tickets a month after joining (difference in differences)"]
    )
    assert did.evidence == "quasi-experiment"
    assert did.figures["low"] <= -truth.tickets_drop <= did.figures["high"]

    days = [f for e, f in by_question["Days to win a deal"] if e == "adjusted"]
    assert days, "the active-member comparison of days to win has an estimate"
    low, high = days[0].estimate.adjusted_ci
    assert low <= -truth.cycle_days_saved <= high
    assert days[0].sentence.startswith("Days to win a deal: ")

    # Too few accounts with members-but-not-active: withheld with a reason, not a number.
    withheld = [f for f in findings.values() if f.evidence == "none"]
    assert all("needed" in f.sentence for f in withheld)
