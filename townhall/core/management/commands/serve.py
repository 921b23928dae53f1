"""`townhall serve`: the development server, on 127.0.0.1:8000 unless told otherwise.

In production mode (TOWNHALL_DEBUG=0) it does not start Django's development server,
which is not made for the internet, and prints how to run a real one instead.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Townhall for development on http://127.0.0.1:8000 (reloads on code changes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)"
        )
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument("--noreload", action="store_true", help="do not reload on code changes")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if not settings.DEBUG:
            self.stdout.write(
                "TOWNHALL_DEBUG=0: the development server is not for production. Run:\n"
                "  townhall migrate && townhall collectstatic --no-input\n"
                f"  gunicorn townhall.wsgi:application --bind {host}:{port} --workers 3\n"
                "behind a reverse proxy that terminates TLS (gunicorn: pip install gunicorn)."
            )
            return
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        call_command("runserver", address, use_reloader=not options["noreload"])
