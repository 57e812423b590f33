"""Import the back catalogue of published learning into the public library.

    python manage.py library_import FILE.jsonl     import or update (idempotent by `id`)
    python manage.py library_import --rebuild-index  index every public item again

The file has one JSON object per line, in the format of
sightline/publishing/demo_data/back_catalogue.jsonl. Lines that
cannot be used are reported as "line N: reason" and skipped; the rest are imported. Progress is
shown every `--batch-size` items, then "Imported X, updated Y, skipped Z".
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from sightline.publishing import search
from sightline.publishing.library import ImportResult, import_catalogue


class Command(BaseCommand):
    help = "Import back-catalogue library items from a JSONL file (idempotent by id)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="JSONL file to import ('-' for stdin)")
        parser.add_argument("--batch-size", type=int, default=100)
        parser.add_argument(
            "--rebuild-index",
            action="store_true",
            help="Index every public library item again (after the import, if a file is given)",
        )

    def handle(self, *args, **options):
        path, rebuild = options["file"], options["rebuild_index"]
        if not path and not rebuild:
            raise CommandError("Give a JSONL file to import, or --rebuild-index.")
        if path:
            self._import(path, max(1, options["batch_size"]))
        if rebuild:
            started = time.monotonic()
            count = search.rebuild_index()
            self.stdout.write(f"Indexed {count} items in {time.monotonic() - started:.1f}s")

    def _import(self, path: str, batch_size: int) -> None:
        started = time.monotonic()

        def progress(lines: int, result: ImportResult) -> None:
            self.stdout.write(
                f"{lines} lines read: {result.imported} imported, {result.updated} updated, "
                f"{result.skipped} skipped ({time.monotonic() - started:.1f}s)"
            )

        def error(message: str) -> None:
            self.stderr.write(message)

        try:
            handle = sys.stdin if path == "-" else open(path, encoding="utf-8-sig")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        try:
            result = import_catalogue(handle, batch_size=batch_size, progress=progress, error=error)
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 text: {exc.reason}") from None
        finally:
            if handle is not sys.stdin:
                handle.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.imported}, updated {result.updated}, skipped {result.skipped}"
            )
        )
