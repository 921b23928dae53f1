"""Resolution against the database: merges through core, the review queue, evaluation."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from townhall.core.models import Member, MergeRecord, NotSamePerson, Role
from townhall.core.records import Person
from townhall.core.services import ingest, unmerge
from townhall.identity.models import MergeSuggestion
from townhall.identity.services import (
    accept_suggestion,
    mark_employees,
    reject_suggestion,
    resolve_identities,
)


@pytest.fixture
def community(db, make_record):
    ingest(
        [
            make_record(
                source="slack",
                actor=Person(external_id="U1", name="Ana Souza", email="ana@acme.io"),
            ),
            make_record(
                source="github",
                actor=Person(external_id="1", username="asouza", email="ana@acme.io"),
            ),
            make_record(
                source="forum",
                actor=Person(external_id="f1", name="Jürgen Müller", email="jmueller@globex.com"),
            ),
            make_record(
                source="meetup",
                actor=Person(external_id="m1", username="jmueller", name="Mueller, Juergen"),
            ),
        ]
    )


def test_resolve_merges_confident_pairs_through_core_and_queues_the_rest(community):
    summary, _ = resolve_identities()
    assert len(summary.merges) == 1
    record = MergeRecord.objects.get()
    assert record.merged_by == "identity resolution" and "same email" in record.reason
    suggestion = MergeSuggestion.objects.get()
    assert suggestion.status == "pending" and suggestion.evidence
    again, _ = resolve_identities()
    assert not again.merges and MergeSuggestion.objects.count() == 1


def test_automatic_merges_can_be_undone(community):
    resolve_identities()
    unmerge(MergeRecord.objects.get())
    assert Member.active.count() == 4


def test_reviewers_accept_or_reject_and_rejections_stick(community, make_member):
    resolve_identities()
    suggestion = MergeSuggestion.objects.get()
    outsider = make_member(name="Just a member")
    with pytest.raises(PermissionDenied):
        reject_suggestion(suggestion, by=outsider)
    manager = make_member(name="Manager")
    Member.objects.filter(pk=manager.pk).update(role=Role.COMMUNITY_MANAGER)
    manager.refresh_from_db()
    reject_suggestion(suggestion, by=manager)
    assert NotSamePerson.objects.count() == 1
    resolve_identities()
    assert MergeSuggestion.objects.get().status == "rejected"
    assert Member.active.filter(identities__external_id__in=["f1", "m1"]).count() == 2


def test_accepting_a_suggestion_merges(community, make_member):
    resolve_identities()
    manager = make_member(name="Manager")
    Member.objects.filter(pk=manager.pk).update(role=Role.ADMIN)
    manager.refresh_from_db()
    accept_suggestion(MergeSuggestion.objects.get(), by=manager)
    assert Member.active.filter(identities__external_id__in=["f1", "m1"]).distinct().count() == 1


def test_employees_are_marked_by_company_domain(community):
    assert mark_employees(domains=["acme.io"]) == 2
    assert set(
        Member.objects.filter(is_employee=True).values_list("identities__external_id", flat=True)
    ) == {"U1", "1"}


def test_evaluation_set_quality_beats_both_baselines_with_precise_automatic_merges(db, tmp_path):
    call_command(
        "identity",
        "evalset",
        "--out",
        str(tmp_path),
        "--people",
        "600",
        "--seed",
        "5",
        stdout=io.StringIO(),
    )
    call_command(
        "ingest", "jsonl", str(tmp_path / "records.jsonl"), verbosity=0, stdout=io.StringIO()
    )
    before = io.StringIO()
    call_command("identity", "evaluate", "--truth", str(tmp_path / "truth.jsonl"), stdout=before)
    assert "predicted_pairs=0" in before.getvalue()
    call_command("identity", "resolve", verbosity=0, stdout=io.StringIO())
    out = io.StringIO()
    call_command("identity", "evaluate", "--truth", str(tmp_path / "truth.jsonl"), stdout=out)
    scores = dict(part.split("=") for part in out.getvalue().split() if "=" in part)
    assert float(scores["precision"]) >= 0.98
    assert float(scores["f1"]) >= 0.75
    for baseline in ("email", "email-or-name"):
        out = io.StringIO()
        call_command(
            "identity",
            "evaluate",
            "--truth",
            str(tmp_path / "truth.jsonl"),
            "--baseline",
            baseline,
            stdout=out,
        )
        baseline_scores = dict(part.split("=") for part in out.getvalue().split() if "=" in part)
        assert float(baseline_scores["f1"]) < float(scores["f1"]) - 0.2


def test_employees_command_takes_domains_and_an_email_list(community, tmp_path):
    listing = tmp_path / "staff.txt"
    listing.write_text("# our team\njmueller@globex.com\n")
    out = io.StringIO()
    call_command(
        "identity", "employees", "--domain", "acme.io", "--emails", str(listing), stdout=out
    )
    assert out.getvalue().strip() == "employees_marked=3"
