"""Long-running scheduler: once a minute, enqueue any daily job not yet enqueued today."""

import signal
import time

from django.core.management.base import BaseCommand

from sightline.core.scheduling import enqueue_due_jobs


class Command(BaseCommand):
    help = "Enqueue the daily jobs (reminders, clock checks) once per day."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Check once and exit")
        parser.add_argument("--interval", type=int, default=60)

    def handle(self, *args, once=False, interval=60, **options):
        stop = {"now": False}

        def _stop(*_):
            stop["now"] = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        while True:
            for name in enqueue_due_jobs():
                self.stdout.write(f"Enqueued {name}")
            if once or stop["now"]:
                return
            for _ in range(interval):
                if stop["now"]:
                    return
                time.sleep(1)
