"""Slack: a workspace export ZIP (`slack-export`) and the Web API (`slack-api`).

Both produce the same records under the source slug `slack` with the same external
ids, so importing an export and then syncing the API never counts a message twice.
"""
