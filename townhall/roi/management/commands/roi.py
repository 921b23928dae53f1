"""`townhall roi report` and `townhall roi holdout …`: what the community is worth."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console

from townhall.crm.models import Account
from townhall.roi.holdout import assign, create_campaign, evaluate, invite_list
from townhall.roi.models import HoldoutCampaign
from townhall.roi.report import build_report, export_html, export_pdf, save_report
from townhall.roi.synthetic import seed_crm


class Command(BaseCommand):
    help = "ROI findings, and invite holdouts (experiments)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="compute the report, store it, print it")
        report.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")
        report.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples")
        report.add_argument("--html", type=Path, help="also write a self-contained HTML file")
        report.add_argument("--pdf", type=Path, help="also write a PDF (headless Chromium)")
        demo = sub.add_parser(
            "demo", help="seed a synthetic CRM with known effects and report on it"
        )
        demo.add_argument("--accounts", type=int, default=200)
        demo.add_argument("--bootstrap", type=int, default=50)
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
            with console.status("Computing the ROI report (models refitted per comparison)…"):
                report = build_report(as_of=as_of, n_bootstrap=options["bootstrap"])
            path = save_report(report)
            for finding in report["findings"]:
                console.print(
                    f"[bold]{finding['topic']} · {finding['question']}[/] ({finding['evidence']})"
                )
                console.print(f"  {finding['sentence']}")
                for warning in finding["warnings"]:
                    console.print(f"  [yellow]note:[/] {warning}")
            console.print(f"Stored in {path}; shown at /roi/ and /api/v1/roi/report.")
            html_path = options["html"] or (
                options["pdf"].with_suffix(".html") if options["pdf"] else None
            )
            if html_path:
                try:
                    html_path.write_text(export_html(report), encoding="utf-8")
                except FileNotFoundError as error:
                    raise CommandError(str(error)) from None
                console.print(f"Wrote {html_path}")
            if options["pdf"] and html_path:
                export_pdf(html_path, options["pdf"])
                console.print(f"Wrote {options['pdf']}")
            return
        if options["action"] == "demo":
            if Account.objects.filter(system="demo").exists():
                console.print("The demo CRM is already there.")
                return
            truth = seed_crm(options["accounts"], seed=11, system="demo")
            report = build_report(n_bootstrap=options["bootstrap"])
            save_report(report)
            console.print(
                f"Demo CRM: {options['accounts']} accounts ({truth.join_share:.0%} in the community); "
                "ROI report stored, see /roi/."
            )
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
