"""GitHub connectors: `github-api` (the REST API, live and incremental) and `gharchive`
(GH Archive hourly event files).

Both yield activities under the source slug `github`, people keyed by GitHub's numeric
user id (bots — `type: "Bot"` or a `[bot]` login — flagged), channel = the repository
`owner/name`, conversation_id = `owner/name#number` for an issue or pull request.
What each reads, the kinds it yields with their actor and target, and what it skips
are described in `api.py` and `archive.py`; docs/connectors/github.md is the guide.
"""

from townhall.connectors.github.api import GitHubApi, GitHubApiConfig
from townhall.connectors.github.archive import GhArchive, GhArchiveConfig

__all__ = ["GhArchive", "GhArchiveConfig", "GitHubApi", "GitHubApiConfig"]
