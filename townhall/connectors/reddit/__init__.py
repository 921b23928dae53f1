"""reddit: subreddits through Reddit's OAuth API (`reddit-api`) and Pushshift-style JSON
line dumps (`reddit-pushshift`).

Both write the same external ids (Reddit fullnames: `t3_…` submissions, `t1_…` comments)
under the source slug `reddit`, so a dump and a live sync of the same subreddit never
store an activity twice. See docs/connectors/reddit.md.
"""
