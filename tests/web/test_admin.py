"""The back office: every changelist loads, big lists stay cheap, actions call core services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from townhall.core.models import (
    Activity,
    ActivityKind,
    Identity,
    ImportRun,
    Member,
    MergeRecord,
    NotSamePerson,
    Organization,
    QuarantinedRecord,
    Source,
)
from townhall.core.services import ingest, mark_not_same_person

MODELS = [
    Member,
    Organization,
    Source,
    Identity,
    Activity,
    ActivityKind,
    MergeRecord,
    NotSamePerson,
    ImportRun,
    QuarantinedRecord,
]


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser("boss", "boss@example.org", "pw"))
    return client


@pytest.fixture
def stocked(community, make_record):
    """Some of everything: people, merges, an import run and a quarantined record."""
    people = community(3)
    run = ImportRun.objects.create(origin="people.jsonl")
    ingest(['{"source": "slack"}', make_record()], origin="people.jsonl", run=run)
    mark_not_same_person(people[0], people[1], by="test", reason="twins")
    return people


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_changelist_loads(superuser_client, stocked, model):
    url = reverse(f"admin:core_{model._meta.model_name}_changelist")
    assert superuser_client.get(url).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_change_page_loads(superuser_client, stocked, model):
    obj = model.objects.first()
    url = reverse(f"admin:core_{model._meta.model_name}_change", args=[obj.pk])
    assert superuser_client.get(url).status_code == 200


def test_member_changelist_filters_by_role_employee_bot_organization_and_merged(
    superuser_client, stocked
):
    url = reverse("admin:core_member_changelist")
    organization = stocked[0].organization_id
    for query in (
        "role__exact=member",
        "is_employee__exact=1",
        "is_bot__exact=0",
        f"organization={organization}",
        "merged=yes",
    ):
        assert superuser_client.get(f"{url}?{query}").status_code == 200, query
    html = superuser_client.get(f"{url}?merged=yes").content.decode()
    assert "merged into" in html.lower()


def test_member_search_finds_an_identity_username(superuser_client, stocked):
    identity = Identity.objects.filter(source__slug="github").first()
    changelist = reverse("admin:core_member_changelist")
    html = superuser_client.get(
        changelist, {"q": identity.username, "merged": "no"}
    ).content.decode()
    assert "1 result" in html
    assert reverse("admin:core_member_change", args=[identity.member_id]) in html


def test_quarantined_record_shows_reason_and_raw_input(superuser_client, stocked):
    record = QuarantinedRecord.objects.get()
    html = superuser_client.get(
        reverse("admin:core_quarantinedrecord_change", args=[record.pk])
    ).content.decode()
    assert "<pre" in html and "&quot;source&quot;: &quot;slack&quot;" in html
    for query in ("resolved=no", "source_slug__exact=slack"):
        assert (
            superuser_client.get(
                reverse("admin:core_quarantinedrecord_changelist") + "?" + query
            ).status_code
            == 200
        )


def test_activity_changelist_does_not_count_the_whole_table_twice(
    superuser_client, stocked, django_assert_max_num_queries
):
    # session, user, counts for the page, the page, filters (sources, kinds), date hierarchy
    with django_assert_max_num_queries(10):
        response = superuser_client.get(reverse("admin:core_activity_changelist"))
    assert response.status_code == 200


def test_unmerge_action_calls_the_core_service(superuser_client, stocked):
    record = MergeRecord.objects.filter(undone_at__isnull=True).first()
    absorbed = record.absorbed
    response = superuser_client.post(
        reverse("admin:core_mergerecord_changelist"),
        {"action": "undo_selected", "_selected_action": [record.pk]},
        follow=True,
    )
    assert "Undid 1 merge." in response.content.decode()
    record.refresh_from_db()
    assert record.undone_at is not None and record.undone_by == "admin:boss"
    assert Member.objects.get(pk=absorbed.pk).merged_into_id is None
    assert Identity.objects.filter(member=absorbed).exists()


def test_undoing_an_undone_merge_is_refused_with_a_message(superuser_client, stocked):
    record = MergeRecord.objects.first()
    url = reverse("admin:core_mergerecord_changelist")
    superuser_client.post(url, {"action": "undo_selected", "_selected_action": [record.pk]})
    response = superuser_client.post(
        url, {"action": "undo_selected", "_selected_action": [record.pk]}, follow=True
    )
    assert "already undone" in response.content.decode()


def test_merge_action_merges_two_members_into_the_older_one(superuser_client, stocked):
    first, second = stocked[1], stocked[2]
    superuser_client.post(
        reverse("admin:core_member_changelist"),
        {"action": "merge_selected", "_selected_action": [second.pk, first.pk]},
    )
    assert Member.objects.get(pk=second.pk).merged_into_id == first.pk
    assert MergeRecord.objects.filter(keep=first, absorbed=second, merged_by="admin:boss").exists()


def test_not_same_person_action_records_the_decision(superuser_client, stocked):
    first, second = stocked[1], stocked[2]
    superuser_client.post(
        reverse("admin:core_member_changelist"),
        {"action": "mark_selected_not_same_person", "_selected_action": [first.pk, second.pk]},
    )
    assert NotSamePerson.objects.filter(member_low=min(first.pk, second.pk)).exists()


def test_activity_kind_weights_are_editable_in_the_list(superuser_client, stocked):
    html = superuser_client.get(reverse("admin:core_activitykind_changelist")).content.decode()
    assert 'name="form-0-weight"' in html


def test_identities_and_activities_cannot_be_moved_by_hand(superuser_client, stocked):
    identity = Identity.objects.first()
    html = superuser_client.get(
        reverse("admin:core_identity_change", args=[identity.pk])
    ).content.decode()
    assert 'name="member"' not in html
    activity = Activity.objects.first()
    html = superuser_client.get(
        reverse("admin:core_activity_change", args=[activity.pk])
    ).content.decode()
    assert 'name="member"' not in html and 'name="identity"' not in html
