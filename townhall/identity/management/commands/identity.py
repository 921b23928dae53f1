"""`townhall identity resolve|evaluate|evalset`: identity resolution from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.table import Table

from townhall.core.cli.progress import err_console
from townhall.core.models import Identity
from townhall.identity.evalset import generate
from townhall.identity.evaluation import baseline_clusters, pairwise_score
from townhall.identity.services import mark_employees, resolve_identities


class Command(BaseCommand):
    help = "Resolve identities into people, evaluate against a labelled file, or write an evaluation set."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser(
            "resolve", help="Merge confident matches and queue the uncertain for review."
        )
        run.add_argument(
            "--dry-run", action="store_true", help="Print what would happen; change nothing."
        )
        run.add_argument("--show", type=int, default=20, help="How many merges to print.")
        evaluate = sub.add_parser(
            "evaluate", help="Pairwise precision, recall and F1 against a truth file."
        )
        evaluate.add_argument(
            "--truth", type=Path, required=True, help="JSONL: {source, external_id, person}."
        )
        evaluate.add_argument(
            "--baseline",
            choices=["email", "email-or-name"],
            help="Score a naive rule on the same identities instead of the current people.",
        )
        employees = sub.add_parser(
            "employees", help="Mark employees by company domain and/or a list of emails."
        )
        employees.add_argument(
            "--domain", action="append", default=[], help="A company email domain (repeatable)."
        )
        employees.add_argument(
            "--emails", type=Path, help="A file with one employee email per line."
        )
        evalset = sub.add_parser(
            "evalset", help="Write a labelled evaluation set (records + truth)."
        )
        evalset.add_argument(
            "--out", type=Path, required=True, help="Folder to write records.jsonl and truth.jsonl."
        )
        evalset.add_argument("--people", type=int, default=3000)
        evalset.add_argument("--seed", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(options)

    def do_resolve(self, options: dict[str, Any]) -> None:
        dry_run = options["dry_run"]
        with err_console.status("Resolving identities…"):
            summary, _ = resolve_identities(dry_run=dry_run)
        verb = "would merge" if dry_run else "merged"
        table = Table("keep", "absorb", "confidence", "evidence", title=f"Merges ({verb})")
        for keep, absorb, confidence, evidence in summary.merges[: options["show"]]:
            table.add_row(str(keep), str(absorb), f"{confidence:.1%}", ", ".join(evidence))
        if options["verbosity"]:
            err_console.print(table)
        self.stdout.write(
            f"members={summary.members} pairs_scored={summary.pairs_compared} "
            f"{verb.replace(' ', '_')}={len(summary.merges)} suggestions={summary.suggestions} "
            f"kept_apart={summary.refused} employees_marked={summary.employees_marked}"
        )
        if not dry_run and summary.suggestions:
            err_console.print(
                "Review the suggestions on the Identity review page (/identity/review/)."
            )

    def do_evaluate(self, options: dict[str, Any]) -> None:
        path: Path = options["truth"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        truth: dict[tuple[str, str], str] = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                truth[(row["source"], str(row["external_id"]))] = str(row["person"])
            except (ValueError, KeyError, TypeError) as error:
                raise CommandError(
                    f"{path}:{number}: expected {{source, external_id, person}}: {error}"
                ) from None
        rows = Identity.objects.values_list(
            "source__slug", "external_id", "member_id", "email", "name"
        )
        predicted: dict[tuple[str, str], int] = {}
        facts = []
        for source, external_id, member_id, email, name in rows.iterator(chunk_size=10000):
            predicted[(source, external_id)] = member_id
            facts.append(((source, external_id), email, name))
        if options["baseline"]:
            predicted = baseline_clusters(facts, use_names=options["baseline"] == "email-or-name")
        score = pairwise_score(predicted, truth)
        matched = len(predicted.keys() & truth.keys())
        self.stdout.write(
            f"identities={matched} (of {len(truth)} in the truth) true_pairs={score.true_pairs} "
            f"predicted_pairs={score.predicted_pairs} precision={score.precision:.4f} "
            f"recall={score.recall:.4f} f1={score.f1:.4f}"
        )

    def do_employees(self, options: dict[str, Any]) -> None:
        emails: list[str] = []
        if options["emails"]:
            if not options["emails"].is_file():
                raise CommandError(f"{options['emails']} is not a file")
            lines = options["emails"].read_text(encoding="utf-8").splitlines()
            emails = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
            bad = [e for e in emails if "@" not in e]
            if bad:
                raise CommandError(f"not email addresses: {', '.join(bad[:5])}")
        if not options["domain"] and not emails:
            raise CommandError(
                "give --domain and/or --emails (or set TOWNHALL_EMPLOYEE_DOMAINS for resolve)"
            )
        marked = mark_employees(domains=options["domain"], emails=emails)
        self.stdout.write(f"employees_marked={marked}")

    def do_evalset(self, options: dict[str, Any]) -> None:
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        evalset = generate(options["people"], options["seed"])
        with (out / "records.jsonl").open("wb") as handle:
            for record in evalset.records:
                handle.write(msgspec.json.encode(record) + b"\n")
        with (out / "truth.jsonl").open("w", encoding="utf-8") as handle:
            for (source, external_id), person in sorted(evalset.truth.items()):
                handle.write(
                    json.dumps({"source": source, "external_id": external_id, "person": person})
                    + "\n"
                )
        self.stdout.write(
            f"Wrote {len(evalset.records)} records and {len(evalset.truth)} labelled identities to {out}."
        )
