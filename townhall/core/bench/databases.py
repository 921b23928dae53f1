"""Throwaway databases for benchmarks: a temporary SQLite file or a new PostgreSQL database.

A benchmark must start from an empty database so that figures do not depend on
what the developer's own database holds; the worker process migrates it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


class BenchDatabaseError(Exception):
    """The benchmark's database URL is unusable; the message says why and what to do."""


def engine_of(url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme in {"postgres", "postgresql", "pgsql"}:
        return "postgresql"
    if scheme == "sqlite":
        return "sqlite"
    raise BenchDatabaseError(
        f"--database must be a postgres://user@host:port/db URL (or omitted for a temporary "
        f"SQLite file), not {scheme or url!r}"
    )


@contextmanager
def fresh_database(url: str | None, workdir: Path) -> Iterator[str]:
    """Yield the URL of an empty database, removed afterwards.

    Without `url`, a SQLite file in `workdir` (the PRAGMAs come from settings, as for
    the real database). With a PostgreSQL URL, a new database `townhall_bench_<random>`
    on that server, created through the URL's own database and dropped at the end.
    """
    if url is None or engine_of(url) == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    name = f"townhall_bench_{secrets.token_hex(4)}"
    admin_url = urlunsplit(
        parts._replace(path=parts.path if parts.path not in {"", "/"} else "/postgres")
    )
    try:
        admin = psycopg.connect(admin_url, autocommit=True)
    except psycopg.OperationalError as error:
        raise BenchDatabaseError(f"cannot connect to {url}: {error}".strip()) from None
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(parts._replace(path=f"/{name}"))
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
