import pytest
from django.core.management import call_command

from townhall.crm.models import Account, Contact, Deal, Ticket
from townhall.roi.bench import generate


@pytest.mark.django_db
def test_the_generated_crm_has_the_asked_sizes_and_community_people():
    rows = generate(accounts=80, contacts=600, deals=300, tickets=500, seed=1)
    assert (Account.objects.count(), Contact.objects.count()) == (80, 600)
    assert (Deal.objects.count(), Ticket.objects.count()) == (300, 500)
    assert rows["members"] == Contact.objects.filter(member__isnull=False).count() > 0


@pytest.mark.slow
def test_bench_roi_runs_end_to_end_and_prints_each_stage(capsys):
    call_command(
        "bench",
        "roi",
        "--accounts",
        "120",
        "--contacts",
        "900",
        "--deals",
        "400",
        "--tickets",
        "900",
        "--bootstrap",
        "20",
    )
    out = " ".join(capsys.readouterr().out.split())
    for stage in (
        "engagement index",
        "sales",
        "retention",
        "difference in differences",
        "report total",
    ):
        assert stage in out
    assert "peak memory" in out
