"""`townhall roi report` and `townhall roi holdout …`: what the community is worth."""

from __future__ import annotations

import csv
from datetime import date
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console

from townhall.roi.analyses import all_findings
from townhall.roi.holdout import assign, create_campaign, evaluate, invite_list
from townhall.roi.models import HoldoutCampaign


class Command(BaseCommand):
    help = "ROI findings, and invite holdouts (experiments)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="every finding in plain words")
        report.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")
        report.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples")
        holdout = sub.add_parser("holdout", help="hold back a random share of invitations")
        steps = holdout.add_subparsers(dest="step", required=True)
        create = steps.add_parser("create")
        create.add_argument("slug")
        create.add_argument("name")
        create.add_argument("--share", type=float, default=0.1, help="share held out (0.01–0.5)")
        create.add_argument("--start", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")
        for name in ("assign", "invites", "evaluate"):
            step = steps.add_parser(name)
            step.add_argument("slug")
            if name == "evaluate":
                step.add_argument("--as-of", type=date.fromisoformat)

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=cast(IO[str], self.stdout._out), highlight=False)
        if options["action"] == "report":
            as_of = options["as_of"] or timezone.localdate()
            for finding in all_findings(as_of=as_of, n_bootstrap=options["bootstrap"]):
                console.print(f"[bold]{finding.topic} · {finding.question}[/] ({finding.evidence})")
                console.print(f"  {finding.sentence}")
                if finding.estimate:
                    for warning in finding.estimate.warnings:
                        console.print(f"  [yellow]note:[/] {warning}")
            return
        step = options["step"]
        if step == "create":
            try:
                campaign = create_campaign(
                    options["slug"],
                    options["name"],
                    holdout_share=options["share"],
                    started_on=options["start"] or timezone.localdate(),
                )
            except ValueError as error:
                raise CommandError(str(error)) from None
            console.print(
                f"Created {campaign.name}: {campaign.holdout_share:.0%} of accounts held out."
            )
            return
        try:
            campaign = HoldoutCampaign.objects.get(slug=options["slug"])
        except HoldoutCampaign.DoesNotExist:
            raise CommandError(f"No holdout campaign {options['slug']!r}") from None
        if step == "assign":
            counts = assign(campaign)
            console.print(
                f"Assigned {counts['invited']:,} accounts to invite, {counts['holdout']:,} held out."
            )
        elif step == "invites":
            writer = csv.writer(cast(IO[str], self.stdout._out))
            writer.writerow(["email", "name", "account"])
            writer.writerows(invite_list(campaign))
        else:
            result = evaluate(campaign, as_of=options["as_of"] or timezone.localdate())
            console.print(result.sentence)
