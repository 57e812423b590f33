"""Verify the event log's hash chain; name the first broken link. With --checkpoint, also check
the log against checkpoints kept outside the database, so a log cut short is caught too."""

from django.core.management.base import BaseCommand, CommandError

from sightline.core.events import CheckpointFileError, read_checkpoints, verify_chain


class Command(BaseCommand):
    help = (
        "Check the event log's hash chain from the first event to the last and, with "
        "--checkpoint, against the checkpoints in a file."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help=(
                "A file of event log checkpoints (the daily checkpoint file, or checkpoint "
                "lines from the log). The log must hold every checkpoint's events with the "
                "same hash. May be given more than once."
            ),
        )

    def handle(self, *args, **options):
        checkpoints = []
        for path in options["checkpoint"]:
            try:
                checkpoints += read_checkpoints(path)
            except CheckpointFileError as error:
                raise CommandError(str(error)) from None
        report = verify_chain(checkpoints=checkpoints)
        if report.checkpoint is not None:
            checkpoint = report.checkpoint
            raise CommandError(
                f"Event log does not match the checkpoint in {checkpoint.source} "
                f"({checkpoint.count} events at {checkpoint.at}): {report.problem}."
            )
        if not report.ok:
            raise CommandError(
                f"Event log broken at event {report.broken_at}: {report.problem} "
                f"({report.checked} events verified before it)."
            )
        against = ""
        if checkpoints:
            files = len(options["checkpoint"])
            against = (
                f" It matches {len(checkpoints)} checkpoint{'s' if len(checkpoints) != 1 else ''}"
                f" from {files} file{'s' if files != 1 else ''}."
            )
        self.stdout.write(f"Event log intact: {report.checked} events verified.{against}")
