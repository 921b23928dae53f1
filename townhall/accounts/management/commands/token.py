"""`townhall token create|list|revoke`: personal API tokens from the command line.

townhall token create --user alice@example.com --scope write [--name crm-sync] [--expires-days 90]
townhall token list [--user alice@example.com]
townhall token revoke th_1a2b3c4d
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from townhall.accounts.models import ApiToken
from townhall.accounts.tokens import TokenError, create_token, revoke_token


class Command(BaseCommand):
    help = "Create, list and revoke personal API tokens."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        create = actions.add_parser("create", help="Create a token and print it once.")
        create.add_argument("--user", required=True, help="Email address of the token's owner.")
        create.add_argument("--name", default="cli", help="What the token is for (default: cli).")
        create.add_argument(
            "--scope",
            choices=ApiToken.Scope.values,
            default=ApiToken.Scope.READ,
            help="read (default) or write (read and import).",
        )
        create.add_argument(
            "--expires-days", type=int, default=None, help="Expire after this many days."
        )

        listing = actions.add_parser("list", help="List tokens (never their secrets).")
        listing.add_argument("--user", help="Only this user's tokens (email address).")

        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix", help="The token's prefix, e.g. th_1a2b3c4d or 1a2b3c4d.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options)
        elif action == "list":
            self._list(options)
        else:
            self._revoke(options)

    def _user(self, email: str) -> Any:
        users = list(get_user_model().objects.filter(email__iexact=email.strip())[:2])
        if not users:
            raise CommandError(
                f"No user has the email {email!r}. Sign up first, or run `townhall createsuperuser`."
            )
        if len(users) > 1:
            raise CommandError(
                f"Several users have the email {email!r}; fix that in the admin first."
            )
        return users[0]

    def _create(self, options: dict[str, Any]) -> None:
        days = options["expires_days"]
        if days is not None and days < 1:
            raise CommandError("--expires-days must be 1 or more.")
        expires_at = timezone.now() + timedelta(days=days) if days else None
        user = self._user(options["user"])
        try:
            token, plaintext = create_token(
                user, options["name"], options["scope"], expires_at=expires_at
            )
        except TokenError as error:
            raise CommandError(str(error)) from None
        self.stderr.write(
            f"Created {token.scope} token “{token.name}” ({token.display_prefix}) for "
            f"{user.email}. It is shown this once; store it somewhere safe:"
        )
        self.stdout.write(plaintext)

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__email", "-created_at")
        if options.get("user"):
            tokens = tokens.filter(user=self._user(options["user"]))
        rows = list(tokens)
        if not rows:
            self.stdout.write("No tokens.")
            return
        for token in rows:
            last_used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"th_{token.prefix}  {token.scope:<5}  {token.status:<7}  "
                f"last used {last_used:<16}  {token.user.email}  {token.name}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        prefix = options["prefix"].strip().removeprefix("th_").split("_")[0]
        token = ApiToken.objects.filter(prefix=prefix).first()
        if token is None:
            raise CommandError(
                f"No token has the prefix {options['prefix']!r}; see `townhall token list`."
            )
        revoke_token(token)
        self.stdout.write(f"Revoked “{token.name}” (th_{token.prefix}) of {token.user.email}.")
