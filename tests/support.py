"""Helpers for tests that run Townhall in subprocesses against real servers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
TOWNHALL = [sys.executable, "-m", "townhall"]


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def url_for(settings_dict: dict[str, Any]) -> str:
    """A TOWNHALL_DATABASE_URL for a Django database settings dict."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def current_database_url() -> str:
    """The URL of the database this test runs against (for subprocesses)."""
    return url_for(connection.settings_dict)


@contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """A new, empty, migrated database of the kind the suite runs on; yields its URL."""
    if connection.vendor == "sqlite":
        url = f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:8]}.sqlite3'}"
        run_townhall(["migrate", "--no-input", "-v", "0"], database_url=url)
        yield url
        return
    name = f"townhall_fresh_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = url_for({**connection.settings_dict, "NAME": name})
    try:
        run_townhall(["migrate", "--no-input", "-v", "0"], database_url=url)
        yield url
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def townhall_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_")}
    env.update({"TOWNHALL_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", **extra})
    env["TOWNHALL_DATA_DIR"] = os.environ.get("TOWNHALL_DATA_DIR", str(ROOT / "var"))
    return env


def run_townhall(
    args: list[str], *, database_url: str, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """Run `townhall ARGS` in a subprocess; raises with its output when it fails."""
    result = subprocess.run(
        [*TOWNHALL, *args],
        env=townhall_env(database_url, **extra_env),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    if result.returncode != 0:
        raise AssertionError(f"townhall {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@contextmanager
def redis_server() -> Iterator[str]:
    """A real redis-server on a spare port (or TOWNHALL_TEST_REDIS_URL); yields its URL."""
    if os.environ.get("TOWNHALL_TEST_REDIS_URL"):
        yield os.environ["TOWNHALL_TEST_REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed: run `make test`, which installs it"
    port = spare_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")
