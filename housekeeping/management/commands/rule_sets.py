"""``manage.py rule_sets``: list, run, export and import housekeeping rule sets."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q, Sum

from housekeeping.models import Candidate, RuleSet
from housekeeping.tasks import run_rule_set
from housekeeping.yaml_io import RuleSetImportError, export_rule_sets, import_rule_sets


class Command(BaseCommand):
    help = (
        "Housekeeping rule sets. 'list' shows each with its open candidates and the bytes they "
        "hold; 'run NAME|ID' evaluates one now (and acts on due candidates unless --no-act; a "
        "dry-run rule set only records what it would do); 'export [NAME ...]' prints YAML; "
        "'import FILE' creates or updates rule sets from YAML (all or nothing)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list")
        run = sub.add_parser("run")
        run.add_argument("rule_set", help="Name or id")
        run.add_argument("--no-act", action="store_true", help="Evaluate only; act on nothing.")
        export = sub.add_parser("export")
        export.add_argument("names", nargs="*", help="Rule set names (default: all)")
        load = sub.add_parser("import")
        load.add_argument("path", help="YAML file, or - for standard input")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _list(self, **options):
        open_ = Q(candidates__status__in=Candidate.OPEN)
        rows = RuleSet.objects.annotate(
            open=Count("candidates", filter=open_), size=Sum("candidates__size", filter=open_)
        )
        for rule_set in rows:
            state = "dry-run" if rule_set.dry_run else "live"
            active = "active" if rule_set.is_active else "inactive"
            self.stdout.write(
                f"{rule_set.pk:>4}  {rule_set.name}  [{rule_set.scope}, {state}, {active}]  "
                f"{rule_set.open} candidates, {(rule_set.size or 0) / 1024**3:.1f} GB"
            )

    def _run(self, rule_set, no_act=False, **options):
        found = RuleSet.objects.filter(
            Q(name=rule_set) | Q(pk=int(rule_set) if rule_set.isdigit() else None)
        ).first()
        if found is None:
            raise CommandError(f"No rule set named {rule_set!r}.")
        outcome = run_rule_set(found.pk, actor_label="command", act=not no_act)
        self.stdout.write(json.dumps(outcome, default=str))
        if outcome.get("error"):
            raise CommandError(outcome["error"])

    def _export(self, names=(), **options):
        rule_sets = RuleSet.objects.all()
        if names:
            rule_sets = rule_sets.filter(name__in=names)
            missing = set(names) - set(rule_sets.values_list("name", flat=True))
            if missing:
                raise CommandError(f"No rule set named {', '.join(sorted(missing))}.")
        self.stdout.write(export_rule_sets(rule_sets), ending="")

    def _import(self, path, **options):
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        try:
            imported = import_rule_sets(text)
        except RuleSetImportError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Imported {len(imported)} rule set(s): " + ", ".join(map(str, imported)))
