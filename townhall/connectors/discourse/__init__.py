"""Discourse: a forum's topics, replies, likes, accepted answers and mentions through its
REST API (`discourse-api`). See `source.py` and docs/connectors/discourse.md."""
