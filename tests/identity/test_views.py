"""The review pages: only reviewers see them; decisions go through the services."""

import pytest
from django.contrib.auth.models import User

from townhall.core.models import Member, NotSamePerson, Role
from townhall.core.records import Person
from townhall.core.services import ingest
from townhall.core.services.record import ensure_native_member
from townhall.identity.models import MergeSuggestion
from townhall.identity.services import resolve_identities


@pytest.fixture
def suggestion(db, make_record):
    ingest(
        [
            make_record(
                source="slack",
                actor=Person(external_id="U1", name="Jürgen Müller", email="jmueller@globex.com"),
            ),
            make_record(
                source="forum",
                actor=Person(external_id="f1", username="jmueller", name="Mueller, Juergen"),
            ),
        ]
    )
    resolve_identities()
    return MergeSuggestion.objects.get()


def login(client, *, role):
    user = User.objects.create_user("rev@example.com", "rev@example.com", "pw-12345-long")
    member = ensure_native_member(user, name="Reviewer")
    Member.objects.filter(pk=member.pk).update(role=role)
    client.force_login(user)


def test_members_without_the_role_cannot_see_the_queue(client, suggestion):
    login(client, role=Role.MEMBER)
    assert client.get("/identity/review/").status_code == 403
    assert (
        client.post(f"/identity/review/{suggestion.pk}/decide/", {"decision": "merge"}).status_code
        == 403
    )


def test_reviewer_sees_both_people_and_the_evidence(client, suggestion):
    login(client, role=Role.COMMUNITY_MANAGER)
    queue = client.get("/identity/review/").content.decode()
    assert "Jürgen Müller" in queue and "Mueller, Juergen" in queue
    page = client.get(f"/identity/review/{suggestion.pk}/").content.decode()
    assert "jmueller@globex.com" in page and "same username on different sources" in page


def test_different_people_decision_is_recorded(client, suggestion):
    login(client, role=Role.ADMIN)
    response = client.post(f"/identity/review/{suggestion.pk}/decide/", {"decision": "different"})
    assert response.status_code == 302
    assert NotSamePerson.objects.count() == 1
    suggestion.refresh_from_db()
    assert suggestion.status == "rejected"


def test_merge_decision_merges(client, suggestion):
    login(client, role=Role.COMMUNITY_MANAGER)
    client.post(f"/identity/review/{suggestion.pk}/decide/", {"decision": "merge"})
    assert Member.active.filter(identities__external_id__in=["U1", "f1"]).distinct().count() == 1
