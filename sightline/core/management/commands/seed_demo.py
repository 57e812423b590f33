"""Demo data: a fictional partnership with agencies, a user for every role and action plans in
every state. Only for the local demo (SIGHTLINE_DEMO=true): Sightline has no default accounts.

`--scale S` adds volume for benchmarks: at 1, ten years of a large partnership (40 agencies,
2,000 users, 1,000 cases, 50,000 actions with 100,000 progress updates, briefings, publication
plans, notifications); `--catalogue FILE` imports a back-catalogue file into the library too.
See sightline/core/demo_scale.py."""

from __future__ import annotations

import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sightline.core.demo import DEMO_PASSWORD, demo_users, seed_base, seed_scale


class Command(BaseCommand):
    help = "Load the demo partnership (first run only) and print the demo sign-ins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=0,
            help="Add ten years of a large partnership times this (1 = 50,000 actions)",
        )
        parser.add_argument(
            "--catalogue", default=None, help="With --scale: a back-catalogue file to import"
        )
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, scale=0, quiet=False, catalogue=None, **options):
        if not (settings.SIGHTLINE_DEMO or settings.DEBUG):
            raise CommandError("Demo data is only for the local demo (set SIGHTLINE_DEMO=true).")
        with transaction.atomic():
            created = seed_base()
        if scale:
            seconds = seed_scale(scale, rng=random.Random(int(scale * 1000)), catalogue=catalogue)
            parts = ", ".join(f"{k} {v} s" for k, v in seconds.items())
            self.stdout.write(f"Added the volume for scale {scale:g} ({parts}).")
        if quiet:
            return
        self.stdout.write("Demo data loaded." if created else "Demo data already present.")
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD})")
        for email, _name, role, agency in demo_users():
            self.stdout.write(f"  {email:<36} {role:<26} {agency}")
        if not settings.SIGHTLINE_MFA_REQUIRED:
            self.stdout.write("Two-factor authentication is relaxed for this local demo.")
