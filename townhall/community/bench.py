"""`townhall bench web`: how fast gunicorn serves the community's busiest pages.

1. A PostgreSQL database: a new `townhall_bench_<random>` on the server of `--database`
   or of `TOWNHALL_DATABASE_URL` (when it is PostgreSQL), else a throwaway cluster
   started like scripts/with-postgres.sh (initdb in a temporary directory, a spare
   port, `fsync=off`), removed at the end.
2. A child process migrates it and seeds a community through the verbs: boards, a
   question with `--replies` replies (likes on some), `--topics` more topics with tags,
   a signed-in reader's session.
3. gunicorn starts (`--workers` processes × `--threads` threads, production settings:
   DEBUG off, collected static files, persistent database connections).
4. For each page (topic, board, search) and each visitor (signed out, signed in),
   `--clients` closed-loop connections request the page for `--seconds` (after a short
   warm-up). The load comes from wrk when it is installed (`--client wrk`, Debian's
   `wrk`, see townhall/core/bench/wrk.py) or from httpx clients in threads
   (`--client python`), whose every latency is kept. Search is skipped with a message
   when `/community/search/` answers 404.
5. A table: requests, errors, requests/s, p50 and p99 latency per page and visitor.

The clients run on the same machine as the server and take part of its CPU: the Python
clients about as much per request as a cached page costs the server, wrk far less.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from argparse import SUPPRESS, ArgumentParser
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from townhall.core.bench import Benchmark, register, wrk
from townhall.core.bench.databases import BenchDatabaseError, engine_of, fresh_database

HELP = (
    "Serve the community with gunicorn on a seeded PostgreSQL database and measure "
    "requests/s and p50/p99 latency of the topic, board and search pages, signed in and out."
)
PAGES = ("topic", "board", "search")
VISITORS = ("signed out", "signed in")
SEARCH_QUERY = "password"


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=10, help="concurrent clients (10)")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="measured seconds per page and visitor (10)"
    )
    parser.add_argument("--replies", type=int, default=200, help="replies on the topic (200)")
    parser.add_argument("--topics", type=int, default=500, help="other topics seeded (500)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument(
        "--database",
        metavar="URL",
        help="postgres://user@host:port/db whose server gets a throwaway database; default "
        "TOWNHALL_DATABASE_URL when it is PostgreSQL, else a throwaway PostgreSQL cluster",
    )
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="serve without the signed-out page cache (to see what it brings)",
    )
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk (C, takes little of the CPU it measures), python (httpx "
        "threads) or auto (wrk when installed)",
    )
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--seed-worker", action="store_true", help=SUPPRESS)


# --- the database ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def throwaway_postgres(workdir: Path) -> Iterator[str]:
    """A PostgreSQL cluster of our own for the run (as scripts/with-postgres.sh starts one)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not versions:
        raise CommandError(
            "No PostgreSQL server found (/usr/lib/postgresql/*/bin): install postgresql, or "
            "pass --database postgres://user@host:port/db."
        )
    pg_bin, port, data = versions[-1], _free_port(), workdir / "pg"
    data.mkdir()
    as_root = os.geteuid() == 0

    def run(*command: str) -> None:
        line = " ".join(f"'{part}'" for part in command)
        argv = ["su", "postgres", "-s", "/bin/sh", "-c", line] if as_root else ["sh", "-c", line]
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    if as_root:  # initdb and postgres refuse to run as root
        shutil.chown(workdir, "postgres")
        shutil.chown(data, "postgres")
    run(str(pg_bin / "initdb"), "-D", f"{data}/data", "-A", "trust", "-U", "postgres", "--no-sync")
    options = (
        f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    run(
        str(pg_bin / "pg_ctl"),
        "-D",
        f"{data}/data",
        "-w",
        "-l",
        f"{data}/log",
        "-o",
        options,
        "start",
    )
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            run(str(pg_bin / "pg_ctl"), "-D", f"{data}/data", "-m", "immediate", "stop")


@contextlib.contextmanager
def bench_database(url: str | None, workdir: Path) -> Iterator[str]:
    configured = url or os.environ.get("TOWNHALL_DATABASE_URL", "")
    try:
        if configured and engine_of(configured) == "postgresql":
            with fresh_database(configured, workdir) as database:
                yield database
            return
    except BenchDatabaseError as error:
        raise CommandError(str(error)) from None
    if url:
        raise CommandError("--database must be a PostgreSQL URL for `bench web`.")
    with throwaway_postgres(workdir) as server, fresh_database(server, workdir) as database:
        yield database


# --- seeding (in the child process) ----------------------------------------------------


def seed(replies: int, topics: int) -> dict[str, Any]:
    """A community to measure, made through the verbs; returns the addresses and a session."""
    from django.contrib.auth.models import User
    from django.test import Client
    from django.utils import timezone

    from townhall.accounts.services import attach_member, set_role
    from townhall.community import services
    from townhall.core.models import Member, Role

    def person(n: int, name: str) -> Member:
        user = User.objects.create_user(f"bench{n}", f"bench{n}@example.org", "pw")
        member = attach_member(user, name=name)
        assert member is not None
        return member

    root = User.objects.create_superuser("bench-root", "root@example.org", secrets.token_hex(8))
    manager = person(0, "Bench Manager")
    set_role(manager, Role.COMMUNITY_MANAGER, by=root)
    manager.refresh_from_db()
    people = [person(n, f"Member {n}") for n in range(1, 21)]
    reader = person(99, "Rita Reader")
    help_board = services.create_board(name="Help", slug="help", by=manager)
    ideas_board = services.create_board(name="Ideas", slug="ideas", by=manager)
    services.create_board(name="Integrations", slug="integrations", parent=help_board, by=manager)
    # Back-dated, like an import: live posts by members who joined a moment ago would meet
    # the new-member limits and the spam check (see docs/community.md, Moderation).
    start = timezone.now() - timedelta(days=30)
    question = services.create_topic(
        help_board,
        occurred_at=start,
        kind="question",
        title="How do I reset my password when SSO is on?",
        body="I tried **everything**: the reset link, the `admin` console, support.",
        tags=["sso", "password"],
        by=people[0],
    )
    for n in range(replies):
        reply = services.create_reply(
            question,
            body=f"Answer {n}: try *this* — see [the docs](https://example.org/{n}).",
            by=people[1 + n % (len(people) - 1)],
            occurred_at=start + timedelta(minutes=1 + n),
        )
        if n % 10 == 0:
            services.like(reply, by=people[0])
    kinds = ["question", "discussion", "idea"]
    for n in range(topics):
        board = ideas_board if n % 3 == 2 else help_board
        services.create_topic(
            board,
            kind=kinds[n % 3],
            title=f"Topic {n}: syncing data between workspaces and the password policy",
            body="Some details about the setup.",
            tags=[f"tag{n % 7}", "sync"],
            by=people[n % len(people)],
            occurred_at=start + timedelta(minutes=1 + n),
        )
    client = Client()
    client.force_login(reader.user)  # type: ignore[arg-type]
    return {
        "topic": question.get_absolute_url(),
        "board": f"/community/b/{help_board.slug}/",
        "search": f"/community/search/?q={SEARCH_QUERY}",
        "session": client.cookies["sessionid"].value,
        "reader": reader.display_name,
    }


def run_seed_worker(options: dict[str, Any]) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    sys.stdout.write(json.dumps(seed(options["replies"], options["topics"])) + "\n")


# --- the server and the load -----------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    page: str
    visitor: str
    client: str  # the load generator: "wrk" or "python"
    requests: int
    errors: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (exact, no interpolation)."""
    ordered = sorted(values)
    rank = max(1, int(-(-fraction * len(ordered) // 1)))
    return ordered[min(rank, len(ordered)) - 1]


def drive(
    base: str, path: str, cookies: dict[str, str], clients: int, seconds: float, advance: Any
) -> tuple[list[float], int, float]:
    """`clients` threads request `path` until `seconds` pass; latencies (s), errors, wall time."""
    import httpx

    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop_at = [0.0]

    def begin() -> None:  # runs once, before any thread is released
        stop_at[0] = time.perf_counter() + seconds

    start = threading.Barrier(clients + 1, action=begin)

    def client(index: int) -> None:
        with httpx.Client(base_url=base, cookies=cookies, timeout=30.0) as http:
            for _ in range(3):  # warm-up: connections, worker caches
                http.get(path)
            start.wait()
            mine = latencies[index]
            while (now := time.perf_counter()) < stop_at[0]:
                try:
                    response = http.get(path)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    mine.append(time.perf_counter() - now)
                else:
                    errors[index] += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = stop_at[0] - seconds
    while any(thread.is_alive() for thread in threads):
        time.sleep(0.2)
        advance(min(time.perf_counter() - began, seconds))
    wall = time.perf_counter() - began
    return [value for chunk in latencies for value in chunk], sum(errors), wall


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int, threads: int, workdir: Path) -> Iterator[str]:
    port = _free_port()
    log = (workdir / "gunicorn.log").open("w")
    command = [
        sys.executable, "-m", "gunicorn", "townhall.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--worker-class", "gthread", "--backlog", "256", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline, status = time.monotonic() + 60, "no answer"
        while True:
            if server.poll() is not None:
                raise CommandError(f"gunicorn stopped at start-up: {_tail(workdir)}")
            with contextlib.suppress(httpx.HTTPError):
                status = httpx.get(f"{base}/community/", timeout=2).status_code
                if status == 200:
                    break
            if time.monotonic() > deadline:
                raise CommandError(
                    f"gunicorn did not serve /community/ within 60 s ({status}): {_tail(workdir)}"
                )
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=20)
        if server.poll() is None:
            server.kill()
        log.close()


def _tail(workdir: Path) -> str:
    log = workdir / "gunicorn.log"
    return log.read_text()[-2000:] if log.exists() else ""


def run_from_options(options: dict[str, Any]) -> None:
    if options.get("seed_worker"):
        run_seed_worker(options)
        return
    from django.contrib.staticfiles import finders

    if finders.find("vendor/htmx/htmx.min.js") is None:
        raise CommandError(
            "The vendored static files are missing (htmx): run scripts/vendor-static.sh first; "
            "the benchmark serves pages with production settings, which need every static file."
        )
    import httpx

    console = Console()
    workdir = Path(tempfile.mkdtemp(prefix="townhall-bench-web-"))
    # The postgres account runs the throwaway cluster inside it.
    os.chmod(workdir, 0o755)  # noqa: S103
    try:
        with bench_database(options.get("database"), workdir) as database:
            env = {
                **os.environ,
                "TOWNHALL_DATABASE_URL": database,
                "TOWNHALL_DATA_DIR": str(workdir / "data"),
                "TOWNHALL_DEBUG": "0",
                "TOWNHALL_SECRET_KEY": secrets.token_hex(32),
                "TOWNHALL_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "TOWNHALL_SECURE_COOKIES": "0",
                "TOWNHALL_DATABASE_CONN_MAX_AGE": "60",
                "TOWNHALL_PAGE_CACHE_SECONDS": "0" if options["no_page_cache"] else "300",
                "PYTHONUNBUFFERED": "1",
            }
            with console.status(
                f"Seeding a topic with {options['replies']} replies and {options['topics']} "
                "more topics…"
            ):
                started = time.perf_counter()
                child = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "townhall",
                        "bench",
                        "web",
                        "--seed-worker",
                        "--replies",
                        str(options["replies"]),
                        "--topics",
                        str(options["topics"]),
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                if child.returncode != 0:
                    raise CommandError(f"seeding failed:\n{child.stderr[-3000:]}")
                seeded = json.loads(child.stdout.strip().splitlines()[-1])
                subprocess.run(
                    [sys.executable, "-m", "townhall", "collectstatic", "--noinput", "-v", "0"],
                    env=env,
                    check=True,
                )
            console.print(f"Seeded in {time.perf_counter() - started:.1f} s on {database}")
            figures = _measure(console, env, seeded, options, workdir, httpx)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    _report(console, figures, options)


def _measure(
    console: Console,
    env: dict[str, str],
    seeded: dict[str, Any],
    options: dict[str, Any],
    workdir: Path,
    httpx: Any,
) -> list[Figures]:
    figures: list[Figures] = []
    seconds, clients = options["seconds"], options["clients"]
    use_wrk = _use_wrk(options.get("client", "auto"))
    with gunicorn(env, options["workers"], options["threads"], workdir) as base:
        pages = list(PAGES)
        if httpx.get(base + seeded["search"], timeout=10).status_code == 404:
            console.print(f"[yellow]Skipping search: {seeded['search']} answers 404 here.")
            pages.remove("search")
        runs = [(page, visitor) for page in pages for visitor in VISITORS]
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as progress:
            overall = progress.add_task("all pages", total=seconds * len(runs))
            for number, (page, visitor) in enumerate(runs):
                cookies = {"sessionid": seeded["session"]} if visitor == "signed in" else {}
                task = progress.add_task(f"{page}, {visitor}", total=seconds)

                def advance(done: float, task: Any = task, number: int = number) -> None:
                    progress.update(task, completed=done)
                    progress.update(overall, completed=number * seconds + done)

                if use_wrk:
                    figures.append(_wrk_figures(base, seeded[page], page, visitor, cookies,
                                                clients, seconds, advance))  # fmt: skip
                else:
                    latencies, errors, wall = drive(
                        base, seeded[page], cookies, clients, seconds, advance
                    )
                    figures.append(_python_figures(page, visitor, latencies, errors, wall))
                progress.update(task, completed=seconds)
        _check_pages(base, seeded, httpx)
    return figures


def _use_wrk(choice: str) -> bool:
    if choice == "wrk" and not wrk.available():
        raise CommandError("--client wrk: wrk is not installed (Debian: apt-get install wrk).")
    return choice == "wrk" or (choice == "auto" and wrk.available())


def _python_figures(
    page: str, visitor: str, latencies: list[float], errors: int, wall: float
) -> Figures:
    return Figures(
        page=page,
        visitor=visitor,
        client="python",
        requests=len(latencies),
        errors=errors,
        seconds=round(wall, 2),
        requests_per_s=round(len(latencies) / wall, 1),
        p50_ms=round(_percentile(latencies, 0.50) * 1000, 1) if latencies else 0,
        p99_ms=round(_percentile(latencies, 0.99) * 1000, 1) if latencies else 0,
    )


def _wrk_figures(
    base: str,
    path: str,
    page: str,
    visitor: str,
    cookies: dict[str, str],
    clients: int,
    seconds: float,
    advance: Any,
) -> Figures:
    run = wrk.drive_wrk(
        base + path, cookies=cookies, clients=clients, seconds=seconds, advance=advance
    )
    answered = run.requests - run.errors
    return Figures(
        page=page,
        visitor=visitor,
        client="wrk",
        requests=answered,
        errors=run.errors,
        seconds=round(run.seconds, 2),
        requests_per_s=round(answered / run.seconds, 1) if run.seconds else 0,
        p50_ms=round(run.p50 * 1000, 1),
        p99_ms=round(run.p99 * 1000, 1),
    )


def _check_pages(base: str, seeded: dict[str, Any], httpx: Any) -> None:
    """The signed-out page must not carry the reader's name: the cache kept them apart."""
    page = httpx.get(base + seeded["topic"], timeout=10).text
    if seeded["reader"] in page or "csrfmiddlewaretoken" in page:
        raise CommandError("A signed-out page showed a signed-in visitor's name or CSRF token.")


def _report(console: Console, figures: list[Figures], options: dict[str, Any]) -> None:
    cache = "off" if options["no_page_cache"] else "on"
    client = figures[0].client if figures else "-"
    table = Table(
        title=f"Community pages, {options['clients']} clients ({client}), {options['workers']} "
        f"gunicorn workers × {options['threads']} threads, signed-out page cache {cache}",
        title_justify="left",
    )
    for column in ("page", "visitor", "requests", "errors", "requests/s", "p50 ms", "p99 ms"):
        table.add_column(column, justify="left" if column in {"page", "visitor"} else "right")
    for row in figures:
        table.add_row(
            row.page,
            row.visitor,
            f"{row.requests:,}",
            f"{row.errors:,}",
            f"{row.requests_per_s:,.1f}",
            f"{row.p50_ms:.1f}",
            f"{row.p99_ms:.1f}",
        )
    console.print(table)
    load = os.getloadavg()[0]
    console.print(
        f"{sum(r.requests for r in figures):,} requests, {sum(r.errors for r in figures):,} "
        f"errors · load average {load:.1f} on {os.cpu_count()} cores"
    )
    if options["json"]:
        console.print_json(json.dumps([asdict(row) for row in figures]))


register(Benchmark(name="web", help=HELP, add_arguments=add_arguments, run=run_from_options))
