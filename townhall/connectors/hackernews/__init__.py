"""hackernews: Hacker News through its Firebase API (`hackernews-api`) and CSV exports of
the public datasets (`hackernews-csv`).

Both write `item:<id>` external ids under the source slug `hackernews`, so an export and a
live sync never store an activity twice. See docs/connectors/hackernews.md.
"""
