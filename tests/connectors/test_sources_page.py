"""The Sources page lists connectors, connections and recent runs, for the team only."""

from django.contrib.auth.models import User

from townhall.connectors import registry
from townhall.connectors.git.source import GitConfig, GitHistory
from townhall.connectors.services import save_connection
from townhall.core.models import ImportRun, Member, Role
from townhall.core.services.record import ensure_native_member


def login(client, *, role):
    user = User.objects.create_user("team@example.com", "team@example.com", "pw-12345-long")
    member = ensure_native_member(user, name="Team")
    Member.objects.filter(pk=member.pk).update(role=role)
    client.force_login(user)


def test_members_cannot_see_the_sources_page(client, db):
    login(client, role=Role.MEMBER)
    assert client.get("/sources/").status_code == 403


def test_team_sees_connectors_connections_and_failed_runs_with_their_error(client, db, tmp_path):
    login(client, role=Role.COMMUNITY_MANAGER)
    connection = save_connection(GitHistory, GitConfig(path=tmp_path), name="engine repo")
    ImportRun.objects.create(
        origin=connection.origin, connector="git", status="failed", error="git log failed: boom"
    )
    ImportRun.objects.create(
        origin="/data/rsvps.csv",
        connector="csv",
        status="finished",
        read=12,
        created=10,
        quarantined=2,
    )
    page = client.get("/sources/").content.decode()
    assert "engine repo" in page and "git log failed: boom" in page
    assert "/data/rsvps.csv" in page and "import_run__id__exact" in page
    assert all(f"<code>{source.name}</code>" in page for source in registry.all_sources())
