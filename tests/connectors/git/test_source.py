from townhall.connectors.git.source import GitConfig, GitHistory
from townhall.core.records import ActivityRecord

from .contract import sample


def test_git_history_yields_commits_oldest_first_with_co_authors_and_bots(tmp_path):
    repo = sample(tmp_path)
    records = list(
        GitHistory(GitConfig(path=repo, web_url="https://github.com/acme/engine")).read()
    )
    assert all(isinstance(r, ActivityRecord) for r in records)
    assert [r.kind for r in records] == ["commit", "commit", "co_authored", "commit"]
    first, fix, co, bump = records
    assert first.actor.email == "ana@acme.io" and first.channel == "engine"
    assert first.occurred_at.isoformat() == "2026-01-05T10:00:00+01:00"
    assert fix.actor.name == "José Álvarez"
    assert co.actor.email == "bo@corp.dev" and co.target == fix.actor
    assert bump.actor.is_bot
    assert first.url.startswith("https://github.com/acme/engine/commit/")
