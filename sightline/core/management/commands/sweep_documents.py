"""Delete stored document files that have no Document row (left by rolled-back uploads)."""

from django.core.management.base import BaseCommand

from sightline.core.documents import sweep_orphan_documents


class Command(BaseCommand):
    help = "Delete stored document files with no Document record, older than a cut-off."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=60,
            help="Only delete files last modified at least this many minutes ago (default 60).",
        )

    def handle(self, *args, **options):
        deleted = sweep_orphan_documents(older_than_minutes=max(options["older_than_minutes"], 0))
        self.stdout.write(f"Deleted {deleted} orphaned document file(s).")
