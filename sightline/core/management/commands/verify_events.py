"""Verify the event log's hash chain; name the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from sightline.core.events import verify_chain


class Command(BaseCommand):
    help = "Check the event log's hash chain from the first event to the last."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Event log broken at event {report.broken_at}: {report.problem} "
                f"({report.checked} events verified before it)."
            )
        self.stdout.write(f"Event log intact: {report.checked} events verified.")
