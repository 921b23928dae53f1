"""The full-text index of topics and replies, and the view counter, in the database itself.

SQLite: two FTS5 tables over the content tables (`community_topic_fts(title, body)`,
`community_reply_fts(body)`; external content, so the text is stored once), kept in
step by AFTER INSERT/UPDATE/DELETE triggers on `community_topic` and `community_reply`.
PostgreSQL: a stored generated `search_vector` column on each table (title weighted A,
body B; English configuration) with a GIN index; nothing to keep in step.
Both: an AFTER INSERT trigger on `community_topicview` adds one to `Topic.view_count`,
so recording a view is a single INSERT.

Migration 0003 creates these; `ensure_search_schema` also runs after every `migrate`
(post_migrate, see apps.py) because on SQLite Django rebuilds a table to add most kinds
of column, which drops the triggers on it. It is idempotent and re-indexes when it had
to repair something.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

TOKENIZER = "porter unicode61 remove_diacritics 2"
PG_CONFIG = "english"

_SQLITE_TABLES = {
    "community_topic_fts": (
        "CREATE VIRTUAL TABLE community_topic_fts USING fts5(title, body, "
        f"content='community_topic', content_rowid='id', tokenize='{TOKENIZER}')"
    ),
    "community_reply_fts": (
        "CREATE VIRTUAL TABLE community_reply_fts USING fts5(body, "
        f"content='community_reply', content_rowid='id', tokenize='{TOKENIZER}')"
    ),
}


def _sqlite_triggers() -> dict[str, str]:
    triggers = {}
    for table, columns in (("community_topic", ("title", "body")), ("community_reply", ("body",))):
        fts = f"{table}_fts"
        cols = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
        delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
        triggers[f"{fts}_ai"] = (
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END"
        )
        triggers[f"{fts}_ad"] = (
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END"
        )
        triggers[f"{fts}_au"] = (
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN {delete} {insert} END"
        )
    triggers["community_topicview_count"] = (
        "CREATE TRIGGER community_topicview_count AFTER INSERT ON community_topicview BEGIN "
        "UPDATE community_topic SET view_count = view_count + 1 WHERE id = new.topic_id; END"
    )
    return triggers


# (what it creates, how to tell it exists, how to create it)
_PG_CREATE = [
    (
        "community_topic.search_vector",
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'community_topic' "
        "AND column_name = 'search_vector'",
        f"""ALTER TABLE community_topic ADD COLUMN search_vector tsvector
            GENERATED ALWAYS AS (setweight(to_tsvector('{PG_CONFIG}', title), 'A')
                              || setweight(to_tsvector('{PG_CONFIG}', body), 'B')) STORED""",
    ),
    (
        "community_topic_search",
        "SELECT 1 FROM pg_indexes WHERE indexname = 'community_topic_search'",
        "CREATE INDEX community_topic_search ON community_topic USING gin (search_vector)",
    ),
    (
        "community_reply.search_vector",
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'community_reply' "
        "AND column_name = 'search_vector'",
        f"""ALTER TABLE community_reply ADD COLUMN search_vector tsvector
            GENERATED ALWAYS AS (setweight(to_tsvector('{PG_CONFIG}', body), 'B')) STORED""",
    ),
    (
        "community_reply_search",
        "SELECT 1 FROM pg_indexes WHERE indexname = 'community_reply_search'",
        "CREATE INDEX community_reply_search ON community_reply USING gin (search_vector)",
    ),
    (
        "community_topicview_count",
        "SELECT 1 FROM pg_trigger WHERE tgname = 'community_topicview_count'",
        """CREATE OR REPLACE FUNCTION community_topicview_count() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              UPDATE community_topic SET view_count = view_count + 1 WHERE id = NEW.topic_id;
              RETURN NULL;
            END $$;
           CREATE TRIGGER community_topicview_count AFTER INSERT ON community_topicview
            FOR EACH ROW EXECUTE FUNCTION community_topicview_count()""",
    ),
]

_PG_DROP = [
    "DROP TRIGGER IF EXISTS community_topicview_count ON community_topicview",
    "DROP FUNCTION IF EXISTS community_topicview_count()",
    "DROP INDEX IF EXISTS community_topic_search",
    "DROP INDEX IF EXISTS community_reply_search",
    "ALTER TABLE community_topic DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE community_reply DROP COLUMN IF EXISTS search_vector",
]


def ensure_search_schema(connection: BaseDatabaseWrapper, *, triggers: bool = True) -> list[str]:
    """Create whatever part of the index and triggers is missing; returns what it created.

    On SQLite, when a table or trigger had to be (re)created, the FTS tables are rebuilt
    from the content tables, since writes may have happened while a trigger was missing.
    `triggers=False` (the migration, on SQLite) creates the FTS tables only: a trigger
    that names `community_topic` makes SQLite refuse the table rebuilds later migrations
    do, so triggers exist only between migrate runs (see before_migrate/after_migrate).
    """
    created: list[str] = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Check first: ALTER TABLE fails inside a transaction with pending trigger events.
            for name, exists, create in _PG_CREATE:
                cursor.execute(exists)
                if cursor.fetchone() is None:
                    cursor.execute(create)
                    created.append(name)
        return created
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        if "community_topic" not in present or "community_topicview" not in present:
            return []  # before the community tables exist (an early migration)
        wanted = {**_SQLITE_TABLES, **(_sqlite_triggers() if triggers else {})}
        for name, sql in wanted.items():
            if name not in present:
                cursor.execute(sql)
                created.append(name)
        if created:
            for fts in _SQLITE_TABLES:
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    return created


def drop_search_schema(connection: BaseDatabaseWrapper) -> None:
    """Remove the index and triggers (the migration's reverse)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in _PG_DROP:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for name in _sqlite_triggers():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            for name in _SQLITE_TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")


def rebuild_search_index(connection: BaseDatabaseWrapper) -> None:
    """Re-index everything (SQLite; PostgreSQL's generated columns are always current)."""
    ensure_search_schema(connection)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for fts in _SQLITE_TABLES:
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def before_migrate(using: str = "default", **_: Any) -> None:
    """pre_migrate receiver (SQLite): drop the triggers, so migrations may rebuild the
    community tables (SQLite refuses to rename a table a trigger elsewhere names)."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in _sqlite_triggers():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def after_migrate(using: str = "default", **_: Any) -> None:
    """post_migrate receiver: put back triggers a table rebuild dropped."""
    from django.db import connections

    ensure_search_schema(connections[using])
