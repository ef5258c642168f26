"""`abrazo demo`: load the demo network, or the state-scale data set for benchmarks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abrazo.directory.demo import DEMO_MFA_NOTE, SCALES, DemoError, demo_accounts, format_accounts, load_demo


class Command(BaseCommand):
    help = (
        "Load a deterministic, fictional IECMHC network shaped like California's, with demo accounts for "
        "every role. Does nothing if it is already loaded (use --reset to reload)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", choices=list(SCALES), default="default",
            help="default: about 60 consultants and 800 programs; state: 1,000 consultants and 40,000 programs "
                 "(DOMAIN.md §11, for benchmarks; takes minutes); tiny: a small network for tests.",
        )
        parser.add_argument("--reset", action="store_true", help="Delete the scale's network first and load it anew.")

    def handle(self, *args: Any, scale: str, reset: bool, **options: Any) -> None:
        verbose = options["verbosity"] >= 1
        spec = SCALES[scale]
        if verbose:
            self.stdout.write(f"Loading {spec.network_name} ({spec.slug})...")
        try:
            result = load_demo(scale, reset=reset, progress=self.stdout.write if verbose else _silent)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if not verbose:
            return
        if result.created:
            summary = ", ".join(f"{n:,} {label}" for label, n in result.counts.items())
            self.stdout.write(self.style.SUCCESS(f"Loaded in {result.seconds:.1f} s: {summary}."))
        else:
            self.stdout.write(f"{spec.network_name} is already loaded; nothing to do (--reset reloads it).")
        self.stdout.write("")
        self.stdout.write("Demo accounts:")
        self.stdout.write(format_accounts(demo_accounts(scale)))
        self.stdout.write("")
        self.stdout.write(DEMO_MFA_NOTE)


def _silent(message: str) -> None:
    return None
